// Package patrol holds what a grid worker's patrol (巡查, DESIGN §4) is made of: the GPS fixes a
// phone takes while the worker walks a grid, how they are checked, and how far they add up to.
package patrol

import (
	"math"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// Point is one GPS fix as the browser's geolocation gives it (WGS-84).
type Point struct {
	At       time.Time `json:"at"`
	Lon      float64   `json:"lon"`
	Lat      float64   `json:"lat"`
	Accuracy float64   `json:"accuracy"` // metres, the radius the browser vouches for; 0 if unknown
}

// Limits on what a phone may post.
const (
	// MaxBatch bounds the points of one post: a phone that was offline for an hour, fixing
	// every ten seconds, has 360.
	MaxBatch = 500
	// MaxAccuracy is the worst accuracy a fix may claim and still be a position at all.
	MaxAccuracy = 10000
	// ClockSkew is how far ahead of the server a phone's clock may run.
	ClockSkew = 2 * time.Minute
	// CountedAccuracy is the worst accuracy a fix may have and still count for distance: coarse
	// fixes (cell towers, Wi-Fi) jump about and would add distance nobody walked.
	CountedAccuracy = 100
)

// Validate checks a fix taken during a patrol that started at start, seen by the server at now.
func (p Point) Validate(start, now time.Time) error {
	switch {
	case p.At.IsZero():
		return errs.E(errs.Invalid, "a point needs the time it was taken")
	case math.IsNaN(p.Lon) || math.IsNaN(p.Lat) || p.Lon < -180 || p.Lon > 180 || p.Lat < -90 || p.Lat > 90:
		return errs.E(errs.Invalid, "point %v,%v is not a longitude and latitude", p.Lon, p.Lat)
	case math.IsNaN(p.Accuracy) || p.Accuracy < 0 || p.Accuracy > MaxAccuracy:
		return errs.E(errs.Invalid, "accuracy %v m must be from 0 to %d m", p.Accuracy, MaxAccuracy)
	case p.At.Before(start.Add(-time.Minute)):
		return errs.E(errs.Invalid, "point at %s is before the patrol started (%s)", p.At.Format(time.RFC3339), start.Format(time.RFC3339))
	case p.At.After(now.Add(ClockSkew)):
		return errs.E(errs.Invalid, "point at %s is in the future", p.At.Format(time.RFC3339))
	}
	return nil
}

// Distance is the great-circle distance between two fixes in metres (haversine on a sphere of
// the Earth's mean radius: within 0.5 % at a city's scale, plenty for "how far was walked").
func Distance(a, b Point) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Length adds up the distance along points (in time order) from prev, the last counted fix
// before them (nil at the start of a track), counting only fixes accurate enough; it returns
// the length and the last counted fix.
func Length(prev *Point, points []Point) (float64, *Point) {
	total := 0.0
	for i := range points {
		p := points[i]
		if p.Accuracy > CountedAccuracy {
			continue
		}
		if prev != nil {
			total += Distance(*prev, p)
		}
		prev = &p
	}
	return total, prev
}
