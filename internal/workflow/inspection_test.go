package workflow_test

import (
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// A case an assessment inspection found is re-inspected (复查) by an inspector in scope; other
// cases are not the inspector's to verify, and an inspector out of scope may verify neither.
func TestInspectorsReinspectOnlyTheCasesInspectionsFound(t *testing.T) {
	handled := func(inspection bool) workflow.Case {
		for _, s := range situations() {
			if s.name == sHandled {
				c := deepCopy(s.c)
				c.Inspection = inspection
				return c
			}
		}
		t.Fatal("no handled situation")
		return workflow.Case{}
	}
	in := workflow.Input{Pass: &no, Note: "仍有小广告"}
	out := staff("insp2", access.Inspector, "410811", "")
	for _, tc := range []struct {
		name       string
		inspection bool
		p          *access.Principal
		want       errs.Kind // "" = allowed
	}{
		{"an inspector in scope re-inspects an inspection's case", true, principal(inspector), ""},
		{"an inspector does not verify other cases", false, principal(inspector), errs.Forbidden},
		{"an inspector out of scope does not re-inspect", true, out, errs.Forbidden},
		{"the grid worker still verifies an inspection's case", true, principal(gwGrid), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := workflow.Decide(handled(tc.inspection), tc.p, workflow.Verify, in, t0)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tr.To != workflow.InProgress || tr.Case.Counters.Rework != 1 {
					t.Errorf("a failed re-inspection went to %s with rework %d, want in_progress and 1", tr.To, tr.Case.Counters.Rework)
				}
				return
			}
			if !errs.Is(err, tc.want) {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
		})
	}
}

func TestAnInspectionsCaseIsAlwaysVerified(t *testing.T) {
	tr, err := workflow.NewReport(principal(inspector), workflow.Report, workflow.Case{RegionPath: regionPath, Kind: workflow.Matter,
		Category: "07001", Inspection: true}, workflow.Input{Note: "小广告"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Case.VerificationRequired || !tr.Case.Inspection {
		t.Errorf("verification required %t, inspection %t; want both", tr.Case.VerificationRequired, tr.Case.Inspection)
	}
}
