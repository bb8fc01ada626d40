package workflow_test

import (
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// co2 is a second co-department of the joint stories.
const co2 = "4108-ZJJ"

var (
	jointDispatch = step{dispIn, workflow.Dispatch, workflow.Input{Department: lead, CoDepartments: []string{co, co2}}, 2 * time.Minute}
	coSigns       = step{handlerCo, workflow.AcceptPart, workflow.Input{}, 30 * time.Minute}
	coReports     = step{handlerCo, workflow.ReportPart, workflow.Input{Result: "已清运垃圾", Photos: []string{"sha256-hw"}}, 2 * time.Hour}
	leadReports   = step{handlerLead, workflow.ReportPart, workflow.Input{Department: co2, Reason: "住建局电话确认无需处置"}, 150 * time.Minute}
)

// zjj is a handler of the second co-department.
func zjj() *access.Principal { return staff("zjj", access.Handler, "", co2) }

func TestCoDepartmentsSignForAndReportTheirParts(t *testing.T) {
	c := reportByAlice(t)
	trs := play(t, c, register, jointDispatch)
	c = last(trs)
	if got := c.OpenParts(); !slices.Equal(got, []string{co, co2}) {
		t.Fatalf("after a joint dispatch the open parts are %v, want [%s %s]", got, co, co2)
	}
	for _, p := range c.Parts {
		if p.Status != workflow.PartDispatched {
			t.Fatalf("part %s is %s after dispatch, want dispatched", p.Department, p.Status)
		}
	}
	c = last(play(t, c, coSigns, accept))
	if p := c.Parts[0]; p.Status != workflow.PartInProgress || !p.SignedAt.Equal(t0.Add(coSigns.at)) {
		t.Fatalf("the signed part: %+v", p)
	}

	t.Run("the lead may not close the handling while a part is open", func(t *testing.T) {
		_, err := workflow.Decide(c, principal(handlerLead), workflow.Handle, handle.in, t0.Add(3*time.Hour))
		reason, params := errs.Detail(err)
		code, _ := errs.Public(err)
		if !errs.Is(err, errs.Conflict) || code != "wrong_state" || reason != workflow.ReasonPartsUnreported {
			t.Fatalf("got %v (code %s, reason %s), want wrong_state / parts_unreported", err, code, reason)
		}
		if got, _ := params["departments"].([]string); !slices.Equal(got, []string{co, co2}) {
			t.Fatalf("departments %v, want both co-departments", params["departments"])
		}
		if slices.Contains(workflow.Allowed(c, principal(handlerLead)), workflow.Handle) {
			t.Fatal("Allowed offers handle while parts are open")
		}
	})

	c = last(play(t, c, coReports))
	p := c.Parts[0]
	if p.Status != workflow.PartReported || p.Result != "已清运垃圾" || !slices.Equal(p.Photos, []string{"sha256-hw"}) || p.ReportedBy != "hw" || p.Reason != "" {
		t.Fatalf("the reported part: %+v", p)
	}
	trs = play(t, c, leadReports)
	c = last(trs)
	if p := c.Parts[1]; p.Status != workflow.PartReported || p.Reason != leadReports.in.Reason || p.ReportedBy != "cgj" {
		t.Fatalf("the part the lead reported: %+v", p)
	}
	if tr := trs[0]; tr.EventCode != "part_reported_for" || tr.EventParams["department"] != co2 || tr.From != workflow.InProgress || tr.To != workflow.InProgress {
		t.Fatalf("the lead's report reads %s %v (%s → %s)", tr.EventCode, tr.EventParams, tr.From, tr.To)
	}
	c = last(play(t, c, handle))
	if c.Status != workflow.Handled {
		t.Fatalf("handled with every part reported: status %s", c.Status)
	}
}

func TestPartActionsAreRefusedWithReasons(t *testing.T) {
	dispatched := last(play(t, reportByAlice(t), register, jointDispatch))
	signed := last(play(t, dispatched, coSigns, accept))
	reported := last(play(t, signed, coReports))
	tests := []struct {
		name   string
		c      workflow.Case
		who    *access.Principal
		a      workflow.Action
		in     workflow.Input
		kind   errs.Kind
		reason string
	}{
		{"a co-department may not act on another co-department's part", signed, principal(handlerCo), workflow.ReportPart,
			workflow.Input{Department: co2, Result: "x", Photos: []string{"p"}}, errs.Forbidden, workflow.ReasonNotYourPart},
		{"a co-department may not sign for another's part", dispatched, principal(handlerCo), workflow.AcceptPart,
			workflow.Input{Department: co2}, errs.Forbidden, workflow.ReasonNotYourPart},
		{"the lead does not sign for a part", dispatched, principal(handlerLead), workflow.AcceptPart,
			workflow.Input{Department: co}, errs.Forbidden, workflow.ReasonNotCoDepartment},
		{"a department with no part reports none", signed, principal(handlerElse), workflow.ReportPart,
			workflow.Input{Result: "x", Photos: []string{"p"}}, errs.Forbidden, workflow.ReasonNotCoDepartment},
		{"a grid worker reports no part", signed, principal(gwGrid), workflow.ReportPart,
			workflow.Input{Result: "x", Photos: []string{"p"}}, errs.Forbidden, workflow.ReasonRole},
		{"a co-department reports only after signing", dispatched, principal(handlerCo), workflow.ReportPart,
			workflow.Input{Result: "x", Photos: []string{"p"}}, errs.Conflict, workflow.ReasonPartNotSigned},
		{"a co-department signs once", signed, principal(handlerCo), workflow.AcceptPart,
			workflow.Input{}, errs.Conflict, workflow.ReasonPartSigned},
		{"a co-department reports once", reported, principal(handlerCo), workflow.ReportPart,
			workflow.Input{Result: "x", Photos: []string{"p"}}, errs.Conflict, workflow.ReasonPartReported},
		{"a co-department's report needs a photo", signed, principal(handlerCo), workflow.ReportPart,
			workflow.Input{Result: "x"}, errs.Invalid, workflow.ReasonPhotoRequired},
		{"a co-department's report needs a result", signed, principal(handlerCo), workflow.ReportPart,
			workflow.Input{Photos: []string{"p"}}, errs.Invalid, "required"},
		{"the lead reports for a part only with a reason", signed, principal(handlerLead), workflow.ReportPart,
			workflow.Input{Department: co2}, errs.Invalid, "required"},
		{"the lead names the part it reports for", signed, principal(handlerLead), workflow.ReportPart,
			workflow.Input{Reason: "r"}, errs.Invalid, "required"},
		{"the lead names a part the case has", signed, principal(handlerLead), workflow.ReportPart,
			workflow.Input{Department: other, Reason: "r"}, errs.Invalid, workflow.ReasonNoPart},
		{"the lead does not report a part reported already", reported, principal(handlerLead), workflow.ReportPart,
			workflow.Input{Department: co, Reason: "r"}, errs.Conflict, workflow.ReasonPartReported},
		{"the lead reports for a part only once it signed itself", dispatched, principal(handlerLead), workflow.ReportPart,
			workflow.Input{Department: co2, Reason: "r"}, errs.Conflict, workflow.ReasonWrongState},
		{"the second co-department may not report the first one's part", signed, zjj(), workflow.ReportPart,
			workflow.Input{Department: co, Result: "x", Photos: []string{"p"}}, errs.Forbidden, workflow.ReasonNotYourPart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := deepCopy(tt.c)
			_, err := workflow.Decide(tt.c, tt.who, tt.a, tt.in, t0.Add(5*time.Hour))
			reason, _ := errs.Detail(err)
			if !errs.Is(err, tt.kind) || reason != tt.reason {
				t.Fatalf("got %v (%s, reason %q), want %s with reason %s", err, errs.KindOf(err), reason, tt.kind, tt.reason)
			}
			if !slices.EqualFunc(tt.c.Parts, before.Parts, func(a, b workflow.Part) bool { return a.Status == b.Status && a.Result == b.Result }) {
				t.Fatal("a refused part action changed the parts")
			}
		})
	}
}

func TestTheLoopResetsThePartsItSendsBack(t *testing.T) {
	signed := last(play(t, reportByAlice(t), register, jointDispatch, coSigns, accept))
	done := last(play(t, signed, coReports, leadReports, handle))
	t.Run("a return drops the parts with the dispatch, and a new dispatch makes new ones", func(t *testing.T) {
		c := last(play(t, signed, back))
		if c.Parts != nil || c.CoDepartments != nil {
			t.Fatalf("after a return: parts %v, co-departments %v", c.Parts, c.CoDepartments)
		}
		c = last(play(t, c, step{dispIn, workflow.Dispatch, workflow.Input{Department: co, CoDepartments: []string{lead}}, 5 * time.Hour}))
		if len(c.Parts) != 1 || c.Parts[0].Department != lead || c.Parts[0].Status != workflow.PartDispatched {
			t.Fatalf("the new dispatch's parts: %+v", c.Parts)
		}
	})
	t.Run("a failed verification reopens every part, signed for, without its old report", func(t *testing.T) {
		c := last(play(t, done, fail))
		for _, p := range c.Parts {
			if p.Status != workflow.PartInProgress || p.Result != "" || p.Reason != "" || p.ReportedBy != "" || p.SignedAt.IsZero() && p.Department == co {
				t.Fatalf("after rework the part is %+v", p)
			}
		}
		if slices.Contains(workflow.Allowed(c, principal(handlerLead)), workflow.Handle) {
			t.Fatal("the lead may handle the rework before the parts are reported again")
		}
	})
	t.Run("a reopened case sends every part to be signed for again", func(t *testing.T) {
		closed := last(play(t, done, pass))
		c := last(play(t, closed, step{leaderIn, workflow.Reopen, workflow.Input{Reason: "群众不满意"}, 5 * time.Hour}))
		if len(c.Parts) != 2 || c.Parts[0].Status != workflow.PartDispatched || c.Parts[1].Status != workflow.PartDispatched || c.Parts[1].Reason != "" {
			t.Fatalf("after reopening the parts are %+v", c.Parts)
		}
	})
	t.Run("a case dispatched before parts existed is handled as before", func(t *testing.T) {
		legacy := signed
		legacy.Parts = nil
		if _, err := workflow.Decide(legacy, principal(handlerLead), workflow.Handle, handle.in, t0.Add(3*time.Hour)); err != nil {
			t.Fatalf("handle of a legacy joint case: %v", err)
		}
		_, err := workflow.Decide(legacy, principal(handlerCo), workflow.AcceptPart, workflow.Input{}, t0.Add(3*time.Hour))
		if reason, _ := errs.Detail(err); reason != workflow.ReasonNoPart {
			t.Fatalf("accept_part on a case without parts: %v", err)
		}
	})
}
