package grid

import (
	"encoding/json"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/errs"
)

// DecodeDrawn reads a report's line or area from GeoJSON and checks it (CheckDrawn). The points
// are counted in the raw text first, so that an oversized geometry is refused before it is
// decoded.
func DecodeDrawn(b []byte) (orb.Geometry, error) {
	var raw rawGeometry
	if err := json.Unmarshal(b, &raw); err == nil {
		depth := map[string]int{"LineString": 2, "Polygon": 3}[raw.Type]
		if n := countPositions(raw.Coordinates, depth); depth > 0 && n > MaxReportVertices {
			return nil, tooManyVertices(n)
		}
	}
	g, err := DecodeGeometry(b)
	if err != nil {
		return nil, errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": "unreadable"}, "%v", err)
	}
	return g, CheckDrawn(g)
}

// countPositions counts the arrays at the given depth of a JSON array of arrays: the positions
// of a LineString at depth 2, of a Polygon at 3. Coordinates hold no strings, so every bracket
// is structure; anything else is for the decoder to refuse.
func countPositions(b []byte, depth int) int {
	n, d := 0, 0
	for _, c := range b {
		switch c {
		case '[':
			d++
			if d == depth {
				n++
			}
		case ']':
			d--
		}
	}
	return n
}

func tooManyVertices(n int) error {
	return errs.Refuse(errs.Invalid, "too_many_vertices", errs.Params{"max": MaxReportVertices, "count": n},
		"geometry has %d points; a report's line or area may have at most %d", n, MaxReportVertices)
}

// CheckDrawn checks a line or area drawn for a report, the work bounded before it is done: at
// most MaxReportVertices points, each a longitude/latitude, and an area whose rings are closed
// and neither cross themselves nor turn straight back. An area may touch itself at a point, as
// regions may. Refusals carry a reason and params the pages word.
func CheckDrawn(g orb.Geometry) error {
	var rings []orb.Ring
	switch g := g.(type) {
	case orb.LineString:
		if len(g) < 2 {
			return errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": ringTooFew}, "geometry: a line needs at least 2 points")
		}
	case orb.Polygon:
		if len(g) == 0 {
			return errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": ringTooFew}, "geometry: an area needs a ring")
		}
		rings = g
	default:
		return errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": "type"}, "geometry must be a LineString or Polygon, not %s", typeName(g))
	}
	if n := Vertices(g); n > MaxReportVertices {
		return tooManyVertices(n)
	}
	if line, ok := g.(orb.LineString); ok {
		for i, p := range line {
			if !validLonLat(p) {
				return errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": ringBadPoint},
					"geometry: point %d (%v, %v) is not a valid longitude/latitude", i, p[0], p[1])
			}
		}
		return nil
	}
	for ri, r := range rings {
		msg, kind, warning := checkRing(r)
		switch {
		case msg == "" || warning:
			continue
		case kind == ringCrosses || kind == ringSpike:
			return errs.Refuse(errs.Invalid, "geometry_crosses_itself", errs.Params{"problem": kind}, "geometry: ring %d %s", ri, msg)
		}
		return errs.Refuse(errs.Invalid, "bad_geometry", errs.Params{"problem": kind}, "geometry: ring %d %s", ri, msg)
	}
	return nil
}

func typeName(g orb.Geometry) string {
	if g == nil {
		return "nothing"
	}
	return g.GeoJSONType()
}
