package grid

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// checkCut fails unless cutting p along the line gives sound parts on both sides whose areas
// add up to p's, with every probe point of p in exactly one side's part.
func checkCut(t *testing.T, p orb.Polygon, axis int, at float64) {
	t.Helper()
	p = node(p).(orb.Polygon)
	low, high := clipHalf(p, halfPlane{axis, at, true}), clipHalf(p, halfPlane{axis, at, false})
	total := 0.0
	for _, part := range append(append([]orb.Polygon{}, low...), high...) {
		if problems := CheckGeometry(part); len(problems) > 0 {
			t.Fatalf("cutting %v at %v on axis %d: part %v is unsound: %q", p, at, axis, part, problems)
		}
		total += planar.Area(part)
	}
	if want := planar.Area(p); math.Abs(total-want) > 1e-9*math.Max(1, want) {
		t.Fatalf("cutting %v at %v on axis %d: parts cover %v, want %v (low %v, high %v)", p, at, axis, total, want, low, high)
	}
	b := p.Bound()
	for i := range 11 {
		for j := range 11 {
			q := orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*(float64(i)+0.37)/11, b.Min[1] + (b.Max[1]-b.Min[1])*(float64(j)+0.61)/11}
			if q[axis] == at || onBoundary(p, q) {
				continue // on a boundary, whole and parts may differ in counting it
			}
			n := 0
			for _, part := range append(append([]orb.Polygon{}, low...), high...) {
				if planar.PolygonContains(part, q) {
					n++
				}
			}
			if in := planar.PolygonContains(p, q); (in && n != 1) || (!in && n != 0) {
				t.Fatalf("cutting %v at %v on axis %d: point %v (inside: %v) lies in %d parts", p, at, axis, q, in, n)
			}
		}
	}
}

func TestClipHalf(t *testing.T) {
	u := orb.Polygon{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}
	framed := orb.Polygon{{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 0}}, {{1, 1}, {1, 3}, {3, 3}, {3, 1}, {1, 1}}}
	pinched := orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {1, 0}, {0, 2}, {0, 0}}}
	for _, tc := range []struct {
		name      string
		p         orb.Polygon
		axis      int
		at        float64
		low, high int // parts on each side; -1 when either count is right
	}{
		{"a U cut across its arms keeps the arms apart, not joined by a bridge", u, 1, 2, 1, 2},
		{"a U cut through its notch's floor", u, 1, 1, 1, 2},
		{"a U cut along its arm's inner edge", u, 0, 1, 1, 1},
		{"a frame cut through its hole", framed, 0, 2, 1, 1},
		{"a frame cut along its hole's edge", framed, 0, 1, 1, 1},
		{"a frame cut beside its hole keeps the hole", framed, 0, 0.5, 1, 1},
		{"a pinched ring cut through its pinch", pinched, 0, 1, 1, 1},
		{"a pinched ring cut across", pinched, 1, 1, -1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p := range []orb.Polygon{tc.p, reverse(tc.p)} {
				checkCut(t, p, tc.axis, tc.at)
				p = node(p).(orb.Polygon)
				low, high := clipHalf(p, halfPlane{tc.axis, tc.at, true}), clipHalf(p, halfPlane{tc.axis, tc.at, false})
				if (tc.low >= 0 && len(low) != tc.low) || len(high) != tc.high {
					t.Errorf("parts: %d below, %d above; want %d, %d (%v | %v)", len(low), len(high), tc.low, tc.high, low, high)
				}
			}
		})
	}
	if got := clipHalf(framed, halfPlane{0, 0.5, false}); len(got) != 1 || len(got[0]) != 2 {
		t.Errorf("a frame cut beside its hole: %v, want one polygon with its hole", got)
	}
}

// onBoundary reports whether q lies on, or within a hair of, an edge of p.
func onBoundary(p orb.Polygon, q orb.Point) bool {
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			if planar.DistanceFromSegment(r[i], r[i+1], q) < 1e-9 {
				return true
			}
		}
	}
	return false
}

func reverse(p orb.Polygon) orb.Polygon {
	out := orb.Clone(p).(orb.Polygon)
	for _, r := range out {
		r.Reverse()
	}
	return out
}

// FuzzClipHalf cuts sound rings on a small lattice, where cuts through points and along edges
// are common, along every lattice line and between them.
func FuzzClipHalf(f *testing.F) {
	f.Add([]byte{0, 0, 6, 0, 6, 6, 4, 6, 4, 2, 2, 2, 2, 6, 0, 6})
	f.Add([]byte{0, 0, 4, 0, 4, 4, 2, 0, 0, 4})
	f.Add([]byte{0, 0, 7, 1, 3, 3, 7, 5, 0, 7, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ringFromBytes(data)
		if r == nil || len(CheckGeometry(orb.Polygon{r})) > 0 {
			return
		}
		for axis := range 2 {
			for k := 0; k <= 14; k++ {
				checkCut(t, orb.Polygon{r}, axis, float64(k)/2)
			}
		}
	})
}
