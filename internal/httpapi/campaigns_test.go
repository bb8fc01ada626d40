package httpapi_test

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// campaignServer is the API over the demo city with the housing bureau's zjj (the owner of
// the campaigns here) and 山阳区's leader.
func campaignServer(t *testing.T, db *store.DB) *testServer {
	t.Helper()
	ts := newServer(t, db)
	for _, u := range []people.NewUser{
		{Username: "zjj", Role: "handler", Department: "4108-ZJJ"},
		{Username: "shanyang.leader", Role: "leader", Scope: "410811"},
	} {
		u.Password = demo.Password
		if _, err := ts.App.People.AddUser(t.Context(), apptest.System, u); err != nil {
			t.Fatal(err)
		}
	}
	return ts
}

// wantReason is wantError that also holds the refusal's reason (its code when it has none).
func wantReason(t *testing.T, r *response, status int, code, reason string) {
	t.Helper()
	wantError(t, r, status, code)
	var body struct {
		Error struct {
			Code   string `json:"code"`
			Reason string `json:"reason"`
		} `json:"error"`
	}
	r.decode(t, &body)
	if got := body.Error.Reason; got != reason && !(got == "" && body.Error.Code == reason) {
		t.Errorf("reason: got %q, want %q (body %s)", got, reason, r.Body)
	}
}

type campaignBody struct {
	ID     int64 `json:"id"`
	Counts struct {
		Total     int `json:"total"`
		Remaining int `json:"remaining"`
	} `json:"counts"`
}

type targetBody struct {
	ID         int64    `json:"id"`
	State      string   `json:"state"`
	CaseID     int64    `json:"case_id"`
	Ticket     string   `json:"ticket"`
	CaseStatus string   `json:"case_status"`
	Grid       string   `json:"grid"`
	Version    int      `json:"version"`
	Allowed    []string `json:"allowed_actions"`
}

// hostile is one refused request and what the API must answer.
type hostile struct {
	name         string
	who          string
	method, path string
	body         any
	status       int
	code, reason string
}

func TestCampaignsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := campaignServer(t, db)
		clients := map[string]*client{"anonymous": ts.anonymous()}
		for _, who := range []string{"admin", "leader", "operator", "inspector", "gridworker", "resident", "zjj", "shanyang.leader", "handler"} {
			clients[who] = ts.signedIn(t, who)
		}
		today := time.Now().In(worktime.China)
		due := today.AddDate(0, 1, 0).Format("2006-01-02")
		good := map[string]any{"name": "农村旱厕清零", "kind": "dry_toilets", "scope": []string{"410802"}, "owner": "4108-ZJJ", "due_on": due,
			"category_kind": "matter", "category": "03001"}
		r := clients["leader"].do(t, "POST", "/api/v1/campaigns", good)
		wantStatus(t, r, http.StatusCreated)
		var c campaignBody
		r.decode(t, &c)
		base := fmt.Sprintf("/api/v1/campaigns/%d", c.ID)

		grids := apptest.UnitGrids(t, ts.App, "410802")
		asset := func(i int) map[string]any {
			p := apptest.PointIn(t, ts.App, grids[i])
			return map[string]any{"name": fmt.Sprintf("旱厕 %d", i), "type": "旱厕", "lon": p[0], "lat": p[1], "unit": "村委会"}
		}
		r = clients["leader"].do(t, "POST", base+"/targets", map[string]any{"assets": []any{asset(0), asset(1), asset(2)}})
		wantStatus(t, r, http.StatusCreated)
		if !strings.Contains(string(r.Body), `"added":3`) {
			t.Fatalf("added: %s", r.Body)
		}
		var targets []targetBody
		r = clients["leader"].do(t, "GET", base+"/targets", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &targets)
		if len(targets) != 3 || targets[0].Grid != grids[0] || targets[0].State != "open" {
			t.Fatalf("targets: %s", r.Body)
		}
		tpath := fmt.Sprintf("%s/targets/%d", base, targets[0].ID)
		shanyang := apptest.PointIn(t, ts.App, "410811001001001")
		huge := `{"name": "` + strings.Repeat("x", 2<<20) + `"}`

		before := ts.snapshot(t)
		for _, tc := range []hostile{
			// Creating a campaign.
			{"create: malformed JSON", "leader", "POST", "/api/v1/campaigns", `{"name": "x",`, 400, "malformed_json", "malformed_json"},
			{"create: a wrong type", "leader", "POST", "/api/v1/campaigns", `{"name": "x", "scope": "410802"}`, 400, "wrong_type", "wrong_type"},
			{"create: NUL in the name", "leader", "POST", "/api/v1/campaigns", `{"name": "旱厕\u0000清零", "kind": "dry_toilets"}`, 400, "bad_text", "bad_text"},
			{"create: bytes that are not UTF-8", "leader", "POST", "/api/v1/campaigns", "{\"name\": \"\xff\xfe\", \"kind\": \"dry_toilets\"}", 400, "bad_text", "bad_text"},
			{"create: a huge body", "leader", "POST", "/api/v1/campaigns", huge, 413, "too_large", "too_large"},
			{"create: an operator", "operator", "POST", "/api/v1/campaigns", good, 403, "forbidden", "campaign_organizers_only"},
			{"create: a resident", "resident", "POST", "/api/v1/campaigns", good, 403, "forbidden", "staff_only"},
			{"create: anonymous", "anonymous", "POST", "/api/v1/campaigns", good, 401, "unauthorized", "unauthorized"},
			{"create: another district", "leader", "POST", "/api/v1/campaigns", with(good, "scope", []string{"410811"}), 403, "forbidden", "region_outside_scope"},
			{"create: an unknown region", "admin", "POST", "/api/v1/campaigns", with(good, "scope", []string{"999999"}), 422, "invalid", "no_region"},
			{"create: an unknown owner", "admin", "POST", "/api/v1/campaigns", with(good, "owner", "NOPE"), 422, "invalid", "no_department"},
			{"create: no due date", "admin", "POST", "/api/v1/campaigns", with(good, "due_on", ""), 422, "invalid", "bad_value"},
			// Adding targets.
			{"targets: outside the campaign", "leader", "POST", base + "/targets", map[string]any{"assets": []any{asset(3), map[string]any{"name": "山阳", "type": "旱厕", "lon": shanyang[0], "lat": shanyang[1]}}}, 422, "invalid", "bad_targets"},
			{"targets: one already listed", "leader", "POST", base + "/targets", map[string]any{"assets": []any{asset(3), asset(0)}}, 422, "invalid", "bad_targets"},
			{"targets: one given twice", "leader", "POST", base + "/targets", map[string]any{"assets": []any{asset(3), asset(3)}}, 422, "invalid", "bad_targets"},
			{"targets: an unknown site", "leader", "POST", base + "/targets", map[string]any{"sites": []string{"NOPE"}}, 422, "invalid", "bad_targets"},
			{"targets: nothing", "leader", "POST", base + "/targets", map[string]any{}, 422, "invalid", "required"},
			{"targets: NUL", "leader", "POST", base + "/targets", `{"assets": [{"name": "a\u0000", "type": "旱厕", "lon": 113.2, "lat": 35.2}]}`, 400, "bad_text", "bad_text"},
			{"targets: a huge body", "leader", "POST", base + "/targets", huge, 413, "too_large", "too_large"},
			{"targets: a grid worker", "gridworker", "POST", base + "/targets", map[string]any{"assets": []any{asset(3)}}, 403, "forbidden", "campaign_organizers_only"},
			{"targets: another district's leader", "shanyang.leader", "POST", base + "/targets", map[string]any{"assets": []any{asset(3)}}, 404, "not_found", "campaign_not_found"},
			{"targets: an unknown campaign", "leader", "POST", "/api/v1/campaigns/999999/targets", map[string]any{"assets": []any{asset(3)}}, 404, "not_found", "campaign_not_found"},
			{"targets: a campaign id that is not one", "leader", "POST", "/api/v1/campaigns/x/targets", map[string]any{"assets": []any{asset(3)}}, 404, "not_found", "campaign_not_found"},
			// Acting on a target.
			{"act: skipping a step", "inspector", "POST", tpath + "/actions", map[string]any{"action": "verify"}, 409, "target_wrong_state", "target_wrong_state"},
			{"act: done with no case", "leader", "POST", tpath + "/actions", map[string]any{"action": "done"}, 409, "target_wrong_state", "target_wrong_state"},
			{"act: exempt without a reason", "leader", "POST", tpath + "/actions", map[string]any{"action": "exempt"}, 422, "invalid", "required"},
			{"act: approve with nothing asked", "zjj", "POST", tpath + "/actions", map[string]any{"action": "approve_exempt"}, 409, "no_exempt_request", "no_exempt_request"},
			{"act: an unknown action", "leader", "POST", tpath + "/actions", map[string]any{"action": "demolish"}, 422, "invalid", "bad_value"},
			{"act: a case step by hand", "leader", "POST", tpath + "/actions", map[string]any{"action": "case_closed"}, 422, "invalid", "bad_value"},
			{"act: an unknown category", "leader", "POST", tpath + "/actions", map[string]any{"action": "open_case", "category_kind": "matter", "category": "99999"}, 422, "invalid", "no_category"},
			{"act: a stale version", "leader", "POST", tpath + "/actions", map[string]any{"action": "open_case", "version": 7}, 409, "target_version_conflict", "target_version_conflict"},
			{"act: NUL in the reason", "leader", "POST", tpath + "/actions", `{"action": "exempt", "reason": "\u0000"}`, 400, "bad_text", "bad_text"},
			{"act: a huge body", "leader", "POST", tpath + "/actions", huge, 413, "too_large", "too_large"},
			{"act: a handler", "handler", "POST", tpath + "/actions", map[string]any{"action": "open_case"}, 404, "not_found", "campaign_not_found"},
			{"act: a resident", "resident", "POST", tpath + "/actions", map[string]any{"action": "open_case"}, 403, "forbidden", "staff_only"},
			{"act: another district's leader", "shanyang.leader", "POST", tpath + "/actions", map[string]any{"action": "open_case"}, 404, "not_found", "campaign_not_found"},
			{"act: a grid worker on another grid's target", "gridworker", "POST", fmt.Sprintf("%s/targets/%d/actions", base, targets[1].ID), map[string]any{"action": "open_case"}, 404, "not_found", "target_not_found"},
			{"act: an unknown target", "leader", "POST", base + "/targets/999999/actions", map[string]any{"action": "open_case"}, 404, "not_found", "target_not_found"},
			// Reading.
			{"progress: by grid", "leader", "GET", base + "/progress?group=grid", nil, 422, "invalid", "bad_value"},
			{"progress: within an unknown region", "leader", "GET", base + "/progress?within=999", nil, 422, "invalid", "no_region"},
			{"progress: within another district", "leader", "GET", base + "/progress?within=410811", nil, 403, "forbidden", "region_outside_scope"},
			{"progress: NUL in the query", "leader", "GET", base + "/progress?group=%00", nil, 400, "bad_text", "bad_text"},
			{"progress: bytes that are not UTF-8 in the query", "leader", "GET", base + "/progress?within=%ff", nil, 400, "bad_text", "bad_text"},
			{"progress: anonymous", "anonymous", "GET", base + "/progress", nil, 401, "unauthorized", "unauthorized"},
			{"burndown: by month", "leader", "GET", base + "/burndown?every=month", nil, 422, "invalid", "bad_value"},
			{"burndown: a resident", "resident", "GET", base + "/burndown", nil, 403, "forbidden", "staff_only"},
			{"burndown: another district's leader", "shanyang.leader", "GET", base + "/burndown", nil, 404, "not_found", "campaign_not_found"},
			{"targets list: an unknown state", "leader", "GET", base + "/targets?state=gone", nil, 422, "invalid", "bad_value"},
			{"targets list: a bad limit", "leader", "GET", base + "/targets?limit=x", nil, 422, "invalid", "bad_value"},
			{"target: another campaign's id", "leader", "GET", "/api/v1/campaigns/999999/targets/1", nil, 404, "not_found", "campaign_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantReason(t, clients[tc.who].do(t, tc.method, tc.path, tc.body), tc.status, tc.code, tc.reason)
			})
		}
		ts.wantUnchanged(t, before)
		r = clients["admin"].do(t, "GET", base+"/progress", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"total":{"total":3,"open":3,`) {
			t.Errorf("after the refusals: %s", r.Body)
		}

		// The target's life through the API: its rectification, the case's closure, the check.
		r = clients["gridworker"].do(t, "POST", tpath+"/actions", map[string]any{"action": "open_case", "version": 1, "note": "粪池外溢"})
		wantStatus(t, r, http.StatusOK)
		var tb targetBody
		r.decode(t, &tb)
		if tb.State != "in_progress" || tb.Ticket == "" || tb.CaseStatus != "reported" || tb.Version != 2 {
			t.Fatalf("opened: %s", r.Body)
		}
		before = ts.snapshot(t)
		wantReason(t, clients["leader"].do(t, "POST", tpath+"/actions", map[string]any{"action": "done"}), 409, "target_case_open", "target_case_open")
		wantReason(t, clients["leader"].do(t, "POST", tpath+"/actions", map[string]any{"action": "exempt", "reason": "x"}), 409, "target_wrong_state", "target_wrong_state")
		ts.wantUnchanged(t, before)
		yes := true
		for _, step := range []struct {
			action string
			in     workflow.Input
		}{{"register", workflow.Input{}}, {"dispatch", workflow.Input{Department: "410802-CGJ"}}, {"accept", workflow.Input{}},
			{"handle", workflow.Input{Result: "已改建", Photos: []string{ts.photo(t, 3)}}}, {"verify", workflow.Input{Pass: &yes}}} {
			v, err := ts.App.Cases.Act(t.Context(), apptest.System, tb.CaseID, step.action, nil, step.in)
			if err != nil {
				t.Fatalf("%s: %v", step.action, err)
			}
			if v.Status == workflow.Closed {
				break
			}
		}
		r = clients["inspector"].do(t, "GET", tpath, nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &tb)
		if tb.State != "done" || tb.CaseStatus != "closed" || len(tb.Allowed) != 2 || tb.Allowed[0] != "verify" {
			t.Fatalf("after the case's closure: %s", r.Body)
		}
		r = clients["inspector"].do(t, "POST", tpath+"/actions", map[string]any{"action": "verify"})
		wantStatus(t, r, http.StatusOK)
		r = clients["leader"].do(t, "GET", base+"/burndown?every=week", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"remaining":2,"points":`) {
			t.Errorf("the burn-down: %s", r.Body)
		}
		// The progress as a table to circulate: Excel, and CSV with a byte-order mark.
		r = clients["leader"].do(t, "GET", base+"/progress?format=xlsx&group=subdistrict", nil)
		wantStatus(t, r, http.StatusOK)
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("the workbook: %v", err)
		}
		rows, err := x.GetRows("整治进度")
		if err != nil || len(rows) < 4 || !strings.HasPrefix(rows[0][0], "农村旱厕清零 · 按街道（乡镇）统计") || rows[1][1] != "街道（乡镇）" ||
			rows[len(rows)-1][1] != "合计" || rows[len(rows)-1][2] != "3" || rows[len(rows)-1][8] != "2" {
			t.Errorf("the workbook's rows: %q %v", rows, err)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''") {
			t.Errorf("Content-Disposition: %q", cd)
		}
		r = clients["leader"].do(t, "GET", base+"/progress?format=csv", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.HasPrefix(string(r.Body), "\ufeff") || !strings.Contains(string(r.Body), "合计,3,") {
			t.Errorf("the CSV: %q", r.Body)
		}
		before = ts.snapshot(t)
		wantReason(t, clients["leader"].do(t, "GET", base+"/progress?format=pdf", nil), 422, "invalid", "bad_value")
		wantReason(t, clients["shanyang.leader"].do(t, "GET", base+"/progress?format=xlsx", nil), 404, "not_found", "campaign_not_found")
		wantReason(t, clients["leader"].do(t, "GET", base+"/progress?format=xlsx&group=grid", nil), 422, "invalid", "bad_value")
		ts.wantUnchanged(t, before)
		r = clients["zjj"].do(t, "GET", "/api/v1/campaigns", nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"verified":1`) {
			t.Errorf("the owner's list: %s", r.Body)
		}
	})
}

// with returns a copy of m with one field changed.
func with(m map[string]any, k string, v any) map[string]any {
	out := maps.Clone(m)
	out[k] = v
	return out
}
