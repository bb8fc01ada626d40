package grid

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// naiveIntersections is the quadratic peer of sweepIntersections: every pair of non-adjacent
// edges, a crossing preferred over a touch.
func naiveIntersections(r orb.Ring) (crossing, found bool) {
	n := len(r) - 1
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			switch segmentRelation(r[i], r[i+1], r[j], r[j+1]) {
			case segmentsCross:
				return true, true
			case segmentsTouch:
				if touchCrosses(r, i, j) {
					return true, true
				}
				found = true
			}
		}
	}
	return false, found
}

// sortedScanIntersections is the check citygrid had before the sweep: edges sorted by their
// west end, each compared with every edge overlapping it in longitude. It is quadratic when
// many edges overlap in longitude, as the teeth of a comb do; kept as the benchmark's peer.
func sortedScanIntersections(r orb.Ring) (crossing, found bool) {
	n := len(r) - 1
	type edge struct {
		i          int
		minX, maxX float64
	}
	edges := make([]edge, n)
	for i := range n {
		a, b := r[i], r[i+1]
		edges[i] = edge{i, math.Min(a[0], b[0]), math.Max(a[0], b[0])}
	}
	slices.SortFunc(edges, func(a, b edge) int { return cmp.Compare(a.minX, b.minX) })
	for x := range edges {
		for y := x + 1; y < n && edges[y].minX <= edges[x].maxX; y++ {
			i, j := min(edges[x].i, edges[y].i), max(edges[x].i, edges[y].i)
			if j == i+1 || (i == 0 && j == n-1) {
				continue
			}
			switch segmentRelation(r[i], r[i+1], r[j], r[j+1]) {
			case segmentsCross:
				return true, true
			case segmentsTouch:
				found = true
			}
		}
	}
	return false, found
}

func TestCombIsSoundAndItsSize(t *testing.T) {
	r := Comb(113.2, 35.2, 0.001, MaxReportVertices)
	if len(r) > MaxReportVertices || len(r) < MaxReportVertices-4 {
		t.Fatalf("comb of %d points, want about %d", len(r), MaxReportVertices)
	}
	if p := CheckGeometry(orb.Polygon{r}); len(p) > 0 {
		t.Fatalf("the comb is not sound: %q", p)
	}
}

// TestSweepComparesFewPairs fails for any check that compares edges pairwise: on a comb of
// 2,000 points, whose edges all overlap in longitude, the sweep compares O(n) neighbours.
func TestSweepComparesFewPairs(t *testing.T) {
	for _, n := range []int{200, 2_000, 20_000} {
		t.Run(fmt.Sprintf("a comb of %d points", n), func(t *testing.T) {
			tests := 0
			if _, _, _, found := sweepIntersections(Comb(113.2, 35.2, 0.001, n), &tests); found {
				t.Fatal("the comb meets itself")
			}
			if tests > 3*n {
				t.Errorf("compared %d pairs of edges, want at most %d (3 per point)", tests, 3*n)
			}
		})
	}
}

// ringFromBytes builds a closed ring from fuzz input: points on a small integer lattice, so
// that collinear edges, shared points and touches are common.
func ringFromBytes(data []byte) orb.Ring {
	var r orb.Ring
	for i := 0; i+1 < len(data) && len(r) < 40; i += 2 {
		p := orb.Point{float64(data[i] % 8), float64(data[i+1] % 8)}
		if len(r) > 0 && r[len(r)-1] == p {
			continue
		}
		r = append(r, p)
	}
	if len(r) > 1 && r[len(r)-1] == r[0] {
		r = r[:len(r)-1]
	}
	if len(r) < 3 {
		return nil
	}
	return append(r, r[0])
}

// FuzzSweepIntersections holds the sweep to the quadratic check: on every ring without a
// spike, both find a crossing or neither does, and likewise for any meeting at all.
func FuzzSweepIntersections(f *testing.F) {
	f.Add([]byte{0, 0, 4, 0, 4, 4, 0, 4})                   // a square
	f.Add([]byte{0, 0, 2, 2, 2, 0, 0, 2})                   // a bow tie
	f.Add([]byte{0, 0, 4, 0, 4, 2, 2, 0, 0, 2})             // a pinch on an edge
	f.Add([]byte{0, 0, 6, 0, 6, 2, 4, 2, 4, 0, 2, 0, 2, 4}) // running along itself
	f.Add([]byte{0, 0, 4, 0, 4, 4, 2, 4, 2, 6, 2, 4, 0, 4}) // a spike
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ringFromBytes(data)
		if r == nil {
			return
		}
		if _, ok := spike(r); ok {
			return // CheckGeometry names spikes before it sweeps
		}
		wantCross, wantFound := naiveIntersections(r)
		_, _, gotCross, gotFound := sweepIntersections(r, nil)
		if gotCross != wantCross || gotFound != wantFound {
			t.Fatalf("ring %v: sweep says crossing %v, meeting %v; pairwise check says %v, %v", r, gotCross, gotFound, wantCross, wantFound)
		}
	})
}

// FuzzDecodeAndCheckGeometry feeds any bytes to the GeoJSON decoder and the checks: no panic,
// and whatever decodes either passes or is named wrong.
func FuzzDecodeAndCheckGeometry(f *testing.F) {
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}`))
	f.Add([]byte(`{"type":"LineString","coordinates":[[0,0],[1,1,5]]}`))
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[0,1],[0,0]]],[]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[1e308,0],[-1e308,0],[0,1e-308],[1e308,0]]]}`))
	f.Add([]byte(`{"coordinates":[[[0,0],[1,0],[1,1],[0,0]],[]],"type":"Polygon"}`))
	f.Add([]byte(`{"type":"LineString","coordinates":[[0,"[",1],[2,2]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := DecodeGeometry(data)
		if err != nil {
			return
		}
		if n := Vertices(g); n < 0 {
			t.Fatalf("%d vertices", n)
		}
		if _, ok := polygons(g); ok {
			CheckGeometry(g)
			Repair(g)
		}
		if g, err := DecodeDrawn(data); err == nil && Vertices(g) > MaxReportVertices {
			t.Fatalf("a drawn geometry of %d points was taken", Vertices(g))
		}
	})
}

// BenchmarkSelfIntersection compares the sweep with the check it replaced on combs, the worst
// case of the old check, at the report limit and at the size of the anonymous report that took
// 5.25 s. `go test ./internal/grid -run '^$' -bench SelfIntersection` prints both and their ratio.
func BenchmarkSelfIntersection(b *testing.B) {
	for _, n := range []int{MaxReportVertices, 24_003} {
		r := Comb(113.2, 35.2, 0.001, n)
		var sweep, old float64
		b.Run(fmt.Sprintf("sweep/%d", n), func(b *testing.B) {
			for b.Loop() {
				sweepIntersections(r, nil)
			}
			sweep = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(fmt.Sprintf("old/%d", n), func(b *testing.B) {
			for b.Loop() {
				sortedScanIntersections(r)
			}
			old = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if sweep > 0 {
				b.ReportMetric(old/sweep, "x-slower-than-sweep")
			}
		})
	}
}
