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
		var p []float64
		if err := decodeCoords(raw.Coordinates, &p); err != nil {
			return nil, err
		}
		return position(p)
	case "LineString":
		var ls [][]float64
		if err := decodeCoords(raw.Coordinates, &ls); err != nil {
			return nil, err
		}
		return line(ls)
	case "Polygon":
		var p [][][]float64
		if err := decodeCoords(raw.Coordinates, &p); err != nil {
			return nil, err
		}
		return polygon(p)
	case "MultiPolygon":
		var mp [][][][]float64
		if err := decodeCoords(raw.Coordinates, &mp); err != nil {
			return nil, err
		}
		out := make(orb.MultiPolygon, len(mp))
		for i, p := range mp {
			var err error
			if out[i], err = polygon(p); err != nil {
				return nil, err
			}
		}
		return out, nil
	case "":
		return nil, fmt.Errorf("geometry: no type")
	}
	return nil, fmt.Errorf("geometry type %q is not supported", raw.Type)
}

// position reads a GeoJSON position: longitude, latitude and an optional altitude, which is
// dropped. Fewer than two numbers is an error, not a silent zero. Positions are decoded as
// plain number arrays, not through a method per point: that is several times faster.
func position(f []float64) (orb.Point, error) {
	if len(f) < 2 {
		return orb.Point{}, fmt.Errorf("coordinates: a position needs longitude and latitude, got %d numbers", len(f))
	}
	return orb.Point{f[0], f[1]}, nil
}

func line(ps [][]float64) (orb.LineString, error) {
	out := make(orb.LineString, len(ps))
	for i, p := range ps {
		var err error
		if out[i], err = position(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func polygon(rings [][][]float64) (orb.Polygon, error) {
	p := make(orb.Polygon, len(rings))
	for i, r := range rings {
		l, err := line(r)
		if err != nil {
			return nil, err
		}
		p[i] = orb.Ring(l)
	}
	return p, nil
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
