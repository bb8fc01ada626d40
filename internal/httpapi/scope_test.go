package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// errorReason returns the reason of an API error body.
func errorReason(t *testing.T, r *response) string {
	t.Helper()
	var body struct {
		Error struct {
			Reason string `json:"reason"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("not an error body: %s", r.Body)
	}
	return body.Error.Reason
}

// A scoped admin's writes reach only people who work inside its scope: putting another
// district's staff on one of its own grids would widen their reach, and a token for them is a
// way in as them.
func TestAScopedAdminReachesOnlyItsOwnStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		sys := access.SystemPrincipal("test")
		for _, u := range []people.NewUser{
			{Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: demo.Password},
			{Username: "shanyang-gw", Role: "gridworker", Scope: "410811001001001", Password: demo.Password},
		} {
			if _, err := ts.App.People.AddUser(t.Context(), sys, u); err != nil {
				t.Fatal(err)
			}
		}
		const shanyangGrid = "410811001001001"
		sy := ts.signedIn(t, "shanyang-admin")

		refused := []struct {
			name, method, path string
			body               any
			status             int
			reason             string
		}{
			{"解放区's grid worker on a 山阳区 grid", "PUT", "/api/v1/regions/" + shanyangGrid + "/members/gridworker", map[string]string{"role": "worker"}, 403, "user_outside_scope"},
			{"解放区's operator as a 山阳区 grid's leader", "PUT", "/api/v1/regions/" + shanyangGrid + "/members/operator", map[string]string{"role": "leader"}, 403, "user_outside_scope"},
			{"the city's inspector as a 山阳区 grid's leader", "PUT", "/api/v1/regions/" + shanyangGrid + "/members/inspector", map[string]string{"role": "leader"}, 403, "user_outside_scope"},
			{"its own grid worker on a 解放区 grid", "PUT", "/api/v1/regions/" + demo.GridWorkerGrid + "/members/shanyang-gw", map[string]string{"role": "worker"}, 403, "region_outside_scope"},
			{"a token for 解放区's handler", "POST", "/api/v1/tokens", map[string]string{"username": "handler", "name": "x"}, 403, "user_outside_scope"},
			{"a token for 解放区's operator", "POST", "/api/v1/tokens", map[string]string{"username": "operator", "name": "x"}, 403, "user_outside_scope"},
			{"a token for the city admin", "POST", "/api/v1/tokens", map[string]string{"username": "admin", "name": "x"}, 403, "user_outside_scope"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				before := ts.snapshot(t)
				members := ts.admin.do(t, "GET", "/api/v1/regions/"+shanyangGrid+"/members", nil)
				r := sy.do(t, tc.method, tc.path, tc.body)
				wantStatus(t, r, tc.status)
				if got := errorReason(t, r); got != tc.reason {
					t.Errorf("reason: got %q, want %q", got, tc.reason)
				}
				ts.wantUnchanged(t, before)
				if after := ts.admin.do(t, "GET", "/api/v1/regions/"+shanyangGrid+"/members", nil); string(after.Body) != string(members.Body) {
					t.Errorf("members changed: %s, were %s", after.Body, members.Body)
				}
			})
		}

		t.Run("inside its scope it may", func(t *testing.T) {
			wantStatus(t, sy.do(t, "PUT", "/api/v1/regions/"+shanyangGrid+"/members/shanyang-gw", map[string]string{"role": "worker"}), http.StatusOK)
			wantStatus(t, sy.do(t, "POST", "/api/v1/tokens", map[string]string{"username": "shanyang-gw", "name": "phone"}), http.StatusCreated)
		})
	})
}
