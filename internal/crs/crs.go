// Package crs converts points between WGS-84, GCJ-02 and BD-09.
//
// WGS-84 is what GPS receivers report; GCJ-02 is the obfuscated "Mars"
// datum required for maps published in China (AMap, Tencent, WeChat);
// BD-09 is Baidu's further offset of GCJ-02. All functions take and
// return (longitude, latitude) in degrees.
package crs

import (
	"fmt"
	"math"
	"strings"
)

// System names a coordinate reference system.
type System string

// The supported systems.
const (
	WGS84 System = "wgs84" // GPS
	GCJ02 System = "gcj02" // AMap, Tencent, WeChat
	BD09  System = "bd09"  // Baidu
)

// Parse returns the system named s, ignoring case. An empty name means
// WGS84, the default.
func Parse(s string) (System, error) {
	sys := System(strings.ToLower(s))
	if sys == "" {
		return WGS84, nil
	}
	if sys.known() {
		return sys, nil
	}
	return "", fmt.Errorf("crs: unknown coordinate system %q (want %s, %s or %s)", s, WGS84, GCJ02, BD09)
}

// known reports whether s is one of the supported systems.
func (s System) known() bool { return s == WGS84 || s == GCJ02 || s == BD09 }

// ValidLonLat reports whether (lon, lat) is a finite point on the globe.
func ValidLonLat(lon, lat float64) error {
	switch {
	case math.IsNaN(lon) || math.IsInf(lon, 0):
		return fmt.Errorf("crs: longitude %v is not a finite number", lon)
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return fmt.Errorf("crs: latitude %v is not a finite number", lat)
	case lon < -180 || lon > 180:
		return fmt.Errorf("crs: longitude %v is outside [-180, 180]", lon)
	case lat < -90 || lat > 90:
		return fmt.Errorf("crs: latitude %v is outside [-90, 90]", lat)
	}
	return nil
}

// InChina is the rough mainland-China bounding box the public GCJ-02
// formulas use; outside it GCJ-02 is defined to equal WGS-84. The box is
// deliberately the published one (it includes e.g. Seoul but not Tokyo) so
// that results match other implementations.
func InChina(lon, lat float64) bool {
	return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
}

// Parameters of the public GCJ-02 / BD-09 formulas.
const (
	krasovskyA  = 6378245.0              // Krasovsky 1940 semi-major axis, metres
	krasovskyEE = 0.00669342162296594323 // Krasovsky 1940 first eccentricity squared
	xPi         = math.Pi * 3000.0 / 180.0
)

// gcjOffset returns the GCJ-02 shift, in degrees, applied at WGS-84 point
// (lon, lat), without the China box test.
func gcjOffset(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105.0, lat-35.0
	dLat = -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	dLat += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	dLat += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0

	dLon = 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	dLon += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	dLon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	dLon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0

	// The shifts above are in metres; convert to degrees on the ellipsoid.
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLon, dLat
}

// WGS84ToGCJ02 converts a WGS-84 point to GCJ-02.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if !InChina(lon, lat) {
		return lon, lat
	}
	return gcjForward(lon, lat)
}

// GCJ02ToWGS84 converts a GCJ-02 point to WGS-84.
//
// GCJ-02 has no closed-form inverse, and the common one-step formula
// (subtract the offset computed at the GCJ-02 point) is off by up to
// several metres, so this solves WGS84ToGCJ02(w) = (lon, lat) by
// iteration. Near the edge of the China box the forward map jumps and
// some GCJ-02 points have no exact preimage; there the result solves the
// unboxed formula and lies just outside the box.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if !InChina(lon, lat) {
		return lon, lat
	}
	return invert(gcjForward, lon, lat, lon, lat)
}

// gcjForward is WGS84ToGCJ02 without the box test, so that the inverse
// iteration sees a smooth function.
func gcjForward(lon, lat float64) (float64, float64) {
	dLon, dLat := gcjOffset(lon, lat)
	return lon + dLon, lat + dLat
}

// Inverse iteration limits. Both offsets change by at most a few percent
// of a degree per degree, so each step gains at least a digit and a half;
// the cap only guards against non-finite input.
const (
	inverseTolerance = 1e-12 // degrees, well below the promised 1e-9
	inverseMaxIter   = 30
)

// invert solves forward(w) = (lon, lat) for w by fixed-point iteration
// from (wLon, wLat). It converges because forward is the identity plus a
// slowly varying offset.
func invert(forward func(lon, lat float64) (float64, float64), lon, lat, wLon, wLat float64) (float64, float64) {
	for range inverseMaxIter {
		fLon, fLat := forward(wLon, wLat)
		eLon, eLat := fLon-lon, fLat-lat
		wLon, wLat = wLon-eLon, wLat-eLat
		if math.Abs(eLon) < inverseTolerance && math.Abs(eLat) < inverseTolerance {
			break
		}
	}
	return wLon, wLat
}

// GCJ02ToBD09 converts a GCJ-02 point to BD-09. Baidu applies its offset
// everywhere, so there is no China box test.
func GCJ02ToBD09(lon, lat float64) (float64, float64) {
	z := math.Sqrt(lon*lon+lat*lat) + 0.00002*math.Sin(lat*xPi)
	theta := math.Atan2(lat, lon) + 0.000003*math.Cos(lon*xPi)
	return z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006
}

// BD09ToGCJ02 converts a BD-09 point to GCJ-02.
//
// The published one-step formula is off by up to about 2e-6 degrees
// (20 cm) and so does not round-trip; it is only the starting guess for
// an exact iterative inverse of GCJ02ToBD09.
func BD09ToGCJ02(lon, lat float64) (float64, float64) {
	x, y := lon-0.0065, lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	return invert(GCJ02ToBD09, lon, lat, z*math.Cos(theta), z*math.Sin(theta))
}

// WGS84ToBD09 converts a WGS-84 point to BD-09 via GCJ-02.
func WGS84ToBD09(lon, lat float64) (float64, float64) {
	return GCJ02ToBD09(WGS84ToGCJ02(lon, lat))
}

// BD09ToWGS84 converts a BD-09 point to WGS-84 via GCJ-02.
func BD09ToWGS84(lon, lat float64) (float64, float64) {
	return GCJ02ToWGS84(BD09ToGCJ02(lon, lat))
}

// Convert converts a point from one system to another. Unknown systems,
// like equal ones, leave the point unchanged; use Parse to validate names.
func Convert(from, to System, lon, lat float64) (float64, float64) {
	if from == to || !from.known() || !to.known() {
		return lon, lat
	}
	// Go through GCJ-02, the hub both other systems are defined against.
	switch from {
	case WGS84:
		lon, lat = WGS84ToGCJ02(lon, lat)
	case BD09:
		lon, lat = BD09ToGCJ02(lon, lat)
	}
	switch to {
	case WGS84:
		return GCJ02ToWGS84(lon, lat)
	case BD09:
		return GCJ02ToBD09(lon, lat)
	}
	return lon, lat
}
