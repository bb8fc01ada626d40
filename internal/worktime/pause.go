package worktime

import (
	"math"
	"math/big"
	"slices"
	"time"
)

// DeadlineWithPauses is Deadline for a stage whose clock was stopped (挂账, suspension) during
// the paused intervals, each [from, to]: the due time moves later by the paused time, measured
// in the limit's own kind of time, so a pause over a weekend moves a work_hour deadline not at
// all and a natural_hour deadline by the whole weekend. A suspension still running is passed
// as [from, now]. Intervals may be given in any order and may overlap; empty or reversed
// intervals and time before start are ignored.
func (c *Calendar) DeadlineWithPauses(start time.Time, l Limit, paused [][2]time.Time) time.Time {
	ps := cleanPauses(paused, start, time.Time{})
	if len(ps) == 0 || l.Validate() != nil {
		return c.Deadline(start, l)
	}
	return c.spend(start, l.Unit, c.limitMeasure(l), ps)
}

// spend walks the running stretches from start between the (clean) pauses, spending rest (in
// u's currency) on each, and returns the moment it runs out.
func (c *Calendar) spend(start time.Time, u Unit, rest *big.Rat, ps [][2]time.Time) time.Time {
	cur := start
	for _, p := range ps {
		if p[0].After(cur) {
			m := c.measure(u, cur, p[0])
			if m.Cmp(rest) >= 0 {
				return c.advance(u, cur, rest)
			}
			rest.Sub(rest, m)
		}
		if p[1].After(cur) {
			cur = p[1]
		}
	}
	return c.advance(u, cur, rest)
}

// Shift moves a deadline later by a pause from..to (挂账 then 恢复), measured in u's kind of
// time: a suspension over a weekend moves a work_hour deadline not at all, a natural_hour one
// by the whole weekend. Shifting, rather than recomputing from the limit, keeps extensions
// granted before the pause.
func (c *Calendar) Shift(due, from, to time.Time, u Unit) time.Time {
	m := c.measure(u, from, to)
	if m.Sign() <= 0 {
		return due
	}
	return c.advance(u, due, m)
}

// Mark returns the moment at which the fraction f (0…1) of a stage's time is used: the time
// from start to due in u's kind, less the paused intervals. Notices and lights use it with
// f = YellowAt for the moment a stage turns yellow.
func (c *Calendar) Mark(start, due time.Time, u Unit, paused [][2]time.Time, f float64) time.Time {
	ps := cleanPauses(paused, start, due)
	total := c.measure(u, start, due)
	for _, p := range ps {
		total.Sub(total, c.measure(u, p[0], p[1]))
	}
	if f <= 0 || math.IsNaN(f) || total.Sign() <= 0 {
		return start
	}
	// f to a millionth, exactly: 0.8 as a binary float is a hair above 4/5.
	target := total.Mul(total, big.NewRat(int64(math.Round(min(f, 1)*1e6)), 1e6))
	if target.Sign() <= 0 {
		return start
	}
	return c.spend(start, u, target, ps)
}

// Elapsed returns how much of the limit has been used between start and now, as a fraction:
// 0 at start, 1 at the deadline, more than 1 when overdue. It is measured in the limit's own
// kind of time (work time for work units), with the paused intervals left out (see
// DeadlineWithPauses).
//
// Once now is past the deadline the result is above 1 even while no work time accrues (the
// lunch break after a 12:00 deadline, the night after an 18:00 one), so that LightFor turns
// red the moment a case is overdue; until then it is at most 1, so rounding never shows red
// early. A limit that fails Validate counts as run out at start, as in Deadline.
func (c *Calendar) Elapsed(start time.Time, l Limit, paused [][2]time.Time, now time.Time) float64 {
	if !now.After(start) {
		return 0
	}
	var f float64
	if l.Validate() == nil {
		used := c.measure(l.Unit, start, now)
		for _, p := range cleanPauses(paused, start, now) {
			used.Sub(used, c.measure(l.Unit, p[0], p[1]))
		}
		f, _ = used.Quo(used, c.limitMeasure(l)).Float64()
	}
	if now.After(c.DeadlineWithPauses(start, l, paused)) {
		return max(f, math.Nextafter(1, 2))
	}
	return min(f, 1)
}

// cleanPauses clips the intervals to [lo, hi] (hi zero: no upper bound), drops empty ones and
// merges overlapping ones, in order, so no time is subtracted twice.
func cleanPauses(paused [][2]time.Time, lo, hi time.Time) [][2]time.Time {
	var ps [][2]time.Time
	for _, p := range paused {
		from, to := p[0], p[1]
		if from.Before(lo) {
			from = lo
		}
		if !hi.IsZero() && to.After(hi) {
			to = hi
		}
		if to.After(from) {
			ps = append(ps, [2]time.Time{from, to})
		}
	}
	slices.SortFunc(ps, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	merged := ps[:0]
	for _, p := range ps {
		if n := len(merged); n > 0 && !p[0].After(merged[n-1][1]) {
			if p[1].After(merged[n-1][1]) {
				merged[n-1][1] = p[1]
			}
			continue
		}
		merged = append(merged, p)
	}
	return merged
}

// limitMeasure, measure and advance express every unit in one currency, an exact rational:
// nanoseconds of wall or work time, or work days. That lets one walk over pauses serve all
// units without rounding.
func (c *Calendar) limitMeasure(l Limit) *big.Rat {
	if d, ok := l.wall(); ok {
		return ratDuration(d)
	}
	if w, ok := l.work(); ok {
		return ratDuration(w)
	}
	return new(big.Rat).SetInt64(int64(l.Value))
}

func (c *Calendar) measure(u Unit, a, b time.Time) *big.Rat {
	switch u {
	case Minute, WorkHour:
		return ratDuration(c.WorkBetween(a, b))
	case WorkDay:
		return c.workDaysBetween(a, b)
	}
	return ratDuration(max(0, b.Sub(a)))
}

// advance returns the earliest moment at which r > 0 (in u's currency) has passed since from.
func (c *Calendar) advance(u Unit, from time.Time, r *big.Rat) time.Time {
	switch u {
	case Minute, WorkHour:
		return c.addWork(from, ceilDuration(r))
	case WorkDay:
		return c.addWorkDays(from, r)
	}
	return from.Add(ceilDuration(r)).In(c.loc)
}

// Light is the traffic light an open case shows for its current stage.
type Light string

// The lights.
const (
	Green  Light = "green"
	Yellow Light = "yellow" // at least 80 % of the limit used
	Red    Light = "red"    // overdue
)

// YellowAt is the share of a limit used at which a case turns yellow (DESIGN §4).
const YellowAt = 0.8

// LightAt is the light at now of a clock that turns yellow at warn and red after due. It is
// the one light rule: stored clocks are read with it, and the store's list filters compare the
// same columns the same way in SQL (a store test holds the two to agree at every boundary).
func LightAt(now, warn, due time.Time) Light {
	switch {
	case now.After(due):
		return Red
	case !now.Before(warn):
		return Yellow
	}
	return Green
}

// LightFor returns the light for a limit used to the fraction elapsed (see Elapsed): yellow
// from 80 % used, red once overdue (more than all of it used, i.e. now past the deadline).
func LightFor(elapsed float64) Light {
	switch {
	case elapsed > 1:
		return Red
	case elapsed >= YellowAt:
		return Yellow
	}
	return Green
}
