package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

type viewBody struct {
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	Filters map[string]string `json:"filters"`
}

// Saved views are their owner's alone: another person neither sees nor deletes them (not
// found), a resident keeps none, and every malformed or excessive request is refused with
// nothing stored.
func TestSavedViewsOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		dispatcher, operator := ts.signedIn(t, "dispatcher"), ts.signedIn(t, "operator")
		r := dispatcher.do(t, "POST", "/api/v1/views", map[string]any{"name": "  超期乱停放 ",
			"filters": map[string]string{"status": "todo", "kind": "matter", "category": "09009", "light": "red", "sort": "due", "q": ""}})
		wantStatus(t, r, http.StatusCreated)
		var mine viewBody
		r.decode(t, &mine)
		if mine.ID == 0 || mine.Name != "超期乱停放" || len(mine.Filters) != 5 || mine.Filters["light"] != "red" || mine.Filters["status"] != "todo" {
			t.Fatalf("saved: %s", r.Body)
		}
		list := func(c *client) string {
			t.Helper()
			r := c.do(t, "GET", "/api/v1/views", nil)
			wantStatus(t, r, http.StatusOK)
			return string(r.Body)
		}
		if got := list(dispatcher); !strings.Contains(got, `"超期乱停放"`) {
			t.Errorf("the owner's views: %s", got)
		}
		if got := strings.TrimSpace(list(operator)); got != "[]" {
			t.Errorf("another person sees %s", got)
		}

		before := list(dispatcher)
		long := strings.Repeat("视", 41)
		refusals := []struct {
			name   string
			who    *client
			method string
			path   string
			body   any
			status int
			code   string
		}{
			{"another person's view", operator, "DELETE", fmt.Sprintf("/api/v1/views/%d", mine.ID), nil, http.StatusNotFound, "not_found"},
			{"no such view", dispatcher, "DELETE", "/api/v1/views/999999", nil, http.StatusNotFound, "not_found"},
			{"not an id", dispatcher, "DELETE", "/api/v1/views/abc", nil, http.StatusNotFound, "not_found"},
			{"a resident", ts.signedIn(t, "resident"), "POST", "/api/v1/views", map[string]any{"name": "我的"}, http.StatusForbidden, "forbidden"},
			{"signed out", ts.anonymous(), "POST", "/api/v1/views", map[string]any{"name": "我的"}, http.StatusUnauthorized, "unauthorized"},
			{"NUL in the name", dispatcher, "POST", "/api/v1/views", `{"name":"a\u0000b"}`, http.StatusBadRequest, "bad_text"},
			{"invalid UTF-8 in the name", dispatcher, "POST", "/api/v1/views", "{\"name\":\"a\xff\xfeb\"}", http.StatusBadRequest, "bad_text"},
			{"NUL in a filter", dispatcher, "POST", "/api/v1/views", `{"name":"x","filters":{"q":"a\u0000"}}`, http.StatusBadRequest, "bad_text"},
			{"a control character in the name", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "a\x07b"}, http.StatusUnprocessableEntity, "invalid"},
			{"a name of 41 characters", dispatcher, "POST", "/api/v1/views", map[string]any{"name": long}, http.StatusUnprocessableEntity, "invalid"},
			{"no name", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "  "}, http.StatusUnprocessableEntity, "invalid"},
			{"a name that is a number", dispatcher, "POST", "/api/v1/views", `{"name":40}`, http.StatusBadRequest, "wrong_type"},
			{"filters that are a list", dispatcher, "POST", "/api/v1/views", `{"name":"x","filters":["light"]}`, http.StatusBadRequest, "wrong_type"},
			{"an unknown filter", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"cursor": "abc"}}, http.StatusUnprocessableEntity, "invalid"},
			{"an unknown light", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"light": "purple"}}, http.StatusUnprocessableEntity, "invalid"},
			{"an unknown status", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"status": "mine"}}, http.StatusUnprocessableEntity, "invalid"},
			{"a region that is no code", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"region": "4108'--"}}, http.StatusUnprocessableEntity, "invalid"},
			{"an unknown sort", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"sort": "ticket"}}, http.StatusUnprocessableEntity, "invalid"},
			{"a date that is none", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "x", "filters": map[string]string{"from": "2026-13-01"}}, http.StatusBadRequest, "wrong_type"},
			{"a name already used", dispatcher, "POST", "/api/v1/views", map[string]any{"name": "超期乱停放"}, http.StatusConflict, "conflict"},
		}
		for _, tt := range refusals {
			snap := ts.snapshot(t)
			wantError(t, tt.who.do(t, tt.method, tt.path, tt.body), tt.status, tt.code)
			if got := list(dispatcher); got != before {
				t.Errorf("%s: the views changed to %s", tt.name, got)
			}
			if got := strings.TrimSpace(list(operator)); got != "[]" {
				t.Errorf("%s: the operator now has %s", tt.name, got)
			}
			ts.wantUnchanged(t, snap)
		}

		// Twenty views a person, and not one more.
		wantStatus(t, dispatcher.do(t, "POST", "/api/v1/views", map[string]any{"name": strings.Repeat("视", 40)}), http.StatusCreated)
		for i := 3; i <= 20; i++ {
			wantStatus(t, dispatcher.do(t, "POST", "/api/v1/views", map[string]any{"name": fmt.Sprintf("视图 %d", i), "filters": map[string]string{"source": "hotline"}}), http.StatusCreated)
		}
		full := list(dispatcher)
		snap := ts.snapshot(t)
		r = dispatcher.do(t, "POST", "/api/v1/views", map[string]any{"name": "第 21 个"})
		wantError(t, r, http.StatusUnprocessableEntity, "invalid")
		if !strings.Contains(string(r.Body), `"too_many_views"`) {
			t.Errorf("the 21st view: %s", r.Body)
		}
		if got := list(dispatcher); got != full || strings.Count(got, `"id"`) != 20 {
			t.Errorf("after the 21st: %d views", strings.Count(got, `"id"`))
		}
		ts.wantUnchanged(t, snap)
		// Another person keeps their own twenty.
		wantStatus(t, operator.do(t, "POST", "/api/v1/views", map[string]any{"name": "超期乱停放"}), http.StatusCreated)

		// The owner deletes their own, once.
		wantStatus(t, dispatcher.do(t, "DELETE", fmt.Sprintf("/api/v1/views/%d", mine.ID), nil), http.StatusNoContent)
		wantError(t, dispatcher.do(t, "DELETE", fmt.Sprintf("/api/v1/views/%d", mine.ID), nil), http.StatusNotFound, "not_found")
		if got := list(dispatcher); strings.Contains(got, `"超期乱停放"`) || strings.Count(got, `"id"`) != 19 {
			t.Errorf("after deleting: %s", got)
		}
		if got := list(operator); !strings.Contains(got, `"超期乱停放"`) {
			t.Errorf("the operator's view of the same name went too: %s", got)
		}
		if n := len(auditRecords(t, db, "view.save")); n != 21 {
			t.Errorf("audit records of saves: %d, want 21", n)
		}
	})
}

// The case list pages back as well as forward (prev, before=) and sorts by light.
func TestCaseListPagesBackOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		p := apptest.PointIn(t, ts.App, demo.GridWorkerGrid)
		for range 5 {
			if _, err := ts.App.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "车停在盲道上", Lon: &p[0], Lat: &p[1]}); err != nil {
				t.Fatal(err)
			}
		}
		op := ts.signedIn(t, "operator")
		type page struct {
			Cases []struct {
				ID              int64  `json:"id"`
				SubdistrictName string `json:"subdistrict_name"`
			} `json:"cases"`
			Next, Prev string
		}
		get := func(q string) page {
			t.Helper()
			r := op.do(t, "GET", "/api/v1/cases?"+q, nil)
			wantStatus(t, r, http.StatusOK)
			var pg page
			r.decode(t, &pg)
			return pg
		}
		for _, sort := range []string{"created", "light", "due"} {
			first := get("limit=2&sort=" + sort)
			second := get("limit=2&sort=" + sort + "&cursor=" + first.Next)
			back := get("limit=2&sort=" + sort + "&before=" + second.Prev)
			if first.Prev != "" || second.Prev == "" || len(back.Cases) != 2 || back.Cases[0].ID != first.Cases[0].ID || back.Cases[1].ID != first.Cases[1].ID || back.Prev != "" {
				t.Errorf("sort %s: first %+v, second %+v, back %+v", sort, first, second, back)
			}
			if first.Cases[0].SubdistrictName != "民生街道" {
				t.Errorf("sort %s: the street is %q", sort, first.Cases[0].SubdistrictName)
			}
		}
		wantError(t, op.do(t, "GET", "/api/v1/cases?sort=ticket", nil), http.StatusUnprocessableEntity, "invalid")
		wantError(t, op.do(t, "GET", "/api/v1/cases?before=bm90LWEtY3Vyc29y", nil), http.StatusUnprocessableEntity, "invalid")
	})
}
