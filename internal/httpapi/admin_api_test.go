package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// TestTheDispatchTester asks GET /api/v1/dispatch/rules/test who gets a category in a region at
// a time: the rule that decides by day and by night, the locality where no rule applies, and
// refusals of the wrong people, hostile bytes, wrong types and unknown codes.
func TestTheDispatchTester(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		dispatcher := ts.signedIn(t, "dispatcher")
		type answer struct {
			Department    string
			CoDepartments []string `json:"co_departments"`
			Auto          bool
			Locality      bool
			Rule          *struct{ Order int }
			Category      struct{ Kind, Code, Name string }
			Location      struct{ Region struct{ Code, Name string } }
		}
		ask := func(c *client, query string) answer {
			t.Helper()
			r := c.do(t, "GET", "/api/v1/dispatch/rules/test?"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var a answer
			r.decode(t, &a)
			return a
		}
		a := ask(dispatcher, "category=09009&region=410802001&at=22:00")
		if a.Department != "410802-CGJ" || a.Rule == nil || a.Rule.Order != 3 || a.Locality || a.Category.Name != "机动车乱停放" || a.Location.Region.Code != "410802001" {
			t.Errorf("09009 in 民生街道 at 22:00: %+v", a)
		}
		// A category no rule covers falls to the subdistrict's office.
		if a := ask(dispatcher, "category=07001&kind=matter&region=410802001001001"); a.Department != "410802001-BSC" || !a.Locality || a.Rule != nil {
			t.Errorf("07001 in a grid of 民生街道: %+v", a)
		}
		// 08 goes to 市住建局 with 解放区城管局 beside it, for any staff member of the city.
		if a := ask(ts.signedIn(t, "inspector"), "category=08001&kind=matter&region=410802001&at=2026-06-01T10:00"); a.Department != "4108-ZJJ" || len(a.CoDepartments) != 1 {
			t.Errorf("08001 asked by an inspector: %+v", a)
		}
		refusals := []struct {
			name   string
			caller *client
			query  string
			status int
			code   string
		}{
			{"signed out", ts.anonymous(), "category=09009&region=410802001", 401, "unauthorized"},
			{"a resident", ts.signedIn(t, "resident"), "category=09009&region=410802001", 403, "forbidden"},
			{"a NUL", dispatcher, "category=09009%00&region=410802001", 400, "bad_text"},
			{"bytes that are not UTF-8", dispatcher, "category=09009&region=%ff%fe", 400, "bad_text"},
			{"a time that is none", dispatcher, "category=09009&region=410802001&at=noon", 400, "wrong_type"},
			{"an unknown kind", dispatcher, "category=09009&kind=event&region=410802001", 422, "invalid"},
			{"no category", dispatcher, "region=410802001", 422, "invalid"},
			{"no region", dispatcher, "category=09009", 422, "invalid"},
			{"an unknown category", dispatcher, "category=99999&region=410802001", 422, "invalid"},
			{"an unknown region", dispatcher, "category=09009&region=999999", 422, "invalid"},
			{"a code both kinds have", dispatcher, "category=01002&region=410802001", 422, "invalid"},
			{"a place with no office to fall back to", dispatcher, "category=07001&kind=matter&region=4108", 404, "no_route"},
		}
		for _, rf := range refusals {
			t.Run(rf.name, func(t *testing.T) {
				wantError(t, rf.caller.do(t, "GET", "/api/v1/dispatch/rules/test?"+rf.query, nil), rf.status, rf.code)
			})
		}
	})
}

// TestAdminsChangeUsersOverHTTP: PATCH /api/v1/users/{username} changes a user's name, role,
// scope and department for an admin covering where the user is and where the change puts them;
// everyone else, hostile bytes, wrong types and unknown codes are refused and change nothing.
func TestAdminsChangeUsersOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		sys := access.SystemPrincipal("test")
		for _, u := range []people.NewUser{
			{Username: "jiefang.admin", Role: "admin", Scope: "410802", Password: demo.Password},
			{Username: "shanyang.admin", Role: "admin", Scope: "410811", Password: demo.Password},
		} {
			if _, err := ts.App.People.AddUser(t.Context(), sys, u); err != nil {
				t.Fatal(err)
			}
		}
		jiefang := ts.signedIn(t, "jiefang.admin")
		resident, operator, shanyang := ts.signedIn(t, "resident"), ts.signedIn(t, "operator"), ts.signedIn(t, "shanyang.admin")
		before := ts.snapshot(t)
		refusals := []struct {
			name   string
			caller *client
			user   string
			body   any
			status int
			code   string
		}{
			{"signed out", ts.anonymous(), "operator", map[string]any{"role": "leader", "scope": "410802"}, 401, "unauthorized"},
			{"a resident", resident, "operator", map[string]any{"role": "leader", "scope": "410802"}, 403, "forbidden"},
			{"an operator", operator, "operator", map[string]any{"role": "admin", "scope": "410802"}, 403, "forbidden"},
			{"another district's admin taking the user", shanyang, "operator", map[string]any{"role": "operator", "scope": "410811"}, 403, "forbidden"},
			{"sending the user to another district", jiefang, "operator", map[string]any{"role": "operator", "scope": "410811"}, 403, "forbidden"},
			{"giving the handler another district's department", jiefang, "handler", map[string]any{"role": "handler", "department": "410811-CGJ"}, 403, "forbidden"},
			{"making the user city-wide", jiefang, "operator", map[string]any{"role": "admin"}, 403, "forbidden"},
			{"one's own role", jiefang, "jiefang.admin", map[string]any{"role": "operator", "scope": "410802"}, 422, "invalid"},
			{"a NUL in the name", jiefang, "operator", map[string]any{"display_name": "王\u0000", "role": "operator", "scope": "410802"}, 400, "bad_text"},
			{"bytes that are not UTF-8", jiefang, "operator", "{\"display_name\": \"\xff\", \"role\": \"operator\", \"scope\": \"410802\"}", 400, "bad_text"},
			{"a role that is a number", jiefang, "operator", map[string]any{"role": 5}, 400, "wrong_type"},
			{"an unknown role", jiefang, "operator", map[string]any{"role": "mayor", "scope": "410802"}, 422, "invalid"},
			{"an unknown region", jiefang, "operator", map[string]any{"role": "operator", "scope": "999999"}, 422, "invalid"},
			{"an unknown department", jiefang, "handler", map[string]any{"role": "handler", "department": "NOPE"}, 422, "invalid"},
			{"a handler without a department", jiefang, "handler", map[string]any{"role": "handler"}, 422, "invalid"},
			{"a name too long", jiefang, "operator", map[string]any{"display_name": strings.Repeat("长", 61), "role": "operator", "scope": "410802"}, 422, "invalid"},
			{"an unknown user", jiefang, "nobody", map[string]any{"role": "operator", "scope": "410802"}, 404, "not_found"},
		}
		for _, rf := range refusals {
			t.Run(rf.name, func(t *testing.T) {
				wantError(t, rf.caller.do(t, "PATCH", "/api/v1/users/"+rf.user, rf.body), rf.status, rf.code)
			})
		}
		ts.wantUnchanged(t, before)

		r := jiefang.do(t, "PATCH", "/api/v1/users/operator", map[string]any{"display_name": "李受理", "role": "leader", "scope": "410802001"})
		wantStatus(t, r, http.StatusOK)
		var u access.User
		r.decode(t, &u)
		if u.Role != access.Leader || u.Scope != "410802001" || u.DisplayName != "李受理" {
			t.Errorf("changed to %+v", u)
		}
		if recs := auditRecords(t, db, "user.update"); len(recs) != 1 || recs[0].Actor != "jiefang.admin" {
			t.Errorf("audit of the change: %+v", recs)
		}
		// The change is in force at once: the operator is now a leader of 民生街道.
		me := ts.signedIn(t, "operator").do(t, "GET", "/api/v1/me", nil)
		var who struct{ Role, Scope string }
		me.decode(t, &who)
		if who.Role != "leader" || who.Scope != "410802001" {
			t.Errorf("the changed user is %+v", who)
		}
	})
}
