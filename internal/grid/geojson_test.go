package grid_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
)

func TestGeometryRoundTrip(t *testing.T) {
	for _, g := range []orb.Geometry{
		orb.Point{113.2, 35.2},
		orb.LineString{{113.2, 35.2}, {113.3, 35.25}},
		orb.Polygon{square(113, 35, 0.01), square(113.002, 35.002, 0.002)},
		orb.MultiPolygon{{square(113, 35, 0.01)}, {square(113.02, 35, 0.01)}},
	} {
		b, err := grid.EncodeGeometry(g)
		if err != nil {
			t.Fatal(err)
		}
		back, err := grid.DecodeGeometry(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !orb.Equal(g, back) {
			t.Errorf("round trip of %s gave %v", b, back)
		}
	}
}

func TestDecodeGeometryRefuses(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not JSON", `{"type":`, "geometry"},
		{"no type", `{"coordinates":[1,2]}`, "no type"},
		{"no coordinates", `{"type":"Polygon"}`, "no coordinates"},
		{"an unknown type", `{"type":"Circle","coordinates":[1,2]}`, "not supported"},
		{"a position of one number", `{"type":"Polygon","coordinates":[[[113],[114,35],[113,36],[113,35]]]}`, "longitude and latitude"},
		{"strings for numbers", `{"type":"Point","coordinates":["113","35"]}`, "coordinates"},
		{"a polygon nested too shallow", `{"type":"Polygon","coordinates":[[113,35],[114,35]]}`, "coordinates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := grid.DecodeGeometry([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeGeometry(%s) = %v, want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestDecodeGeometryDropsAltitude(t *testing.T) {
	g, err := grid.DecodeGeometry([]byte(`{"type":"Point","coordinates":[113.2,35.2,88]}`))
	if err != nil || g != (orb.Point{113.2, 35.2}) {
		t.Errorf("got %v, %v", g, err)
	}
}
