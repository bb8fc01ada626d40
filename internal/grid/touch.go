package grid

import "github.com/paulmach/orb"

// touchCrosses tells a touch that is really a crossing from one that is not, for two
// non-adjacent edges i and j of a closed ring (no repeated consecutive points, no spikes) that
// share exactly one point. The ring may come back to a point and leave again on the same side
// (a pinch: sound) or pass through to the other side there (it crosses itself, though no two
// edges cross in their interiors).
func touchCrosses(r orb.Ring, i, j int) bool {
	n := len(r) - 1
	ends := func(e int) [2]int { return [2]int{e, (e + 1) % n} }
	for _, ki := range ends(i) {
		for _, kj := range ends(j) {
			if r[ki] == r[kj] {
				return visitsCross(r, ki, kj)
			}
		}
	}
	// A point of one edge lies inside the other: does the ring pass through the line there?
	for _, pair := range [2][2]int{{i, j}, {j, i}} {
		e, f := pair[0], pair[1]
		p, q := r[e], r[e+1]
		for _, k := range ends(f) {
			if v := r[k]; orientSign(p, q, v) == 0 && onSegment(p, q, v) {
				before, after := r[(k+n-1)%n], r[(k+1)%n]
				return orientSign(p, q, before)*orientSign(p, q, after) <= 0
			}
		}
	}
	return false
}

// visitsCross reports whether the ring, at a point it visits twice (as points a and b), passes
// from one side of its first visit to the other: the second visit's two edges leave the point
// on different sides of the first's (or along one of them).
func visitsCross(r orb.Ring, a, b int) bool {
	n := len(r) - 1
	v := r[a]
	from, to := r[(a+1)%n], r[(a+n-1)%n] // the first visit's wedge, anticlockwise from its way out to its way in
	in1, on1 := inWedge(v, from, to, r[(b+n-1)%n])
	in2, on2 := inWedge(v, from, to, r[(b+1)%n])
	return on1 || on2 || in1 != in2
}

// inWedge reports whether the direction from v to d lies strictly inside the wedge swept
// anticlockwise from the ray towards from to the ray towards to, and whether it lies along
// either ray.
func inWedge(v, from, to, d orb.Point) (in, on bool) {
	along := func(ray orb.Point) bool {
		return orientSign(v, ray, d) == 0 && (ray[0]-v[0])*(d[0]-v[0])+(ray[1]-v[1])*(d[1]-v[1]) > 0
	}
	if along(from) || along(to) {
		return false, true
	}
	o1, o2 := orientSign(v, from, d), orientSign(v, to, d)
	switch orientSign(v, from, to) {
	case 1: // narrower than a half turn
		return o1 > 0 && o2 < 0, false
	case -1: // wider
		return o1 > 0 || o2 < 0, false
	}
	return o1 > 0, false // a half turn
}
