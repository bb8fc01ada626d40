package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Every action, by every kind of caller in and out of scope, on a case in every state,
// through the API: an action succeeds exactly when the case page offered it to that caller
// (or, for someone who may not see the case, when it is "me too"), and every refusal is a
// 403, 404, 409 or 422 that leaves the case as it was.
func TestEveryRoleAndActionOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		sys := access.SystemPrincipal("test")
		for _, u := range []people.NewUser{
			{Username: "shanyang-operator", Role: "operator", Scope: shanyangDistrict},
			{Username: "shanyang-dispatcher", Role: "dispatcher", Scope: shanyangDistrict},
			{Username: "hw-handler", Role: "handler", Department: "410802-HW"},
			{Username: "other-resident", Role: "resident"},
		} {
			u.Password = demo.Password
			if _, err := ts.App.People.AddUser(t.Context(), sys, u); err != nil {
				t.Fatalf("add %s: %v", u.Username, err)
			}
		}
		callers := map[string]*client{"anonymous": ts.anonymous()}
		for _, name := range []string{"resident", "other-resident", "operator", "shanyang-operator", "leader", "dispatcher",
			"shanyang-dispatcher", "handler", "hw-handler", "gridworker", "inspector", "admin"} {
			callers[name] = ts.signedIn(t, name)
		}
		names := make([]string, 0, len(callers))
		for n := range callers {
			names = append(names, n)
		}
		slices.Sort(names)
		p := casePoint(t, callers["anonymous"], demo.GridWorkerGrid, 0.0005)
		photo := ts.photo(t, 7)
		step := func(who, action string, in map[string]any) func(caseBody) caseBody {
			return func(c caseBody) caseBody { return act(t, callers[who], c, action, in) }
		}
		toInProgress := []func(caseBody) caseBody{
			step("operator", "register", nil),
			step("dispatcher", "dispatch", map[string]any{"department": "410802-CGJ"}),
			step("handler", "accept", nil),
		}
		toHandled := append(slices.Clone(toInProgress), step("handler", "handle", map[string]any{"result": "moved", "photos": []string{photo}}))
		states := []struct {
			status string
			steps  []func(caseBody) caseBody
		}{
			{"reported", nil},
			{"registered", toInProgress[:1]},
			{"dispatched", toInProgress[:2]},
			{"in_progress", toInProgress},
			{"suspended", append(slices.Clone(toInProgress), step("dispatcher", "suspend", map[string]any{"reason": "waiting"}))},
			{"extension asked", append(slices.Clone(toInProgress), step("handler", "request_extension", map[string]any{"hours": 4, "reason": "parts"}))},
			{"handled", toHandled},
			{"closed", append(slices.Clone(toHandled), step("gridworker", "verify", map[string]any{"pass": true}))},
			{"rejected", []func(caseBody) caseBody{step("operator", "reject", map[string]any{"reject_reason": "invalid", "reason": "nothing there"})}},
		}
		// One input that satisfies every action, so a refusal can only come from role, scope or state.
		input := map[string]any{"reason": "a reason", "note": "a note", "result": "done", "pass": true, "found": true,
			"hours": 2, "rating": 5, "reject_reason": "invalid", "photos": []string{photo}}
		var actions []string
		for _, a := range workflow.Actions {
			if a != workflow.Report && a != workflow.SelfHandle {
				actions = append(actions, string(a))
			}
		}
		build := func(steps []func(caseBody) caseBody) caseBody {
			c := fileCase(t, callers["resident"], reportAt(p, nil))
			for _, s := range steps {
				c = s(c)
			}
			return c
		}
		version := func(id int64) int {
			rec, err := db.Case(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			return rec.State.Version
		}
		successes := 0
		for _, st := range states {
			c := build(st.steps)
			for _, who := range names {
				caller := callers[who]
				// What the case page offers this caller; read again only after the case moves.
				var (
					seen    caseBody
					visible bool
				)
				look := func() {
					r := caller.do(t, "GET", casePath(c.ID), nil)
					visible, seen = r.Status == http.StatusOK, caseBody{}
					if visible {
						r.decode(t, &seen)
					} else if r.Status != http.StatusNotFound {
						t.Fatalf("%s reads a %s case: %d %s", who, st.status, r.Status, r.Body)
					}
				}
				look()
				for _, action := range actions {
					offered := visible && slices.Contains(seen.Allowed, action)
					before := version(c.ID)
					body := map[string]any{"action": action, "version": before}
					for k, v := range input {
						body[k] = v
					}
					if action == "dispatch" {
						body["department"] = "410802-CGJ"
					}
					r := caller.do(t, "POST", actionsPath(c.ID), body)
					name := fmt.Sprintf("%s: %s by %s", st.status, action, who)
					switch {
					case r.Status == http.StatusOK:
						if !offered && !(action == "support" && !visible) {
							t.Errorf("%s succeeded but was not offered (offered %v)", name, seen.Allowed)
						}
						successes++
						c = build(st.steps) // the case moved on: start again from the state
						look()
					case offered:
						t.Errorf("%s was offered but refused: %d %s", name, r.Status, r.Body)
					case !slices.Contains([]int{403, 404, 409, 422}, r.Status):
						t.Errorf("%s refused with %d %s; want 403, 404, 409 or 422", name, r.Status, r.Body)
					case version(c.ID) != before:
						t.Errorf("%s was refused (%d) but the case moved from version %d to %d", name, r.Status, before, version(c.ID))
					}
				}
			}
		}
		t.Logf("%d combinations succeeded", successes)
		if successes < 40 {
			t.Errorf("only %d (state, caller, action) combinations succeeded; the table is not exercising the workflow", successes)
		}
	})
}
