package grid

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
)

// GeoJSON geometry encoding for the types citygrid stores. Written here rather than taken
// from orb/geojson, which pulls a BSON library into every build for a feature we do not use.

type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// DecodeGeometry reads a GeoJSON geometry object: Point, LineString, Polygon or MultiPolygon.
func DecodeGeometry(b []byte) (orb.Geometry, error) {
	var raw rawGeometry
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	if raw.Coordinates == nil {
		return nil, fmt.Errorf("geometry: no coordinates")
	}
	switch raw.Type {
	case "Point":
		var p position
		if err := decodeCoords(raw.Coordinates, &p); err != nil {
			return nil, err
		}
		return orb.Point(p), nil
	case "LineString":
		var ls []position
		if err := decodeCoords(raw.Coordinates, &ls); err != nil {
			return nil, err
		}
		return orb.LineString(points(ls)), nil
	case "Polygon":
		var p [][]position
		if err := decodeCoords(raw.Coordinates, &p); err != nil {
			return nil, err
		}
		return polygon(p), nil
	case "MultiPolygon":
		var mp [][][]position
		if err := decodeCoords(raw.Coordinates, &mp); err != nil {
			return nil, err
		}
		out := make(orb.MultiPolygon, len(mp))
		for i, p := range mp {
			out[i] = polygon(p)
		}
		return out, nil
	case "":
		return nil, fmt.Errorf("geometry: no type")
	}
	return nil, fmt.Errorf("geometry type %q is not supported", raw.Type)
}

// position is a GeoJSON position: longitude, latitude and an optional altitude, which is
// dropped. Fewer than two numbers is an error, not a silent zero.
type position orb.Point

func (p *position) UnmarshalJSON(b []byte) error {
	var f []float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if len(f) < 2 {
		return fmt.Errorf("a position needs longitude and latitude, got %d numbers", len(f))
	}
	*p = position{f[0], f[1]}
	return nil
}

func points(ps []position) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = orb.Point(p)
	}
	return out
}

func polygon(rings [][]position) orb.Polygon {
	p := make(orb.Polygon, len(rings))
	for i, r := range rings {
		p[i] = orb.Ring(points(r))
	}
	return p
}

func decodeCoords(b json.RawMessage, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("coordinates: %w", err)
	}
	return nil
}

// EncodeGeometry writes g as a GeoJSON geometry object.
func EncodeGeometry(g orb.Geometry) ([]byte, error) {
	var coords any
	switch g := g.(type) {
	case orb.Point:
		coords = [2]float64(g)
	case orb.LineString:
		coords = []orb.Point(g)
	case orb.Polygon:
		coords = g
	case orb.MultiPolygon:
		coords = g
	default:
		return nil, fmt.Errorf("cannot encode a %T as GeoJSON", g)
	}
	c, err := json.Marshal(coords)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rawGeometry{Type: g.GeoJSONType(), Coordinates: c})
}
