package campaign

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// Every is how far apart a burn-down's points are.
type Every string

// The spacings of a burn-down.
const (
	Daily  Every = "day"
	Weekly Every = "week"
)

// ParseEvery reads a spacing; "" is daily.
func ParseEvery(s string) (Every, error) {
	switch Every(s) {
	case "", Daily:
		return Daily, nil
	case Weekly:
		return Weekly, nil
	}
	return "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "every", "value": s}, "every must be day or week, not %q", s)
}

// DayDelta is what one day's changes did to the remaining count, summed: storage keeps each
// change with its China day and its delta (see Delta).
type DayDelta struct {
	Day   string
	Delta int
}

// Point is the count of remaining targets at the end of a day, beside the straight line's.
type Point struct {
	Day       string  `json:"day"`
	Remaining int     `json:"remaining"`
	Ideal     float64 `json:"ideal"`
}

// Burndown is the remaining targets over time against the straight line from the whole list
// on the start date to the goal on the due date.
type Burndown struct {
	Every     Every   `json:"every"`
	StartsOn  string  `json:"starts_on"`
	DueOn     string  `json:"due_on"`
	Total     int     `json:"total"`     // targets on the list: where the line starts
	Goal      float64 `json:"goal"`      // where it ends
	Remaining int     `json:"remaining"` // now: the last point's count
	Points    []Point `json:"points"`
}

// MaxPoints bounds a burn-down; a long campaign is read by the week.
const MaxPoints = 1000

// BurnDown builds the burn-down of a campaign (or of a part of it: total and goal are then the
// part's) from its changes summed by day, up to today (a China date): a point every day or
// week from the start date, and one for today. Changes before the start (targets listed
// early) count on the start date. The line runs from total on the start date to goal on the
// due date and stays at goal after it.
func BurnDown(c Campaign, every Every, total int, goal float64, deltas []DayDelta, today string) (Burndown, error) {
	start, err := ParseDate("starts_on", c.StartsOn)
	if err != nil {
		return Burndown{}, err
	}
	due, err := ParseDate("due_on", c.DueOn)
	if err != nil {
		return Burndown{}, err
	}
	last, err := ParseDate("today", today)
	if err != nil {
		return Burndown{}, err
	}
	if last.Before(start) {
		last = start
	}
	step := 1
	if every == Weekly {
		step = 7
	}
	if n := days(start, last)/step + 2; n > MaxPoints {
		return Burndown{}, errs.Refuse(errs.Invalid, "burndown_too_long", errs.Params{"max": MaxPoints, "every": string(every)},
			"a burn-down has at most %d points; read this one by the week", MaxPoints)
	}
	var marks []time.Time
	for d := start; !d.After(last); d = d.AddDate(0, 0, step) {
		marks = append(marks, d)
	}
	if !marks[len(marks)-1].Equal(last) {
		marks = append(marks, last)
	}
	sorted := slices.Clone(deltas)
	slices.SortFunc(sorted, func(a, b DayDelta) int { return strings.Compare(a.Day, b.Day) })
	out := Burndown{Every: every, StartsOn: c.StartsOn, DueOn: c.DueOn, Total: total, Goal: goal, Points: make([]Point, 0, len(marks))}
	span := days(start, due)
	remaining, i := 0, 0
	for _, m := range marks {
		day := m.Format(DateLayout)
		for ; i < len(sorted) && sorted[i].Day <= day; i++ {
			remaining += sorted[i].Delta
		}
		frac := 1.0
		if span > 0 {
			frac = min(1, max(0, float64(days(start, m))/float64(span)))
		}
		ideal := float64(total) + (goal-float64(total))*frac
		out.Points = append(out.Points, Point{Day: day, Remaining: remaining, Ideal: math.Round(ideal*100) / 100})
	}
	out.Remaining = remaining
	return out, nil
}

// days counts the days from a to b (midnights in one zone).
func days(a, b time.Time) int { return int(math.Round(b.Sub(a).Hours() / 24)) }
