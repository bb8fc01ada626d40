package cases_test

import (
	"context"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Step is Act without the case read back: the same transition, timeline and audit record, the
// same refusals (changing nothing), and an answer that says where the case stands.
func TestStepActsAsActDoes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009")
		step := func(who, action string, in workflow.Input) (any, error) {
			return r.A.Cases.Step(ctx, apptest.As(t, db, who), r.ID, action, nil, in)
		}

		before := apptest.Snap(t, db)
		if _, err := step("operator", "dispatch", workflow.Input{Department: "410802-CGJ"}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("an operator dispatching: %v, want forbidden", err)
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("a refused step changed %+v to %+v", before, after)
		}

		for _, tt := range []struct {
			who, action string
			in          workflow.Input
			status      workflow.Status
		}{
			{"operator", "register", workflow.Input{}, workflow.Registered},
			{"dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"}, workflow.Dispatched},
			{"handler", "accept", workflow.Input{}, workflow.InProgress},
		} {
			events := len(r.View().Timeline)
			got, err := r.A.Cases.Step(ctx, apptest.As(t, db, tt.who), r.ID, tt.action, nil, tt.in)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.who, tt.action, err)
			}
			v := r.View()
			if got.Status != tt.status || got.Status != v.Status || got.Version != v.Version || got.Department != v.Department || got.Ticket != v.Ticket {
				t.Errorf("%s: Step answered %+v; the case is %s at version %d with %q", tt.action, got, v.Status, v.Version, v.Department)
			}
			if len(v.Timeline) != events+1 || v.Timeline[len(v.Timeline)-1].Action != tt.action {
				t.Errorf("%s: the timeline did not gain the step", tt.action)
			}
			if tt.action == "accept" && (got.HandleDue.IsZero() || !slices.ContainsFunc(v.Clocks, func(c cases.ClockView) bool { return c.Stage == workflow.StageHandle && c.Due.Equal(got.HandleDue) })) {
				t.Errorf("accept: Step's handling deadline %s is not the handling clock's", got.HandleDue)
			}
		}
	})
}
