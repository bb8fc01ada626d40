package demo

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
)

// TestEveryRealDistrictRepairs: the vendored 焦作 districts, as ECharts quantised them, carry
// spikes, twists and (on the border of 马村区 and 山阳区) a stretch run out and back along
// itself with a small loop at its end. Repaired, every district is sound and touches itself
// nowhere: repaired in its own system and converted (as the demo and `import regions --crs
// gcj02 --repair` do), or converted first (a file someone else converted to WGS-84).
func TestEveryRealDistrictRepairs(t *testing.T) {
	f, err := open("jiaozuo-districts.geojson.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	districts, problems, err := regionio.ReadGeoJSON(f, nil)
	if err != nil || len(problems) > 0 || len(districts) != 10 {
		t.Fatalf("read %d districts: %v %v", len(districts), err, problems)
	}
	for _, d := range districts {
		if len(grid.CheckGeometry(d.Geometry)) == 0 {
			t.Errorf("%s %s is sound unrepaired: the test proves nothing for it", d.Code, d.Name)
		}
		for how, g := range map[string]orb.Geometry{
			"repaired, then converted": grid.Transform(grid.Repair(d.Geometry), crs.GCJ02ToWGS84),
			"converted, then repaired": grid.Repair(grid.Transform(d.Geometry, crs.GCJ02ToWGS84)),
		} {
			if p, w := grid.CheckGeometry(g), grid.GeometryWarnings(g); len(p)+len(w) > 0 {
				t.Errorf("%s %s, %s: problems %q, warnings %q", d.Code, d.Name, how, p, w)
			}
			// Nothing of substance is lost: spikes and slivers have no area, twists and loops little.
			if before, after := grid.AreaM2(d.Geometry), grid.AreaM2(g); after < 0.99*before || after > 1.01*before {
				t.Errorf("%s %s, %s: area %.0f m², was %.0f m²", d.Code, d.Name, how, after, before)
			}
		}
	}
}
