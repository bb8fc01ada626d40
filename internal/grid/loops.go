package grid

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Published boundaries, quantised and converted, sometimes run out along a neighbour's border
// and back along the same line, with a small loop at the end of the stretch: the ring meets
// itself along the stretch. Repair splits such a ring into simple loops at the points where it
// meets itself. The zero-width stretch and an inside-out loop (one that runs the other way
// round from the ring, and so encloses nothing of the region) are dropped; a loop that runs
// the same way is a real lobe of the region and becomes a polygon of its own.

// maxDroppedLoop is the largest share of a ring's area that an inside-out loop may have for
// Repair to drop it: a larger one is a real error for a person to look at.
const maxDroppedLoop = 0.01

// splitLoops splits a ring at the points where it meets itself. It returns the main ring and
// the lobes split off, or false when the ring meets itself nowhere, or in a way Repair should
// not decide (a large inside-out loop).
func splitLoops(r orb.Ring) (orb.Ring, []orb.Ring, bool) {
	pts := nodeRing(openRing(r))
	n := len(pts)
	total := signedArea(pts)
	if n < 3 || total == 0 {
		return r, nil, false
	}
	visits := make(map[orb.Point]int, n)
	for _, p := range pts {
		visits[p]++
	}
	if len(visits) == n {
		return r, nil, false
	}
	// Start at a point visited once on the ring's hull, so that the walk starts on the main ring.
	start := -1
	for i, p := range pts {
		if visits[p] == 1 && (start < 0 || less(p, pts[start])) {
			start = i
		}
	}
	if start < 0 || !hullPoint(pts, pts[start]) {
		return r, nil, false
	}
	var (
		stack []orb.Point
		lobes []orb.Ring
	)
	at := make(map[orb.Point]int, n)
	for k := range n {
		p := pts[(start+k)%n]
		i, seen := at[p]
		if !seen {
			at[p] = len(stack)
			stack = append(stack, p)
			continue
		}
		// Back at p: the points since its first visit are a loop.
		loop := slices.Clone(stack[i:])
		for _, q := range stack[i+1:] {
			delete(at, q)
		}
		stack = stack[:i+1]
		a := signedArea(loop)
		switch {
		case sliver(loop, a):
		case a*total > 0:
			if ring := closeRing(loop); ring != nil {
				lobes = append(lobes, ring)
			}
		case math.Abs(a) > maxDroppedLoop*math.Abs(total):
			return r, nil, false
		}
	}
	main := closeRing(stack)
	if main == nil {
		return r, nil, false
	}
	return main, lobes, true
}

// sliver reports whether a loop of (twice) signed area a has no width to speak of: a stretch
// run out and back, exactly or within rounding.
func sliver(loop []orb.Point, a float64) bool {
	perimeter := 0.0
	for i, p := range loop {
		q := loop[(i+1)%len(loop)]
		perimeter += math.Hypot(q[0]-p[0], q[1]-p[1])
	}
	return math.Abs(a) <= 1e-6*perimeter*perimeter
}

// hullPoint reports whether p is the least point of pts (and so on their convex hull).
func hullPoint(pts []orb.Point, p orb.Point) bool {
	for _, q := range pts {
		if less(q, p) {
			return false
		}
	}
	return true
}

// nodeRing adds to each edge of an open ring the points where other edges meet it: where they
// cross, where one ends on it, and where they run along it. The ring then visits each such
// point once per edge through it.
func nodeRing(pts []orb.Point) []orb.Point {
	n := len(pts)
	if n < 4 {
		return pts
	}
	edge := func(i int) (orb.Point, orb.Point) { return pts[i], pts[(i+1)%n] }
	var tr rtree.RTreeG[int]
	for i := range n {
		a, b := edge(i)
		bd := orb.Bound{Min: a, Max: a}.Extend(b)
		tr.Insert(bd.Min, bd.Max, i)
	}
	splits := map[int][]orb.Point{}
	add := func(e int, p orb.Point) {
		a, b := edge(e)
		if p != a && p != b && !slices.Contains(splits[e], p) {
			splits[e] = append(splits[e], p)
		}
	}
	for i := range n {
		a, b := edge(i)
		bd := orb.Bound{Min: a, Max: a}.Extend(b)
		tr.Search(bd.Min, bd.Max, func(_, _ [2]float64, j int) bool {
			if j <= i || j == i+1 || (i == 0 && j == n-1) {
				return true
			}
			c, d := edge(j)
			switch segmentRelation(a, b, c, d) {
			case segmentsApart:
				return true
			}
			if orientSign(a, b, c) == 0 && orientSign(a, b, d) == 0 { // along each other
				for _, p := range []orb.Point{c, d} {
					if onSegment(a, b, p) {
						add(i, p)
					}
				}
				for _, p := range []orb.Point{a, b} {
					if onSegment(c, d, p) {
						add(j, p)
					}
				}
				return true
			}
			for _, p := range []orb.Point{c, d} { // one ends on the other
				if orientSign(a, b, p) == 0 && onSegment(a, b, p) {
					add(i, p)
					return true
				}
			}
			for _, p := range []orb.Point{a, b} {
				if orientSign(c, d, p) == 0 && onSegment(c, d, p) {
					add(j, p)
					return true
				}
			}
			if x, ok := crossingPoint(a, b, c, d); ok { // they cross
				add(i, x)
				add(j, x)
			}
			return true
		})
	}
	if len(splits) == 0 {
		return pts
	}
	out := make([]orb.Point, 0, n+2*len(splits))
	for i, a := range pts {
		out = append(out, a)
		if ps := splits[i]; len(ps) > 0 {
			slices.SortFunc(ps, func(x, y orb.Point) int {
				return cmp.Compare(math.Abs(x[0]-a[0])+math.Abs(x[1]-a[1]), math.Abs(y[0]-a[0])+math.Abs(y[1]-a[1]))
			})
			out = append(out, ps...)
		}
	}
	return openRing(out)
}
