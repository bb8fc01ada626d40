package cases_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// clocks returns the case's own running clocks as stage → "due light", in China time.
func clocks(v cases.CaseView) map[workflow.Stage]string {
	out := map[workflow.Stage]string{}
	for _, c := range v.RunningClocks() {
		s := c.Due.In(worktime.China).Format("2006-01-02 15:04") + " " + string(c.Light)
		if c.Paused {
			s += " paused"
		}
		out[c.Stage] = s
	}
	return out
}

func wantClocks(t *testing.T, step string, v cases.CaseView, want map[workflow.Stage]string) {
	t.Helper()
	got := clocks(v)
	if len(got) != len(want) {
		t.Errorf("%s: clocks %v, want %v", step, got, want)
		return
	}
	for s, w := range want {
		if got[s] != w {
			t.Errorf("%s: clocks %v, want %v", step, got, want)
			return
		}
	}
}

// Each stage runs its own clock from the limits table: acceptance 30 minutes, dispatch 30
// minutes, signing 1 work hour, handling (机动车乱停放 in the demo table) 2 work hours, and
// verification 1 or 2 natural hours by the grid's area class.
func TestStageClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009") // a Monday
		wantClocks(t, "reported", r.View(), map[workflow.Stage]string{workflow.StageAccept: "2026-03-09 09:30 green"})
		r.At("2026-03-09 09:25")
		wantClocks(t, "reported, 25 of 30 minutes used", r.View(), map[workflow.Stage]string{workflow.StageAccept: "2026-03-09 09:30 yellow"})
		r.At("2026-03-09 09:40")
		wantClocks(t, "reported, late", r.View(), map[workflow.Stage]string{workflow.StageAccept: "2026-03-09 09:30 red"})
		v := r.Act("operator", "register", workflow.Input{})
		wantClocks(t, "registered", v, map[workflow.Stage]string{workflow.StageDispatch: "2026-03-09 10:10 green"})
		r.At("2026-03-09 10:30")
		v = r.Act("dispatcher", "dispatch", workflow.Input{})
		wantClocks(t, "dispatched", v, map[workflow.Stage]string{
			workflow.StageSign:   "2026-03-09 11:30 green",
			workflow.StageHandle: "2026-03-09 14:30 green", // 10:30–12:00 and 14:00–14:30: lunch does not count
		})
		if due, _ := v.Deadlines["handle"].(time.Time); !due.Equal(apptest.At(t, "2026-03-09 14:30")) {
			t.Errorf("deadlines[handle] = %v", v.Deadlines["handle"])
		}
		r.At("2026-03-09 10:45")
		v = r.Act("handler", "accept", workflow.Input{})
		wantClocks(t, "signed for", v, map[workflow.Stage]string{workflow.StageHandle: "2026-03-09 14:30 green"})
		r.At("2026-03-09 13:00") // 90 of 120 work minutes used; lunch adds none
		if v := r.View(); v.Light != worktime.Green {
			t.Errorf("over lunch at 75 %%: light %s, want green", v.Light)
		}
		r.At("2026-03-09 14:10") // 100 of 120
		if v := r.View(); v.Light != worktime.Yellow {
			t.Errorf("handling at 83 %%: light %s, want yellow", v.Light)
		}
		r.At("2026-03-09 14:40")
		v = r.Act("handler", "handle", workflow.Input{Result: "挪走了", Photos: []string{r.Photo()}})
		if v.Status != workflow.Handled {
			t.Fatalf("status %s after handle, want handled (09009 needs verification)", v.Status)
		}
		region, err := r.A.Regions.Region(context.Background(), demo.GridWorkerGrid, false)
		if err != nil {
			t.Fatal(err)
		}
		verifyDue := "2026-03-09 15:40"
		if region.AreaClass == grid.AreaClass("C") {
			verifyDue = "2026-03-09 16:40"
		}
		wantClocks(t, "handled", v, map[workflow.Stage]string{workflow.StageVerify: verifyDue + " green"})
		pass := true
		r.At("2026-03-09 14:50")
		v = r.Act("gridworker", "verify", workflow.Input{Pass: &pass})
		wantClocks(t, "closed", v, map[workflow.Stage]string{})
		if v.ClosureType != string(workflow.ClosureLate) {
			t.Errorf("closed 10 minutes after the handling deadline: closure %s, want late", v.ClosureType)
		}
	})
}

// Suspension (挂账) stops the handling clock; resuming moves the deadline later by the pause,
// measured in the limit's own kind of time.
func TestSuspensionPausesTheHandlingClock(t *testing.T) {
	tests := []struct {
		name, category     string
		dispatched, due    string
		suspend, resume    string
		wantDue, wantLight string
	}{
		{"work hours: a suspension over lunch and into the afternoon gives back the work time it took",
			"09009", "2026-03-09 09:00", "2026-03-09 11:00", "2026-03-09 10:00", "2026-03-09 14:30", "2026-03-09 15:30", "green"},
		{"work hours: a suspension over the weekend gives back only Friday's last hour",
			"09009", "2026-03-06 16:00", "2026-03-06 18:00", "2026-03-06 17:00", "2026-03-09 08:00", "2026-03-09 09:00", "green"},
		{"natural hours: a suspension gives back the whole wall-clock time",
			"06029", "2026-03-09 09:00", "2026-03-09 11:00", "2026-03-09 10:00", "2026-03-09 14:30", "2026-03-09 15:30", "green"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				r := apptest.NewCaseRun(t, db, tt.dispatched, tt.category)
				r.Act("operator", "register", workflow.Input{})
				v := r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
				if got := clocks(v)[workflow.StageHandle]; got != tt.due+" green" {
					t.Fatalf("dispatched: handle clock %q, want %q", got, tt.due+" green")
				}
				r.Act("handler", "accept", workflow.Input{})
				r.At(tt.suspend)
				v = r.Act("dispatcher", "suspend", workflow.Input{Reason: "等待产权单位"})
				if got := clocks(v)[workflow.StageHandle]; got != tt.due+" green paused" {
					t.Errorf("suspended: handle clock %q, want paused at %s", got, tt.due)
				}
				if page, err := r.A.Cases.ListCases(context.Background(), apptest.System, cases.CaseFilter{Overdue: true}); err != nil || len(page.Cases) != 0 {
					t.Errorf("a suspended case past its old deadline is listed overdue: %v %v", page.Cases, err)
				}
				r.At(tt.resume)
				v = r.Act("dispatcher", "resume", workflow.Input{})
				if got := clocks(v)[workflow.StageHandle]; got != tt.wantDue+" "+tt.wantLight {
					t.Errorf("resumed: handle clock %q, want %q", got, tt.wantDue+" "+tt.wantLight)
				}
				if due, _ := v.Deadlines["handle"].(time.Time); !due.Equal(apptest.At(t, tt.wantDue)) {
					t.Errorf("resumed: deadlines[handle] = %v, want %s", v.Deadlines["handle"], tt.wantDue)
				}
			})
		})
	}
}

// The limits table and the calendar overrides are stored: an administrator's edit applies to
// stages that start afterwards, while running deadlines keep their snapshot; anyone else is
// refused and nothing changes.
func TestTimeLimitsAndCalendarAreStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 16:00", "09009")
		r.Act("operator", "register", workflow.Input{})
		first := r.Act("dispatcher", "dispatch", workflow.Input{})
		firstDue := clocks(first)[workflow.StageHandle]

		table, err := r.A.Settings.TimeLimits(ctx, apptest.As(t, db, "operator"))
		if err != nil {
			t.Fatal(err)
		}
		edited := append(table, workflow.TimeLimit{Stage: workflow.StageHandle, Kind: workflow.Matter, Category: "09009",
			Urgency: workflow.UrgencyNormal, AreaClass: "B", Limit: worktime.Limit{Value: 1, Unit: worktime.WorkDay}, Source: "test"})
		for i := range edited {
			if edited[i].Stage == workflow.StageHandle && edited[i].Category == "09009" {
				edited[i].Limit = worktime.Limit{Value: 1, Unit: worktime.WorkDay}
			}
		}
		refusals := []struct {
			name  string
			actor string
			rows  []workflow.TimeLimit
			kind  errs.Kind
		}{
			{"a dispatcher", "dispatcher", edited, errs.Forbidden},
			{"a scoped admin", "", edited, errs.Forbidden},
			{"an empty table", "admin", nil, errs.Invalid},
			{"an unknown unit", "admin", []workflow.TimeLimit{{Stage: workflow.StageHandle, Limit: worktime.Limit{Value: 1, Unit: "fortnight"}}}, errs.Invalid},
			{"an unknown stage", "admin", []workflow.TimeLimit{{Stage: "lunch", Limit: worktime.Limit{Value: 1, Unit: worktime.Minute}}}, errs.Invalid},
			{"a zero limit", "admin", []workflow.TimeLimit{{Stage: workflow.StageHandle, Limit: worktime.Limit{Value: 0, Unit: worktime.Minute}}}, errs.Invalid},
			{"the same key twice", "admin", []workflow.TimeLimit{
				{Stage: workflow.StageHandle, Limit: worktime.Limit{Value: 1, Unit: worktime.Minute}},
				{Stage: workflow.StageHandle, Limit: worktime.Limit{Value: 2, Unit: worktime.Minute}}}, errs.Invalid},
		}
		if _, err := r.A.People.AddUser(ctx, apptest.System, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range refusals {
			actor := tt.actor
			if actor == "" {
				actor = "district-admin"
			}
			err := r.A.Settings.ReplaceTimeLimits(ctx, apptest.As(t, db, actor), tt.rows)
			if !errs.Is(err, tt.kind) {
				t.Errorf("%s: err %v, want %s", tt.name, err, tt.kind)
			}
			if now, _ := db.TimeLimits(ctx); len(now) != len(table) {
				t.Errorf("%s: the table has %d rows after a refusal, want %d", tt.name, len(now), len(table))
			}
		}
		if err := r.A.Settings.ReplaceTimeLimits(ctx, apptest.As(t, db, "admin"), edited); err != nil {
			t.Fatal(err)
		}
		// Tuesday 2026-03-10 becomes a local holiday.
		if err := r.A.Settings.PutCalendarOverride(ctx, apptest.As(t, db, "dispatcher"), worktime.Override{Date: "2026-03-10", Working: false}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a dispatcher edits the calendar: %v, want forbidden", err)
		}
		for _, bad := range []string{"2026-02-30", "10/03/2026", "1999-01-01", ""} {
			if err := r.A.Settings.PutCalendarOverride(ctx, apptest.As(t, db, "admin"), worktime.Override{Date: bad}); !errs.Is(err, errs.Invalid) {
				t.Errorf("override date %q: %v, want invalid", bad, err)
			}
		}
		if got, _ := db.CalendarOverrides(ctx); len(got) != 0 {
			t.Errorf("refused overrides were stored: %v", got)
		}
		if err := r.A.Settings.PutCalendarOverride(ctx, apptest.As(t, db, "admin"), worktime.Override{Date: "2026-03-10", Working: false, Note: "local holiday"}); err != nil {
			t.Fatal(err)
		}
		if got := clocks(r.View())[workflow.StageHandle]; got != firstDue {
			t.Errorf("a running deadline moved with the table: %q, was %q", got, firstDue)
		}
		second := apptest.NewCaseRun(t, db, "2026-03-09 16:00", "")
		p := apptest.PointIn(t, second.A, demo.GridWorkerGrid)
		in, err := second.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "again", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		second.ID = in.ID
		second.Act("operator", "register", workflow.Input{})
		v := second.Act("dispatcher", "dispatch", workflow.Input{})
		// One work day from Monday 16:00: Monday's last two hours, Tuesday is off, six hours of Wednesday.
		if got := clocks(v)[workflow.StageHandle]; got != "2026-03-11 16:00 green" {
			t.Errorf("after the edits: handle clock %q, want 2026-03-11 16:00 green", got)
		}
		if err := second.A.Settings.DeleteCalendarOverride(ctx, apptest.As(t, db, "admin"), "2026-03-10"); err != nil {
			t.Fatal(err)
		}
		if err := second.A.Settings.DeleteCalendarOverride(ctx, apptest.As(t, db, "admin"), "2026-03-10"); !errs.Is(err, errs.NotFound) {
			t.Errorf("deleting a missing override: %v, want not found", err)
		}
	})
}

// Lists show the handling stage's exact light and filter by it once the case is signed for.
func TestListLights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 08:00", "")
		p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
		ids := map[string]int64{}
		for _, name := range []string{"red", "yellow", "green"} {
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: name, Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			r.ID, ids[name] = in.ID, in.ID
			r.Act("operator", "register", workflow.Input{})
			r.Act("dispatcher", "dispatch", workflow.Input{})
			r.Act("handler", "accept", workflow.Input{})
			*r.Now = r.Now.Add(50 * time.Minute) // 2 work hours each: dispatched 08:00, 08:50, 09:40
		}
		// At 10:30 the first is past its 10:00 deadline, the second yellow since 10:26 (96 of its
		// 120 minutes), the third green until 11:16.
		r.At("2026-03-09 10:30")
		for light, id := range ids {
			page, err := r.A.Cases.ListCases(ctx, apptest.As(t, db, "dispatcher"), cases.CaseFilter{Light: light})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Cases) != 1 || page.Cases[0].ID != id || string(page.Cases[0].Light) != light {
				t.Errorf("light=%s lists %+v, want only case %d showing %s", light, page.Cases, id, light)
			}
		}
		if _, err := r.A.Cases.ListCases(ctx, apptest.As(t, db, "dispatcher"), cases.CaseFilter{Light: "blue"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("light=blue: %v, want invalid", err)
		}
	})
}

// The duplicate search's radius is configurable: a report 33 m from an open one of the same
// category is a possible duplicate within the default 50 m, not within 20 m.
func TestDuplicateRadiusIsConfigurable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, tt := range []struct {
			radius float64
			want   int
		}{{0, 1}, {20, 0}} {
			a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: apptest.Quiet(), DuplicateRadiusM: tt.radius})
			if err != nil {
				t.Fatal(err)
			}
			if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
				t.Fatal(err)
			}
			p := apptest.PointIn(t, a, demo.GridWorkerGrid)
			first, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "06010", Description: "垃圾", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			lat := p[1] + 0.0003 // about 33 m north
			second, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "06010", Description: "垃圾", Lon: &p[0], Lat: &lat})
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, d := range second.Duplicates {
				if d.ID == first.ID {
					got++
				}
			}
			if got != tt.want {
				t.Errorf("radius %g m: the first report listed %d times among %v, want %d", tt.radius, got, second.Duplicates, tt.want)
			}
		}
		if _, err := app.New(db, app.Options{DuplicateRadiusM: -1}); err == nil {
			t.Error("a negative radius was accepted")
		}
	})
}
