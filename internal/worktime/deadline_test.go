package worktime_test

import (
	"time"

	"testing"

	"github.com/citygrid/citygrid/internal/worktime"
)

func TestDeadline(t *testing.T) {
	plain := newCalendar(t)
	seasonal := newCalendar(t, summer())
	fridayOff := newCalendar(t, withOverrides(worktime.Override{Date: "2026-03-06", Working: false, Note: "local holiday"}))
	saturdayOn := newCalendar(t, withOverrides(worktime.Override{Date: "2026-03-07", Working: true, Note: "city cleanup day"}))

	tests := []struct {
		name  string
		cal   *worktime.Calendar
		start string
		limit worktime.Limit
		want  string
	}{
		// The Spring Festival 2026: Saturday 02-14 is a make-up working day, 02-15…02-23 rest.
		{"two work days from the Friday before the Spring Festival end the Tuesday after it", plain, "2026-02-13 16:00", lim(2, worktime.WorkDay), "2026-02-24 16:00"},
		{"one work day from that Friday ends on the make-up Saturday", plain, "2026-02-13 16:00", lim(1, worktime.WorkDay), "2026-02-14 16:00"},
		{"one work day started at an opening ends at that day's close", plain, "2026-03-09 08:00", lim(1, worktime.WorkDay), "2026-03-09 18:00"},
		{"one work day started before dawn ends at that day's close", plain, "2026-03-09 06:00", lim(1, worktime.WorkDay), "2026-03-09 18:00"},
		{"one work day started after hours ends at the next working day's close", plain, "2026-03-09 19:30", lim(1, worktime.WorkDay), "2026-03-10 18:00"},
		{"one work day started in the lunch break ends at noon the next working day", plain, "2026-03-09 13:00", lim(1, worktime.WorkDay), "2026-03-10 12:00"},
		{"twenty work days skip four weekends", plain, "2026-03-02 10:00", lim(20, worktime.WorkDay), "2026-03-30 10:00"},

		// National Day 2026: Sunday 09-20 and Saturday 10-10 are make-up days, 10-01…10-07 rest.
		{"one work day from Friday 09-18 ends on make-up Sunday 09-20", plain, "2026-09-18 17:00", lim(1, worktime.WorkDay), "2026-09-20 17:00"},
		{"one work day from Wednesday 09-30 ends on Thursday 10-08 after the holiday", plain, "2026-09-30 10:00", lim(1, worktime.WorkDay), "2026-10-08 10:00"},
		{"one work day from Friday 10-09 ends on make-up Saturday 10-10", plain, "2026-10-09 17:00", lim(1, worktime.WorkDay), "2026-10-10 17:00"},
		{"one work hour on the eve of the holiday ends on 10-08", plain, "2026-09-30 17:30", lim(1, worktime.WorkHour), "2026-10-08 08:30"},

		// The lunch break and the night.
		{"one work hour from 11:30 skips lunch and ends at 14:30", plain, "2026-03-09 11:30", lim(1, worktime.WorkHour), "2026-03-09 14:30"},
		{"four work hours from Monday 16:00 end Tuesday 10:00", plain, "2026-03-09 16:00", lim(4, worktime.WorkHour), "2026-03-10 10:00"},
		{"six work hours from Monday 16:00 end Tuesday at noon, not at 14:00", plain, "2026-03-09 16:00", lim(6, worktime.WorkHour), "2026-03-10 12:00"},
		{"one work hour from 11:00 ends as the morning window closes", plain, "2026-03-09 11:00", lim(1, worktime.WorkHour), "2026-03-09 12:00"},
		{"one work hour from Saturday night counts from Monday's opening", plain, "2026-03-07 22:00", lim(1, worktime.WorkHour), "2026-03-09 09:00"},
		{"one work hour from Sunday noon counts from Monday's opening", plain, "2026-03-08 12:00", lim(1, worktime.WorkHour), "2026-03-09 09:00"},
		{"one work hour from 13:00 counts from the 14:00 opening", plain, "2026-03-09 13:00", lim(1, worktime.WorkHour), "2026-03-09 15:00"},

		// Wall-clock units ignore office hours and holidays.
		{"two natural hours from Saturday 23:00 end Sunday 01:00", plain, "2026-03-07 23:00", lim(2, worktime.NaturalHour), "2026-03-08 01:00"},
		{"one natural day on the first day of the Spring Festival is 24 hours", plain, "2026-02-17 09:15", lim(1, worktime.NaturalDay), "2026-02-18 09:15"},
		{"thirty natural minutes at night run on the clock", plain, "2026-10-02 23:50", lim(30, worktime.NaturalMinute), "2026-10-03 00:20"},

		// Minutes are working minutes (issue 11).
		{"thirty minutes from Saturday 05:32 end on Monday at 08:30", plain, "2026-03-07 05:32", lim(30, worktime.Minute), "2026-03-09 08:30"},
		{"thirty minutes from 11:50 skip lunch and end at 14:20", plain, "2026-03-09 11:50", lim(30, worktime.Minute), "2026-03-09 14:20"},
		{"thirty minutes from 17:45 end the next morning at 08:15", plain, "2026-03-09 17:45", lim(30, worktime.Minute), "2026-03-10 08:15"},
		{"thirty minutes in a National Day night wait for the first working morning", plain, "2026-10-02 23:50", lim(30, worktime.Minute), "2026-10-08 08:30"},
		{"ten minutes within office hours are ten minutes", plain, "2026-03-09 09:00", lim(10, worktime.Minute), "2026-03-09 09:10"},
		{"thirty minutes from the summer lunch break count from 15:00", seasonal, "2026-06-03 12:10", lim(30, worktime.Minute), "2026-06-03 15:30"},

		// An administrator's own day table wins.
		{"a Friday made a holiday moves a work day to Monday", fridayOff, "2026-03-05 10:00", lim(1, worktime.WorkDay), "2026-03-09 10:00"},
		{"without the override the same work day ends on Friday", plain, "2026-03-05 10:00", lim(1, worktime.WorkDay), "2026-03-06 10:00"},
		{"a Saturday made a working day takes a Friday work day", saturdayOn, "2026-03-06 10:00", lim(1, worktime.WorkDay), "2026-03-07 10:00"},
		{"a Saturday made a working day counts work hours", saturdayOn, "2026-03-06 17:00", lim(2, worktime.WorkHour), "2026-03-07 09:00"},

		// Seasonal office hours: the afternoon opens at 15:00 from May.
		{"in June the summer afternoon opens at 15:00", seasonal, "2026-06-03 11:30", lim(1, worktime.WorkHour), "2026-06-03 15:30"},
		{"in June the summer day closes at 18:30", seasonal, "2026-06-03 17:00", lim(2, worktime.WorkHour), "2026-06-04 08:30"},
		{"in March the winter afternoon still opens at 14:00", seasonal, "2026-03-09 11:30", lim(1, worktime.WorkHour), "2026-03-09 14:30"},
		{"in November the winter schedule is back", seasonal, "2026-11-04 11:30", lim(1, worktime.WorkHour), "2026-11-04 14:30"},
		{"a work day in summer is that day's 7.5 office hours", seasonal, "2026-06-03 08:00", lim(1, worktime.WorkDay), "2026-06-03 18:30"},
		{"a work day across the season change ends at the same share of the day", seasonal, "2026-04-30 16:00", lim(1, worktime.WorkDay), "2026-05-06 16:37:30"}, // 6/8 of 7.5 h is 5 h 37.5 m; May 1–5 rest
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Deadline(at(t, tt.start), tt.limit)
			want := at(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("Deadline(%s, %s) = %s, want %s", tt.start, tt.limit, got.Format(layout), want.Format(layout))
			}
			if got.Location() != tt.cal.Location() {
				t.Errorf("deadline is in %s, want the calendar's %s", got.Location(), tt.cal.Location())
			}
		})
	}
}

func TestDeadlineOfAnInvalidLimitIsTheStart(t *testing.T) {
	c := newCalendar(t)
	start := at(t, "2026-03-09 10:00")
	for _, l := range []worktime.Limit{lim(0, worktime.WorkDay), lim(-3, worktime.Minute), lim(0, worktime.NaturalMinute), lim(1, "fortnight"), lim(worktime.MaxLimitValue+1, worktime.WorkDay)} {
		t.Run("a limit of "+l.String()+" has already run out", func(t *testing.T) {
			if got := c.Deadline(start, l); !got.Equal(start) {
				t.Errorf("got %s, want the start %s", got.Format(layout), start.Format(layout))
			}
		})
	}
}

func TestDeadlineReadsStartsGivenInAnyZone(t *testing.T) {
	c := newCalendar(t)
	start := at(t, "2026-03-09 11:30").UTC() // 03:30 UTC
	got := c.Deadline(start, lim(1, worktime.WorkHour))
	if want := at(t, "2026-03-09 14:30"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got.Format(layout), want.Format(layout))
	}
}

// An emergency's limit runs on the wall clock whatever unit the table gives it.
func TestOnWallClock(t *testing.T) {
	c := newCalendar(t)
	for _, tt := range []struct {
		limit, want worktime.Limit
		end         string // from Saturday 2026-03-07 23:00
	}{
		{lim(30, worktime.Minute), lim(30, worktime.NaturalMinute), "2026-03-07 23:30"},
		{lim(2, worktime.WorkHour), lim(2, worktime.NaturalHour), "2026-03-08 01:00"},
		{lim(1, worktime.WorkDay), lim(1, worktime.NaturalDay), "2026-03-08 23:00"},
		{lim(3, worktime.NaturalMinute), lim(3, worktime.NaturalMinute), "2026-03-07 23:03"},
		{lim(3, worktime.NaturalHour), lim(3, worktime.NaturalHour), "2026-03-08 02:00"},
		{lim(3, worktime.NaturalDay), lim(3, worktime.NaturalDay), "2026-03-10 23:00"},
	} {
		t.Run(tt.limit.String()+" becomes "+tt.want.String(), func(t *testing.T) {
			got := tt.limit.OnWallClock()
			if got != tt.want {
				t.Fatalf("got %s", got)
			}
			if due := c.Deadline(at(t, "2026-03-07 23:00"), got); !due.Equal(at(t, tt.end)) {
				t.Errorf("due %s, want %s", due.Format(layout), tt.end)
			}
		})
	}
}

// AddWork counts office time only: across lunch, the evening, a weekend and a holiday.
func TestAddWork(t *testing.T) {
	c := newCalendar(t)
	for _, tt := range []struct {
		name, start string
		work        time.Duration
		want        string
	}{
		{"inside a window", "2026-11-25 09:00", 30 * time.Minute, "2026-11-25 09:30"},
		{"across lunch", "2026-11-25 11:50", 20 * time.Minute, "2026-11-25 14:10"},
		{"from the evening to the next morning", "2026-11-25 20:00", 15 * time.Minute, "2026-11-26 08:15"},
		{"from Friday afternoon to Monday", "2026-11-27 17:30", time.Hour, "2026-11-30 08:30"},
		{"over National Day", "2026-09-30 17:00", 2 * time.Hour, "2026-10-08 09:00"},
		{"nothing to add", "2026-11-28 10:00", 0, "2026-11-28 10:00"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.AddWork(at(t, tt.start), tt.work); !got.Equal(at(t, tt.want)) {
				t.Errorf("AddWork(%s, %s) = %s, want %s", tt.start, tt.work, got.In(cst).Format("2006-01-02 15:04"), tt.want)
			}
		})
	}
}
