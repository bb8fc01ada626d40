package grid

import (
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// CheckGeometry returns what is wrong with a region's geometry: it must be a Polygon or
// MultiPolygon in lon/lat whose rings are closed, have at least four points, stay within the
// valid range and do not cross themselves. An empty result means the geometry is sound.
// Rings that only touch themselves at a point (a pinch, common in published boundaries) are
// not errors here; see GeometryWarnings.
func CheckGeometry(g orb.Geometry) []string {
	errs, _ := checkGeometry(g)
	return errs
}

// GeometryWarnings returns what is odd but usable about a geometry: rings that touch
// themselves at a point. Locating and dividing work on them unchanged.
func GeometryWarnings(g orb.Geometry) []string {
	_, warnings := checkGeometry(g)
	return warnings
}

// polygons returns the polygons of a Polygon or MultiPolygon, false for any other geometry.
func polygons(g orb.Geometry) ([]orb.Polygon, bool) {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}, true
	case orb.MultiPolygon:
		return g, true
	}
	return nil, false
}

func checkGeometry(g orb.Geometry) (problems, warnings []string) {
	if g == nil {
		return []string{"no geometry"}, nil
	}
	polys, ok := polygons(g)
	if !ok {
		return []string{fmt.Sprintf("geometry must be a Polygon or MultiPolygon, not %s", g.GeoJSONType())}, nil
	}
	if len(polys) == 0 {
		return []string{"empty MultiPolygon"}, nil
	}
	for pi, p := range polys {
		if len(p) == 0 {
			problems = append(problems, fmt.Sprintf("polygon %d has no rings", pi))
		}
		for ri, r := range p {
			where := fmt.Sprintf("ring %d", ri)
			if len(polys) > 1 {
				where = fmt.Sprintf("polygon %d ring %d", pi, ri)
			}
			msg, _, warning := checkRing(r)
			if msg != "" {
				if warning {
					warnings = append(warnings, where+": "+msg)
				} else {
					problems = append(problems, where+": "+msg)
				}
			}
		}
	}
	return problems, warnings
}

// The kinds of thing wrong with a ring, as checkRing names them.
const (
	ringBadPoint  = "bad_coordinates"
	ringTooFew    = "too_few_points"
	ringNotClosed = "not_closed"
	ringSpike     = "spike"
	ringCrosses   = "crosses_itself"
	ringTouches   = "touches_itself"
)

// checkRing returns the first thing wrong with a ring, its kind, and whether it is only a
// warning.
func checkRing(r orb.Ring) (msg, kind string, warning bool) {
	for i, pt := range r {
		if !validLonLat(pt) {
			return fmt.Sprintf("point %d (%v, %v) is not a valid longitude/latitude", i, pt[0], pt[1]), ringBadPoint, false
		}
	}
	if len(r) < 4 {
		return fmt.Sprintf("has %d points; a ring needs at least 4 (the first repeated last)", len(r)), ringTooFew, false
	}
	if r[0] != r[len(r)-1] {
		return "is not closed: its last point differs from its first", ringNotClosed, false
	}
	// Repeated consecutive points are common in published boundaries and harmless: check the
	// ring without them, and name edges by the index of their first point in the original.
	compact, index := withoutRepeats(r)
	if len(compact) < 4 {
		return "has fewer than 3 distinct points", ringTooFew, false
	}
	if k, ok := spike(compact); ok {
		return fmt.Sprintf("turns straight back on itself at point %d (a zero-width spike)", index[k]), ringSpike, false
	}
	i, j, crossing, ok := sweepIntersections(compact, nil)
	switch {
	case ok && crossing:
		return fmt.Sprintf("crosses itself (the edge from point %d crosses the edge from point %d)", index[i], index[j]), ringCrosses, false
	case ok:
		return fmt.Sprintf("touches itself (the edge from point %d meets the edge from point %d at a point)", index[i], index[j]), ringTouches, true
	}
	return "", "", false
}

// validLonLat reports whether p is a finite longitude/latitude on the globe.
func validLonLat(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

// spike finds a point where the ring turns straight back along the edge it came in on.
func spike(r orb.Ring) (int, bool) {
	n := len(r) - 1
	for k := range n {
		a, b, c := r[(k+n-1)%n], r[k], r[k+1]
		if orientSign(a, b, c) == 0 && (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) < 0 {
			return k, true
		}
	}
	return 0, false
}

// withoutRepeats drops points equal to the one before them, returning the shorter ring and,
// for each of its points, the index it had in r.
func withoutRepeats(r orb.Ring) (orb.Ring, []int) {
	out := make(orb.Ring, 0, len(r))
	index := make([]int, 0, len(r))
	for i, p := range r {
		if i > 0 && p == r[i-1] {
			continue
		}
		out = append(out, p)
		index = append(index, i)
	}
	return out, index
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

type relation int

const (
	segmentsApart relation = iota
	segmentsTouch          // they share exactly one point, an end of at least one of them
	segmentsCross          // they pass through each other, or overlap along a stretch
)

// segmentRelation says how segments ab and cd meet.
func segmentRelation(a, b, c, d orb.Point) relation {
	o1, o2, o3, o4 := orientSign(a, b, c), orientSign(a, b, d), orientSign(c, d, a), orientSign(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return segmentsCross
	}
	if o1 == 0 && o2 == 0 { // collinear: overlapping along a stretch, touching at an end, or apart
		var shared []orb.Point
		for _, p := range []orb.Point{c, d} {
			if onSegment(a, b, p) {
				shared = append(shared, p)
			}
		}
		for _, p := range []orb.Point{a, b} {
			if onSegment(c, d, p) && !slices.Contains(shared, p) {
				shared = append(shared, p)
			}
		}
		switch {
		case len(shared) >= 2:
			return segmentsCross
		case len(shared) == 1:
			return segmentsTouch
		}
		return segmentsApart
	}
	if (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b)) {
		return segmentsTouch
	}
	return segmentsApart
}

// Contains reports whether the Polygon or MultiPolygon g contains the point; points on the
// boundary count as inside.
func Contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

// metresPerDegree is the length of one degree of latitude (and of longitude at the equator).
const metresPerDegree = 111_320.0

// AreaM2 approximates a lon/lat polygon's area in square metres, scaling longitude by the
// cosine of the geometry's mean latitude: exact enough at the size of a city.
func AreaM2(g orb.Geometry) float64 {
	if g == nil {
		return 0
	}
	b := g.Bound()
	lat := (b.Min[1] + b.Max[1]) / 2
	return math.Abs(planar.Area(g)) * metresPerDegree * metresPerDegree * math.Cos(lat*math.Pi/180)
}

// Repair removes what published boundaries often carry but a sound ring must not: repeated
// points, points where the boundary runs straight on or turns straight back (zero-width
// spikes), small loops of a few points where the boundary crosses or touches itself, which
// quantised coordinates leave behind (each loop is cut at the crossing), and stretches where the
// boundary runs out and back along itself with a small loop at the end (see splitLoops). Rings
// that shrink below a triangle are dropped; a polygon whose outer ring is dropped is dropped.
// A lobe split off a ring becomes a polygon of its own, so a Polygon may come back a
// MultiPolygon.
func Repair(g orb.Geometry) orb.Geometry {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = repairPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			polys = append(polys, repairPolygon(p)...)
		}
	default:
		return g
	}
	switch len(polys) {
	case 0:
		return nil
	case 1:
		if _, ok := g.(orb.Polygon); ok {
			return polys[0]
		}
	}
	return orb.MultiPolygon(polys)
}

func repairPolygon(p orb.Polygon) []orb.Polygon {
	var (
		out          orb.Polygon
		lobes, holes [][]orb.Point
		split        bool
	)
	for i, r := range p {
		rr := repairRing(r)
		if rr == nil {
			if i == 0 {
				return nil
			}
			continue
		}
		main, extra, ok := splitLoops(rr)
		if ok {
			rr, split = main, true
		}
		out = append(out, rr)
		for _, x := range extra {
			if i == 0 {
				lobes = append(lobes, openRing(x))
			} else {
				holes = append(holes, openRing(x))
			}
		}
	}
	if !split {
		return []orb.Polygon{out}
	}
	// Lobes are polygons of their own; every hole goes to the polygon around it.
	outers := append([][]orb.Point{openRing(out[0])}, lobes...)
	for _, h := range out[1:] {
		holes = append(holes, openRing(h))
	}
	for _, r := range outers {
		if signedArea(r) < 0 {
			slices.Reverse(r)
		}
	}
	for _, r := range holes {
		if signedArea(r) > 0 {
			slices.Reverse(r)
		}
	}
	return assemble(outers, holes)
}

func repairRing(r orb.Ring) orb.Ring {
	if len(r) < 4 || r[0] != r[len(r)-1] {
		return r // not a closed ring: leave it for CheckGeometry to name
	}
	pts := append([]orb.Point(nil), r[:len(r)-1]...)
	removable := func(i int) bool {
		n := len(pts)
		a, b, c := pts[(i+n-1)%n], pts[i], pts[(i+1)%n]
		return b == a || orientSign(a, b, c) == 0
	}
	for removed := true; removed && len(pts) >= 3; {
		removed = false
		for i := 0; i < len(pts) && len(pts) >= 3; {
			if removable(i) {
				pts = append(pts[:i], pts[i+1:]...)
				removed = true
				i = max(i-1, 0) // the point before may now be removable too
				continue
			}
			i++
		}
	}
	if len(pts) < 3 {
		return nil
	}
	ring := append(orb.Ring(pts), pts[0])
	for range len(ring) { // each pass cuts one loop, so this bounds the work
		cut, ok := cutSmallLoop(ring)
		if !ok {
			break
		}
		ring = cut
	}
	if len(ring) < 4 {
		return nil
	}
	return ring
}

// maxLoop is the longest loop, in points, that Repair cuts off: quantisation leaves loops of
// two or three; anything longer is a real error for a person to look at.
const maxLoop = 6

// cutSmallLoop finds two edges at most maxLoop apart that meet and replaces the points
// between them with the meeting point.
func cutSmallLoop(r orb.Ring) (orb.Ring, bool) {
	n := len(r) - 1
	for i := range n {
		for d := 2; d <= maxLoop && d < n-1; d++ {
			j := i + d
			if j >= n {
				break
			}
			a, b, c, e := r[i], r[i+1], r[j], r[j+1]
			// Touches are cut too: a loop that touches back in one system crosses itself by a
			// hair once converted to another.
			if segmentRelation(a, b, c, e) == segmentsApart {
				continue
			}
			x, ok := crossingPoint(a, b, c, e)
			if !ok {
				continue
			}
			out := append(orb.Ring{}, r[:i+1]...)
			out = append(out, x)
			out = append(out, r[j+1:]...)
			return out, true
		}
	}
	return r, false
}

// crossingPoint is where lines ab and ce meet; false when they are parallel.
func crossingPoint(a, b, c, e orb.Point) (orb.Point, bool) {
	d := (b[0]-a[0])*(e[1]-c[1]) - (b[1]-a[1])*(e[0]-c[0])
	if d == 0 {
		return orb.Point{}, false
	}
	t := ((c[0]-a[0])*(e[1]-c[1]) - (c[1]-a[1])*(e[0]-c[0])) / d
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}, true
}

// Transform returns g with every point mapped through f (a change of coordinate system).
func Transform(g orb.Geometry, f func(lon, lat float64) (float64, float64)) orb.Geometry {
	if g == nil || f == nil {
		return g
	}
	g = orb.Clone(g)
	mapRing := func(ps []orb.Point) {
		for i, p := range ps {
			ps[i][0], ps[i][1] = f(p[0], p[1])
		}
	}
	switch g := g.(type) {
	case orb.Point:
		lon, lat := f(g[0], g[1])
		return orb.Point{lon, lat}
	case orb.LineString:
		mapRing(g)
	case orb.Polygon:
		for _, r := range g {
			mapRing(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				mapRing(r)
			}
		}
	}
	return g
}

// PointInside returns a point inside an area (its centroid when that is inside, else the
// first point inside on a lattice over its bounding box), false when none is found: where to
// pin a label, or a place to stand in a test.
func PointInside(g orb.Geometry) (orb.Point, bool) {
	if g == nil {
		return orb.Point{}, false
	}
	if c, _ := planar.CentroidArea(g); Contains(g, c) {
		return c, true
	}
	b := g.Bound()
	const n = 64
	for i := 1; i < n; i++ {
		for j := 1; j < n; j++ {
			p := orb.Point{b.Min[0] + (b.Max[0]-b.Min[0])*float64(i)/n, b.Min[1] + (b.Max[1]-b.Min[1])*float64(j)/n}
			if Contains(g, p) {
				return p, true
			}
		}
	}
	return orb.Point{}, false
}

// The most points a geometry may have. A report's line or area is drawn by hand, a few dozen
// points; 2,000 leaves room for a traced boundary. A region's boundary from a survey may be
// detailed; 200,000 points is beyond any district's and still checked in a fraction of a second.
const (
	MaxReportVertices = 2_000
	MaxRegionVertices = 200_000
)

// Vertices counts the points of a geometry, repeated closing points included.
func Vertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += Vertices(p)
		}
		return n
	}
	return 0
}
