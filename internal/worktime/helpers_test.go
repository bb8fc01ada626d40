package worktime_test

import (
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

// cst is China Standard Time as a fixed offset, so test inputs never depend on the host's zone
// database or time.Local.
var cst = time.FixedZone("CST", 8*60*60)

// at parses "2006-01-02 15:04" (or with seconds) in China Standard Time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	l := "2006-01-02 15:04"
	if len(s) > len(l) {
		l += ":05"
	}
	v, err := time.ParseInLocation(l, s, cst)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

// newCalendar builds a calendar with the default office hours in China time, plus options.
func newCalendar(t testing.TB, opts ...func(*worktime.Config)) *worktime.Calendar {
	t.Helper()
	var cfg worktime.Config
	for _, o := range opts {
		o(&cfg)
	}
	c, err := worktime.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func withOverrides(os ...worktime.Override) func(*worktime.Config) {
	return func(c *worktime.Config) { c.Overrides = append(c.Overrides, os...) }
}

func withSchedules(ss ...worktime.Schedule) func(*worktime.Config) {
	return func(c *worktime.Config) { c.Schedules = append(c.Schedules, ss...) }
}

// hm is a wall-clock offset from midnight.
func hm(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

// summer is the seasonal schedule many Chinese cities use: the afternoon starts at 15:00 from
// May to September.
func summer() func(*worktime.Config) {
	return withSchedules(
		worktime.Schedule{From: "01-01", Windows: worktime.DefaultWindows()},
		worktime.Schedule{From: "05-01", Windows: []worktime.Window{{hm(8, 0), hm(12, 0)}, {hm(15, 0), hm(18, 30)}}},
		worktime.Schedule{From: "10-01", Windows: worktime.DefaultWindows()},
	)
}

func lim(v int, u worktime.Unit) worktime.Limit { return worktime.Limit{Value: v, Unit: u} }

const layout = "Mon 2006-01-02 15:04:05"
