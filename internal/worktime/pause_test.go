package worktime_test

import (
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

func TestDeadlineWithPauses(t *testing.T) {
	c := newCalendar(t)
	type pause = [2]string
	tests := []struct {
		name   string
		start  string
		limit  worktime.Limit
		paused []pause
		want   string
	}{
		{"no pauses give the plain deadline", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-09 12:00"},
		{"a one-work-hour pause in the middle ends one work hour later", "2026-03-09 08:00", lim(4, worktime.WorkHour), []pause{{"2026-03-09 09:00", "2026-03-09 10:00"}}, "2026-03-09 15:00"},
		{"a pause over lunch moves work hours not at all", "2026-03-09 08:00", lim(6, worktime.WorkHour), []pause{{"2026-03-09 12:00", "2026-03-09 14:00"}}, "2026-03-09 16:00"},
		{"a pause over the weekend moves work hours not at all", "2026-03-06 17:00", lim(2, worktime.WorkHour), []pause{{"2026-03-06 18:00", "2026-03-09 08:00"}}, "2026-03-09 09:00"},
		{"a pause over the weekend moves natural hours by the whole weekend", "2026-03-06 17:00", lim(2, worktime.NaturalHour), []pause{{"2026-03-06 18:00", "2026-03-09 08:00"}}, "2026-03-09 09:00"},
		{"a pause of two hours moves natural minutes by two hours", "2026-03-09 10:00", lim(30, worktime.NaturalMinute), []pause{{"2026-03-09 10:10", "2026-03-09 12:10"}}, "2026-03-09 12:30"},
		{"a pause into lunch gives working minutes back the office time it took", "2026-03-09 10:00", lim(30, worktime.Minute), []pause{{"2026-03-09 10:10", "2026-03-09 12:10"}}, "2026-03-09 14:20"},
		{"a paused work day moves a work-day deadline by a day", "2026-03-09 10:00", lim(2, worktime.WorkDay), []pause{{"2026-03-10 10:00", "2026-03-11 10:00"}}, "2026-03-12 10:00"},
		{"a paused work hour moves a work-day deadline by a work hour", "2026-03-09 10:00", lim(1, worktime.WorkDay), []pause{{"2026-03-09 15:00", "2026-03-09 16:00"}}, "2026-03-10 11:00"},
		{"overlapping pauses count once", "2026-03-09 08:00", lim(4, worktime.WorkHour), []pause{{"2026-03-09 09:00", "2026-03-09 10:00"}, {"2026-03-09 09:30", "2026-03-09 10:00"}}, "2026-03-09 15:00"},
		{"pauses in any order count", "2026-03-09 08:00", lim(4, worktime.WorkHour), []pause{{"2026-03-09 14:00", "2026-03-09 15:00"}, {"2026-03-09 09:00", "2026-03-09 10:00"}}, "2026-03-09 16:00"},
		{"a pause before the start is ignored", "2026-03-09 08:00", lim(4, worktime.WorkHour), []pause{{"2026-03-06 09:00", "2026-03-06 10:00"}}, "2026-03-09 12:00"},
		{"a reversed pause is ignored", "2026-03-09 08:00", lim(4, worktime.WorkHour), []pause{{"2026-03-09 10:00", "2026-03-09 09:00"}}, "2026-03-09 12:00"},
		{"a pause from the start delays the start", "2026-03-09 08:00", lim(1, worktime.WorkHour), []pause{{"2026-03-09 07:00", "2026-03-09 11:00"}}, "2026-03-09 12:00"},
		{"a limit running out just as a pause begins ends there", "2026-03-09 08:00", lim(1, worktime.WorkHour), []pause{{"2026-03-09 09:00", "2026-03-09 11:00"}}, "2026-03-09 09:00"},
		{"a pause after the deadline changes nothing", "2026-03-09 08:00", lim(1, worktime.WorkHour), []pause{{"2026-03-09 10:00", "2026-03-09 11:00"}}, "2026-03-09 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paused [][2]time.Time
			for _, p := range tt.paused {
				paused = append(paused, [2]time.Time{at(t, p[0]), at(t, p[1])})
			}
			got := c.DeadlineWithPauses(at(t, tt.start), tt.limit, paused)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Errorf("DeadlineWithPauses = %s, want %s", got.Format(layout), want.Format(layout))
			}
		})
	}
}

func TestElapsed(t *testing.T) {
	c := newCalendar(t)
	pause := [][2]time.Time{{at(t, "2026-03-09 09:00"), at(t, "2026-03-09 10:00")}}
	tests := []struct {
		name   string
		start  string
		limit  worktime.Limit
		paused [][2]time.Time
		now    string
		want   float64
		light  worktime.Light
	}{
		{"nothing is used at the start", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-09 08:00", 0, worktime.Green},
		{"nothing is used before the start", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-08 08:00", 0, worktime.Green},
		{"three of four work hours are three quarters", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-09 11:00", 0.75, worktime.Green},
		{"the paused hour is not counted", "2026-03-09 08:00", lim(4, worktime.WorkHour), pause, "2026-03-09 11:00", 0.5, worktime.Green},
		{"a pause still running is counted up to now only", "2026-03-09 08:00", lim(4, worktime.WorkHour), [][2]time.Time{{at(t, "2026-03-09 09:00"), at(t, "2026-03-09 18:00")}}, "2026-03-09 09:30", 0.25, worktime.Green},
		{"the lunch break uses nothing", "2026-03-09 10:00", lim(4, worktime.WorkHour), nil, "2026-03-09 13:59", 0.5, worktime.Green},
		{"at 80 % the light turns yellow", "2026-03-09 08:00", lim(5, worktime.WorkHour), nil, "2026-03-09 12:00", 0.8, worktime.Yellow},
		{"at the deadline the limit is used exactly", "2026-03-09 08:00", lim(4, worktime.WorkHour), pause, "2026-03-09 15:00", 1, worktime.Yellow},
		{"an hour after the deadline is overdue", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-09 15:00", 1.25, worktime.Red},
		{"after a noon deadline the lunch break is already overdue", "2026-03-09 08:00", lim(4, worktime.WorkHour), nil, "2026-03-09 12:30", 1, worktime.Red},
		{"a work day is measured in work time", "2026-03-09 10:00", lim(2, worktime.WorkDay), nil, "2026-03-10 10:00", 0.5, worktime.Green},
		{"a work day is not used over a holiday", "2026-09-30 10:00", lim(1, worktime.WorkDay), nil, "2026-10-07 23:00", 0.75, worktime.Green},
		{"natural hours run through the night", "2026-03-07 23:00", lim(2, worktime.NaturalHour), nil, "2026-03-08 00:30", 0.75, worktime.Green},
		{"natural minutes run on the clock", "2026-03-07 23:00", lim(10, worktime.NaturalMinute), nil, "2026-03-07 23:09", 0.9, worktime.Yellow},
		{"minutes do not run on a Saturday night", "2026-03-07 23:00", lim(10, worktime.Minute), nil, "2026-03-08 23:00", 0, worktime.Green},
		{"minutes run in office hours", "2026-03-07 23:00", lim(10, worktime.Minute), nil, "2026-03-09 08:09", 0.9, worktime.Yellow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Elapsed(at(t, tt.start), tt.limit, tt.paused, at(t, tt.now))
			if d := got - tt.want; d < -1e-9 || d > 1e-9 {
				if !(tt.light == worktime.Red && tt.want == 1 && got > 1 && got < 1+1e-9) {
					t.Errorf("Elapsed = %v, want %v", got, tt.want)
				}
			}
			if l := worktime.LightFor(got); l != tt.light {
				t.Errorf("LightFor(%v) = %s, want %s", got, l, tt.light)
			}
		})
	}
}

func TestLightFor(t *testing.T) {
	for _, tt := range []struct {
		name    string
		elapsed float64
		want    worktime.Light
	}{
		{"a fresh case is green", 0, worktime.Green},
		{"79 % used is still green", 0.79, worktime.Green},
		{"80 % used is yellow", 0.8, worktime.Yellow},
		{"the whole limit used is still yellow", 1.0, worktime.Yellow},
		{"101 % used is red", 1.01, worktime.Red},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := worktime.LightFor(tt.elapsed); got != tt.want {
				t.Errorf("LightFor(%v) = %s, want %s", tt.elapsed, got, tt.want)
			}
		})
	}
}

func TestShift(t *testing.T) {
	c := newCalendar(t)
	tests := []struct {
		name, due, from, to string
		unit                worktime.Unit
		want                string
	}{
		{"a suspension of one work hour moves a work-hour deadline by one work hour", "2026-03-09 16:00", "2026-03-09 09:00", "2026-03-09 10:00", worktime.WorkHour, "2026-03-09 17:00"},
		{"a suspension over the weekend moves work hours not at all", "2026-03-09 10:00", "2026-03-06 18:00", "2026-03-09 08:00", worktime.WorkHour, "2026-03-09 10:00"},
		{"a suspension over the weekend moves natural hours by its length", "2026-03-09 10:00", "2026-03-06 18:00", "2026-03-09 08:00", worktime.NaturalHour, "2026-03-12 00:00"},
		{"a moved work-hour deadline skips the night", "2026-03-09 17:00", "2026-03-09 09:00", "2026-03-09 11:00", worktime.WorkHour, "2026-03-10 09:00"},
		{"a suspension across the Spring Festival moves work days by the two working days in it", "2026-02-24 16:00", "2026-02-13 16:00", "2026-02-24 16:00", worktime.WorkDay, "2026-02-26 16:00"},
		{"an empty suspension moves nothing", "2026-03-09 16:00", "2026-03-09 09:00", "2026-03-09 09:00", worktime.WorkHour, "2026-03-09 16:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Shift(at(t, tt.due), at(t, tt.from), at(t, tt.to), tt.unit)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Errorf("Shift = %v, want %v", got, want)
			}
		})
	}
}

func TestMark(t *testing.T) {
	c := newCalendar(t)
	type pause = [2]string
	tests := []struct {
		name, start, due string
		unit             worktime.Unit
		paused           []pause
		f                float64
		want             string
	}{
		{"80 % of a working day on work hours", "2026-03-09 08:00", "2026-03-09 18:00", worktime.WorkHour, nil, 0.8, "2026-03-09 16:24"},
		{"80 % of two work days is Friday's two hours, the make-up Saturday and 2.8 hours after the holidays", "2026-02-13 16:00", "2026-02-24 16:00", worktime.WorkDay, nil, 0.8, "2026-02-24 10:48"},
		{"80 % of a natural hour", "2026-03-09 10:00", "2026-03-09 11:00", worktime.NaturalHour, nil, 0.8, "2026-03-09 10:48"},
		{"a pause is left out of the stage's time", "2026-03-09 08:00", "2026-03-09 15:00", worktime.WorkHour, []pause{{"2026-03-09 09:00", "2026-03-09 10:00"}}, 0.5, "2026-03-09 11:00"},
		{"zero is the start", "2026-03-09 08:00", "2026-03-09 18:00", worktime.WorkHour, nil, 0, "2026-03-09 08:00"},
		{"one is the deadline", "2026-03-09 08:00", "2026-03-09 18:00", worktime.WorkHour, nil, 1, "2026-03-09 18:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps [][2]time.Time
			for _, p := range tt.paused {
				ps = append(ps, [2]time.Time{at(t, p[0]), at(t, p[1])})
			}
			got := c.Mark(at(t, tt.start), at(t, tt.due), tt.unit, ps, tt.f)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Errorf("Mark = %v, want %v", got, want)
			}
		})
	}
}
