package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/worktime"
)

// assessmentServer is the API over the demo city with the demo checklists.
func assessmentServer(t *testing.T, db *store.DB) *testServer {
	t.Helper()
	ts := newServer(t, db)
	if _, err := ts.App.Assessment.EnsureDemoChecklists(t.Context(), apptest.System); err != nil {
		t.Fatal(err)
	}
	_, err := ts.App.People.AddUser(t.Context(), apptest.System, people.NewUser{Username: "shanyang.inspector", Role: "inspector", Scope: "410811", Password: demo.Password})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

type siteBody struct {
	ID       int64    `json:"id"`
	Code     string   `json:"code"`
	Grid     string   `json:"grid"`
	Path     []string `json:"region_path"`
	District string   `json:"district"`
}

type roundBody struct {
	ID          int64 `json:"id"`
	Inspections []struct {
		ID        int64    `json:"id"`
		Inspector string   `json:"inspector"`
		Status    string   `json:"status"`
		Percent   *float64 `json:"percent"`
		Site      siteBody `json:"site"`
	} `json:"inspections"`
}

func TestSitesThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := assessmentServer(t, db)
		leader := ts.signedIn(t, "leader")
		p := apptest.PointIn(t, ts.App, demo.GridWorkerGrid)
		r := leader.do(t, "POST", "/api/v1/sites", map[string]any{"code": "JF-1", "site_type": "market", "name": "枫华园农贸市场", "lon": p[0], "lat": p[1], "department": "410802-CGJ"})
		wantStatus(t, r, http.StatusCreated)
		var s siteBody
		r.decode(t, &s)
		if s.Grid != demo.GridWorkerGrid || s.District != "410802" || len(s.Path) != 5 {
			t.Errorf("the site is located to %+v, want grid %s", s, demo.GridWorkerGrid)
		}
		r = leader.do(t, "POST", "/api/v1/sites", map[string]any{"code": "JF-1", "site_type": "market", "name": "枫华园农贸市场（新）", "lon": p[0], "lat": p[1]})
		wantStatus(t, r, http.StatusOK)

		clients := map[string]*client{"leader": leader, "inspector": ts.signedIn(t, "inspector"), "resident": ts.signedIn(t, "resident")}
		before := ts.snapshot(t)
		for _, tc := range []struct {
			name   string
			who    string
			body   any
			status int
			code   string
		}{
			{"malformed JSON", "leader", `{"code": "x",`, 400, "malformed_json"},
			{"a wrong type", "leader", `{"code": "x", "site_type": "market", "name": "n", "lon": "east", "lat": 35}`, 400, "wrong_type"},
			{"no position", "leader", map[string]any{"code": "x", "site_type": "market", "name": "n"}, 422, "invalid"},
			{"outside the managed area", "leader", map[string]any{"code": "x", "site_type": "market", "name": "n", "lon": 100, "lat": 30}, 422, "invalid"},
			{"an unknown site type", "leader", map[string]any{"code": "x", "site_type": "airport", "name": "n", "lon": p[0], "lat": p[1]}, 422, "invalid"},
			{"NUL in the name", "leader", `{"code": "x", "site_type": "market", "name": "a\u0000b", "lon": 113.2, "lat": 35.2}`, 400, "bad_text"},
			{"a huge body", "leader", `{"name": "` + strings.Repeat("x", 2<<20) + `"}`, 413, "too_large"},
			{"an inspector", "inspector", map[string]any{"code": "x", "site_type": "market", "name": "n", "lon": p[0], "lat": p[1]}, 403, "forbidden"},
			{"a resident", "resident", map[string]any{"code": "x", "site_type": "market", "name": "n", "lon": p[0], "lat": p[1]}, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, clients[tc.who].do(t, "POST", "/api/v1/sites", tc.body), tc.status, tc.code)
			})
		}
		wantError(t, ts.anonymous().do(t, "GET", "/api/v1/sites", nil), 401, "unauthorized")
		ts.wantUnchanged(t, before)

		var list []siteBody
		r = clients["inspector"].do(t, "GET", "/api/v1/sites?type=market", nil)
		wantStatus(t, r, 200)
		r.decode(t, &list)
		if len(list) != 1 || list[0].Code != "JF-1" {
			t.Errorf("sites: %s", r.Body)
		}
		wantError(t, clients["resident"].do(t, "GET", "/api/v1/sites", nil), 403, "forbidden")
		wantError(t, clients["inspector"].do(t, "GET", "/api/v1/sites?limit=x", nil), 422, "invalid")
	})
}

func TestARoundThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := assessmentServer(t, db)
		admin := ts.signedIn(t, "admin")
		for i, g := range []string{demo.GridWorkerGrid, "410802001002001", "410811001001001"} {
			p := apptest.PointIn(t, ts.App, g)
			wantStatus(t, admin.do(t, "POST", "/api/v1/sites", map[string]any{"code": fmt.Sprintf("S%d", i), "site_type": "public_toilet",
				"name": fmt.Sprintf("公厕%d", i), "lon": p[0], "lat": p[1], "department": g[:6] + "-CGJ"}), http.StatusCreated)
		}
		today := time.Now().In(worktime.China)
		round := map[string]any{"name": "周测", "standard": "wmcs-2021", "due_on": today.AddDate(0, 0, 3).Format("2006-01-02"),
			"sample":     map[string]any{"seed": 9, "strata": []map[string]any{{"site_type": "public_toilet", "region": "410802", "count": 2}}},
			"inspectors": []string{"inspector"}}
		r := admin.do(t, "POST", "/api/v1/assessment/rounds", round)
		wantStatus(t, r, http.StatusCreated)
		var rb roundBody
		r.decode(t, &rb)
		if len(rb.Inspections) != 2 || rb.Inspections[0].Inspector != "inspector" || rb.Inspections[0].Site.District != "410802" {
			t.Fatalf("round: %s", r.Body)
		}
		insp := ts.signedIn(t, "inspector")
		clients := map[string]*client{"inspector": insp, "shanyang.inspector": ts.signedIn(t, "shanyang.inspector"), "leader": ts.signedIn(t, "leader")}
		before := ts.snapshot(t)
		tooMany := map[string]any{"name": "x", "standard": "wmcs-2021", "due_on": today.Format("2006-01-02"),
			"sample": map[string]any{"seed": 9, "strata": []map[string]any{{"site_type": "public_toilet", "region": "410802", "count": 3}}}, "inspectors": []string{"inspector"}}
		msg := wantError(t, admin.do(t, "POST", "/api/v1/assessment/rounds", tooMany), 422, "stratum_too_small")
		if !strings.Contains(msg, "asks for 3") {
			t.Errorf("the refusal: %s", msg)
		}
		wantError(t, insp.do(t, "POST", "/api/v1/assessment/rounds", round), 403, "forbidden")
		wantError(t, admin.do(t, "POST", "/api/v1/assessment/rounds", `{"name": 5}`), 400, "wrong_type")
		ts.wantUnchanged(t, before)

		id := rb.Inspections[0].ID
		path := fmt.Sprintf("/api/v1/assessment/inspections/%d", id)
		before = ts.snapshot(t)
		for _, tc := range []struct {
			name, who, item string
			body            any
			status          int
			code            string
		}{
			{"beyond the maximum", "inspector", "T01", map[string]any{"result": "points", "points": 4.5}, 422, "above_maximum"},
			{"an item not in the version", "inspector", "M01", map[string]any{"result": "pass"}, 422, "unknown_item"},
			{"an unknown result", "inspector", "T02", map[string]any{"result": "great"}, 422, "invalid"},
			{"points as text", "inspector", "T01", `{"result": "points", "points": "four"}`, 400, "wrong_type"},
			{"malformed JSON", "inspector", "T01", `{"result"`, 400, "malformed_json"},
			{"invalid UTF-8", "inspector", "T02", "{\"result\": \"pass\", \"note\": \"\xff\"}", 400, "bad_text"},
			{"a fail without a photo", "inspector", "T02", map[string]any{"result": "fail"}, 422, "photo_required"},
			{"a site not assigned to you", "shanyang.inspector", "T01", map[string]any{"result": "pass"}, 404, "not_found"},
			{"the leader, who is not its inspector", "leader", "T01", map[string]any{"result": "pass"}, 403, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, clients[tc.who].do(t, "PUT", path+"/items/"+tc.item, tc.body), tc.status, tc.code)
			})
		}
		wantError(t, insp.do(t, "POST", path+"/submit", nil), 422, "incomplete")
		wantError(t, insp.do(t, "GET", "/api/v1/assessment/inspections/999999", nil), 404, "not_found")
		ts.wantUnchanged(t, before)

		var detail struct {
			Checklist struct {
				Items []struct {
					Code string `json:"code"`
				} `json:"items"`
			} `json:"checklist"`
		}
		r = insp.do(t, "GET", path, nil)
		wantStatus(t, r, 200)
		r.decode(t, &detail)
		photo := ts.photo(t, 3)
		for _, it := range detail.Checklist.Items {
			body := map[string]any{"result": "pass", "lon": 113.24, "lat": 35.2}
			if it.Code == "T03" {
				body = map[string]any{"result": "fail", "note": "指示牌缺失", "photos": []string{photo}}
			}
			wantStatus(t, insp.do(t, "PUT", path+"/items/"+it.Code, body), 200)
		}
		r = insp.do(t, "POST", path+"/submit", nil)
		wantStatus(t, r, 200)
		var done struct {
			Percent  float64 `json:"percent"`
			Findings []struct {
				CaseID int64  `json:"case_id"`
				Ticket string `json:"ticket"`
			} `json:"findings"`
		}
		r.decode(t, &done)
		if done.Percent != 89.47 || len(done.Findings) != 1 || done.Findings[0].Ticket == "" {
			t.Fatalf("submitted: %s", r.Body)
		}
		wantError(t, insp.do(t, "POST", path+"/submit", nil), 409, "already_submitted")
		var c caseBody
		rc := ts.adminClient(t).do(t, "GET", fmt.Sprintf("/api/v1/cases/%d", done.Findings[0].CaseID), nil)
		wantStatus(t, rc, 200)
		rc.decode(t, &c)
		if c.Source != "inspection" {
			t.Errorf("the case's source is %q", c.Source)
		}

		r = admin.do(t, "GET", fmt.Sprintf("/api/v1/assessment/rounds/%d/results?group=item", rb.ID), nil)
		wantStatus(t, r, 200)
		if !strings.Contains(string(r.Body), `"code":"T03"`) || !strings.Contains(string(r.Body), `"submitted":1`) {
			t.Errorf("results: %s", r.Body)
		}
		wantError(t, admin.do(t, "GET", fmt.Sprintf("/api/v1/assessment/rounds/%d/results?group=weather", rb.ID), nil), 422, "invalid")
		wantError(t, admin.do(t, "GET", fmt.Sprintf("/api/v1/assessment/rounds/%d/results?format=pdf", rb.ID), nil), 422, "invalid")
		r = admin.do(t, "GET", fmt.Sprintf("/api/v1/assessment/rounds/%d/results?format=xlsx", rb.ID), nil)
		wantStatus(t, r, 200)
		if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") || len(r.Body) < 1000 || string(r.Body[:2]) != "PK" {
			t.Errorf("the workbook: %s, %d bytes", ct, len(r.Body))
		}
		wantError(t, ts.signedIn(t, "resident").do(t, "GET", fmt.Sprintf("/api/v1/assessment/rounds/%d", rb.ID), nil), 403, "forbidden")

		// The trend across rounds: the submitted round by district, for the city; refused to a
		// resident and for bytes that are not text.
		r = admin.do(t, "GET", "/api/v1/assessment/trend?group=district&standard=wmcs-2021", nil)
		wantStatus(t, r, 200)
		var trend struct {
			Group  string `json:"group"`
			Rounds []struct {
				Round     int64    `json:"round"`
				Submitted int      `json:"submitted"`
				MeanScore *float64 `json:"mean_score"`
			} `json:"rounds"`
		}
		r.decode(t, &trend)
		if trend.Group != "district" || len(trend.Rounds) != 1 || trend.Rounds[0].Round != rb.ID || trend.Rounds[0].Submitted != 1 || trend.Rounds[0].MeanScore == nil {
			t.Errorf("trend: %s", r.Body)
		}
		resident := ts.signedIn(t, "resident") // before the snapshot: signing in is audited
		before = ts.snapshot(t)
		for _, tc := range []struct {
			name, who, query string
			status           int
			code             string
		}{
			{"a resident", "resident", "group=district", 403, "forbidden"},
			{"NUL in the standard", "admin", "group=district&standard=wmcs%00", 400, "bad_text"},
			{"invalid UTF-8 in the standard", "admin", "group=district&standard=%FF%FE", 400, "bad_text"},
			{"invalid UTF-8 in the group", "admin", "group=%C3%28", 400, "bad_text"},
			{"an unknown group", "admin", "group=weather", 422, "invalid"},
			{"a standard too long", "admin", "group=district&standard=" + strings.Repeat("x", 65), 422, "invalid"},
		} {
			t.Run("trend/"+tc.name, func(t *testing.T) {
				c := admin
				if tc.who == "resident" {
					c = resident
				}
				wantError(t, c.do(t, "GET", "/api/v1/assessment/trend?"+tc.query, nil), tc.status, tc.code)
			})
		}
		ts.wantUnchanged(t, before)
		r = insp.do(t, "GET", "/api/v1/assessment/tasks?lon=113.24&lat=35.2", nil)
		wantStatus(t, r, 200)
		if strings.Count(string(r.Body), `"kind":"inspect"`) != 1 {
			t.Errorf("tasks: %s", r.Body)
		}
	})
}
