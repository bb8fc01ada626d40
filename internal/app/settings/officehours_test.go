package settings_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/testkit"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// summerHours are the office hours many cities keep: the afternoon from 15:00 to 18:30 from
// May to September.
var summerHours = []settings.Season{
	{From: "01-01", Windows: []string{"08:00-12:00", "14:00-18:00"}},
	{From: "05-01", Windows: []string{"08:00-12:00", "15:00-18:30"}},
	{From: "10-01", Windows: []string{"08:00-12:00", "14:00-18:00"}},
}

// Office hours are the city's configuration: the unscoped admin sets seasons of them, a stage
// that starts afterwards counts with them, a running stage keeps its deadline; nobody else may
// change them, and hours the calendar cannot count are refused by name with nothing changed.
func TestOfficeHoursAreConfiguration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-06-03 10:00", "") // a Wednesday in summer
		if _, err := r.A.People.AddUser(ctx, apptest.System, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		admin := apptest.As(t, db, "admin")
		hours := func() settings.OfficeHours {
			t.Helper()
			h, err := r.A.Settings.OfficeHours(ctx, apptest.As(t, db, "operator"))
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		if h := hours(); !h.Default || !reflect.DeepEqual(h.Seasons, summerHours[:1]) || h.HolidaysUntil != "2027-12-31" {
			t.Errorf("before any edit: %+v, want the default hours", h)
		}
		// A case dispatched at 11:00 has 2 work hours: 11:00–12:00 and 14:00–15:00.
		dispatch := func() cases.CaseView {
			t.Helper()
			p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "占道", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			r.ID = in.ID
			r.Act("operator", "register", workflow.Input{})
			return r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		}
		r.At("2026-06-03 11:00")
		running := dispatch()
		due := func(v cases.CaseView) string {
			d, _ := v.Deadlines["handle"].(time.Time)
			return d.In(worktime.China).Format("15:04")
		}
		if got := due(running); got != "15:00" {
			t.Fatalf("dispatched under the default hours: due %s, want 15:00", got)
		}

		before := apptest.Snap(t, db)
		refusals := []struct {
			name    string
			who     string
			seasons []settings.Season
			kind    errs.Kind
			reason  string
		}{
			{"a district's admin", "district-admin", summerHours, errs.Forbidden, "city_admin_only"},
			{"an operator", "operator", summerHours, errs.Forbidden, "city_admin_only"},
			{"a window that is no time", "admin", []settings.Season{{From: "01-01", Windows: []string{"8点-12点"}}}, errs.Invalid, "bad_window"},
			{"a window past midnight", "admin", []settings.Season{{From: "01-01", Windows: []string{"20:00-25:00"}}}, errs.Invalid, "bad_window"},
			{"a window that ends before it starts", "admin", []settings.Season{{From: "01-01", Windows: []string{"12:00-08:00"}}}, errs.Invalid, "window_reversed"},
			{"overlapping windows", "admin", []settings.Season{{From: "01-01", Windows: []string{"08:00-12:00", "11:00-18:00"}}}, errs.Invalid, "windows_overlap"},
			{"a season without windows", "admin", []settings.Season{{From: "01-01"}}, errs.Invalid, "no_office_window"},
			{"a start that is no date", "admin", []settings.Season{{From: "02-30", Windows: []string{"08:00-12:00"}}}, errs.Invalid, "bad_season_start"},
			{"two seasons on one day", "admin", []settings.Season{summerHours[1], summerHours[1]}, errs.Invalid, "season_twice"},
			{"a NUL byte", "admin", []settings.Season{{From: "01-01", Windows: []string{"08:00-12:00\x00"}}}, errs.Invalid, "bad_window"},
			{"too many seasons", "admin", make([]settings.Season, worktime.MaxSchedules+1), errs.Invalid, "too_many_items"},
			{"too many windows", "admin", []settings.Season{{From: "01-01", Windows: strings.Split(strings.Repeat("08:00-09:00,", worktime.MaxWindows+1), ",")}}, errs.Invalid, "too_many_items"},
		}
		for _, rf := range refusals {
			err := r.A.Settings.ReplaceOfficeHours(ctx, apptest.As(t, db, rf.who), rf.seasons)
			if reason, _ := errs.Detail(err); !errs.Is(err, rf.kind) || reason != rf.reason {
				t.Errorf("%s: %v (reason %q), want %s %s", rf.name, err, reason, rf.kind, rf.reason)
			}
		}
		if after := apptest.Snap(t, db); after != before || !hours().Default {
			t.Fatalf("refusals changed something: %+v → %+v", before, after)
		}

		if err := r.A.Settings.ReplaceOfficeHours(ctx, admin, summerHours); err != nil {
			t.Fatal(err)
		}
		if h := hours(); h.Default || !reflect.DeepEqual(h.Seasons, summerHours) {
			t.Errorf("after the edit: %+v, want the summer hours", h)
		}
		// The running stage keeps its deadline; one that starts now counts with summer hours:
		// 11:00–12:00 and 15:00–16:00.
		if got := due(r.View()); got != "15:00" {
			t.Errorf("the running deadline moved to %s", got)
		}
		if got := due(dispatch()); got != "16:00" {
			t.Errorf("dispatched under summer hours: due %s, want 16:00", got)
		}
		// No seasons restore the default.
		if err := r.A.Settings.ReplaceOfficeHours(ctx, admin, nil); err != nil {
			t.Fatal(err)
		}
		if h := hours(); !h.Default || !reflect.DeepEqual(h.Seasons, summerHours[:1]) {
			t.Errorf("after the reset: %+v, want the default hours", h)
		}
		if got := due(dispatch()); got != "15:00" {
			t.Errorf("dispatched after the reset: due %s, want 15:00", got)
		}
		if _, err := r.A.Settings.OfficeHours(ctx, nil); !errs.Is(err, errs.Forbidden) {
			t.Errorf("an anonymous caller reading the office hours: %v, want forbidden", err)
		}
	})
}

// The calendar is never silently reduced to Monday–Friday: within 90 days of the last day
// whose public holidays it knows (2027-12-31 with the shipped data), CalendarWarnings says so
// and CheckCalendar logs it; entering the next year's New Year's Day makes that year known.
func TestCalendarWarnsBeforeItsHolidaysEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var now time.Time
		logs := &testkit.SyncBuffer{}
		a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		tests := []struct {
			name, at string
			days     int // -1000: no warning
		}{
			{"a year ahead, nothing to say", "2026-12-05 09:00", -1000},
			{"91 days ahead, nothing yet", "2027-10-01 09:00", -1000},
			{"90 days ahead, a warning", "2027-10-02 09:00", 90},
			{"on the last known day", "2027-12-31 23:00", 0},
			{"after it, the calendar counts weekdays only", "2028-01-10 09:00", -10},
		}
		for _, tt := range tests {
			now = apptest.At(t, tt.at)
			ws, err := a.Settings.CalendarWarnings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n, err := a.Settings.CheckCalendar(ctx)
			if err != nil || n != len(ws) {
				t.Errorf("%s: CheckCalendar logged %d (%v), want %d", tt.name, n, err, len(ws))
			}
			if tt.days == -1000 {
				if len(ws) != 0 {
					t.Errorf("%s: warnings %+v, want none", tt.name, ws)
				}
				continue
			}
			if len(ws) != 1 || ws[0].Code != "holidays_ending" || ws[0].Params["days"] != tt.days || ws[0].Params["known_until"] != "2027-12-31" ||
				ws[0].Params["year"] != 2028 || !strings.Contains(ws[0].Message, "2028") {
				t.Errorf("%s: warnings %+v, want holidays_ending in %d days", tt.name, ws, tt.days)
			}
		}
		if l := logs.String(); strings.Count(l, "level=WARN") != 3 || !strings.Contains(l, "code=holidays_ending") || !strings.Contains(l, "known_until=2027-12-31") {
			t.Errorf("the log does not hold the three warnings:\n%s", l)
		}
		// The city enters 2028's schedule, New Year's Day first.
		now = apptest.At(t, "2027-11-20 09:00")
		if err := a.Settings.PutCalendarOverride(ctx, apptest.As(t, db, "admin"), worktime.Override{Date: "2028-01-01", Working: false, Note: "元旦"}); err != nil {
			t.Fatal(err)
		}
		if ws, err := a.Settings.CalendarWarnings(ctx); err != nil || len(ws) != 0 {
			t.Errorf("with 2028 entered: %+v, %v; want no warning", ws, err)
		}
	})
}
