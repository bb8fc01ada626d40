package crs_test

import (
	"math"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/crs"
)

// point is a (longitude, latitude) pair in degrees.
type point struct{ lon, lat float64 }

// cities spread over the China box: north, south, east, far west, and
// Jiaozuo, close to the formula's (105, 35) origin.
var cities = []struct {
	name string
	p    point
}{
	{"Beijing", point{116.404, 39.915}},
	{"Jiaozuo", point{113.24, 35.24}},
	{"Shanghai", point{121.4737, 31.2304}},
	{"Urumqi", point{87.6168, 43.8256}},
	{"Sanya", point{109.5119, 18.2528}},
	{"Harbin", point{126.5349, 45.8038}},
	{"Lhasa", point{91.1322, 29.6600}},
	{"Kashgar", point{75.9897, 39.4704}},
}

// outside lists points clearly outside the China box. Tokyo (139.69 E)
// lies east of the box's 137.8347 E edge.
var outside = []struct {
	name string
	p    point
}{
	{"Paris", point{2.35, 48.85}},
	{"New York", point{-74.006, 40.7128}},
	{"Tokyo", point{139.69, 35.69}},
	{"Sydney", point{151.2093, -33.8688}},
	{"the null island", point{0, 0}},
}

// near fails the test unless got is within tol degrees of want on both axes.
func near(t *testing.T, what string, gotLon, gotLat float64, want point, tol float64) {
	t.Helper()
	if math.Abs(gotLon-want.lon) > tol || math.Abs(gotLat-want.lat) > tol {
		t.Errorf("%s = (%.15f, %.15f), want (%.15f, %.15f) within %g (off by %g, %g)",
			what, gotLon, gotLat, want.lon, want.lat, tol, gotLon-want.lon, gotLat-want.lat)
	}
}

// haversine returns the great-circle distance between a and b in metres.
func haversine(a, b point) float64 {
	const earthRadius = 6371008.8 // mean radius, metres
	rad := math.Pi / 180
	dLat := (b.lat - a.lat) * rad
	dLon := (b.lon - a.lon) * rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(a.lat*rad)*math.Cos(b.lat*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * earthRadius * math.Asin(math.Sqrt(h))
}

// The reference values are the outputs printed in the README of the
// wandergis/coordtransform JavaScript library for input (116.404, 39.915).
func TestPublishedReferenceValues(t *testing.T) {
	in := point{116.404, 39.915}

	forward := []struct {
		name string
		conv func(lon, lat float64) (float64, float64)
		want point
	}{
		{"WGS84ToGCJ02 matches coordtransform's wgs84togcj02", crs.WGS84ToGCJ02, point{116.41024449916938, 39.91640428150164}},
		{"GCJ02ToBD09 matches coordtransform's gcj02tobd09", crs.GCJ02ToBD09, point{116.41036949371029, 39.92133699351021}},
	}
	for _, tc := range forward {
		t.Run(tc.name, func(t *testing.T) {
			lon, lat := tc.conv(in.lon, in.lat)
			near(t, tc.name, lon, lat, tc.want, 1e-9)
		})
	}

	// The library's inverses are one-step approximations; ours iterate to
	// the exact inverse, so they agree only roughly but round-trip exactly.
	inverse := []struct {
		name    string
		conv    func(lon, lat float64) (float64, float64)
		forward func(lon, lat float64) (float64, float64)
		oneStep point
	}{
		{"GCJ02ToWGS84 is close to coordtransform's one-step gcj02towgs84 and exact", crs.GCJ02ToWGS84, crs.WGS84ToGCJ02, point{116.39775550083061, 39.91359571849836}},
		{"BD09ToGCJ02 is close to coordtransform's one-step bd09togcj02 and exact", crs.BD09ToGCJ02, crs.GCJ02ToBD09, point{116.39762729119315, 39.90865673957631}},
	}
	for _, tc := range inverse {
		t.Run(tc.name, func(t *testing.T) {
			lon, lat := tc.conv(in.lon, in.lat)
			near(t, "inverse", lon, lat, tc.oneStep, 1e-5)
			backLon, backLat := tc.forward(lon, lat)
			near(t, "forward(inverse(p))", backLon, backLat, in, 1e-9)
		})
	}
}

func TestRoundTrips(t *testing.T) {
	trips := []struct {
		name  string
		there func(lon, lat float64) (float64, float64)
		back  func(lon, lat float64) (float64, float64)
	}{
		{"WGS-84 to GCJ-02 and back", crs.WGS84ToGCJ02, crs.GCJ02ToWGS84},
		{"GCJ-02 to BD-09 and back", crs.GCJ02ToBD09, crs.BD09ToGCJ02},
		{"WGS-84 to BD-09 and back", crs.WGS84ToBD09, crs.BD09ToWGS84},
		{"BD-09 to WGS-84 and back", crs.BD09ToWGS84, crs.WGS84ToBD09},
	}
	for _, trip := range trips {
		for _, c := range cities {
			t.Run(trip.name+" returns "+c.name+" to within a millimetre", func(t *testing.T) {
				lon, lat := trip.there(c.p.lon, c.p.lat)
				if lon == c.p.lon && lat == c.p.lat {
					t.Fatalf("the outbound conversion left %v unchanged", c.p)
				}
				backLon, backLat := trip.back(lon, lat)
				near(t, "round trip", backLon, backLat, c.p, 1e-8)
			})
		}
	}
}

func TestTheOffsetIsReal(t *testing.T) {
	for _, c := range cities[:3] {
		t.Run("WGS84ToGCJ02 moves "+c.name+" by 100 to 700 metres", func(t *testing.T) {
			lon, lat := crs.WGS84ToGCJ02(c.p.lon, c.p.lat)
			if d := haversine(c.p, point{lon, lat}); d < 100 || d > 700 {
				t.Errorf("offset is %.1f m", d)
			}
		})
	}
}

func TestOutsideChina(t *testing.T) {
	for _, c := range outside {
		t.Run("WGS-84 and GCJ-02 coincide in "+c.name, func(t *testing.T) {
			if crs.InChina(c.p.lon, c.p.lat) {
				t.Fatalf("%v is inside the China box", c.p)
			}
			if lon, lat := crs.WGS84ToGCJ02(c.p.lon, c.p.lat); lon != c.p.lon || lat != c.p.lat {
				t.Errorf("WGS84ToGCJ02 = (%v, %v), want the input", lon, lat)
			}
			if lon, lat := crs.GCJ02ToWGS84(c.p.lon, c.p.lat); lon != c.p.lon || lat != c.p.lat {
				t.Errorf("GCJ02ToWGS84 = (%v, %v), want the input", lon, lat)
			}
		})
		t.Run("Baidu still offsets "+c.name, func(t *testing.T) {
			lon, lat := crs.GCJ02ToBD09(c.p.lon, c.p.lat)
			if d := haversine(c.p, point{lon, lat}); d < 100 {
				t.Errorf("GCJ02ToBD09 moved the point only %.1f m", d)
			}
			backLon, backLat := crs.BD09ToGCJ02(lon, lat)
			near(t, "BD-09 round trip", backLon, backLat, c.p, 1e-8)
		})
	}
}

func TestInChina(t *testing.T) {
	tests := []struct {
		name string
		p    point
		want bool
	}{
		{"Beijing is inside the box", point{116.404, 39.915}, true},
		{"Sanya is inside the box", point{109.5119, 18.2528}, true},
		{"the south-west corner is inside the box", point{72.004, 0.8293}, true},
		{"the north-east corner is inside the box", point{137.8347, 55.8271}, true},
		{"Seoul is inside the box because the box is rough", point{126.978, 37.5665}, true},
		{"Tokyo is east of the box", point{139.69, 35.69}, false},
		{"Paris is outside the box", point{2.35, 48.85}, false},
		{"a point just west of the box is outside it", point{72.003, 30}, false},
		{"a point just north of the box is outside it", point{100, 55.8272}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := crs.InChina(tc.p.lon, tc.p.lat); got != tc.want {
				t.Errorf("InChina(%v, %v) = %v, want %v", tc.p.lon, tc.p.lat, got, tc.want)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	p := point{116.404, 39.915}
	direct := map[[2]crs.System]func(lon, lat float64) (float64, float64){
		{crs.WGS84, crs.GCJ02}: crs.WGS84ToGCJ02,
		{crs.GCJ02, crs.WGS84}: crs.GCJ02ToWGS84,
		{crs.GCJ02, crs.BD09}:  crs.GCJ02ToBD09,
		{crs.BD09, crs.GCJ02}:  crs.BD09ToGCJ02,
		{crs.WGS84, crs.BD09}:  crs.WGS84ToBD09,
		{crs.BD09, crs.WGS84}:  crs.BD09ToWGS84,
	}
	systems := []crs.System{crs.WGS84, crs.GCJ02, crs.BD09}
	for _, from := range systems {
		for _, to := range systems {
			t.Run("converting from "+string(from)+" to "+string(to)+" matches the direct function", func(t *testing.T) {
				want := p
				if f, ok := direct[[2]crs.System{from, to}]; ok {
					want.lon, want.lat = f(p.lon, p.lat)
				}
				lon, lat := crs.Convert(from, to, p.lon, p.lat)
				if lon != want.lon || lat != want.lat {
					t.Errorf("Convert = (%v, %v), want (%v, %v)", lon, lat, want.lon, want.lat)
				}
			})
		}
	}
	t.Run("an unknown system leaves the point unchanged", func(t *testing.T) {
		if lon, lat := crs.Convert("mercator", crs.BD09, p.lon, p.lat); lon != p.lon || lat != p.lat {
			t.Errorf("Convert from an unknown system = (%v, %v)", lon, lat)
		}
		if lon, lat := crs.Convert(crs.WGS84, "mercator", p.lon, p.lat); lon != p.lon || lat != p.lat {
			t.Errorf("Convert to an unknown system = (%v, %v)", lon, lat)
		}
	})
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want crs.System
		ok   bool
	}{
		{"an empty name defaults to WGS-84", "", crs.WGS84, true},
		{"wgs84 is accepted", "wgs84", crs.WGS84, true},
		{"names are case-insensitive", "WGS84", crs.WGS84, true},
		{"gcj02 is accepted", "gcj02", crs.GCJ02, true},
		{"mixed-case Gcj02 is accepted", "Gcj02", crs.GCJ02, true},
		{"bd09 is accepted", "bd09", crs.BD09, true},
		{"an EPSG code is rejected", "epsg:4326", "", false},
		{"a vendor name is rejected", "baidu", "", false},
		{"a stray letter is rejected", "x", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := crs.Parse(tc.in)
			if !tc.ok {
				if err == nil {
					t.Fatalf("Parse(%q) = %q, want an error", tc.in, got)
				}
				for _, name := range []string{"wgs84", "gcj02", "bd09"} {
					if !strings.Contains(err.Error(), name) {
						t.Errorf("error %q does not list %s", err, name)
					}
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Parse(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestValidLonLat(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		wantErr  string // substring of the error, "" for valid
	}{
		{"Beijing is valid", 116.404, 39.915, ""},
		{"the corners of the globe are valid", 180, -90, ""},
		{"the other corners are valid", -180, 90, ""},
		{"a NaN longitude is rejected", math.NaN(), 0, "longitude"},
		{"a NaN latitude is rejected", 0, math.NaN(), "latitude"},
		{"an infinite longitude is rejected", math.Inf(1), 0, "longitude"},
		{"a negative infinite latitude is rejected", 0, math.Inf(-1), "latitude"},
		{"longitude 181 is rejected", 181, 0, "[-180, 180]"},
		{"longitude -180.5 is rejected", -180.5, 0, "[-180, 180]"},
		{"latitude -91 is rejected", 0, -91, "[-90, 90]"},
		{"latitude 90.0001 is rejected", 0, 90.0001, "[-90, 90]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := crs.ValidLonLat(tc.lon, tc.lat)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("ValidLonLat(%v, %v) = %v, want nil", tc.lon, tc.lat, err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("ValidLonLat(%v, %v) = nil, want an error", tc.lon, tc.lat)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("ValidLonLat(%v, %v) = %q, want it to mention %q", tc.lon, tc.lat, err, tc.wantErr)
			}
		})
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, c := range cities {
		f.Add(c.p.lon, c.p.lat)
	}
	for _, c := range outside {
		f.Add(c.p.lon, c.p.lat)
	}
	f.Add(105.0, 35.0) // the formula's origin, where sqrt(|x|) has a cusp
	f.Add(72.004, 0.8293)
	f.Add(137.8347, 55.8271)
	f.Add(-180.0, -90.0)
	f.Add(180.0, 90.0)
	f.Fuzz(func(t *testing.T, lon, lat float64) {
		if crs.ValidLonLat(lon, lat) != nil {
			return
		}
		convs := map[string]func(lon, lat float64) (float64, float64){
			"WGS84ToGCJ02": crs.WGS84ToGCJ02,
			"GCJ02ToWGS84": crs.GCJ02ToWGS84,
			"GCJ02ToBD09":  crs.GCJ02ToBD09,
			"BD09ToGCJ02":  crs.BD09ToGCJ02,
			"WGS84ToBD09":  crs.WGS84ToBD09,
			"BD09ToWGS84":  crs.BD09ToWGS84,
		}
		for name, conv := range convs {
			x, y := conv(lon, lat)
			if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
				t.Fatalf("%s(%v, %v) = (%v, %v)", name, lon, lat, x, y)
			}
		}
		if !crs.InChina(lon, lat) {
			return
		}
		wLon, wLat := crs.GCJ02ToWGS84(lon, lat)
		if !crs.InChina(wLon, wLat) {
			// Within an offset's width of the box edge the boxed forward
			// map has no exact preimage, so there is nothing to round-trip.
			return
		}
		gLon, gLat := crs.WGS84ToGCJ02(wLon, wLat)
		if math.Abs(gLon-lon) > 1e-7 || math.Abs(gLat-lat) > 1e-7 {
			t.Fatalf("GCJ02 (%v, %v) -> WGS84 (%v, %v) -> GCJ02 (%v, %v)", lon, lat, wLon, wLat, gLon, gLat)
		}
	})
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	for b.Loop() {
		crs.WGS84ToGCJ02(116.404, 39.915)
	}
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	for b.Loop() {
		crs.GCJ02ToWGS84(116.41024449916938, 39.91640428150164)
	}
}
