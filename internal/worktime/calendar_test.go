package worktime_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

func TestIsWorkingDay(t *testing.T) {
	c := newCalendar(t)
	tests := []struct {
		name string
		day  string
		want bool
	}{
		{"an ordinary Monday is a working day", "2026-03-09", true},
		{"an ordinary Saturday is not", "2026-03-07", false},
		{"New Year's Day 2026 (Thursday) is a holiday", "2026-01-01", false},
		{"Sunday 2026-01-04 is a make-up working day after New Year", "2026-01-04", true},
		{"Saturday 2026-02-14 is a make-up working day before the Spring Festival", "2026-02-14", true},
		{"Monday 2026-02-16 is Spring Festival", "2026-02-16", false},
		{"Monday 2026-02-23 is the last Spring Festival holiday", "2026-02-23", false},
		{"Tuesday 2026-02-24 is back at work", "2026-02-24", true},
		{"Saturday 2026-02-28 is a make-up working day after the Spring Festival", "2026-02-28", true},
		{"Sunday 2026-09-20 is a make-up working day for National Day", "2026-09-20", true},
		{"Friday 2026-09-25 is Mid-Autumn", "2026-09-25", false},
		{"Thursday 2026-10-01 is National Day", "2026-10-01", false},
		{"Wednesday 2026-10-07 is the last National Day holiday", "2026-10-07", false},
		{"Thursday 2026-10-08 is back at work", "2026-10-08", true},
		{"Saturday 2026-10-10 is a make-up working day for National Day", "2026-10-10", true},
		{"the data reaches back to the make-up Saturday 2001-12-29", "2001-12-29", true},
		{"a Saturday years beyond the data is still a weekend", "2031-03-08", false},
		{"a Monday years beyond the data is still a working day", "2031-03-10", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Late evening, to show the day is read in China's zone, not in UTC (where it is
			// still the same afternoon) and not in time.Local.
			if got := c.IsWorkingDay(at(t, tt.day+" 23:30").UTC()); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestOverridesWinOverTheOfficialSchedule(t *testing.T) {
	c := newCalendar(t, withOverrides(
		worktime.Override{Date: "2026-03-06", Working: false, Note: "local holiday"},
		worktime.Override{Date: "2026-03-07", Working: true, Note: "city cleanup day"},
		worktime.Override{Date: "2026-10-08", Working: false, Note: "extra day off"},
		worktime.Override{Date: "2026-10-10", Working: false, Note: "make-up day cancelled"},
		worktime.Override{Date: "2030-01-01", Working: false, Note: "beyond the shipped data"},
	))
	for _, tt := range []struct {
		name string
		day  string
		want bool
	}{
		{"a Friday made a holiday is off", "2026-03-06", false},
		{"a Saturday made a working day is on", "2026-03-07", true},
		{"a working day after National Day can be given off", "2026-10-08", false},
		{"an official make-up day can be cancelled", "2026-10-10", false},
		{"a year the shipped data does not cover takes overrides", "2030-01-01", false},
		{"the days around an override keep their kind", "2026-03-05", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingDay(at(t, tt.day+" 12:00")); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestWorkBetween(t *testing.T) {
	c := newCalendar(t)
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"a whole ordinary day holds eight hours", "2026-03-09 00:00", "2026-03-10 00:00", 8 * time.Hour},
		{"the lunch break holds none", "2026-03-09 12:00", "2026-03-09 14:00", 0},
		{"a morning across the lunch break holds the two parts", "2026-03-09 11:30", "2026-03-09 14:30", time.Hour},
		{"a weekend holds none", "2026-03-07 00:00", "2026-03-09 00:00", 0},
		{"the National Day week holds only the days around it", "2026-09-30 00:00", "2026-10-09 00:00", 16 * time.Hour},
		{"the National Day holidays themselves hold none", "2026-10-01 00:00", "2026-10-08 00:00", 0},
		{"the Spring Festival fortnight holds its make-up Saturdays", "2026-02-14 00:00", "2026-03-01 00:00", 6 * 8 * time.Hour},
		{"a reversed interval holds none", "2026-03-10 00:00", "2026-03-09 00:00", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkBetween(at(t, tt.a), at(t, tt.b)); got != tt.want {
				t.Errorf("WorkBetween(%s, %s) = %s, want %s", tt.a, tt.b, got, tt.want)
			}
		})
	}
	t.Run("each day of the National Day holidays holds none", func(t *testing.T) {
		for d := at(t, "2026-10-01 00:00"); d.Before(at(t, "2026-10-08 00:00")); d = d.AddDate(0, 0, 1) {
			if got := c.WorkBetween(d, d.AddDate(0, 0, 1)); got != 0 {
				t.Errorf("WorkBetween on %s = %s, want 0", d.Format(layout), got)
			}
		}
	})
}

func TestWorkDayLength(t *testing.T) {
	plain, seasonal := newCalendar(t), newCalendar(t, summer())
	for _, tt := range []struct {
		name string
		cal  *worktime.Calendar
		day  string
		want time.Duration
	}{
		{"a default day is eight hours", plain, "2026-03-09", 8 * time.Hour},
		{"a summer day is seven and a half hours", seasonal, "2026-06-03", 7*time.Hour + 30*time.Minute},
		{"a winter day of the seasonal calendar is eight hours", seasonal, "2026-12-01", 8 * time.Hour},
		{"a holiday still reports its season's length", plain, "2026-10-01", 8 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.WorkDayLength(at(t, tt.day+" 10:00")); got != tt.want {
				t.Errorf("WorkDayLength(%s) = %s, want %s", tt.day, got, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c := newCalendar(t)
	if got := c.Location(); got != worktime.China {
		t.Errorf("default location = %s, want China time", got)
	}
	utc, err := worktime.New(worktime.Config{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	// 08:00 UTC is 16:00 in Beijing: the calendar reads office hours in its own zone.
	got := utc.Deadline(time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), lim(1, worktime.WorkHour))
	if want := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("UTC calendar: got %s, want %s", got, want)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  worktime.Config
		want string // a fragment of the error
	}{
		{"overlapping windows are refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{{hm(8, 0), hm(12, 0)}, {hm(11, 0), hm(18, 0)}}}}}, "overlap"},
		{"unsorted windows are refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{{hm(14, 0), hm(18, 0)}, {hm(8, 0), hm(12, 0)}}}}}, "overlap or precede"},
		{"a window ending after 24:00 is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{{hm(20, 0), hm(25, 0)}}}}}, "within 00:00–24:00"},
		{"a window starting before midnight is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{{-time.Hour, hm(8, 0)}}}}}, "within 00:00–24:00"},
		{"an empty window is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{{hm(8, 0), hm(8, 0)}}}}}, "end after"},
		{"a schedule without office hours is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "01-01"}}}, "no office hours"},
		{"a bad schedule date is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "13-01", Windows: worktime.DefaultWindows()}}}, "MM-DD"},
		{"a schedule date of April 31 is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "04-31", Windows: worktime.DefaultWindows()}}}, "MM-DD"},
		{"a schedule date without leading zeros is refused", worktime.Config{Schedules: []worktime.Schedule{{From: "5-1", Windows: worktime.DefaultWindows()}}}, "MM-DD"},
		{"two schedules from the same date are refused", worktime.Config{Schedules: []worktime.Schedule{{From: "05-01", Windows: worktime.DefaultWindows()}, {From: "05-01", Windows: worktime.DefaultWindows()}}}, "start on 05-01"},
		{"a bad override date is refused", worktime.Config{Overrides: []worktime.Override{{Date: "2026-02-30"}}}, "YYYY-MM-DD"},
		{"an override date in another format is refused", worktime.Config{Overrides: []worktime.Override{{Date: "2026/03/06"}}}, "YYYY-MM-DD"},
		{"duplicate overrides are refused", worktime.Config{Overrides: []worktime.Override{{Date: "2026-03-06"}, {Date: "2026-03-06", Working: true}}}, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := worktime.New(tt.cfg)
			if err == nil {
				t.Fatalf("New accepted the config: %v", c)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	t.Run("touching windows and a window ending at 24:00 are accepted", func(t *testing.T) {
		_, err := worktime.New(worktime.Config{Schedules: []worktime.Schedule{{From: "02-29", Windows: []worktime.Window{{0, hm(12, 0)}, {hm(12, 0), hm(24, 0)}}}}})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestParseUnitAndValidate(t *testing.T) {
	for _, s := range []string{"minute", "work_hour", "work_day", "natural_minute", "natural_hour", "natural_day"} {
		t.Run("the unit "+s+" parses", func(t *testing.T) {
			u, err := worktime.ParseUnit(s)
			if err != nil || string(u) != s {
				t.Errorf("ParseUnit(%q) = %q, %v", s, u, err)
			}
		})
	}
	for _, s := range []string{"", "day", "Work_Day", " minute", "natural_week"} {
		t.Run("the unit "+strings.TrimSpace(s)+"? is refused", func(t *testing.T) {
			if _, err := worktime.ParseUnit(s); err == nil {
				t.Errorf("ParseUnit(%q) accepted", s)
			}
		})
	}
	for _, tt := range []struct {
		name string
		l    worktime.Limit
		ok   bool
	}{
		{"one minute is valid", lim(1, worktime.Minute), true},
		{"100000 work days is valid", lim(100000, worktime.WorkDay), true},
		{"zero is not", lim(0, worktime.WorkHour), false},
		{"100001 is not", lim(100001, worktime.NaturalDay), false},
		{"an unknown unit is not", lim(2, "week"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.l.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate(%s) = %v, want ok=%v", tt.l, err, tt.ok)
			}
		})
	}
}

func TestOneCalendarServesManyGoroutines(t *testing.T) {
	c := newCalendar(t, summer(), withOverrides(worktime.Override{Date: "2026-03-06"}))
	start := at(t, "2026-02-13 16:00")
	want := make([]time.Time, 40)
	for i := range want {
		want[i] = c.Deadline(start.Add(time.Duration(i)*7*time.Hour), lim(1+i, worktime.WorkHour))
	}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for i := range want {
				if got := c.Deadline(start.Add(time.Duration(i)*7*time.Hour), lim(1+i, worktime.WorkHour)); !got.Equal(want[i]) {
					done <- fmt.Errorf("case %d: got %s, want %s", i, got.Format(layout), want[i].Format(layout))
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestParseWindow(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want worktime.Window
	}{
		{"08:00-12:00", worktime.Window{Start: hm(8, 0), End: hm(12, 0)}},
		{"14:30–18:00", worktime.Window{Start: hm(14, 30), End: hm(18, 0)}},
		{" 20:00 ~ 24:00 ", worktime.Window{Start: hm(20, 0), End: hm(24, 0)}},
	} {
		got, err := worktime.ParseWindow(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseWindow(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if b, _ := got.MarshalText(); err == nil && string(b) != strings.ReplaceAll(tt.want.String(), "–", "-") {
			t.Errorf("%v written as %q", got, b)
		}
	}
	for _, in := range []string{"", "08:00", "8:00-12:00", "08:00-12:60", "24:01-24:30", "08:00-25:00", "08-12", "08:00-12:00-14:00", "０８:00-12:00", "08:00\x00-12:00"} {
		var ce *worktime.ConfigError
		if _, err := worktime.ParseWindow(in); !errors.As(err, &ce) || ce.Code != "bad_window" || ce.Window != in {
			t.Errorf("ParseWindow(%q): %v, want a bad_window error naming it", in, err)
		}
	}
}

// New names what is wrong with office hours by a code (for pages in the reader's language),
// the season and the window.
func TestOfficeHoursRefusals(t *testing.T) {
	w := func(a, b time.Duration) worktime.Window { return worktime.Window{Start: a, End: b} }
	many := make([]worktime.Schedule, worktime.MaxSchedules+1)
	for i := range many {
		many[i] = worktime.Schedule{From: fmt.Sprintf("%02d-%02d", 1+i/28, 1+i%28), Windows: worktime.DefaultWindows()}
	}
	for _, tt := range []struct {
		name      string
		schedules []worktime.Schedule
		code      string
		from      string
	}{
		{"a start that is no date", []worktime.Schedule{{From: "13-01", Windows: worktime.DefaultWindows()}}, "bad_season_start", "13-01"},
		{"two seasons on one day", []worktime.Schedule{{From: "05-01", Windows: worktime.DefaultWindows()}, {From: "05-01", Windows: worktime.DefaultWindows()}}, "season_twice", "05-01"},
		{"a season without office hours", []worktime.Schedule{{From: "01-01"}}, "no_office_window", "01-01"},
		{"a window ending before it starts", []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{w(hm(12, 0), hm(8, 0))}}}, "window_reversed", "01-01"},
		{"overlapping windows", []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{w(hm(8, 0), hm(12, 0)), w(hm(11, 0), hm(13, 0))}}}, "windows_overlap", "01-01"},
		{"a window past midnight", []worktime.Schedule{{From: "01-01", Windows: []worktime.Window{w(hm(20, 0), hm(25, 0))}}}, "window_outside_day", "01-01"},
		{"too many windows", []worktime.Schedule{{From: "01-01", Windows: make([]worktime.Window, worktime.MaxWindows+1)}}, "too_many_windows", "01-01"},
		{"too many seasons", many, "too_many_seasons", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ce *worktime.ConfigError
			if _, err := worktime.New(worktime.Config{Schedules: tt.schedules}); !errors.As(err, &ce) || ce.Code != tt.code || ce.From != tt.from {
				t.Errorf("New: %v (%+v), want %s for %q", err, ce, tt.code, tt.from)
			}
		})
	}
}

func TestSchedulesReadBack(t *testing.T) {
	c := newCalendar(t, summer())
	got := c.Schedules()
	if len(got) != 3 || got[1].From != "05-01" || got[1].Windows[1] != (worktime.Window{Start: hm(15, 0), End: hm(18, 30)}) {
		t.Errorf("Schedules() = %v", got)
	}
	if d := newCalendar(t).Schedules(); len(d) != 1 || d[0].From != "01-01" || len(d[0].Windows) != 2 {
		t.Errorf("default Schedules() = %v", d)
	}
}

// The calendar knows the holidays up to the end of the shipped schedule's last year (2027),
// or of a later year whose New Year's Day an administrator has entered.
func TestKnownUntil(t *testing.T) {
	for _, tt := range []struct {
		name string
		cal  *worktime.Calendar
		want string
	}{
		{"the shipped schedule ends with 2027", newCalendar(t), "2027-12-31"},
		{"a local holiday in 2028 does not make 2028 known", newCalendar(t, withOverrides(worktime.Override{Date: "2028-05-04"})), "2027-12-31"},
		{"New Year's Day 2029 entered makes 2029 known", newCalendar(t, withOverrides(worktime.Override{Date: "2029-01-01"})), "2029-12-31"},
		{"an override of an earlier year changes nothing", newCalendar(t, withOverrides(worktime.Override{Date: "2026-01-01", Working: true})), "2027-12-31"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.KnownUntil()
			if got.Format(time.DateOnly) != tt.want || got.Location() != tt.cal.Location() {
				t.Errorf("KnownUntil() = %s, want %s in the calendar's zone", got, tt.want)
			}
		})
	}
}
