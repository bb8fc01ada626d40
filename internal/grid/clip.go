package grid

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Clipping that keeps areas sound. A clip of a concave polygon to a box by successive edges
// (Sutherland–Hodgman, as orb/clip does) returns one ring that runs out and back along the
// box's edge between the pieces it keeps: zero-width bridges, which the checks rightly call
// spikes and self-crossings. Here each side of the box is a half-plane cut that follows the
// polygon's boundary inside the half-plane as chains, then joins each chain's exit to the next
// entry along the cut line, so the pieces come out as separate polygons.

// halfPlane is the side of an axis-parallel line that a cut keeps: points whose coordinate on
// axis (0 longitude, 1 latitude) is below at (low) or above it.
type halfPlane struct {
	axis int
	at   float64
	low  bool
}

// out is how far p lies outside the half-plane: negative inside, zero on the line. Points on
// the line count as outside, as if the line were moved a hair inwards; the two halves of a cut
// then meet along the line with no piece of zero width on either side.
func (h halfPlane) out(p orb.Point) float64 {
	if h.low {
		return p[h.axis] - h.at
	}
	return h.at - p[h.axis]
}

// onLine returns where edge ab meets the line. The ends are put in a fixed order first, so that
// both halves of a cut compute exactly the same point for an edge, whichever way they walk it.
func (h halfPlane) onLine(a, b orb.Point) orb.Point {
	if h.out(a) == 0 {
		return a
	}
	if h.out(b) == 0 {
		return b
	}
	if less(b, a) {
		a, b = b, a
	}
	o := 1 - h.axis
	t := (h.at - a[h.axis]) / (b[h.axis] - a[h.axis])
	var p orb.Point
	p[h.axis] = h.at
	p[o] = a[o] + t*(b[o]-a[o])
	return p
}

// direction is +1 when the cut's boundary runs along the line towards greater coordinates with
// the kept side on its left (the outer ring anticlockwise), else -1.
func (h halfPlane) direction() float64 {
	if (h.axis == 0) == h.low {
		return 1
	}
	return -1
}

// crossing is where a ring's boundary meets the cut line: the end of a chain (an exit) or the
// start of one (an entry).
type crossing struct {
	at    orb.Point
	s     float64 // position along the line, in the direction the boundary runs there
	slope float64 // how s moves as the line moves inwards: orders crossings at one point
	exit  bool
	chain int
}

// clipHalf returns the parts of g (a Polygon or MultiPolygon) inside h, each a sound polygon
// if g's polygons are.
func clipHalf(g orb.Geometry, h halfPlane) []orb.Polygon {
	polys, _ := polygons(g)
	var out []orb.Polygon
	for _, p := range polys {
		out = append(out, clipPolygon(p, h)...)
	}
	return out
}

func clipPolygon(p orb.Polygon, h halfPlane) []orb.Polygon {
	var (
		outers, holes [][]orb.Point // rings wholly inside, anticlockwise and clockwise
		chains        [][]orb.Point
		cuts          []crossing
	)
	dir := h.direction()
	along := func(q orb.Point) float64 { return dir * q[1-h.axis] }
	for ri, ring := range p {
		pts := openRing(ring)
		if len(pts) < 3 {
			continue
		}
		// Outer rings anticlockwise, holes clockwise, so that the kept side is on the left.
		if ccw := signedArea(pts) > 0; ccw != (ri == 0) {
			slices.Reverse(pts)
		}
		start := -1
		for i, q := range pts {
			if h.out(q) >= 0 {
				start = i
				break
			}
		}
		if start < 0 {
			if ri == 0 {
				outers = append(outers, pts)
			} else {
				holes = append(holes, pts)
			}
			continue
		}
		// Walk from a point outside; every run of points inside becomes a chain from its entry
		// to its exit.
		n := len(pts)
		var chain []orb.Point
		for k := 1; k <= n; k++ {
			a, b := pts[(start+k-1)%n], pts[(start+k)%n]
			ina, inb := h.out(a) < 0, h.out(b) < 0
			switch {
			case !ina && inb:
				e := h.onLine(a, b)
				chain = []orb.Point{e, b}
				cuts = append(cuts, crossing{at: e, s: along(e), slope: slopeAlong(h, b, a, dir), chain: len(chains)})
			case ina && inb:
				chain = append(chain, b)
			case ina && !inb:
				x := h.onLine(a, b)
				chain = append(chain, x)
				cuts = append(cuts, crossing{at: x, s: along(x), slope: slopeAlong(h, a, b, dir), exit: true, chain: len(chains)})
				chains = append(chains, chain)
				chain = nil
			}
		}
	}
	// Along the line, the boundary of the part kept meets exits and entries in turn: from each
	// exit it runs along the line to the entry that follows.
	slices.SortStableFunc(cuts, func(x, y crossing) int {
		if c := cmp.Compare(x.s, y.s); c != 0 {
			return c
		}
		if c := cmp.Compare(x.slope, y.slope); c != 0 {
			return c
		}
		switch {
		case x.exit == y.exit:
			return 0
		case x.exit:
			return -1
		}
		return 1
	})
	next := make([]int, len(chains)) // the chain that follows each chain
	for i := 0; i+1 < len(cuts); i += 2 {
		x, e := cuts[i], cuts[i+1]
		if !x.exit || e.exit {
			return nil // only an unsound polygon gets here: better nothing than a wrong part
		}
		next[x.chain] = e.chain
	}
	used := make([]bool, len(chains))
	for i := range chains {
		if used[i] {
			continue
		}
		var ring []orb.Point
		for c := i; !used[c]; c = next[c] {
			used[c] = true
			ring = append(ring, chains[c]...)
		}
		outers = append(outers, ring)
	}
	return assemble(outers, holes)
}

// slopeAlong is how a crossing's position along the line moves as the line moves a hair
// inwards along the edge from in (inside) to out (outside or on the line).
func slopeAlong(h halfPlane, in, out orb.Point, dir float64) float64 {
	df := h.out(out) - h.out(in)
	return -dir * (out[1-h.axis] - in[1-h.axis]) / df
}

// assemble makes polygons of outer rings and gives each hole to the outer ring around it.
// Repeated points are dropped; rings left with fewer than three points, or no area, are dropped.
func assemble(outers, holes [][]orb.Point) []orb.Polygon {
	var out []orb.Polygon
	for _, r := range outers {
		if ring := closeRing(r); ring != nil && signedArea(ring[:len(ring)-1]) > 0 {
			out = append(out, orb.Polygon{ring})
		}
	}
	for _, h := range holes {
		ring := closeRing(h)
		if ring == nil {
			continue
		}
		for i := range out {
			if insideRing(out[i][0], ring) {
				out[i] = append(out[i], ring)
				break
			}
		}
	}
	return out
}

// insideRing reports whether ring r lies inside ring outer: its first point strictly inside,
// or, when it touches outer, the first that is.
func insideRing(outer, r orb.Ring) bool {
	for _, p := range r {
		in, on := ringContains(outer, p)
		if !on {
			return in
		}
	}
	return false
}

// openRing returns a ring's points without the closing repeat and without repeated points.
func openRing(r orb.Ring) []orb.Point {
	out := make([]orb.Point, 0, len(r))
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	return out
}

// closeRing drops repeated points and closes the ring; nil when fewer than 3 points remain.
func closeRing(pts []orb.Point) orb.Ring {
	r := openRing(pts)
	if len(r) < 3 {
		return nil
	}
	return append(orb.Ring(r), r[0])
}

// signedArea is twice the area of an open ring, positive when it runs anticlockwise. Points
// are taken relative to the first, so that city-sized rings far from the origin lose no
// precision.
func signedArea(pts []orb.Point) float64 {
	if len(pts) < 3 {
		return 0
	}
	o := pts[0]
	sum := 0.0
	for i := 1; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		sum += (a[0]-o[0])*(b[1]-o[1]) - (b[0]-o[0])*(a[1]-o[1])
	}
	return sum
}

// clipBox returns the part of g inside the box, one side at a time, as a Polygon, a
// MultiPolygon, or nil when nothing of it is inside. Sides the geometry does not reach are
// not cut.
func clipBox(b orb.Bound, g orb.Geometry) orb.Geometry {
	polys, ok := polygons(g)
	if !ok {
		return nil
	}
	for _, h := range []halfPlane{{0, b.Min[0], false}, {0, b.Max[0], true}, {1, b.Min[1], false}, {1, b.Max[1], true}} {
		gb := orb.MultiPolygon(polys).Bound()
		if h.out(gb.Min) <= 0 && h.out(gb.Max) <= 0 {
			continue // nothing beyond this side
		}
		polys = clipHalf(orb.MultiPolygon(polys), h)
		if len(polys) == 0 {
			return nil
		}
	}
	if len(polys) == 1 {
		return polys[0]
	}
	return orb.MultiPolygon(polys)
}

// node splits every edge of g's polygons at the points of the same polygon that lie inside it
// (where a boundary touches itself, as published boundaries may), so that such a point is a
// point of both edges. A cut through such an edge then cannot move the edge off the point by
// rounding and make a touch a crossing. Pieces of a noded polygon stay noded.
func node(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		return nodePolygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = nodePolygon(p)
		}
		return out
	}
	return g
}

func nodePolygon(p orb.Polygon) orb.Polygon {
	type edgeRef struct{ ring, i int }
	var tr rtree.RTreeG[edgeRef]
	for ri, r := range p {
		for i := 0; i+1 < len(r); i++ {
			b := orb.Bound{Min: r[i], Max: r[i]}.Extend(r[i+1])
			tr.Insert(b.Min, b.Max, edgeRef{ri, i})
		}
	}
	splits := map[edgeRef][]orb.Point{}
	for _, r := range p {
		for _, v := range r {
			tr.Search(v, v, func(_, _ [2]float64, e edgeRef) bool {
				a, b := p[e.ring][e.i], p[e.ring][e.i+1]
				if v != a && v != b && orientSign(a, b, v) == 0 && onSegment(a, b, v) && !slices.Contains(splits[e], v) {
					splits[e] = append(splits[e], v)
				}
				return true
			})
		}
	}
	if len(splits) == 0 {
		return p
	}
	out := make(orb.Polygon, len(p))
	for ri, r := range p {
		ring := make(orb.Ring, 0, len(r))
		for i, a := range r {
			ring = append(ring, a)
			if pts := splits[edgeRef{ri, i}]; len(pts) > 0 {
				// In order along the edge, from a.
				slices.SortFunc(pts, func(x, y orb.Point) int {
					return cmp.Compare(math.Abs(x[0]-a[0])+math.Abs(x[1]-a[1]), math.Abs(y[0]-a[0])+math.Abs(y[1]-a[1]))
				})
				ring = append(ring, pts...)
			}
		}
		out[ri] = ring
	}
	return out
}
