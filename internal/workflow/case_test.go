package workflow_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// step is one action in a story of a case.
type step struct {
	who string
	a   workflow.Action
	in  workflow.Input
	at  time.Duration // after t0
}

// play runs steps on c, failing the test on the first refusal, and returns the transitions.
func play(t *testing.T, c workflow.Case, steps ...step) []workflow.Transition {
	t.Helper()
	var out []workflow.Transition
	for _, s := range steps {
		tr, err := workflow.Decide(c, principal(s.who), s.a, s.in, t0.Add(s.at))
		if err != nil {
			t.Fatalf("%s: %s refused: %v", s.who, s.a, err)
		}
		out = append(out, tr)
		c = tr.Case
	}
	return out
}

func last(trs []workflow.Transition) workflow.Case { return trs[len(trs)-1].Case }

// reportByAlice is the case alice's report creates.
func reportByAlice(t *testing.T) workflow.Case {
	t.Helper()
	tr, err := workflow.NewReport(principal(reporter), workflow.Report,
		workflow.Case{Kind: workflow.Matter, Category: "09009", RegionPath: regionPath, VerificationRequired: true, HandleDue: t0.Add(dueInTwoDays)},
		workflow.Input{Note: "人行道上长期停车", Photos: []string{"sha256-before"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return tr.Case
}

var (
	register = step{opIn, workflow.Register, workflow.Input{}, time.Minute}
	dispatch = step{dispIn, workflow.Dispatch, workflow.Input{Department: lead}, 2 * time.Minute}
	accept   = step{handlerLead, workflow.Accept, workflow.Input{}, time.Hour}
	handle   = step{handlerLead, workflow.Handle, workflow.Input{Result: "已拖离", Photos: []string{"sha256-after"}}, 3 * time.Hour}
	pass     = step{gwGrid, workflow.Verify, workflow.Input{Pass: &yes}, 4 * time.Hour}
	fail     = step{gwGrid, workflow.Verify, workflow.Input{Pass: &no, Note: "车辆仍在"}, 4 * time.Hour}
	back     = step{handlerLead, workflow.Return, workflow.Input{Reason: "应由交警处置"}, 30 * time.Minute}
)

func TestTheClosedLoop(t *testing.T) {
	c := reportByAlice(t)
	if c.Status != workflow.Reported || c.Version != 1 || c.Reporter != "alice" || c.Urgency != workflow.UrgencyNormal ||
		c.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}) {
		t.Fatalf("a new report is %+v; want reported, version 1, alice's, normal, with the subdistrict centre", c)
	}
	trs := play(t, c, register, dispatch, accept, handle, pass)
	wantHolders := []workflow.Holder{
		{Kind: workflow.HolderCentre, Code: "410802001"},
		{Kind: workflow.HolderDepartment, Code: lead},
		{Kind: workflow.HolderDepartment, Code: lead},
		{Kind: workflow.HolderGridWorker, Code: grid},
		{},
	}
	wantStatus := []workflow.Status{workflow.Registered, workflow.Dispatched, workflow.InProgress, workflow.Handled, workflow.Closed}
	for i, tr := range trs {
		if tr.To != wantStatus[i] || tr.Case.Holder != wantHolders[i] || tr.Case.Version != i+2 {
			t.Errorf("step %d (%s): to %s held by %+v version %d; want %s, %+v, %d", i, tr.Action, tr.To, tr.Case.Holder, tr.Case.Version, wantStatus[i], wantHolders[i], i+2)
		}
	}
	end := last(trs)
	if end.ClosureType != workflow.ClosureNormal || !end.ClosedAt.Equal(t0.Add(pass.at)) {
		t.Errorf("closed %s at %s; want normal at %s", end.ClosureType, end.ClosedAt, t0.Add(pass.at))
	}
}

func TestClosureTypes(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  workflow.ClosureType
	}{
		{"a case closed on time closes normally", []step{register, dispatch, accept, handle, pass}, workflow.ClosureNormal},
		{"a return on the way makes it an error closure",
			[]step{register, dispatch, back, dispatch, accept, handle, pass}, workflow.ClosureError},
		{"a failed verification makes it an error closure",
			[]step{register, dispatch, accept, handle, fail, handle, pass}, workflow.ClosureError},
		{"a verification after the handling deadline makes it late",
			[]step{register, dispatch, accept, handle, {gwGrid, workflow.Verify, workflow.Input{Pass: &yes}, dueInTwoDays + time.Minute}}, workflow.ClosureLate},
		{"an error outweighs lateness",
			[]step{register, dispatch, back, dispatch, accept, handle, {gwGrid, workflow.Verify, workflow.Input{Pass: &yes}, 3 * dueInTwoDays}}, workflow.ClosureError},
		{"a leader's override is special whatever happened",
			[]step{register, dispatch, back, {leaderIn, workflow.Close, workflow.Input{Reason: "属司法管辖"}, time.Hour}}, workflow.ClosureSpecial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			end := last(play(t, reportByAlice(t), tt.steps...))
			if end.Status != workflow.Closed || end.ClosureType != tt.want {
				t.Fatalf("got %s %s, want closed %s", end.Status, end.ClosureType, tt.want)
			}
		})
	}
}

func TestAReturnSendsTheCaseBackToTheCentre(t *testing.T) {
	c := last(play(t, reportByAlice(t), register, step{dispIn, workflow.Dispatch, workflow.Input{Department: lead, CoDepartments: []string{co}}, time.Minute}, accept, back))
	if c.Status != workflow.Registered || c.Department != "" || c.CoDepartments != nil || !c.WrongDispatch || c.Counters.Returns != 1 ||
		c.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}) {
		t.Fatalf("after a return: %+v", c)
	}
}

func TestAFailedVerificationIsRework(t *testing.T) {
	c := last(play(t, reportByAlice(t), register, dispatch, accept, handle, fail))
	if c.Status != workflow.InProgress || c.Counters.Rework != 1 || c.Holder != (workflow.Holder{Kind: workflow.HolderDepartment, Code: lead}) {
		t.Fatalf("after a failed verification: %s, rework %d, held by %+v; want in_progress, 1, the lead department", c.Status, c.Counters.Rework, c.Holder)
	}
}

func TestHandlingACaseWithoutVerificationClosesIt(t *testing.T) {
	c := reportByAlice(t)
	c.VerificationRequired = false
	end := last(play(t, c, register, dispatch, accept, handle))
	if end.Status != workflow.Closed || end.ClosureType != workflow.ClosureNormal || end.Holder != (workflow.Holder{}) {
		t.Fatalf("got %s %s held by %+v, want closed normally by nobody", end.Status, end.ClosureType, end.Holder)
	}
}

func TestReopen(t *testing.T) {
	closed := last(play(t, reportByAlice(t), register, dispatch, accept, handle, pass, step{reporter, workflow.Rate, workflow.Input{Rating: 1}, 5 * time.Hour}))
	reopen := workflow.Input{Reason: "群众不满意"}
	t.Run("a leader reopens within 7 days back to the department", func(t *testing.T) {
		tr, err := workflow.Decide(closed, principal(leaderIn), workflow.Reopen, reopen, closed.ClosedAt.Add(7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c := tr.Case
		if c.Status != workflow.Dispatched || c.Holder != (workflow.Holder{Kind: workflow.HolderDepartment, Code: lead}) ||
			!c.ClosedAt.IsZero() || c.ClosureType != "" || c.Rating != 0 {
			t.Fatalf("reopened: %+v", c)
		}
	})
	t.Run("after 7 days it is too late", func(t *testing.T) {
		_, err := workflow.Decide(closed, principal(leaderIn), workflow.Reopen, reopen, closed.ClosedAt.Add(7*24*time.Hour+time.Second))
		if code, _ := errs.Public(err); !errs.Is(err, errs.Conflict) || code != "too_late" {
			t.Fatalf("got %v (%s), want conflict too_late", err, code)
		}
	})
	t.Run("its reporter says it is not solved within 7 days: back to the centre", func(t *testing.T) {
		tr, err := workflow.Decide(closed, principal(reporter), workflow.Reopen, workflow.Input{Reason: "车又停回盲道上了"}, closed.ClosedAt.Add(7*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c := tr.Case
		if c.Status != workflow.Registered || c.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}) ||
			c.Department != "" || c.CoDepartments != nil || !c.ClosedAt.IsZero() || c.Rating != 0 || tr.EventCode != "reopened_by_reporter" {
			t.Fatalf("reopened by the reporter: %+v (event %s)", c, tr.EventCode)
		}
	})
	for _, tt := range []struct {
		name, who string
		in        workflow.Input
		at        time.Duration
		kind      errs.Kind
		reason    string
	}{
		{"nor may its reporter after 7 days", reporter, workflow.Input{Reason: "没有解决"}, 7*24*time.Hour + time.Second, errs.Conflict, "too_late"},
		{"nor without saying what is wrong", reporter, workflow.Input{Reason: " "}, time.Hour, errs.Invalid, "required"},
		{"nor may another resident", resident, workflow.Input{Reason: "没有解决"}, time.Hour, errs.Forbidden, "not_reporter"},
		{"nor the anonymous public", anonymous, workflow.Input{Reason: "没有解决"}, time.Hour, errs.Forbidden, "sign_in"},
		{"nor an operator", opIn, workflow.Input{Reason: "没有解决"}, time.Hour, errs.Forbidden, "role_forbidden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workflow.Decide(closed, principal(tt.who), workflow.Reopen, tt.in, closed.ClosedAt.Add(tt.at))
			if reason, _ := errs.Detail(err); !errs.Is(err, tt.kind) || reason != tt.reason {
				t.Fatalf("got %v (reason %s), want %s %s", err, reason, tt.kind, tt.reason)
			}
		})
	}
	t.Run("a self-handled case reopens to its centre for dispatch", func(t *testing.T) {
		tr, err := workflow.NewReport(principal(gwGrid), workflow.SelfHandle, workflow.Case{Kind: workflow.Component, Category: "01002", RegionPath: regionPath},
			workflow.Input{Result: "井盖已扶正", Photos: []string{"sha256-after"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		tr, err = workflow.Decide(tr.Case, principal(leaderIn), workflow.Reopen, reopen, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if tr.To != workflow.Registered || tr.Case.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}) {
			t.Fatalf("reopened to %s held by %+v, want registered at the subdistrict centre", tr.To, tr.Case.Holder)
		}
	})
}

func TestOnSiteCheck(t *testing.T) {
	c := last(play(t, reportByAlice(t), step{opIn, workflow.RequestCheck, workflow.Input{}, time.Minute}))
	if !c.CheckPending || c.Holder != (workflow.Holder{Kind: workflow.HolderGridWorker, Code: grid}) || c.Status != workflow.Reported {
		t.Fatalf("after request_check: %+v", c)
	}
	if _, err := workflow.Decide(c, principal(opIn), workflow.Register, workflow.Input{}, t0); !errs.Is(err, errs.Conflict) {
		t.Fatalf("register while the check is pending: %v, want a conflict", err)
	}
	tr := play(t, c, step{gwGrid, workflow.Confirm, workflow.Input{Found: &no}, time.Hour})[0]
	if tr.Case.CheckPending || tr.Case.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802001"}) || !strings.Contains(tr.Event, "not found") {
		t.Fatalf("after confirm: %+v, event %q", tr.Case, tr.Event)
	}
	rejected := last(play(t, tr.Case, step{opIn, workflow.Reject, workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "现场未发现"}, 2 * time.Hour}))
	if rejected.Status != workflow.Rejected || rejected.RejectReason != workflow.RejectInvalid || rejected.Holder != (workflow.Holder{}) {
		t.Fatalf("after reject: %+v", rejected)
	}
}

func TestRegisterCorrectsTheReport(t *testing.T) {
	c := last(play(t, reportByAlice(t), step{opIn, workflow.Register, workflow.Input{Kind: workflow.Component, Category: "01002", Urgency: workflow.UrgencyEmergency}, 0}))
	if c.Kind != workflow.Component || c.Category != "01002" || c.Urgency != workflow.UrgencyEmergency {
		t.Fatalf("after register: %s %s %s, want component 01002 emergency", c.Kind, c.Category, c.Urgency)
	}
}

// A report of 不确定/其他 is classified when registered: registering it as it is, or
// "correcting" it to the same, is refused; naming a real category registers it.
func TestRegisterClassifiesAnUnsureReport(t *testing.T) {
	tr, err := workflow.NewReport(principal(resident), workflow.Report,
		workflow.Case{Kind: workflow.Matter, Category: workflow.UnclassifiedCode, RegionPath: regionPath, VerificationRequired: true},
		workflow.Input{Note: "路边有个东西不知道算什么问题"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		in         workflow.Input
		wantReason string // "" = registered
		kind       workflow.CategoryKind
		code       string
	}{
		{"kept as it is", workflow.Input{}, workflow.ReasonUnclassified, "", ""},
		{"only the urgency corrected", workflow.Input{Urgency: workflow.UrgencyUrgent}, workflow.ReasonUnclassified, "", ""},
		{"corrected to itself", workflow.Input{Kind: workflow.Matter, Category: workflow.UnclassifiedCode}, workflow.ReasonUnclassified, "", ""},
		{"classified as a matter", workflow.Input{Category: "06013"}, "", workflow.Matter, "06013"},
		{"classified as a component", workflow.Input{Kind: workflow.Component, Category: "01037"}, "", workflow.Component, "01037"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := workflow.Decide(tr.Case, principal(opIn), workflow.Register, tt.in, t0.Add(time.Minute))
			if tt.wantReason != "" {
				if reason, _ := errs.Detail(err); !errs.Is(err, errs.Invalid) || reason != tt.wantReason {
					t.Fatalf("got %v, want the refusal %s", err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Case.Status != workflow.Registered || got.Case.Kind != tt.kind || got.Case.Category != tt.code {
				t.Fatalf("registered as %s %s %s, want registered %s %s", got.Case.Status, got.Case.Kind, got.Case.Category, tt.kind, tt.code)
			}
		})
	}
}

func TestEscalationClimbsOneCentreAtATime(t *testing.T) {
	up := step{dispIn, workflow.Escalate, workflow.Input{Reason: "需区级协调"}, time.Hour}
	cityDispatcher := staff("citydisp", access.Dispatcher, "4108", "")
	subdistrictDispatcher := staff("sddisp", access.Dispatcher, "410802001", "")
	c := last(play(t, reportByAlice(t), register))

	t.Run("a subdistrict case goes to the district centre", func(t *testing.T) {
		tr, err := workflow.Decide(c, subdistrictDispatcher, workflow.Escalate, up.in, t0)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Case.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802"}) || tr.Case.Counters.Escalations != 1 || tr.To != workflow.Registered {
			t.Fatalf("escalated: %+v", tr.Case)
		}
		if _, err := workflow.Decide(tr.Case, subdistrictDispatcher, workflow.Dispatch, workflow.Input{Department: lead}, t0); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the subdistrict dispatches the district's case: %v, want forbidden", err)
		}
		back := last(play(t, tr.Case, dispatch, back))
		if back.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "410802"}) {
			t.Fatalf("a return goes back to %+v, want the district centre that dispatched", back.Holder)
		}
	})
	t.Run("the district goes to the city and no further", func(t *testing.T) {
		top := last(play(t, c, up, up))
		if top.Holder != (workflow.Holder{Kind: workflow.HolderCentre, Code: "4108"}) || top.Counters.Escalations != 2 {
			t.Fatalf("escalated twice: %+v", top)
		}
		_, err := workflow.Decide(top, cityDispatcher, workflow.Escalate, up.in, t0)
		if code, _ := errs.Public(err); code != "wrong_state" {
			t.Fatalf("escalating from the city: %v, want wrong_state", err)
		}
		if _, err := workflow.Decide(top, principal(dispIn), workflow.Dispatch, workflow.Input{Department: lead}, t0); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("the district dispatches the city's case: %v, want forbidden", err)
		}
		if _, err := workflow.Decide(top, cityDispatcher, workflow.Dispatch, workflow.Input{Department: lead}, t0); err != nil {
			t.Fatalf("the city dispatches its case: %v", err)
		}
	})
}

func TestExtensions(t *testing.T) {
	c := last(play(t, reportByAlice(t), register, dispatch, accept))
	ask := step{handlerLead, workflow.RequestExtension, workflow.Input{Hours: 16}, 2 * time.Hour}
	asked := last(play(t, c, ask))
	if asked.ExtensionAsked != 16 {
		t.Fatalf("asked %d hours, want 16", asked.ExtensionAsked)
	}
	if _, err := workflow.Decide(asked, principal(handlerLead), workflow.RequestExtension, ask.in, t0); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a second request while one is pending: %v, want a conflict", err)
	}
	t.Run("an approval moves the deadline by the hours granted", func(t *testing.T) {
		tr := play(t, asked, step{dispIn, workflow.ApproveExtension, workflow.Input{Hours: 8}, 3 * time.Hour})[0]
		if tr.GrantedHours != 8 || !tr.Case.HandleDue.Equal(c.HandleDue.Add(8*time.Hour)) || tr.Case.ExtensionAsked != 0 || tr.Case.Counters.Extensions != 1 {
			t.Fatalf("approved: granted %d, due %s, asked %d, extensions %d", tr.GrantedHours, tr.Case.HandleDue, tr.Case.ExtensionAsked, tr.Case.Counters.Extensions)
		}
	})
	t.Run("a denial keeps the deadline", func(t *testing.T) {
		d := last(play(t, asked, step{dispIn, workflow.DenyExtension, workflow.Input{}, 3 * time.Hour}))
		if !d.HandleDue.Equal(c.HandleDue) || d.ExtensionAsked != 0 || d.Counters.Extensions != 0 {
			t.Fatalf("denied: %+v", d)
		}
	})
}

func TestSuspendAndResume(t *testing.T) {
	trs := play(t, reportByAlice(t), register, dispatch, accept,
		step{dispIn, workflow.Suspend, workflow.Input{Reason: "待道路改造"}, time.Hour},
		step{dispIn, workflow.Resume, workflow.Input{}, 48 * time.Hour})
	if trs[3].To != workflow.Suspended || trs[4].To != workflow.InProgress || trs[4].Case.Holder.Code != lead {
		t.Fatalf("suspend → %s, resume → %s held by %+v", trs[3].To, trs[4].To, trs[4].Case.Holder)
	}
}

func TestOnceOnlyActions(t *testing.T) {
	c := reportByAlice(t)
	anon := workflow.Input{Supporter: "device-1"}
	supported := last(play(t, c, step{anonymous, workflow.Support, anon, 0}, step{resident, workflow.Support, workflow.Input{}, 0}))
	if supported.Counters.Supports != 2 || !slices.Equal(supported.Supporters, []string{"device-1", "bob"}) {
		t.Fatalf("supports %d by %v, want 2 by device-1 and bob", supported.Counters.Supports, supported.Supporters)
	}
	closed := last(play(t, c, register, dispatch, accept, handle, pass, step{reporter, workflow.Rate, workflow.Input{Rating: 4}, 5 * time.Hour}))
	tests := []struct {
		name string
		c    workflow.Case
		who  string
		a    workflow.Action
		in   workflow.Input
		code string
	}{
		{"a device supports only once", supported, anonymous, workflow.Support, anon, "already_supported"},
		{"a resident supports only once", supported, resident, workflow.Support, workflow.Input{Supporter: "someone-else"}, "already_supported"},
		{"a closed case takes no support", closed, anonymous, workflow.Support, workflow.Input{Supporter: "device-2"}, "wrong_state"},
		{"the reporter rates only once", closed, reporter, workflow.Rate, workflow.Input{Rating: 5}, "already_rated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := workflow.Decide(tt.c, principal(tt.who), tt.a, tt.in, t0.Add(6*time.Hour))
			if code, _ := errs.Public(err); !errs.Is(err, errs.Conflict) || code != tt.code {
				t.Fatalf("got %v (code %s), want conflict %s", err, code, tt.code)
			}
		})
	}
}

func TestAWrongStateSaysWhatIsAllowed(t *testing.T) {
	_, err := workflow.Decide(reportByAlice(t), principal(opIn), workflow.Verify, workflow.Input{Pass: &yes}, t0)
	_, msg := errs.Public(err)
	if !strings.Contains(msg, "allowed now: request_check, register, reject, comment, support") {
		t.Fatalf("message %q does not list the allowed actions", msg)
	}
}

func TestNewReport(t *testing.T) {
	where := workflow.Case{Kind: workflow.Matter, Category: "09009", RegionPath: regionPath, Reporter: "mallory"}
	photo := []string{"sha256-x"}
	handled := workflow.Input{Result: "已劝离", Photos: photo}
	unsure := workflow.Case{Kind: workflow.Matter, Category: workflow.UnclassifiedCode, RegionPath: regionPath}
	tests := []struct {
		name     string
		who      string
		a        workflow.Action
		c        workflow.Case
		in       workflow.Input
		kind     errs.Kind // "" = accepted
		status   workflow.Status
		reporter string
	}{
		{"an anonymous report has no reporter", anonymous, workflow.Report, where, workflow.Input{Note: "x"}, "", workflow.Reported, ""},
		{"a resident reports in their own name", resident, workflow.Report, where, workflow.Input{Photos: photo}, "", workflow.Reported, "bob"},
		{"the system keeps the reporter it was given", system, workflow.Report, where, workflow.Input{Note: "12345"}, "", workflow.Reported, "mallory"},
		{"staff out of scope may still report", opOut, workflow.Report, where, workflow.Input{Note: "x"}, "", workflow.Reported, "op2"},
		{"a grid worker of the grid handles it on the spot", gwGrid, workflow.SelfHandle, where, handled, "", workflow.Closed, "gw"},
		{"a grid worker of another grid may not", gwElse, workflow.SelfHandle, where, handled, errs.Forbidden, "", ""},
		{"a resident may not self-handle", reporter, workflow.SelfHandle, where, handled, errs.Forbidden, "", ""},
		{"the anonymous may not self-handle", anonymous, workflow.SelfHandle, where, handled, errs.Forbidden, "", ""},
		{"a report needs a description or a photo", reporter, workflow.Report, where, workflow.Input{}, errs.Invalid, "", ""},
		{"a self-handling needs a result", gwGrid, workflow.SelfHandle, where, workflow.Input{Photos: photo}, errs.Invalid, "", ""},
		{"a self-handling needs an after photo", gwGrid, workflow.SelfHandle, where, workflow.Input{Result: "x"}, errs.Invalid, "", ""},
		{"a report needs a category", reporter, workflow.Report, workflow.Case{Kind: workflow.Matter, RegionPath: regionPath}, workflow.Input{Note: "x"}, errs.Invalid, "", ""},
		{"a report needs a unit grid", reporter, workflow.Report, workflow.Case{Kind: workflow.Matter, Category: "09009", RegionPath: regionPath[:3]}, workflow.Input{Note: "x"}, errs.Invalid, "", ""},
		{"only report and self_handle create cases", reporter, workflow.Dispatch, where, workflow.Input{Note: "x"}, errs.Invalid, "", ""},
		{"a resident may report without knowing the category", resident, workflow.Report, unsure, workflow.Input{Note: "x"}, "", workflow.Reported, "bob"},
		{"a grid worker handling it on the spot names the category", gwGrid, workflow.SelfHandle, unsure, handled, errs.Invalid, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := workflow.NewReport(principal(tt.who), tt.a, tt.c, tt.in, t0)
			if tt.kind != "" {
				if !errs.Is(err, tt.kind) {
					t.Fatalf("got %v (%s), want %s", err, errs.KindOf(err), tt.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := tr.Case
			if tr.From != "" || tr.To != tt.status || c.Status != tt.status || c.Version != 1 || c.Reporter != tt.reporter {
				t.Fatalf("got %s→%s, version %d, reporter %q; want →%s, 1, %q", tr.From, tr.To, c.Version, c.Reporter, tt.status, tt.reporter)
			}
			if tt.status == workflow.Closed && (c.ClosureType != workflow.ClosureNormal || !c.ClosedAt.Equal(t0) || c.Holder != (workflow.Holder{})) {
				t.Fatalf("a self-handled case: %+v", c)
			}
		})
	}
}

func TestMissingInputIsNamed(t *testing.T) {
	sit := map[string]workflow.Case{}
	for _, s := range situations() {
		sit[s.name] = s.c
	}
	tests := []struct {
		name  string
		state string
		who   string
		a     workflow.Action
		in    workflow.Input
		field string
	}{
		{"confirm needs found", sChecking, gwGrid, workflow.Confirm, workflow.Input{}, "found"},
		{"register rejects an unknown kind", sReported, opIn, workflow.Register, workflow.Input{Kind: "event"}, "kind"},
		{"register rejects a malformed category", sReported, opIn, workflow.Register, workflow.Input{Category: "9009"}, "category"},
		{"register rejects an unknown urgency", sReported, opIn, workflow.Register, workflow.Input{Urgency: "asap"}, "urgency"},
		{"reject needs a reject reason", sReported, opIn, workflow.Reject, workflow.Input{Reason: "x"}, "reject_reason"},
		{"reject needs a known reject reason", sReported, opIn, workflow.Reject, workflow.Input{RejectReason: "spam", Reason: "x"}, "reject_reason"},
		{"reject needs a reason", sReported, opIn, workflow.Reject, workflow.Input{RejectReason: workflow.RejectInvalid}, "reason"},
		{"a duplicate needs merged_into", sReported, opIn, workflow.Reject, workflow.Input{RejectReason: workflow.RejectDuplicate, Reason: "x"}, "merged_into"},
		{"merged_into goes only with a duplicate", sReported, opIn, workflow.Reject, workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "x", MergedInto: "t"}, "merged_into"},
		{"dispatch needs a department", sRegistered, dispIn, workflow.Dispatch, workflow.Input{}, "department"},
		{"a co-department cannot be the lead", sRegistered, dispIn, workflow.Dispatch, workflow.Input{Department: lead, CoDepartments: []string{lead}}, "co_departments"},
		{"a co-department is named once", sRegistered, dispIn, workflow.Dispatch, workflow.Input{Department: lead, CoDepartments: []string{co, co}}, "co_departments"},
		{"escalate needs a reason", sRegistered, dispIn, workflow.Escalate, workflow.Input{}, "reason"},
		{"return needs a reason", sDispatched, handlerLead, workflow.Return, workflow.Input{Reason: "  "}, "reason"},
		{"handle needs a result", sInProgress, handlerLead, workflow.Handle, workflow.Input{Photos: []string{"p"}}, "result"},
		{"handle needs a photo", sInProgress, handlerLead, workflow.Handle, workflow.Input{Result: "done"}, "photos"},
		{"an extension needs hours", sInProgress, handlerLead, workflow.RequestExtension, workflow.Input{}, "hours"},
		{"an extension has at most 2000 hours", sInProgress, handlerLead, workflow.RequestExtension, workflow.Input{Hours: 2001}, "hours"},
		{"an approval needs the hours granted", sExtending, dispIn, workflow.ApproveExtension, workflow.Input{}, "hours"},
		{"suspend needs a reason", sInProgress, dispIn, workflow.Suspend, workflow.Input{}, "reason"},
		{"verify needs pass", sHandled, gwGrid, workflow.Verify, workflow.Input{Note: "x"}, "pass"},
		{"a failed verification needs a note", sHandled, gwGrid, workflow.Verify, workflow.Input{Pass: &no}, "note"},
		{"reopen needs a reason", sClosed, leaderIn, workflow.Reopen, workflow.Input{}, "reason"},
		{"a special closure needs a reason", sInProgress, leaderIn, workflow.Close, workflow.Input{}, "reason"},
		{"a comment needs text", sInProgress, handlerLead, workflow.Comment, workflow.Input{}, "note"},
		{"a rating needs 1 to 5", sClosed, reporter, workflow.Rate, workflow.Input{}, "rating"},
		{"a rating above 5 is refused", sClosed, reporter, workflow.Rate, workflow.Input{Rating: 6}, "rating"},
		{"an anonymous support needs a supporter", sReported, anonymous, workflow.Support, workflow.Input{}, "supporter"},
		{"a note has a length limit", sInProgress, handlerLead, workflow.Comment, workflow.Input{Note: strings.Repeat("字", 2001)}, "note"},
		{"photos have no empty entries", sInProgress, handlerLead, workflow.Handle, workflow.Input{Result: "x", Photos: []string{""}}, "photos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := sit[tt.state]
			if !ok {
				t.Fatalf("no situation %q", tt.state)
			}
			_, err := workflow.Decide(c, principal(tt.who), tt.a, tt.in, t0)
			_, msg := errs.Public(err)
			if !errs.Is(err, errs.Invalid) || !strings.Contains(msg, tt.field) {
				t.Fatalf("got %v (%s), want invalid naming %s", err, errs.KindOf(err), tt.field)
			}
		})
	}
}

func TestEveryTransitionBumpsTheVersionByOneAndLeavesItsInputAlone(t *testing.T) {
	inputs := validInput()
	for _, sit := range situations() {
		for _, a := range workflow.Allowed(sit.c, principal(system)) {
			t.Run(string(a)+" from "+sit.name, func(t *testing.T) {
				c := deepCopy(sit.c)
				// Spare capacity would let a careless append write into the caller's array.
				c.Supporters = append(make([]string, 0, 8), c.Supporters...)
				c.CoDepartments = append(make([]string, 0, 8), c.CoDepartments...)
				before := deepCopy(c)
				in := inputs[a]
				in.CoDepartments = slices.Clone(in.CoDepartments)
				tr, err := workflow.Decide(c, principal(system), a, in, t0)
				if err != nil {
					t.Fatal(err)
				}
				if tr.Case.Version != c.Version+1 {
					t.Fatalf("version %d → %d, want +1", c.Version, tr.Case.Version)
				}
				// Write through every slice of the result and of the input.
				for _, s := range [][]string{tr.Case.RegionPath, tr.Case.CoDepartments, tr.Case.Supporters, in.CoDepartments} {
					for i := range s {
						s[i] = "scribbled"
					}
				}
				if !reflect.DeepEqual(c, before) || slices.Contains(c.Supporters[:cap(c.Supporters)], "scribbled") ||
					slices.Contains(c.CoDepartments[:cap(c.CoDepartments)], "scribbled") || slices.Contains(c.Supporters[:cap(c.Supporters)], "device-1") {
					t.Fatalf("the input case changed: %+v", c)
				}
			})
		}
	}
	t.Run("a dispatch does not share the input's co-departments", func(t *testing.T) {
		in := workflow.Input{Department: lead, CoDepartments: []string{co}}
		tr, err := workflow.Decide(situations()[2].c, principal(dispIn), workflow.Dispatch, in, t0)
		if err != nil {
			t.Fatal(err)
		}
		in.CoDepartments[0] = "scribbled"
		if tr.Case.CoDepartments[0] != co {
			t.Fatalf("co-departments %v follow the input", tr.Case.CoDepartments)
		}
	})
}

func TestParsers(t *testing.T) {
	for _, a := range workflow.Actions {
		if got, err := workflow.ParseAction(string(a)); err != nil || got != a {
			t.Errorf("ParseAction(%q) = %q, %v", a, got, err)
		}
	}
	for _, s := range workflow.Statuses {
		if got, err := workflow.ParseStatus(string(s)); err != nil || got != s {
			t.Errorf("ParseStatus(%q) = %q, %v", s, got, err)
		}
	}
	for _, u := range []string{"normal", "urgent", "emergency"} {
		if _, err := workflow.ParseUrgency(u); err != nil {
			t.Errorf("ParseUrgency(%q): %v", u, err)
		}
	}
	for name, parse := range map[string]func(string) error{
		"action":  func(s string) error { _, err := workflow.ParseAction(s); return err },
		"status":  func(s string) error { _, err := workflow.ParseStatus(s); return err },
		"urgency": func(s string) error { _, err := workflow.ParseUrgency(s); return err },
	} {
		if err := parse("bogus"); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unknown %s: %v, want invalid", name, err)
		}
	}
	if _, err := workflow.Decide(reportByAlice(t), principal(system), "bogus", workflow.Input{}, t0); !errs.Is(err, errs.Invalid) {
		t.Errorf("Decide with an unknown action: %v, want invalid", err)
	}
}
