package grid_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
)

// TestCheckImportBoundsVertices: a region's boundary may have far more points than a report's
// drawing, up to grid.MaxRegionVertices; beyond that the import names the limit.
func TestCheckImportBoundsVertices(t *testing.T) {
	none := func(string) (grid.Region, bool) { return grid.Region{}, false }
	for _, tc := range []struct {
		name   string
		points int
		want   string // "" = no error
	}{
		{"a boundary of 5,000 points is taken", 5_000, ""},
		{"a boundary over the limit is refused", grid.MaxRegionVertices + 8, "at most 200000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			city := grid.Region{Code: "4108", Name: "焦作市", Level: grid.City, AreaClass: grid.AreaGeneral,
				Geometry: orb.Polygon{grid.Comb(113, 35, 0.1, tc.points)}}
			problems := grid.CheckImport([]grid.Incoming{{Region: city, Where: "feature 0"}}, none)
			var errors []string
			for _, p := range problems {
				if !p.Warning {
					errors = append(errors, p.Reason)
				}
			}
			switch {
			case tc.want == "" && len(errors) > 0:
				t.Errorf("errors %q, want none", errors)
			case tc.want != "" && (len(errors) != 1 || !strings.Contains(errors[0], tc.want)):
				t.Errorf("errors %q, want one mentioning %q", errors, tc.want)
			}
		})
	}
}
