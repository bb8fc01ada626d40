package grid

import (
	"math"

	"github.com/paulmach/orb"
)

// clipTo returns the part of g inside the box, or nil: separate pieces as separate polygons,
// never joined by zero-width bridges along the box's edge (see clipBox).
func clipTo(b orb.Bound, g orb.Geometry) orb.Geometry {
	out := clipBox(b, g)
	if out == nil || AreaM2(out) == 0 {
		return nil
	}
	return out
}

// Partition divides g into n parts of equal area with no gaps and no overlaps. It bisects
// recursively across the longer side, so parts stay compact; the first parts lie west or north
// of the later ones, which is the order codes are given in.
//
// The parts are sound wherever g is: each cut leaves separate pieces as separate polygons (see
// clipBox), and g is noded first (see node).
func Partition(g orb.Geometry, n int) []orb.Geometry {
	return partition(node(g), n)
}

func partition(g orb.Geometry, n int) []orb.Geometry {
	if n <= 1 {
		return []orb.Geometry{g}
	}
	k := n / 2
	first, rest := bisect(g, float64(k)/float64(n))
	return append(partition(first, k), partition(rest, n-k)...)
}

// bisect cuts g in two along the longer axis of its bounding box so that the west (or north)
// part holds the given share of the area.
func bisect(g orb.Geometry, share float64) (orb.Geometry, orb.Geometry) {
	b := g.Bound()
	// Compare the sides in metres, not degrees: a degree of longitude shrinks northwards.
	coslat := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	vertical := (b.Max[0]-b.Min[0])*coslat >= b.Max[1]-b.Min[1]
	total := AreaM2(g)
	west := func(x float64) orb.Bound { return orb.Bound{Min: b.Min, Max: orb.Point{x, b.Max[1]}} }
	east := func(x float64) orb.Bound { return orb.Bound{Min: orb.Point{x, b.Min[1]}, Max: b.Max} }
	north := func(y float64) orb.Bound { return orb.Bound{Min: orb.Point{b.Min[0], y}, Max: b.Max} }
	south := func(y float64) orb.Bound { return orb.Bound{Min: b.Min, Max: orb.Point{b.Max[0], y}} }

	lo, hi := b.Min[0], b.Max[0]
	firstPart, restPart := west, east
	if !vertical {
		lo, hi = b.Min[1], b.Max[1]
		firstPart, restPart = north, south
	}
	// The first part's area grows monotonically with the cut (west: as x rises; north: as y
	// falls), so a binary search finds the cut.
	for range 40 {
		mid := (lo + hi) / 2
		a := 0.0
		if piece := clipTo(firstPart(mid), g); piece != nil {
			a = AreaM2(piece)
		}
		tooBig := a > share*total
		if vertical == tooBig {
			hi = mid
		} else {
			lo = mid
		}
	}
	cut := (lo + hi) / 2
	return clipTo(firstPart(cut), g), clipTo(restPart(cut), g)
}

// Cells covers g with cells of about cellAreaM2, clipped to g, in reading order: rows from
// north to south, each row from west to east (DB11/T 2157-2023 numbering). The bounding box is
// divided evenly, so no row or column is a sliver left over at the edge.
func Cells(g orb.Geometry, cellAreaM2 float64) []orb.Geometry {
	g = node(g)
	b := g.Bound()
	side := math.Sqrt(cellAreaM2)
	coslat := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	height := (b.Max[1] - b.Min[1]) * metresPerDegree
	width := (b.Max[0] - b.Min[0]) * metresPerDegree * coslat
	rows := max(1, int(math.Round(height/side)))
	cols := max(1, int(math.Round(width/side)))
	// Each edge is computed from its index, never accumulated, so neighbours share it exactly.
	edge := func(lo, hi float64, i, n int) float64 {
		if i == n {
			return hi
		}
		return lo + (hi-lo)*float64(i)/float64(n)
	}
	var cells []orb.Geometry
	for r := range rows {
		top, bottom := edge(b.Max[1], b.Min[1], r, rows), edge(b.Max[1], b.Min[1], r+1, rows)
		for c := range cols {
			left, right := edge(b.Min[0], b.Max[0], c, cols), edge(b.Min[0], b.Max[0], c+1, cols)
			if cell := clipTo(orb.Bound{Min: orb.Point{left, bottom}, Max: orb.Point{right, top}}, g); cell != nil {
				cells = append(cells, cell)
			}
		}
	}
	return cells
}
