package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/worktime"
)

type statsBody struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Group string `json:"group"`
	Rows  []struct {
		Key    string              `json:"key"`
		Name   string              `json:"name"`
		Counts map[string]float64  `json:"counts"`
		Rates  map[string]*float64 `json:"rates"`
		Score  *float64            `json:"score"`
		Grade  *string             `json:"grade"`
		Rank   *int                `json:"rank"`
	} `json:"rows"`
}

func (b statsBody) keys() []string {
	var out []string
	for _, r := range b.Rows {
		out = append(out, r.Key)
	}
	slices.Sort(out)
	return out
}

// The stats endpoints answer the contract's shape, each viewer within their scope, and refuse
// bad parameters by name.
func TestStatsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		gw := ts.signedIn(t, "gridworker")
		p := casePoint(t, gw, demo.GridWorkerGrid, 0.0002)
		fileCase(t, gw, reportAt(p, map[string]any{"source": "patrol"}))
		second := fileCase(t, gw, reportAt(p, map[string]any{"source": "patrol"}))
		op := ts.signedIn(t, "operator")
		wantStatus(t, op.do(t, "POST", "/api/v1/cases/"+strconv.FormatInt(second.ID, 10)+"/actions", map[string]any{"action": "register"}), http.StatusOK)
		day := time.Now().In(worktime.China).Format("2006-01-02")
		q := "/api/v1/stats?from=" + day + "&to=" + day

		admin := ts.signedIn(t, "admin")
		r := admin.do(t, "GET", q+"&group=district", nil)
		wantStatus(t, r, http.StatusOK)
		var raw map[string]json.RawMessage
		r.decode(t, &raw)
		for _, k := range []string{"from", "to", "group", "rows"} {
			if _, ok := raw[k]; !ok || len(raw) != 4 {
				t.Fatalf("stats body keys %v, want exactly from, to, group, rows", keysOf(raw))
			}
		}
		var b statsBody
		r.decode(t, &b)
		if b.From != day || b.To != day || b.Group != "district" || len(b.Rows) != 1 || b.Rows[0].Key != "410802" {
			t.Fatalf("admin's district table: %s", r.Body)
		}
		row := b.Rows[0]
		if row.Counts["reported"] != 2 || row.Counts["valid_reported"] != 1 || row.Counts["due_close"] != 1 || row.Name == "" {
			t.Errorf("解放区 today: %s", r.Body)
		}
		if v, ok := row.Rates["handle_rate"]; !ok || v != nil {
			t.Errorf("handle_rate with nothing due: %v, want null", v)
		}
		if row.Score == nil || row.Rank == nil || *row.Rank != 1 || row.Grade == nil {
			t.Errorf("解放区 is scored by its close rate: %s", r.Body)
		}
		if !strings.Contains(string(r.Body), `"counts":{"reported":2,"valid_reported":1,`) {
			t.Errorf("counts are not in the contract's order: %s", r.Body)
		}

		scoped := []struct {
			name, who, query string
			status           int
			code             string
			rows             []string
		}{
			{"a district operator sees its district", "operator", "&group=district", 200, "", []string{"410802"}},
			{"and its subdistricts", "operator", "&group=subdistrict&within=410802", 200, "", []string{"410802001"}},
			{"and the departments working in it", "operator", "&group=department", 200, "", nil},
			{"not another district", "operator", "&group=subdistrict&within=" + shanyangDistrict, 403, "forbidden", nil},
			{"a grid worker sees its grid", "gridworker", "&group=grid", 200, "", []string{demo.GridWorkerGrid}},
			{"and itself among people", "gridworker", "&group=person", 200, "", []string{"gridworker"}},
			{"not its subdistrict's rows", "gridworker", "&group=subdistrict", 403, "forbidden", nil},
			{"a handler sees its department", "handler", "&group=department", 200, "", nil},
			{"not regions", "handler", "&group=district", 403, "forbidden", nil},
			{"residents see nothing", "resident", "&group=district", 403, "forbidden", nil},
			{"the city's inspector sees the city", "inspector", "&group=district", 200, "", []string{"410802"}},
		}
		for _, s := range scoped {
			t.Run(s.name, func(t *testing.T) {
				r := ts.signedIn(t, s.who).do(t, "GET", q+s.query, nil)
				if s.status != 200 {
					wantError(t, r, s.status, s.code)
					return
				}
				wantStatus(t, r, 200)
				var b statsBody
				r.decode(t, &b)
				if s.rows != nil && !slices.Equal(b.keys(), s.rows) {
					t.Errorf("rows %v, want %v", b.keys(), s.rows)
				}
			})
		}
		wantError(t, ts.anonymous().do(t, "GET", q+"&group=district", nil), 401, "unauthorized")

		bad := []struct{ name, query, field string }{
			{"no from", "/api/v1/stats?to=2026-03-01&group=district", "from"},
			{"a bad date", "/api/v1/stats?from=2026-13-01&to=2026-03-01&group=district", "from"},
			{"a date with a time", "/api/v1/stats?from=2026-03-01T00:00&to=2026-03-01&group=district", "from"},
			{"from after to", "/api/v1/stats?from=2026-03-02&to=2026-03-01&group=district", "to"},
			{"over three years", "/api/v1/stats?from=2020-01-01&to=2026-03-01&group=district", "to"},
			{"an unknown group", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=planet", "group"},
			{"no group", "/api/v1/stats?from=2026-03-01&to=2026-03-01", "group"},
			{"an unknown role", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=person&role=king", "role"},
			{"a role without people", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=district&role=handler", "role"},
			{"an unknown region", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=grid&within=999999", "within"},
			{"a group above within", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=district&within=410802001", "group"},
			{"NUL in within", "/api/v1/stats?from=2026-03-01&to=2026-03-01&group=grid&within=4108%00", "within"},
			{"invalid UTF-8 in from", "/api/v1/stats?from=%FF%FE&to=2026-03-01&group=grid", "from"},
			{"a trend without every", "/api/v1/stats/trend?from=2026-03-01&to=2026-03-01&group=district", "every"},
			{"a trend by year", "/api/v1/stats/trend?from=2026-03-01&to=2026-03-01&group=district&every=year", "every"},
			{"a daily trend over two years", "/api/v1/stats/trend?from=2024-03-01&to=2026-03-01&group=district&every=day", "every"},
		}
		for _, s := range bad {
			t.Run(s.name, func(t *testing.T) {
				r := admin.do(t, "GET", s.query, nil)
				wantStatus(t, r, 400)
				var e struct {
					Error struct {
						Params map[string]any `json:"params"`
					} `json:"error"`
				}
				r.decode(t, &e)
				if e.Error.Params["field"] != s.field {
					t.Errorf("error names %v, want %s: %s", e.Error.Params["field"], s.field, r.Body)
				}
			})
		}

		r = op.do(t, "GET", "/api/v1/stats/trend?from="+day+"&to="+day+"&group=district&every=week&key=410802", nil)
		wantStatus(t, r, 200)
		var trend struct {
			Every  string `json:"every"`
			Points []struct {
				From   string             `json:"from"`
				Counts map[string]float64 `json:"counts"`
			} `json:"points"`
		}
		r.decode(t, &trend)
		if trend.Every != "week" || len(trend.Points) != 1 || trend.Points[0].Counts["reported"] != 2 {
			t.Errorf("trend: %s", r.Body)
		}
	})
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Weights: staff read them, the unscoped admin alone changes them, and a change re-scores
// the same counts.
func TestEvalWeightsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		gw := ts.signedIn(t, "gridworker")
		p := casePoint(t, gw, demo.GridWorkerGrid, 0.0002)
		c := fileCase(t, gw, reportAt(p, map[string]any{"source": "patrol"}))
		op := ts.signedIn(t, "operator")
		wantStatus(t, op.do(t, "POST", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10)+"/actions", map[string]any{"action": "register"}), http.StatusOK)
		day := time.Now().In(worktime.China).Format("2006-01-02")
		score := func() float64 {
			r := op.do(t, "GET", "/api/v1/stats?from="+day+"&to="+day+"&group=district", nil)
			wantStatus(t, r, 200)
			var b statsBody
			r.decode(t, &b)
			if len(b.Rows) != 1 || b.Rows[0].Score == nil {
				t.Fatalf("no scored row: %s", r.Body)
			}
			return *b.Rows[0].Score
		}
		// One registered case, open: close rate 0, on-time close rate 0, no ratings.
		if got := score(); got != 0 {
			t.Fatalf("score with the default weights %v, want 0", got)
		}
		r := op.do(t, "GET", "/api/v1/eval/weights", nil)
		wantStatus(t, r, 200)
		var w map[string]any
		r.decode(t, &w)
		if _, ok := w["formulas"].(map[string]any)["department"]; !ok {
			t.Fatalf("default weights: %s", r.Body)
		}
		wantError(t, ts.signedIn(t, "resident").do(t, "GET", "/api/v1/eval/weights", nil), 403, "forbidden")

		inverse := map[string]any{"formulas": map[string]any{"region": []map[string]any{{"rate": "close_rate", "weight": 100, "inverse": true}}},
			"grades": []map[string]any{{"grade": "A", "min": 90}, {"grade": "E", "min": 0}}}
		before := ts.snapshot(t)
		wantError(t, op.do(t, "PUT", "/api/v1/eval/weights", inverse), 403, "forbidden")
		refused := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"malformed JSON", `{"formulas":`, 400, "malformed_json"},
			{"a weight that is text", `{"formulas":{"region":[{"rate":"close_rate","weight":"lots"}]},"grades":[{"grade":"A","min":0}]}`, 400, "wrong_type"},
			{"an unknown rate", map[string]any{"formulas": map[string]any{"region": []map[string]any{{"rate": "luck", "weight": 10}}}, "grades": []map[string]any{{"grade": "A", "min": 0}}}, 422, "invalid"},
			{"a weight over 100", map[string]any{"formulas": map[string]any{"region": []map[string]any{{"rate": "close_rate", "weight": 1000}}}, "grades": []map[string]any{{"grade": "A", "min": 0}}}, 422, "invalid"},
			{"grades out of order", map[string]any{"grades": []map[string]any{{"grade": "A", "min": 10}, {"grade": "B", "min": 50}}}, 422, "invalid"},
			{"NUL in a grade", map[string]any{"grades": []map[string]any{{"grade": "A\x00", "min": 0}}}, 400, "bad_text"},
		}
		for _, s := range refused {
			t.Run(s.name, func(t *testing.T) {
				wantError(t, ts.admin.do(t, "PUT", "/api/v1/eval/weights", s.body), s.status, s.code)
			})
		}
		ts.wantUnchanged(t, before)
		wantStatus(t, ts.admin.do(t, "PUT", "/api/v1/eval/weights", inverse), 200)
		if got := score(); got != 100 {
			t.Errorf("score once closing nothing scores full marks %v, want 100", got)
		}
	})
}
