package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestDispatchTables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		p := pointWellInside(t, regionGeometry(t, anon, demo.GridWorkerGrid), 0.0005)
		routeURL := func(kind, category string) string {
			return fmt.Sprintf("/api/v1/route?kind=%s&category=%s&lon=%v&lat=%v", kind, category, p[0], p[1])
		}

		t.Run("anyone lists the departments", func(t *testing.T) {
			var depts []struct{ Code, Name string }
			r := anon.do(t, "GET", "/api/v1/departments", nil)
			wantStatus(t, r, http.StatusOK)
			r.decode(t, &depts)
			found := false
			for _, d := range depts {
				found = found || (d.Code == "410802-CGJ" && d.Name == "解放区城市管理局")
			}
			if !found {
				t.Errorf("departments %v lack 410802-CGJ", depts)
			}
		})
		t.Run("staff read the dispatch table in order", func(t *testing.T) {
			var rules []struct{ Order int }
			r := ts.signedIn(t, "operator").do(t, "GET", "/api/v1/rules", nil)
			wantStatus(t, r, http.StatusOK)
			r.decode(t, &rules)
			if len(rules) != len(demo.Rules()) || rules[0].Order != 1 {
				t.Errorf("rules = %+v, want the %d demo rules in order", rules, len(demo.Rules()))
			}
		})
		t.Run("a dispatcher asks where a parking case goes", func(t *testing.T) {
			var got struct {
				Department string
				Auto       bool
				Locality   bool
				Location   struct{ Region struct{ Code string } }
			}
			r := ts.signedIn(t, "dispatcher").do(t, "GET", routeURL("matter", "09009"), nil)
			wantStatus(t, r, http.StatusOK)
			r.decode(t, &got)
			if got.Department != "410802-CGJ" || got.Auto || got.Locality || got.Location.Region.Code != demo.GridWorkerGrid {
				t.Errorf("route = %+v, want 410802-CGJ by a dispatcher for grid %s", got, demo.GridWorkerGrid)
			}
		})
		refusals := []struct {
			name   string
			caller *client
			path   string
			status int
			code   string
		}{
			{"the table is not for anonymous callers", anon, "/api/v1/rules", 401, "unauthorized"},
			{"the table is not for residents", ts.signedIn(t, "resident"), "/api/v1/rules", 403, "forbidden"},
			{"routing is not for residents", ts.signedIn(t, "resident"), routeURL("matter", "09009"), 403, "forbidden"},
			{"an unknown kind", ts.signedIn(t, "dispatcher"), routeURL("event", "09009"), 422, "invalid"},
			{"an unknown category", ts.signedIn(t, "dispatcher"), routeURL("matter", "99999"), 422, "invalid"},
			{"a missing point", ts.signedIn(t, "dispatcher"), "/api/v1/route?kind=matter&category=09009", 400, "missing_parameter"},
			{"a point outside the city", ts.signedIn(t, "dispatcher"), "/api/v1/route?kind=matter&category=09009&lon=0&lat=0", 404, "outside_area"},
			{"a malformed time", ts.signedIn(t, "dispatcher"), routeURL("matter", "09009") + "&at=noon", 400, "wrong_type"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, tt.caller.do(t, "GET", tt.path, nil), tt.status, tt.code)
			})
		}
	})
}
