package grid_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/citygrid/citygrid/internal/grid"
)

// square returns a closed square ring with its south-west corner at (lon, lat).
func square(lon, lat, side float64) orb.Ring {
	return orb.Ring{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}
}

func TestCheckGeometry(t *testing.T) {
	tests := []struct {
		name string
		g    orb.Geometry
		want string // substring of the first problem; "" = sound
	}{
		{"a square is sound", orb.Polygon{square(113, 35, 0.01)}, ""},
		{"a square with a hole is sound", orb.Polygon{square(113, 35, 0.01), square(113.002, 35.002, 0.002)}, ""},
		{"a multipolygon of two squares is sound", orb.MultiPolygon{{square(113, 35, 0.01)}, {square(113.02, 35, 0.01)}}, ""},
		{"an unclosed ring", orb.Polygon{square(113, 35, 0.01)[:4]}, "not closed"},
		{"a ring of three points", orb.Polygon{{{113, 35}, {113.1, 35}, {113, 35}}}, "at least 4"},
		{"a bow tie crosses itself", orb.Polygon{{{113, 35}, {113.1, 35.1}, {113.1, 35}, {113, 35.1}, {113, 35}}}, "crosses itself"},
		{"a ring with a zero-width spike", orb.Polygon{{{0, 0}, {2, 0}, {2, 1}, {3, 1}, {1, 1}, {1, 2}, {0, 2}, {0, 0}}}, "spike"},
		{"a ring passing through its own edge at a point", orb.Polygon{{{0, 0}, {6, 6}, {7, 0}, {2, 2}, {0, 1}, {0, 0}}}, "crosses itself"},
		{"a figure eight through a point visited twice", orb.Polygon{{{0, 0}, {2, 2}, {4, 4}, {4, 0}, {2, 2}, {0, 4}, {0, 0}}}, "crosses itself"},
		{"two triangles pinched at a point are sound", orb.Polygon{{{0, 0}, {2, 2}, {4, 0}, {4, 4}, {2, 2}, {0, 4}, {0, 0}}}, ""},
		{"a ring running along its own edge", orb.Polygon{{{0, 0}, {3, 0}, {3, 1}, {2, 1}, {2, 0}, {1, 0}, {1, 2}, {0, 2}, {0, 0}}}, "crosses itself"},
		{"a latitude beyond the pole", orb.Polygon{square(113, 89.995, 0.01)}, "not a valid longitude/latitude"},
		{"a NaN coordinate", orb.Polygon{{{113, 35}, {math.NaN(), 35}, {113.1, 35.1}, {113, 35}}}, "not a valid"},
		{"a point is not an area", orb.Point{113, 35}, "Polygon or MultiPolygon"},
		{"a line is not an area", orb.LineString{{113, 35}, {114, 35}}, "Polygon or MultiPolygon"},
		{"no geometry at all", nil, "no geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := grid.CheckGeometry(tt.g)
			if tt.want == "" {
				if len(problems) > 0 {
					t.Fatalf("problems = %q, want none", problems)
				}
				return
			}
			if len(problems) == 0 || !strings.Contains(problems[0], tt.want) {
				t.Fatalf("problems = %q, want one containing %q", problems, tt.want)
			}
		})
	}
}

func TestGeometryWarnings(t *testing.T) {
	pinched := orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}} // touches its own edge at (1, 0)
	if p := grid.CheckGeometry(pinched); len(p) > 0 {
		t.Errorf("a pinched ring is an error: %q", p)
	}
	if w := grid.GeometryWarnings(pinched); len(w) != 1 || !strings.Contains(w[0], "touches itself") {
		t.Errorf("warnings = %q, want one about touching", w)
	}
	if w := grid.GeometryWarnings(orb.Polygon{square(113, 35, 0.01)}); len(w) > 0 {
		t.Errorf("a square has warnings: %q", w)
	}
}

func TestAreaM2(t *testing.T) {
	// 0.01° of latitude is 1113.2 m; 0.01° of longitude at 35° N is 911.9 m.
	got := grid.AreaM2(orb.Polygon{square(113, 34.995, 0.01)})
	want := 1113.2 * 1113.2 * math.Cos(35*math.Pi/180)
	if math.Abs(got-want)/want > 0.001 {
		t.Errorf("AreaM2 = %.0f, want %.0f", got, want)
	}
}

// lShape is a concave polygon: a 2×2 square with its north-east quarter missing.
var lShape = orb.Polygon{{{113, 35}, {113.02, 35}, {113.02, 35.01}, {113.01, 35.01}, {113.01, 35.02}, {113, 35.02}, {113, 35}}}

// containedBy counts how many of parts contain p.
func containedBy(parts []orb.Geometry, p orb.Point) int {
	n := 0
	for _, g := range parts {
		if grid.Contains(g, p) {
			n++
		}
	}
	return n
}

// assertTiles checks that parts cover g with no gaps and no overlaps: their areas add up to
// g's, and random points inside g fall in exactly one part.
func assertTiles(t *testing.T, g orb.Geometry, parts []orb.Geometry) {
	t.Helper()
	total := 0.0
	for _, p := range parts {
		if problems := grid.CheckGeometry(p); len(problems) > 0 {
			t.Errorf("part is not a sound area: %q", problems)
		}
		total += planar.Area(p) // in square degrees: one projection for the whole and its parts
	}
	if want := planar.Area(g); math.Abs(total-want)/want > 1e-9 {
		t.Errorf("parts cover %g deg², want %g deg²", total, want)
	}
	b := g.Bound()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		in := grid.Contains(g, p)
		n := containedBy(parts, p)
		if in && n != 1 {
			t.Fatalf("point %v inside the whole lies in %d parts, want 1", p, n)
		}
		if !in && n != 0 {
			t.Fatalf("point %v outside the whole lies in %d parts, want 0", p, n)
		}
	}
}

func TestPartition(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		parts := grid.Partition(lShape, n)
		if len(parts) != n {
			t.Fatalf("Partition into %d gave %d parts", n, len(parts))
		}
		assertTiles(t, lShape, parts)
		want := grid.AreaM2(lShape) / float64(n)
		for i, p := range parts {
			if got := grid.AreaM2(p); math.Abs(got-want)/want > 0.01 {
				t.Errorf("n=%d part %d area %.0f, want %.0f (equal shares)", n, i, got, want)
			}
		}
	}
}

func TestCells(t *testing.T) {
	cells := grid.Cells(lShape, 250_000) // 500 m squares over a ~1.8 km L
	assertTiles(t, lShape, cells)
	if len(cells) < 8 || len(cells) > 20 {
		t.Errorf("got %d cells, want about 12", len(cells))
	}
	// Reading order: the first cell is in the north-west, the last in the south-east.
	first, last := cells[0].Bound().Center(), cells[len(cells)-1].Bound().Center()
	if !(first[1] > last[1] && first[0] < last[0]) {
		t.Errorf("first cell centre %v, last %v: want north-west before south-east", first, last)
	}
}

func TestRepair(t *testing.T) {
	spiky := orb.Polygon{{{0, 0}, {2, 0}, {2, 0}, {2, 1}, {3, 1}, {4, 1}, {2, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 0}}}
	if problems := grid.CheckGeometry(spiky); len(problems) == 0 {
		t.Fatal("the spiky square should not pass unrepaired")
	}
	got := grid.Repair(spiky)
	want := orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}
	if !orb.Equal(got, want) {
		t.Errorf("Repair = %v, want %v", got, want)
	}
	if problems := grid.CheckGeometry(got); len(problems) > 0 {
		t.Errorf("repaired polygon has problems: %q", problems)
	}
	if planar.Area(got) != planar.Area(spiky) {
		t.Errorf("area changed from %v to %v", planar.Area(spiky), planar.Area(got))
	}
	// A small loop where the boundary crosses itself is cut off at the crossing.
	looped := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {1, 5}, {1, 4.2}, {3, 5}, {3, 6}, {0, 6}, {0, 0}}}
	if p := grid.CheckGeometry(looped); len(p) == 0 {
		t.Fatal("the looped square should not pass unrepaired")
	}
	if p := grid.CheckGeometry(grid.Repair(looped)); len(p) > 0 {
		t.Errorf("repaired loop still has problems: %q", p)
	}
	if g := grid.Repair(orb.Polygon{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}); g != nil {
		t.Errorf("a flat ring repaired to %v, want nothing", g)
	}
}

func TestCellsLeaveNoSlivers(t *testing.T) {
	// A 1,030 m × 1,000 m rectangle in 500 m cells: the extra 30 m is shared out, not left
	// over as a row of thin grids.
	dLat := 1000 / 111_320.0
	dLon := 1030 / (111_320.0 * math.Cos(35.0045*math.Pi/180))
	rect := orb.Polygon{{{113, 35}, {113 + dLon, 35}, {113 + dLon, 35 + dLat}, {113, 35 + dLat}, {113, 35}}}
	cells := grid.Cells(rect, 250_000)
	if len(cells) != 4 {
		t.Fatalf("got %d cells, want 4", len(cells))
	}
	for i, c := range cells {
		if a := grid.AreaM2(c); a < 240_000 || a > 270_000 {
			t.Errorf("cell %d has %.0f m², want about 257,500", i, a)
		}
	}
	assertTiles(t, rect, cells)
}

func TestPointInside(t *testing.T) {
	for name, g := range map[string]orb.Geometry{
		"a square":                 orb.Polygon{square(113, 35, 0.01)},
		"an L shape":               lShape,
		"a square with a big hole": orb.Polygon{square(113, 35, 0.01), square(113.001, 35.001, 0.008)},
	} {
		p, ok := grid.PointInside(g)
		if !ok || !grid.Contains(g, p) {
			t.Errorf("%s: PointInside = %v, %v; not inside", name, p, ok)
		}
	}
	if _, ok := grid.PointInside(nil); ok {
		t.Error("a nil geometry has a point inside")
	}
}

// TestRepairRemovesOutAndBackStretches: a border that runs out along itself and back, with a
// small loop at the end (as the quantised 焦作 data has between 马村区 and 山阳区), loses the
// stretch; an inside-out loop at its end is dropped, a loop the right way round is kept as a
// polygon of its own. Exact or a hair apart, as a converted file has it.
func TestRepairRemovesOutAndBackStretches(t *testing.T) {
	stretch := func(loop []orb.Point, back float64) orb.Polygon {
		r := orb.Ring{{0, 0}, {40, 0}, {40, 40}, {4, 40}, {4, 7}}
		r = append(r, loop...)
		r = append(r, orb.Point{4 + back, 6}, orb.Point{4, 40}, orb.Point{0, 40}, orb.Point{0, 0})
		return orb.Polygon{r}
	}
	// Loops longer than the few points of a quantisation twist, which Repair cut before.
	rightWay := []orb.Point{{3, 6}, {2, 5}, {3, 4}, {4, 3.5}, {5, 4}, {6, 5}, {5, 6}}
	insideOut := slices.Clone(rightWay)
	slices.Reverse(insideOut)
	lobe := planar.Area(orb.Polygon{append(orb.Ring{{4, 7}}, append(rightWay, orb.Point{4, 6}, orb.Point{4, 7})...)})
	for _, tc := range []struct {
		name  string
		g     orb.Polygon
		parts int
		area  float64
	}{
		{"an inside-out loop is dropped with the stretch", stretch(insideOut, 0), 1, 1600},
		{"a loop the right way round becomes a polygon of its own", stretch(rightWay, 0), 2, 1600 + lobe},
		{"a stretch back a hair beside the way out", stretch(insideOut, 1e-9), 1, 1600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := grid.CheckGeometry(tc.g); len(p) == 0 {
				t.Fatalf("the stretch should not pass unrepaired")
			}
			got := grid.Repair(tc.g)
			if p, w := grid.CheckGeometry(got), grid.GeometryWarnings(got); len(p)+len(w) > 0 {
				t.Errorf("repaired: problems %q, warnings %q (%v)", p, w, got)
			}
			parts := 1
			if mp, ok := got.(orb.MultiPolygon); ok {
				parts = len(mp)
			}
			if a := planar.Area(got); parts != tc.parts || math.Abs(a-tc.area) > 1e-6 {
				t.Errorf("repaired to %d parts of %v in all, want %d of %v: %v", parts, a, tc.parts, tc.area, got)
			}
		})
	}
}
