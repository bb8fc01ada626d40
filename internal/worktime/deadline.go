package worktime

import (
	"math/big"
	"math/bits"
	"time"
)

// Deadline returns the moment a limit that starts at start runs out, in c's location.
//
// Natural units run on the wall clock, holidays and nights included (2 natural_hour from
// Saturday 23:00 end on Sunday at 01:00). Minutes and work hours count only time inside office
// windows on working days: 30 minute from Saturday 05:32 end on Monday at 08:30. Work days
// count whole working days, one work day being that day's office hours, so they are work time
// too: 2 work_day from Friday 2026-02-13 16:00 end on Tuesday 2026-02-24 16:00 (Saturday 02-14
// is a make-up working day, 02-15…02-23 the Spring Festival). Where seasons give days different
// lengths, a work day ends at the same share of the target day's office hours.
//
// A start outside office hours begins counting at the next window opening. The deadline is the
// earliest moment the limit is used up, so a limit that runs out as a window closes ends at
// 12:00 or 18:00, not at the next opening.
//
// A limit that fails Validate has already run out: Deadline returns start. Checking limits
// where they are configured keeps this from happening; returning start rather than panicking
// makes a bad row show up as an overdue case instead of a crash.
func (c *Calendar) Deadline(start time.Time, l Limit) time.Time {
	if l.Validate() != nil {
		return start.In(c.loc)
	}
	if d, ok := l.wall(); ok {
		return start.Add(d).In(c.loc)
	}
	if w, ok := l.work(); ok {
		return c.addWork(start, w)
	}
	d, done := c.opening(c.dayOf(start))
	return c.addWholeWorkDays(d, done, int64(l.Value))
}

// WorkBetween returns the working time between a and b (a ≤ b; 0 otherwise): the time inside
// office windows on working days.
func (c *Calendar) WorkBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	da, oa := c.dayOf(a)
	db, ob := c.dayOf(b)
	if da == db {
		if !c.working(da) {
			return 0
		}
		s := c.season(da)
		return s.workBefore(ob) - s.workBefore(oa)
	}
	var sum time.Duration
	if c.working(da) {
		s := c.season(da)
		sum += s.length - s.workBefore(oa)
	}
	// Day by day, since seasons may change inside the span; db > da bounds the loop.
	for d := da + 1; d < db; d++ {
		if c.working(d) {
			sum += c.season(d).length
		}
	}
	if c.working(db) {
		sum += c.season(db).workBefore(ob)
	}
	return sum
}

// AddWork returns the earliest moment at which w of working time has passed since start (start
// itself for w ≤ 0): how a simulated city's staff, who act in office hours only, schedule.
func (c *Calendar) AddWork(start time.Time, w time.Duration) time.Time {
	if w <= 0 {
		return start.In(c.loc)
	}
	return c.addWork(start, w)
}

// addWork returns the earliest moment at which w > 0 of work time has passed since start.
func (c *Calendar) addWork(start time.Time, w time.Duration) time.Time {
	d, off := c.dayOf(start)
	if c.working(d) {
		s := c.season(d)
		done := s.workBefore(off)
		if done+w <= s.length {
			return c.instant(d, s.wallAt(done+w))
		}
		w -= s.length - done
	}
	// Whole days are taken a day at a time, never minute by minute.
	budget := c.dayBudget(d, int64(w/c.minLength)+1)
	for steps := int64(0); steps <= budget; steps++ {
		d++
		if !c.working(d) {
			continue
		}
		s := c.season(d)
		if w <= s.length {
			return c.instant(d, s.wallAt(w))
		}
		w -= s.length
	}
	panic("worktime: work-time search ran past its bound")
}

// opening returns where work counting from day d, wall offset off begins: the day and the work
// time that day holds before that point (less than the day's length). A start after the day's
// last window, or on a day off, moves to the next working day's first opening.
func (c *Calendar) opening(d int, off time.Duration) (int, time.Duration) {
	if c.working(d) {
		if done := c.season(d).workBefore(off); done < c.season(d).length {
			return d, done
		}
	}
	return c.nthWorkingDay(d, 1), 0
}

// addWorkDays returns the earliest moment at which r > 0 work days have passed since start.
// Positions are measured in days as exact fractions (work time done ÷ the day's office hours),
// so deadlines land on the exact nanosecond and whole days skip without per-hour arithmetic.
func (c *Calendar) addWorkDays(start time.Time, r *big.Rat) time.Time {
	d, done := c.opening(c.dayOf(start))
	if r.IsInt() && r.Num().IsInt64() {
		return c.addWholeWorkDays(d, done, r.Num().Int64())
	}
	total := new(big.Rat).SetFrac64(int64(done), int64(c.season(d).length))
	total.Add(total, r)
	whole := new(big.Int).Quo(total.Num(), total.Denom()) // floor: total > 0
	frac := new(big.Rat).Sub(total, new(big.Rat).SetInt(whole))
	n := whole.Int64()
	if frac.Sign() == 0 {
		// Exactly n days from an opening end as the (n-1)-th day after closes, not at the
		// next morning's opening.
		n--
		frac.SetInt64(1)
	}
	dk := c.nthWorkingDay(d, n)
	sk := c.season(dk)
	return c.instant(dk, sk.wallAt(ceilDuration(frac.Mul(frac, ratDuration(sk.length)))))
}

// addWholeWorkDays is addWorkDays for a whole number n > 0 of days from day d, done work time
// into it, in integer arithmetic: the common case (every Deadline) needs no allocation.
func (c *Calendar) addWholeWorkDays(d int, done time.Duration, n int64) time.Time {
	if done == 0 {
		// From an opening, n days end as the (n-1)-th working day after closes.
		dk := c.nthWorkingDay(d, n-1)
		s := c.season(dk)
		return c.instant(dk, s.wallAt(s.length))
	}
	dk := c.nthWorkingDay(d, n)
	s := c.season(dk)
	// The same share of the target day as was done of the start day: done × length ÷ start
	// length, rounded up, in 128 bits because the product of two day lengths in nanoseconds
	// overflows 64.
	hi, lo := bits.Mul64(uint64(done), uint64(s.length))
	q, rem := bits.Div64(hi, lo, uint64(c.season(d).length)) // hi < divisor since done < start length
	if rem > 0 {
		q++
	}
	return c.instant(dk, s.wallAt(time.Duration(q)))
}

// workDaysBetween returns the work days between a and b as an exact fraction: each working day
// contributes the share of its office hours that falls in [a, b].
func (c *Calendar) workDaysBetween(a, b time.Time) *big.Rat {
	r := new(big.Rat)
	if !b.After(a) {
		return r
	}
	da, oa := c.dayOf(a)
	db, ob := c.dayOf(b)
	share := func(d int, from, to time.Duration) *big.Rat {
		s := c.season(d)
		return new(big.Rat).SetFrac64(int64(s.workBefore(to)-s.workBefore(from)), int64(s.length))
	}
	if da == db {
		if c.working(da) {
			r.Add(r, share(da, oa, ob))
		}
		return r
	}
	if c.working(da) {
		r.Add(r, share(da, oa, 24*time.Hour))
	}
	r.Add(r, new(big.Rat).SetInt64(c.countWorking(da+1, db-1)))
	if c.working(db) {
		r.Add(r, share(db, 0, ob))
	}
	return r
}

// countWorking returns the number of working days from day from to day to, inclusive.
func (c *Calendar) countWorking(from, to int) int64 {
	var n int64
	for d := from; d <= to; {
		// A whole week outside the irregular span is five working days.
		if d+6 <= to && (d > c.last || d+6 < c.first) {
			n += 5
			d += 7
			continue
		}
		if c.working(d) {
			n++
		}
		d++
	}
	return n
}

func ratDuration(d time.Duration) *big.Rat { return new(big.Rat).SetInt64(int64(d)) }

// ceilDuration rounds a non-negative number of nanoseconds up: a deadline may not come before
// the limit is fully used.
func ceilDuration(r *big.Rat) time.Duration {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return time.Duration(q.Int64())
}
