package grid_test

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
)

var benchCity = sync.OnceValues(func() (*grid.Index, []orb.Point) {
	regions := grid.SyntheticCity(100_000, 1)
	ix, err := grid.NewIndex(regions)
	if err != nil {
		panic(err)
	}
	b := regions[0].Geometry.Bound()
	rng := rand.New(rand.NewPCG(7, 7))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return ix, pts
})

// BenchmarkLocate measures one point lookup over about 100,000 unit grids (DESIGN §10: a few
// microseconds per point). `citygrid bench locate` compares the same with PostGIS.
func BenchmarkLocate(b *testing.B) {
	ix, pts := benchCity()
	b.ReportMetric(float64(ix.Len()), "regions")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.Locate(pts[i%len(pts)])
		i++
	}
}

func TestSyntheticCityIsATree(t *testing.T) {
	regions := grid.SyntheticCity(2_000, 1)
	byCode := map[string]grid.Region{}
	grids := 0
	for _, r := range regions {
		if _, dup := byCode[r.Code]; dup {
			t.Fatalf("duplicate code %s", r.Code)
		}
		var parent *grid.Region
		if p, ok := byCode[r.ParentCode]; ok {
			parent = &p
		}
		if err := r.Validate(parent); err != nil {
			t.Fatal(err)
		}
		byCode[r.Code] = r
		if r.Level == grid.Grid {
			grids++
		}
	}
	if grids < 1_500 || grids > 3_000 {
		t.Errorf("got %d grids, want about 2,000", grids)
	}
}
