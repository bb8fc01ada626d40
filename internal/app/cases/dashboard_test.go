package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

func TestDashboardAndLiveChangesKeepToScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 23, 30, 0, 0, worktime.China) // late evening: the day is China's, not UTC's
		a := apptest.New(t, db, &now)
		report := func(grid string) cases.Intake {
			t.Helper()
			p := apptest.PointIn(t, a, grid)
			in, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "占道", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		operator := apptest.As(t, db, "operator") // 解放区 410802
		start, err := a.Cases.ChangesHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mine := report(demo.GridWorkerGrid)
		now = time.Date(2026, 11, 25, 9, 0, 0, 0, worktime.China)
		report(demo.GridWorkerGrid)
		elsewhere := report("410811001001001") // 山阳区: outside the operator's scope
		if _, err := a.Cases.Act(ctx, operator, mine.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}

		d, err := a.Cases.Dashboard(ctx, operator, 10)
		if err != nil {
			t.Fatal(err)
		}
		if d.ByStatus["reported"] != 1 || d.ByStatus["registered"] != 1 || len(d.Newest) != 2 {
			t.Errorf("dashboard by status %v, newest %d; want 1 reported, 1 registered, 2 newest", d.ByStatus, len(d.Newest))
		}
		if d.IntakeByDay["2026-11-24"] != 1 || d.IntakeByDay["2026-11-25"] != 1 {
			t.Errorf("intake by day %v, want one on 11-24 and one on 11-25 (China time)", d.IntakeByDay)
		}
		for _, c := range d.Newest {
			if c.ID == elsewhere.ID {
				t.Errorf("the dashboard of 解放区 shows a case of 山阳区")
			}
		}

		changes, next, err := a.Cases.CaseChanges(ctx, operator, start, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, c := range changes {
			if c.ID == elsewhere.ID {
				t.Errorf("live changes of 解放区 carry a case of 山阳区")
			}
			actions = append(actions, c.Action+":"+c.Ticket)
		}
		if len(changes) != 3 || changes[2].Action != "register" || changes[2].Status != workflow.Registered {
			t.Errorf("changes %v, want two reports and the register", actions)
		}
		if head, _ := a.Cases.ChangesHead(ctx); next != head {
			t.Errorf("next = %d, want the head %d (past the change the operator may not see)", next, head)
		}
		if again, _, _ := a.Cases.CaseChanges(ctx, operator, next, 100); len(again) != 0 {
			t.Errorf("after the head: %d changes", len(again))
		}
		if _, err := a.Cases.Dashboard(ctx, apptest.As(t, db, "resident"), 10); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident's dashboard: %v, want forbidden", err)
		}
		if _, _, err := a.Cases.CaseChanges(ctx, (*access.Principal)(nil), 0, 10); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("anonymous changes: %v", err)
		}
	})
}
