package patrol_test

import (
	"math"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/patrol"
)

var start = time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)

func TestDistanceMatchesKnownLengths(t *testing.T) {
	tests := []struct {
		name string
		a, b patrol.Point
		want float64 // metres
	}{
		{"the same place", patrol.Point{Lon: 113.2, Lat: 35.2}, patrol.Point{Lon: 113.2, Lat: 35.2}, 0},
		{"one thousandth of a degree north", patrol.Point{Lon: 113.2, Lat: 35.2}, patrol.Point{Lon: 113.2, Lat: 35.201}, 111.2},
		{"one thousandth of a degree east at 35°", patrol.Point{Lon: 113.2, Lat: 35.2}, patrol.Point{Lon: 113.201, Lat: 35.2}, 90.9},
		{"one degree along the equator", patrol.Point{Lon: 0, Lat: 0}, patrol.Point{Lon: 1, Lat: 0}, 111195},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := patrol.Distance(tc.a, tc.b); math.Abs(got-tc.want) > tc.want*0.002+0.1 {
				t.Errorf("got %.1f m, want %.1f m", got, tc.want)
			}
		})
	}
}

func TestLengthSkipsCoarseFixesAndContinuesFromThePrevious(t *testing.T) {
	pts := []patrol.Point{
		{Lon: 113.2, Lat: 35.2, Accuracy: 10},
		{Lon: 113.3, Lat: 35.3, Accuracy: 2000}, // a cell-tower fix far off: not walked
		{Lon: 113.2, Lat: 35.201, Accuracy: 15},
	}
	got, last := patrol.Length(nil, pts)
	if math.Abs(got-111.2) > 0.5 || last == nil || last.Lat != 35.201 {
		t.Errorf("got %.1f m ending at %+v, want 111.2 m ending at the third fix", got, last)
	}
	more, _ := patrol.Length(last, []patrol.Point{{Lon: 113.2, Lat: 35.202, Accuracy: 5}})
	if math.Abs(more-111.2) > 0.5 {
		t.Errorf("continuing: %.1f m, want 111.2", more)
	}
	if got, last := patrol.Length(nil, nil); got != 0 || last != nil {
		t.Errorf("no points: %v %v", got, last)
	}
}

func TestValidateRefusesWhatIsNoFix(t *testing.T) {
	now := start.Add(time.Hour)
	good := patrol.Point{At: start.Add(time.Minute), Lon: 113.2, Lat: 35.2, Accuracy: 8}
	if err := good.Validate(start, now); err != nil {
		t.Fatalf("a good fix: %v", err)
	}
	bad := map[string]func(p *patrol.Point){
		"no time":           func(p *patrol.Point) { p.At = time.Time{} },
		"longitude 200":     func(p *patrol.Point) { p.Lon = 200 },
		"latitude -91":      func(p *patrol.Point) { p.Lat = -91 },
		"NaN":               func(p *patrol.Point) { p.Lat = math.NaN() },
		"negative accuracy": func(p *patrol.Point) { p.Accuracy = -1 },
		"accuracy 20 km":    func(p *patrol.Point) { p.Accuracy = 20000 },
		"before the start":  func(p *patrol.Point) { p.At = start.Add(-time.Hour) },
		"in the future":     func(p *patrol.Point) { p.At = now.Add(time.Hour) },
	}
	for name, spoil := range bad {
		p := good
		spoil(&p)
		if err := p.Validate(start, now); errs.KindOf(err) != errs.Invalid {
			t.Errorf("%s: got %v, want an Invalid error", name, err)
		}
	}
}
