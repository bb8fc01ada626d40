package grid_test

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
)

func testTree() []grid.Region {
	return []grid.Region{
		{Code: "4108", Name: "焦作市", Level: grid.City, Geometry: orb.Polygon{square(113, 35, 0.04)}},
		{Code: "410802", Name: "解放区", Level: grid.District, ParentCode: "4108", Geometry: orb.Polygon{square(113, 35, 0.02)}},
		// A subdistrict without geometry still names the path.
		{Code: "410802001", Name: "民生街道", Level: grid.Subdistrict, ParentCode: "410802"},
		{Code: "410802001001", Name: "枫华园社区", Level: grid.Community, ParentCode: "410802001", Geometry: orb.Polygon{square(113, 35, 0.02)}},
		{Code: "410802001001002", Name: "第2网格", Level: grid.Grid, ParentCode: "410802001001", Geometry: orb.Polygon{square(113.01, 35, 0.01)}},
		{Code: "410802001001001", Name: "第1网格", Level: grid.Grid, ParentCode: "410802001001", Geometry: orb.Polygon{square(113, 35, 0.01)}},
	}
}

func TestLocate(t *testing.T) {
	ix, err := grid.NewIndex(testTree())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		p     orb.Point
		want  string // "" = outside
		depth int
	}{
		{"a point in grid 1", orb.Point{113.005, 35.005}, "410802001001001", 5},
		{"a point in grid 2", orb.Point{113.015, 35.005}, "410802001001002", 5},
		{"a point on the edge grids 1 and 2 share goes to the smaller code", orb.Point{113.01, 35.005}, "410802001001001", 5},
		{"a point in the community outside any grid", orb.Point{113.005, 35.015}, "410802001001", 4},
		{"a point in the city outside the district", orb.Point{113.03, 35.03}, "4108", 1},
		{"a point outside everything", orb.Point{120, 30}, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ix.Locate(tt.p)
			if tt.want == "" {
				if ok {
					t.Fatalf("Locate = %+v, want outside", got)
				}
				return
			}
			if !ok || got.Region.Code != tt.want {
				t.Fatalf("Locate = %+v, %v; want %s", got.Region, ok, tt.want)
			}
			if len(got.Path) != tt.depth || got.Path[0].Code != "4108" {
				t.Errorf("path = %+v, want %d levels from 4108", got.Path, tt.depth)
			}
		})
	}
}

func TestLocateSkipsRetiredRegions(t *testing.T) {
	tree := testTree()
	tree[5].ValidTo = tree[5].ValidTo.AddDate(2026, 0, 0)
	ix, err := grid.NewIndex(tree)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ix.Locate(orb.Point{113.005, 35.005}); got.Region.Code != "410802001001" {
		t.Errorf("Locate = %s, want the community once its grid is retired", got.Region.Code)
	}
}

func TestNewIndexRefusesBrokenTrees(t *testing.T) {
	tree := testTree()
	tree[2].ParentCode = "999999"
	if _, err := grid.NewIndex(tree); err == nil {
		t.Error("NewIndex accepted a region whose parent is missing")
	}
}

// Locate's own point-in-polygon test must agree with orb's on random points of a generated
// city: the answer contains the point, and no region of the same or a deeper level does
// unless it has a larger code.
func TestLocateAgreesWithOrb(t *testing.T) {
	regions := grid.SyntheticCity(3_000, 3)
	ix, err := grid.NewIndex(regions)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]grid.Region{}
	for _, r := range regions {
		byCode[r.Code] = r
	}
	b := regions[0].Geometry.Bound()
	rng := rand.New(rand.NewPCG(5, 5))
	located := 0
	for range 3000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		got, ok := ix.Locate(p)
		var want *grid.Region
		for _, r := range regions {
			if !grid.Contains(r.Geometry, p) {
				continue
			}
			if want == nil || r.Level.Depth() > want.Level.Depth() || (r.Level.Depth() == want.Level.Depth() && r.Code < want.Code) {
				want = &r
			}
		}
		switch {
		case want == nil && ok:
			t.Fatalf("Locate(%v) = %s, but no region contains it", p, got.Region.Code)
		case want != nil && (!ok || got.Region.Code != want.Code):
			t.Fatalf("Locate(%v) = %s (%v), want %s", p, got.Region.Code, ok, want.Code)
		}
		if ok {
			located++
		}
	}
	if located < 1000 {
		t.Errorf("only %d of 3000 random points located; the test is not exercising the index", located)
	}
}
