package worktime

import (
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// dayKind says how the official schedule classifies one date.
type dayKind uint8

const (
	byWeekday dayKind = iota // not in the schedule: Monday–Friday work, weekends rest
	workDay                  // a make-up working day (调休), usually a weekend
	restDay                  // a public holiday, weekday or not
)

// officialDays is the State Council schedule as a dense table, kinds[i] being the kind of day
// first+i (days counted from 1970-01-01). A table rather than lunar-go calls per day because
// HolidayUtil searches its whole data string on every lookup, and a deadline may look at
// hundreds of days.
type officialDays struct {
	first int
	kinds []dayKind
}

// lunarYears is the range of years asked of lunar-go. The data starts on 2001-12-29; asking
// up to 2100 picks up later years when the module is upgraded without touching this code.
const firstLunarYear, lastLunarYear = 2001, 2100

// official loads the schedule once. Only lunar-go's read functions are used: its Fix patches
// a package-level string without locking and so is not safe while other goroutines read;
// administrators' corrections go into Config.Overrides instead.
var official = sync.OnceValue(func() officialDays {
	days := map[int]bool{}
	lo, hi := 0, -1
	for y := firstLunarYear; y <= lastLunarYear; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok {
				continue
			}
			t, err := time.Parse(time.DateOnly, h.GetDay())
			if err != nil {
				continue // cannot happen with the shipped data; a bad row must not break deadlines
			}
			d := dayNumber(t.Date())
			days[d] = h.IsWork()
			if hi < lo {
				lo, hi = d, d
			}
			lo, hi = min(lo, d), max(hi, d)
		}
	}
	if hi < lo {
		return officialDays{}
	}
	o := officialDays{first: lo, kinds: make([]dayKind, hi-lo+1)}
	for d, work := range days {
		o.kinds[d-lo] = restDay
		if work {
			o.kinds[d-lo] = workDay
		}
	}
	return o
})

// kind returns the official classification of day d.
func (o officialDays) kind(d int) dayKind {
	if i := d - o.first; i >= 0 && i < len(o.kinds) {
		return o.kinds[i]
	}
	return byWeekday
}

// last is the last day the table covers (first-1 when it is empty).
func (o officialDays) last() int { return o.first + len(o.kinds) - 1 }

// dayNumber counts days from 1970-01-01 to the civil date y-m-d. Dates are handled as day
// numbers so that stepping through days is integer arithmetic, free of time zones.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// civil is the inverse of dayNumber.
func civil(d int) (int, time.Month, int) {
	return time.Unix(int64(d)*86400, 0).UTC().Date()
}

// weekdayRule is the ordinary week: Monday to Friday work.
func weekdayRule(d int) bool {
	w := ((d+4)%7 + 7) % 7 // 1970-01-01 was a Thursday; 0 is Sunday
	return w != 0 && w != 6
}
