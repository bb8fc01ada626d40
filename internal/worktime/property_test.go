package worktime_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

// nextOpening moves t to where the default office hours next have it at work, found with the
// public API only (IsWorkingDay and the default windows), so the property below does not
// lean on the code it checks.
func nextOpening(c *worktime.Calendar, t time.Time) time.Time {
	t = t.In(c.Location())
	for range 400 {
		if c.IsWorkingDay(t) {
			y, m, d := t.Date()
			for _, w := range worktime.DefaultWindows() {
				open := time.Date(y, m, d, 0, 0, 0, 0, c.Location()).Add(w.Start)
				closing := time.Date(y, m, d, 0, 0, 0, 0, c.Location()).Add(w.End)
				if t.Before(closing) {
					if t.Before(open) {
						return open
					}
					return t
				}
			}
		}
		y, m, d := t.Date()
		t = time.Date(y, m, d+1, 0, 0, 0, 0, c.Location())
	}
	panic("no opening within 400 days")
}

func TestDeadlineProperties(t *testing.T) {
	c := newCalendar(t)
	type sample struct {
		start time.Time
		v     int
		due   time.Time
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	from := at(t, "2026-01-01 00:00")
	year := at(t, "2027-01-01 00:00").Sub(from)
	samples := make([]sample, 2000)
	for i := range samples {
		start := from.Add(time.Duration(rng.Int64N(int64(year/time.Second))) * time.Second)
		v := 1 + rng.IntN(30)
		samples[i] = sample{start, v, c.Deadline(start, lim(v, worktime.WorkHour))}
	}

	t.Run("the work between the opening and the deadline is the limit", func(t *testing.T) {
		for _, s := range samples {
			if got := c.WorkBetween(nextOpening(c, s.start), s.due); got != time.Duration(s.v)*time.Hour {
				t.Fatalf("start %s, %d work_hour: deadline %s holds %s of work", s.start.Format(layout), s.v, s.due.Format(layout), got)
			}
		}
	})
	t.Run("the deadline is the earliest moment the limit is used", func(t *testing.T) {
		for _, s := range samples {
			if got := c.WorkBetween(s.start, s.due.Add(-time.Nanosecond)); got >= time.Duration(s.v)*time.Hour {
				t.Fatalf("start %s, %d work_hour: the limit was already used before %s", s.start.Format(layout), s.v, s.due.Format(layout))
			}
		}
	})
	t.Run("a longer limit never ends earlier", func(t *testing.T) {
		for _, s := range samples {
			if next := c.Deadline(s.start, lim(s.v+1, worktime.WorkHour)); !next.After(s.due) {
				t.Fatalf("start %s: %d work hours end %s, %d end %s", s.start.Format(layout), s.v, s.due.Format(layout), s.v+1, next.Format(layout))
			}
			d := 1 + s.v%10
			if a, b := c.Deadline(s.start, lim(d, worktime.WorkDay)), c.Deadline(s.start, lim(d+1, worktime.WorkDay)); !b.After(a) {
				t.Fatalf("start %s: %d work days end %s, %d end %s", s.start.Format(layout), d, a.Format(layout), d+1, b.Format(layout))
			}
		}
	})
	t.Run("work days are eight work hours each on default office hours", func(t *testing.T) {
		for _, s := range samples {
			d := 1 + s.v%10
			due := c.Deadline(s.start, lim(d, worktime.WorkDay))
			if got := c.WorkBetween(s.start, due); got != time.Duration(d)*8*time.Hour {
				t.Fatalf("start %s, %d work_day: deadline %s holds %s of work", s.start.Format(layout), d, due.Format(layout), got)
			}
			if e := c.Elapsed(s.start, lim(d, worktime.WorkDay), nil, due); e != 1 {
				t.Fatalf("start %s, %d work_day: Elapsed at the deadline = %v, want 1", s.start.Format(layout), d, e)
			}
		}
	})
	t.Run("with random pauses the unpaused work up to the deadline is the limit", func(t *testing.T) {
		seasonal := newCalendar(t, summer())
		for _, s := range samples {
			var paused [][2]time.Time
			for range rng.IntN(4) {
				from := s.start.Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))
				paused = append(paused, [2]time.Time{from, from.Add(time.Duration(rng.Int64N(int64(3 * 24 * time.Hour))))})
			}
			l := lim(s.v, worktime.WorkHour)
			due := seasonal.DeadlineWithPauses(s.start, l, paused)
			work := seasonal.WorkBetween(s.start, due)
			for _, p := range mergeClip(paused, s.start, due) {
				work -= seasonal.WorkBetween(p[0], p[1])
			}
			if work != time.Duration(s.v)*time.Hour {
				t.Fatalf("start %s, %s, paused %v: deadline %s holds %s of unpaused work", s.start.Format(layout), l, paused, due.Format(layout), work)
			}
			if e := seasonal.Elapsed(s.start, l, paused, due); e != 1 {
				t.Fatalf("start %s, %s, paused %v: Elapsed at the deadline %s = %v, want 1", s.start.Format(layout), l, paused, due.Format(layout), e)
			}
			if e := seasonal.Elapsed(s.start, l, paused, due.Add(time.Second)); e <= 1 {
				t.Fatalf("start %s, %s, paused %v: Elapsed a second after the deadline %s = %v, want more than 1", s.start.Format(layout), l, paused, due.Format(layout), e)
			}
		}
	})
	t.Run("with random pauses a seasonal work-day limit is used exactly at its deadline", func(t *testing.T) {
		seasonal := newCalendar(t, summer())
		for _, s := range samples {
			var paused [][2]time.Time
			for range rng.IntN(4) {
				from := s.start.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
				paused = append(paused, [2]time.Time{from, from.Add(time.Duration(rng.Int64N(int64(3 * 24 * time.Hour))))})
			}
			l := lim(1+s.v%10, worktime.WorkDay)
			due := seasonal.DeadlineWithPauses(s.start, l, paused)
			if due.Before(seasonal.Deadline(s.start, l)) {
				t.Fatalf("start %s, %s, paused %v: pauses made the deadline %s earlier", s.start.Format(layout), l, paused, due.Format(layout))
			}
			if e := seasonal.Elapsed(s.start, l, paused, due); e != 1 {
				t.Fatalf("start %s, %s, paused %v: Elapsed at the deadline %s = %v, want 1", s.start.Format(layout), l, paused, due.Format(layout), e)
			}
			if e := seasonal.Elapsed(s.start, l, paused, due.Add(time.Second)); e <= 1 {
				t.Fatalf("start %s, %s, paused %v: Elapsed a second after the deadline %s = %v, want more than 1", s.start.Format(layout), l, paused, due.Format(layout), e)
			}
		}
	})
	t.Run("a deadline with an empty list of pauses is the plain deadline", func(t *testing.T) {
		for _, s := range samples {
			if got := c.DeadlineWithPauses(s.start, lim(s.v, worktime.WorkHour), [][2]time.Time{}); !got.Equal(s.due) {
				t.Fatalf("start %s: got %s, want %s", s.start.Format(layout), got.Format(layout), s.due.Format(layout))
			}
		}
	})
}

func TestLongLimitsAreQuick(t *testing.T) {
	c := newCalendar(t)
	start := at(t, "2026-03-09 10:00")
	for _, l := range []worktime.Limit{lim(100000, worktime.Minute), lim(100000, worktime.WorkHour), lim(100000, worktime.WorkDay), lim(100000, worktime.NaturalMinute), lim(100000, worktime.NaturalDay)} {
		t.Run(l.String()+" is computed in well under a second", func(t *testing.T) {
			began := time.Now()
			due := c.Deadline(start, l)
			if took := time.Since(began); took > 500*time.Millisecond {
				t.Errorf("took %s", took)
			}
			if !due.After(start) {
				t.Errorf("deadline %s is not after the start", due.Format(layout))
			}
		})
	}
}

func FuzzDeadline(f *testing.F) {
	c := newCalendar(f, withOverrides(worktime.Override{Date: "2026-03-06"}, worktime.Override{Date: "2026-03-07", Working: true}))
	seasonal := newCalendar(f, summer())
	f.Add(at(f, "2026-02-13 16:00").Unix(), 2, uint8(2))
	f.Add(at(f, "2026-09-30 10:00").Unix(), 1, uint8(2))
	f.Add(at(f, "2026-03-07 22:00").Unix(), 1, uint8(1))
	f.Add(int64(0), 5000, uint8(4))
	lo, hi := at(f, "2002-01-01 00:00").Unix(), at(f, "2027-12-31 23:59").Unix()
	units := worktime.Units
	f.Fuzz(func(t *testing.T, sec int64, value int, unit uint8) {
		start := time.Unix(lo+mod(sec, hi-lo+1), 0)
		v := 1 + int(mod(int64(value), 5000))
		l := lim(v, units[int(unit)%len(units)])
		for _, cal := range []*worktime.Calendar{c, seasonal} {
			began := time.Now()
			due := cal.Deadline(start, l)
			if took := time.Since(began); took > time.Second {
				t.Errorf("%s from %s took %s", l, start.Format(layout), took)
			}
			if due.Before(start) {
				t.Fatalf("%s from %s ends before it starts, at %s", l, start.Format(layout), due.Format(layout))
			}
			if work := map[worktime.Unit]time.Duration{worktime.WorkHour: time.Hour, worktime.Minute: time.Minute}[l.Unit]; work > 0 && cal == c {
				if got := cal.WorkBetween(start, due); got != time.Duration(v)*work {
					t.Fatalf("%s from %s: deadline %s holds %s of work", l, start.Format(layout), due.Format(layout), got)
				}
			}
		}
	})
}

// mergeClip clips intervals to [lo, hi] and merges overlaps, so the test subtracts paused work
// once, without borrowing the package's own clean-up.
func mergeClip(ps [][2]time.Time, lo, hi time.Time) [][2]time.Time {
	var out [][2]time.Time
	for _, p := range ps {
		a, b := p[0], p[1]
		if a.Before(lo) {
			a = lo
		}
		if b.After(hi) {
			b = hi
		}
		if b.After(a) {
			out = append(out, [2]time.Time{a, b})
		}
	}
	slices.SortFunc(out, func(x, y [2]time.Time) int { return x[0].Compare(y[0]) })
	var merged [][2]time.Time
	for _, p := range out {
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

func mod(a, n int64) int64 { return (a%n + n) % n }

func BenchmarkDeadline2WorkDays(b *testing.B) {
	benchDeadline(b, lim(2, worktime.WorkDay))
}

func BenchmarkDeadline20WorkDays(b *testing.B) {
	benchDeadline(b, lim(20, worktime.WorkDay))
}

func BenchmarkDeadline30WorkHours(b *testing.B) {
	benchDeadline(b, lim(30, worktime.WorkHour))
}

func BenchmarkDeadline100000Minutes(b *testing.B) {
	benchDeadline(b, lim(100000, worktime.Minute))
}

func benchDeadline(b *testing.B, l worktime.Limit) {
	c := newCalendar(b)
	start := at(b, "2026-02-13 16:00") // across the Spring Festival, the longest holiday
	for b.Loop() {
		c.Deadline(start, l)
	}
}
