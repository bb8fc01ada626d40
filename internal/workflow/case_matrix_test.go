package workflow_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The expectations of the matrix, written out from DESIGN §4 rather than derived from the code.

// mayAct lists, per action, the principals whose role and scope admit it on the test case.
// Handlers are admitted to the case's work only where it has a department (see undispatched);
// report and support are open to everyone.
var mayAct = map[workflow.Action][]string{
	workflow.Report:           everyone,
	workflow.SelfHandle:       {gwGrid, gwElse, system}, // the role admits it; no existing case does
	workflow.RequestCheck:     {opIn, leaderIn, system},
	workflow.Confirm:          {gwGrid, system},
	workflow.Register:         {opIn, leaderIn, system},
	workflow.Reject:           {opIn, leaderIn, system},
	workflow.Dispatch:         {dispIn, system}, // not leaders: 监管分离
	workflow.Escalate:         {dispIn, system},
	workflow.Accept:           {handlerLead, system},
	workflow.AcceptPart:       {handlerCo, system}, // the lead signs for the case, never for a part
	workflow.ReportPart:       {handlerLead, handlerCo, system},
	workflow.Return:           {handlerLead, system},
	workflow.Handle:           {handlerLead, system},
	workflow.RequestExtension: {handlerLead, system},
	workflow.ApproveExtension: {dispIn, system},
	workflow.DenyExtension:    {dispIn, system},
	workflow.Suspend:          {dispIn, system},
	workflow.Resume:           {dispIn, system},
	workflow.Verify:           {gwGrid, opIn, leaderIn, system},
	workflow.Reopen:           {leaderIn, reporter, system}, // the reporter's "not solved" (没有解决)
	workflow.Comment:          {admin, opIn, leaderIn, dispIn, handlerLead, handlerCo, gwGrid, inspector, reporter, system},
	workflow.Rate:             {reporter, system},
	workflow.Support:          everyone,
	workflow.Close:            {leaderIn, system},
	workflow.Urge:             {leaderIn, dispIn, system}, // supervision presses the holder, never the holder itself
}

var everyone = []string{admin, opIn, opOut, leaderIn, leaderOut, dispIn, dispOut, handlerLead, handlerCo,
	handlerElse, gwGrid, gwElse, inspector, reporter, resident, anonymous, system}

// undispatched situations have no department, so every handler is an outsider there.
var undispatched = []string{sReported, sChecking, sRegistered, sRejected}

var (
	open     = []string{sReported, sChecking, sRegistered, sDispatched, sInProgress, sPartOpen, sExtending, sHandled, sSuspended}
	anywhere = append(slices.Clone(open), sClosed, sClosedRated, sRejected)
)

// startsFrom lists, per action, the situations whose state admits it.
var startsFrom = map[workflow.Action][]string{
	workflow.Report:           nil, // they create cases
	workflow.SelfHandle:       nil,
	workflow.RequestCheck:     {sReported},
	workflow.Confirm:          {sChecking},
	workflow.Register:         {sReported},
	workflow.Reject:           {sReported, sChecking},
	workflow.Dispatch:         {sRegistered},
	workflow.Escalate:         {sRegistered},
	workflow.Accept:           {sDispatched},
	workflow.AcceptPart:       {sDispatched},
	workflow.ReportPart:       {sPartOpen}, // signed for by the co-department; the lead reports for it once it signed itself
	workflow.Return:           {sDispatched, sInProgress, sPartOpen, sExtending},
	workflow.Handle:           {sInProgress, sExtending}, // not while a part is open
	workflow.RequestExtension: {sInProgress, sPartOpen},
	workflow.ApproveExtension: {sExtending},
	workflow.DenyExtension:    {sExtending},
	workflow.Suspend:          {sInProgress, sPartOpen, sExtending},
	workflow.Resume:           {sSuspended},
	workflow.Verify:           {sHandled},
	workflow.Reopen:           {sClosed, sClosedRated},
	workflow.Comment:          anywhere,
	workflow.Rate:             {sClosed},
	workflow.Support:          open,
	workflow.Close:            {sRegistered, sDispatched, sInProgress, sPartOpen, sExtending, sHandled, sSuspended},
	workflow.Urge:             open,
}

// conflictCode names the refusals that are not plain wrong_state.
var conflictCode = map[[2]string]string{
	{string(workflow.Rate), sClosedRated}: "already_rated",
}

type verdict int

const (
	allowed verdict = iota
	forbidden
	conflict
)

func (v verdict) phrase() string {
	return [...]string{"may", "is forbidden to", "is refused by the state to"}[v]
}

func expect(who string, a workflow.Action, sit string) verdict {
	admitted := slices.Contains(mayAct[a], who)
	handler := who == handlerLead || who == handlerCo
	if handler && slices.Contains(undispatched, sit) && a != workflow.Report && a != workflow.Support {
		admitted = false
	}
	switch {
	case !admitted:
		return forbidden
	case !slices.Contains(startsFrom[a], sit):
		return conflict
	}
	return allowed
}

func TestEveryActionByEveryoneInEveryState(t *testing.T) {
	if len(workflow.Actions) != 25 || len(workflow.Statuses) != 8 {
		t.Fatalf("%d actions and %d statuses, want 25 and 8", len(workflow.Actions), len(workflow.Statuses))
	}
	for _, a := range workflow.Actions {
		if _, ok := mayAct[a]; !ok {
			t.Fatalf("the matrix has no row for %s", a)
		}
	}
	covered := map[workflow.Status]bool{}
	inputs := validInput()
	for _, sit := range situations() {
		covered[sit.c.Status] = true
		for _, a := range workflow.Actions {
			for _, ac := range actors() {
				want := expect(ac.name, a, sit.name)
				t.Run(fmt.Sprintf("%s %s %s a case that is %s", ac.name, want.phrase(), a, sit.name), func(t *testing.T) {
					before := deepCopy(sit.c)
					c := deepCopy(sit.c)
					tr, err := workflow.Decide(c, ac.p, a, inputs[a], t0)
					if !reflect.DeepEqual(c, before) {
						t.Fatalf("Decide changed its input:\n got %+v\nwant %+v", c, before)
					}
					switch want {
					case allowed:
						if err != nil {
							t.Fatalf("refused: %v (%s)", err, errs.KindOf(err))
						}
						if tr.From != c.Status || tr.To != tr.Case.Status || tr.Case.Version != c.Version+1 || tr.Event == "" {
							t.Fatalf("transition %s→%s version %d event %q; want from %s, version %d, an event", tr.From, tr.To, tr.Case.Version, tr.Event, c.Status, c.Version+1)
						}
					case forbidden:
						if !errs.Is(err, errs.Forbidden) {
							t.Fatalf("got %v (%s), want forbidden", err, errs.KindOf(err))
						}
					case conflict:
						code, _ := errs.Public(err)
						wantCode := conflictCode[[2]string{string(a), sit.name}]
						if wantCode == "" {
							wantCode = "wrong_state"
						}
						if !errs.Is(err, errs.Conflict) || code != wantCode {
							t.Fatalf("got %v (%s, code %s), want a conflict with code %s", err, errs.KindOf(err), code, wantCode)
						}
					}
				})
			}
		}
	}
	for _, s := range workflow.Statuses {
		if !covered[s] {
			t.Errorf("no situation has status %s", s)
		}
	}
}

func TestAllowedListsExactlyWhatDecideAccepts(t *testing.T) {
	inputs := validInput()
	for _, sit := range situations() {
		for _, ac := range actors() {
			t.Run(fmt.Sprintf("%s on a case that is %s", ac.name, sit.name), func(t *testing.T) {
				var accepted []workflow.Action
				for _, a := range workflow.Actions {
					if _, err := workflow.Decide(sit.c, ac.p, a, inputs[a], t0); err == nil {
						accepted = append(accepted, a)
					}
				}
				if got := workflow.Allowed(sit.c, ac.p); !slices.Equal(got, accepted) {
					t.Fatalf("Allowed = %v, Decide accepts %v", got, accepted)
				}
			})
		}
	}
}
