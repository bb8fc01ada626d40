package grid

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// CheckGeometry returns what is wrong with a region's geometry: it must be a Polygon or
// MultiPolygon in lon/lat whose rings are closed, have at least four points, stay within the
// valid range and do not cross themselves. An empty result means the geometry is sound.
func CheckGeometry(g orb.Geometry) []string {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	case nil:
		return []string{"no geometry"}
	default:
		return []string{fmt.Sprintf("geometry must be a Polygon or MultiPolygon, not %s", g.GeoJSONType())}
	}
	if len(polys) == 0 {
		return []string{"empty MultiPolygon"}
	}
	var problems []string
	for pi, p := range polys {
		if len(p) == 0 {
			problems = append(problems, fmt.Sprintf("polygon %d has no rings", pi))
		}
		for ri, r := range p {
			where := fmt.Sprintf("ring %d", ri)
			if len(polys) > 1 {
				where = fmt.Sprintf("polygon %d ring %d", pi, ri)
			}
			for _, msg := range checkRing(r) {
				problems = append(problems, where+": "+msg)
			}
		}
	}
	return problems
}

func checkRing(r orb.Ring) []string {
	for i, pt := range r {
		lon, lat := pt[0], pt[1]
		if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || math.IsInf(lat, 0) ||
			lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			return []string{fmt.Sprintf("point %d (%v, %v) is not a valid longitude/latitude", i, lon, lat)}
		}
	}
	if len(r) < 4 {
		return []string{fmt.Sprintf("has %d points; a ring needs at least 4 (the first repeated last)", len(r))}
	}
	if r[0] != r[len(r)-1] {
		return []string{"is not closed: its last point differs from its first"}
	}
	if i, j, ok := selfIntersection(r); ok {
		return []string{fmt.Sprintf("crosses itself (edge %d meets edge %d)", i, j)}
	}
	return nil
}

// selfIntersection finds two non-adjacent edges of a closed ring that touch. Edges are sorted
// by their west end so each is compared only with edges that overlap it in longitude.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1 // edges
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
			i, j := edges[x].i, edges[y].i
			if i > j {
				i, j = j, i
			}
			if j == i+1 || (i == 0 && j == n-1) {
				continue // neighbours share a vertex by construction
			}
			if segmentsTouch(r[i], r[i+1], r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether segments ab and cd share any point.
func segmentsTouch(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if ((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)) {
		return true
	}
	return (o1 == 0 && onSegment(a, b, c)) || (o2 == 0 && onSegment(a, b, d)) ||
		(o3 == 0 && onSegment(c, d, a)) || (o4 == 0 && onSegment(c, d, b))
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
