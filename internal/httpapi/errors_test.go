package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// TestRefusalsCarryReasonAndParams: a refusal keeps its wire code and English message and adds
// what pages and clients need to word it themselves: a finer reason when there is one, and its
// facts by name.
func TestRefusalsCarryReasonAndParams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		fresh := fileCase(t, anon, reportAt(casePoint(t, anon, demo.GridWorkerGrid, 0.0005), nil))
		cs := fileCase(t, anon, reportAt(casePoint(t, anon, demo.GridWorkerGrid, 0.0005), nil))
		cs = act(t, operator, cs, "register", nil)

		type refusal struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Reason  string         `json:"reason"`
			Params  map[string]any `json:"params"`
		}
		read := func(r *response, status int, code string) refusal {
			t.Helper()
			wantError(t, r, status, code)
			var b struct{ Error refusal }
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			return b.Error
		}

		got := read(operator.do(t, "POST", actionsPath(cs.ID), actBody("register", cs.Version, nil)), http.StatusConflict, "wrong_state")
		allowed, isList := got.Params["allowed"].([]any)
		if got.Reason != "" || got.Params["action"] != "register" || got.Params["status"] != "registered" || !isList || slices.Contains(allowed, any("register")) {
			t.Errorf("wrong_state: reason %q, params %v", got.Reason, got.Params)
		}
		if got.Message == "" {
			t.Error("wrong_state has no English message")
		}

		got = read(operator.do(t, "POST", actionsPath(cs.ID), actBody("register", cs.Version-1, nil)), http.StatusConflict, "version_conflict")
		if got.Params["version"] != float64(cs.Version) {
			t.Errorf("version_conflict params %v, want version %d", got.Params, cs.Version)
		}

		got = read(operator.do(t, "POST", actionsPath(cs.ID), actBody("accept", cs.Version, nil)), http.StatusForbidden, "forbidden")
		if got.Reason != "role_forbidden" || got.Params["role"] != "operator" || got.Params["action"] != "accept" {
			t.Errorf("a role refusal: reason %q, params %v", got.Reason, got.Params)
		}

		got = read(operator.do(t, "POST", actionsPath(fresh.ID), actBody("reject", fresh.Version, map[string]any{"reject_reason": "invalid"})),
			http.StatusUnprocessableEntity, "invalid")
		if got.Reason != "required" || got.Params["field"] != "reason" {
			t.Errorf("a reject without its reason: reason %q, params %v", got.Reason, got.Params)
		}

		got = read(anon.do(t, "GET", "/api/v1/no-such-thing", nil), http.StatusNotFound, "not_found")
		if got.Reason != "" || got.Params != nil {
			t.Errorf("an error without params shows none: %+v", got)
		}
	})
}
