package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The example, through the use cases: a 渣土堆 case (2 work_day) dispatched on Friday
// 2026-02-13 at 16:00 must be handled by Tuesday 2026-02-24 16:00 — Saturday 02-14 is a make-up
// working day and 02-15…02-23 are the Spring Festival holidays.
func TestHandlingDeadlineOnWorkingTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 2, 13, 15, 0, 0, 0, worktime.China)
		a := apptest.New(t, db, &now)
		p := apptest.PointIn(t, a, demo.GridWorkerGrid)
		in, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "06011", Description: "渣土堆放", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		act := func(who, action string, input workflow.Input) cases.CaseView {
			t.Helper()
			v, err := a.Cases.Act(ctx, apptest.As(t, db, who), in.ID, action, nil, input)
			if err != nil {
				t.Fatalf("%s %s: %v", who, action, err)
			}
			return v
		}
		if err := a.Settings.PutDepartments(ctx, apptest.System, []workflow.Department{{Code: "410802-HW", Name: "解放区环境卫生服务中心", Level: "district", RegionCode: "410802"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "hw", Role: "handler", Department: "410802-HW", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		act("operator", "register", workflow.Input{})
		now = time.Date(2026, 2, 13, 16, 0, 0, 0, worktime.China)
		v := act("dispatcher", "dispatch", workflow.Input{})
		act("hw", "accept", workflow.Input{}) // the light is now the handling stage's alone
		want := time.Date(2026, 2, 24, 16, 0, 0, 0, worktime.China)
		if due, _ := v.Deadlines["handle"].(time.Time); !due.Equal(want) {
			t.Fatalf("handling deadline = %v, want %v", v.Deadlines["handle"], want)
		}
		if v.Light != worktime.Green || v.Department != "410802-HW" {
			t.Errorf("just dispatched: light %s, department %s; want green at 410802-HW", v.Light, v.Department)
		}
		// Tuesday 15:00: 15 of the 16 working hours are used.
		now = time.Date(2026, 2, 24, 15, 0, 0, 0, worktime.China)
		if v, _ := a.Cases.Case(ctx, apptest.As(t, db, "operator"), in.ID); v.Light != worktime.Yellow {
			t.Errorf("an hour before the deadline: light %s, want yellow", v.Light)
		}
		now = time.Date(2026, 2, 24, 16, 30, 0, 0, worktime.China)
		if v, _ := a.Cases.Case(ctx, apptest.As(t, db, "operator"), in.ID); v.Light != worktime.Red {
			t.Errorf("after the deadline: light %s, want red", v.Light)
		}
		// An approved extension of 4 working hours moves the deadline on working time:
		// Tuesday 16:00–18:00 and Wednesday 08:00–10:00.
		act("hw", "request_extension", workflow.Input{Hours: 4, Reason: "等待渣土车"})
		v = act("dispatcher", "approve_extension", workflow.Input{Hours: 4})
		want = time.Date(2026, 2, 25, 10, 0, 0, 0, worktime.China)
		if due, _ := v.Deadlines["handle"].(time.Time); !due.Equal(want) {
			t.Errorf("deadline after the extension = %v, want %v", v.Deadlines["handle"], want)
		}
	})
}

// A case whose rule is marked auto is dispatched the moment it is registered.
func TestAutoDispatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		p := apptest.PointIn(t, a, demo.GridWorkerGrid)
		garbage, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "06010", Description: "暴露垃圾", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		v, err := a.Cases.Act(ctx, apptest.As(t, db, "operator"), garbage.ID, "register", nil, workflow.Input{})
		if err != nil {
			t.Fatal(err)
		}
		last := v.Timeline[len(v.Timeline)-1]
		if v.Status != workflow.Dispatched || v.Department != "410802-HW" || last.Actor != "system:auto-dispatch" || v.Deadlines["handle"] == nil {
			t.Errorf("after register: %s at %q by %s, deadlines %v; want dispatched to 410802-HW by system:auto-dispatch with a deadline",
				v.Status, v.Department, last.Actor, v.Deadlines)
		}
		parking, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := a.Cases.Act(ctx, apptest.As(t, db, "operator"), parking.ID, "register", nil, workflow.Input{}); v.Status != workflow.Registered {
			t.Errorf("a case whose rule is not auto: %s after register, want registered", v.Status)
		}
	})
}
