package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

type exportJob struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Rows     int64  `json:"rows"`
	Total    int64  `json:"total"`
	Download string `json:"download"`
	FileName string `json:"file_name"`
}

func TestExportsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		for _, g := range []string{"410802001001001", "410811001001001"} {
			p := apptest.PointIn(t, ts.App, g)
			if _, err := ts.App.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009",
				Description: "=1+2 停车", Lon: &p[0], Lat: &p[1]}); err != nil {
				t.Fatal(err)
			}
		}
		leader := ts.signedIn(t, "leader")
		r := leader.do(t, "POST", "/api/v1/exports", map[string]any{"kind": "cases", "format": "xlsx", "filters": map[string]string{"status": "reported"}})
		wantStatus(t, r, http.StatusAccepted)
		var j exportJob
		r.decode(t, &j)
		if j.State != "queued" || r.Header.Get("Location") != fmt.Sprintf("/api/v1/exports/%d", j.ID) {
			t.Errorf("started %+v, Location %q", j, r.Header.Get("Location"))
		}
		path := fmt.Sprintf("/api/v1/exports/%d", j.ID)
		wantError(t, leader.do(t, "GET", path+"/file", nil), http.StatusConflict, "not_ready")
		wantError(t, ts.signedIn(t, "operator").do(t, "GET", path, nil), http.StatusNotFound, "not_found")
		wantError(t, ts.anonymous().do(t, "GET", path, nil), http.StatusUnauthorized, "unauthorized")

		if n, err := ts.App.Exports.RunExports(t.Context()); err != nil || n != 1 {
			t.Fatalf("ran %d: %v", n, err)
		}
		r = leader.do(t, "GET", path, nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &j)
		if j.State != "done" || j.Rows != 1 || j.Total != 1 || j.Download != path+"/file" {
			t.Errorf("done: %+v", j)
		}

		r = leader.do(t, "GET", j.Download, nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("Content-Type %q", ct)
		}
		cd := r.Header.Get("Content-Disposition")
		_, encoded, ok := strings.Cut(cd, "filename*=UTF-8''")
		name, err := url.PathUnescape(encoded)
		if !strings.HasPrefix(cd, fmt.Sprintf(`attachment; filename="citygrid-export-%d.xlsx"; `, j.ID)) || !ok || err != nil ||
			name != j.FileName || !strings.HasPrefix(name, "案件清单-解放区-") || strings.ContainsAny(encoded, " \"'") {
			t.Errorf("Content-Disposition %q (name %q, want %q)", cd, name, j.FileName)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows("案件清单")
		if len(rows) != 3 || rows[2][6] != "解放区" || rows[2][4] != "=1+2 停车" {
			t.Errorf("the file's rows %q", rows)
		}
		wantError(t, ts.signedIn(t, "admin").do(t, "GET", j.Download, nil), http.StatusNotFound, "not_found")
		wantError(t, ts.anonymous().do(t, "GET", j.Download, nil), http.StatusUnauthorized, "unauthorized")
		if recs := auditRecords(t, db, "export.start"); len(recs) != 1 {
			t.Errorf("%d export.start audit records, want 1", len(recs))
		}
	})
}

func TestExportsAPIRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		leader, resident := ts.signedIn(t, "leader"), ts.signedIn(t, "resident")
		before := ts.snapshot(t)
		for _, tt := range []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"malformed JSON", `{"kind": "cases",`, 400, "malformed_json"},
			{"filters of the wrong type", `{"kind": "cases", "format": "csv", "filters": {"status": 5}}`, 400, "wrong_type"},
			{"filters not an object", `{"kind": "cases", "format": "csv", "filters": "status=closed"}`, 400, "wrong_type"},
			{"an unknown kind", map[string]any{"kind": "pdf", "format": "xlsx"}, 422, "invalid"},
			{"no kind", map[string]any{"format": "xlsx"}, 422, "invalid"},
			{"an unknown format", map[string]any{"kind": "cases", "format": "ods"}, 422, "invalid"},
			{"an unknown filter", map[string]any{"kind": "cases", "format": "csv", "filters": map[string]string{"colour": "red"}}, 422, "invalid"},
			{"a bad status", map[string]any{"kind": "cases", "format": "csv", "filters": map[string]string{"status": "lost"}}, 422, "invalid"},
			{"a bad time", map[string]any{"kind": "cases", "format": "csv", "filters": map[string]string{"from": "yesterday"}}, 400, "wrong_type"},
			{"a region outside the scope", map[string]any{"kind": "cases", "format": "csv", "filters": map[string]string{"region": "410811"}}, 403, "forbidden"},
			{"NUL in a filter", `{"kind": "cases", "format": "csv", "filters": {"q": "a\u0000b"}}`, 400, "bad_text"},
			{"invalid UTF-8 in a filter", "{\"kind\": \"cases\", \"format\": \"csv\", \"filters\": {\"q\": \"\xff\"}}", 400, "bad_text"},
			{"a huge body", `{"kind": "cases", "format": "csv", "filters": {"q": "` + strings.Repeat("x", 2<<20) + `"}}`, 413, "too_large"},
			{"a long filter", map[string]any{"kind": "cases", "format": "csv", "filters": map[string]string{"q": strings.Repeat("井", 201)}}, 422, "invalid"},
			{"stats without a period", map[string]any{"kind": "stats", "format": "xlsx"}, 400, "bad_request"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, leader.do(t, "POST", "/api/v1/exports", tt.body), tt.status, tt.code)
			})
		}
		wantError(t, resident.do(t, "POST", "/api/v1/exports", map[string]any{"kind": "cases", "format": "csv"}), 403, "forbidden")
		wantError(t, ts.anonymous().do(t, "POST", "/api/v1/exports", map[string]any{"kind": "cases", "format": "csv"}), 401, "unauthorized")
		for _, p := range []string{"/api/v1/exports/abc", "/api/v1/exports/0", "/api/v1/exports/999", "/api/v1/exports/-1/file", "/api/v1/exports/999/file", "/api/v1/exports/1e3"} {
			wantError(t, leader.do(t, "GET", p, nil), http.StatusNotFound, "not_found")
		}
		ts.wantUnchanged(t, before)
		if n, err := ts.App.Exports.RunExports(t.Context()); err != nil || n != 0 {
			t.Errorf("refused requests queued %d exports (%v)", n, err)
		}
	})
}
