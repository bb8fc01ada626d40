package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

type timeLimitRow struct {
	Stage    string `json:"stage"`
	Category string `json:"category"`
	Limit    struct {
		Value int    `json:"value"`
		Unit  string `json:"unit"`
	} `json:"limit"`
}

// The time-limits table and calendar overrides are read by staff and replaced by the unscoped
// admin; every malformed or unauthorized request is refused and changes nothing.
func TestTimeLimitsAndCalendarOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		admin, dispatcher := ts.signedIn(t, "admin"), ts.signedIn(t, "dispatcher")
		r := dispatcher.do(t, "GET", "/api/v1/time-limits", nil)
		wantStatus(t, r, http.StatusOK)
		var table []timeLimitRow
		r.decode(t, &table)
		if len(table) < 10 || table[0].Stage == "" || table[0].Limit.Unit == "" {
			t.Fatalf("time limits: %s", r.Body)
		}
		wantError(t, ts.anonymous().do(t, "GET", "/api/v1/time-limits", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, ts.signedIn(t, "resident").do(t, "GET", "/api/v1/time-limits", nil), http.StatusForbidden, "forbidden")

		before := string(r.Body)
		refusals := []struct {
			name   string
			who    *client
			body   any
			status int
			code   string
		}{
			{"not JSON", admin, `[{"stage":`, http.StatusBadRequest, "malformed_json"},
			{"an object, not an array", admin, `{"stage":"handle"}`, http.StatusBadRequest, "malformed_json"},
			{"a string limit", admin, `[{"stage":"handle","limit":{"value":"two","unit":"work_day"}}]`, http.StatusBadRequest, "wrong_type"},
			{"an unknown unit", admin, `[{"stage":"handle","limit":{"value":2,"unit":"fortnight"}}]`, http.StatusUnprocessableEntity, "invalid"},
			{"an unknown category shape", admin, `[{"stage":"handle","category":"9","limit":{"value":2,"unit":"work_day"}}]`, http.StatusUnprocessableEntity, "invalid"},
			{"empty", admin, `[]`, http.StatusUnprocessableEntity, "invalid"},
			{"a dispatcher", dispatcher, `[{"stage":"handle","limit":{"value":2,"unit":"work_day"}}]`, http.StatusForbidden, "forbidden"},
		}
		for _, tt := range refusals {
			snap := ts.snapshot(t)
			wantError(t, tt.who.do(t, "PUT", "/api/v1/time-limits", tt.body), tt.status, tt.code)
			if now := dispatcher.do(t, "GET", "/api/v1/time-limits", nil); string(now.Body) != before {
				t.Errorf("%s: the table changed", tt.name)
			}
			ts.wantUnchanged(t, snap)
		}
		r = admin.do(t, "PUT", "/api/v1/time-limits", `[{"stage":"handle","limit":{"value":3,"unit":"work_day"},"source":"our table"},
			{"stage":"handle","category_kind":"matter","category":"09009","limit":{"value":4,"unit":"work_hour"}}]`)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &table)
		if len(table) != 2 {
			t.Fatalf("after replacing: %s", r.Body)
		}

		// Calendar overrides.
		wantError(t, admin.do(t, "PUT", "/api/v1/calendar/overrides/2026-02-30", map[string]any{"working": true}), http.StatusUnprocessableEntity, "invalid")
		wantError(t, admin.do(t, "PUT", "/api/v1/calendar/overrides/2026-10-09", map[string]any{"note": "no working field"}), http.StatusUnprocessableEntity, "invalid")
		wantError(t, admin.do(t, "PUT", "/api/v1/calendar/overrides/2026-10-09", map[string]any{"working": "yes"}), http.StatusBadRequest, "wrong_type")
		wantError(t, dispatcher.do(t, "PUT", "/api/v1/calendar/overrides/2026-10-09", map[string]any{"working": false}), http.StatusForbidden, "forbidden")
		r = admin.do(t, "PUT", "/api/v1/calendar/overrides/2026-10-09", map[string]any{"working": false, "note": "城市日"})
		wantStatus(t, r, http.StatusOK)
		r = dispatcher.do(t, "GET", "/api/v1/calendar/overrides", nil)
		wantStatus(t, r, http.StatusOK)
		if string(r.Body) != `[{"date":"2026-10-09","working":false,"note":"城市日"}]`+"\n" && string(r.Body) != `[{"date":"2026-10-09","working":false,"note":"城市日"}]` {
			t.Errorf("overrides: %s", r.Body)
		}
		wantStatus(t, admin.do(t, "DELETE", "/api/v1/calendar/overrides/2026-10-09", nil), http.StatusNoContent)
		wantError(t, admin.do(t, "DELETE", "/api/v1/calendar/overrides/2026-10-09", nil), http.StatusNotFound, "not_found")
	})
}

// A dispatch reaches the handler's in-app notifications; webhooks are managed by the admin.
func TestNotificationsAndWebhooksOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		operator, dispatcher, handler := ts.signedIn(t, "operator"), ts.signedIn(t, "dispatcher"), ts.signedIn(t, "handler")
		p := casePoint(t, ts.anonymous(), demo.GridWorkerGrid, 0.0001)
		cs := fileCase(t, ts.anonymous(), reportAt(p, nil))
		cs = act(t, operator, cs, "register", nil)
		act(t, dispatcher, cs, "dispatch", nil)
		if _, err := ts.App.Notices.DeliverOutbox(t.Context()); err != nil {
			t.Fatal(err)
		}
		var page struct {
			Notifications []struct {
				ID      int64  `json:"id"`
				Topic   string `json:"topic"`
				CaseID  int64  `json:"case_id"`
				Message string `json:"message"`
			} `json:"notifications"`
			Unread int `json:"unread"`
		}
		r := handler.do(t, "GET", "/api/v1/notifications?unread=true", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &page)
		if page.Unread != 1 || len(page.Notifications) != 1 || page.Notifications[0].Topic != "case.dispatch" ||
			page.Notifications[0].CaseID != cs.ID || !strings.Contains(page.Notifications[0].Message, cs.Ticket) {
			t.Fatalf("handler's notifications: %s", r.Body)
		}
		if r := dispatcher.do(t, "GET", "/api/v1/notifications", nil); !strings.Contains(string(r.Body), `"unread":0`) {
			t.Errorf("the dispatcher is told of its own dispatch: %s", r.Body)
		}
		wantError(t, handler.do(t, "GET", "/api/v1/notifications?limit=many", nil), http.StatusBadRequest, "wrong_type")
		wantError(t, handler.do(t, "GET", "/api/v1/notifications?unread=perhaps", nil), http.StatusBadRequest, "wrong_type")
		wantError(t, ts.anonymous().do(t, "GET", "/api/v1/notifications", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, handler.do(t, "POST", "/api/v1/notifications/read", map[string]any{"up_to": 0}), http.StatusUnprocessableEntity, "invalid")
		r = handler.do(t, "POST", "/api/v1/notifications/read", map[string]any{"up_to": page.Notifications[0].ID})
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(string(r.Body), `"marked":1`) {
			t.Errorf("mark read: %s", r.Body)
		}

		admin := ts.signedIn(t, "admin")
		snap := ts.snapshot(t)
		wantError(t, admin.do(t, "POST", "/api/v1/webhooks", map[string]any{"name": "x", "url": "javascript:alert(1)"}), http.StatusUnprocessableEntity, "invalid")
		wantError(t, admin.do(t, "POST", "/api/v1/webhooks", `{"name": 5}`), http.StatusBadRequest, "wrong_type")
		wantError(t, dispatcher.do(t, "POST", "/api/v1/webhooks", map[string]any{"name": "x", "url": "https://example.com/h"}), http.StatusForbidden, "forbidden")
		ts.wantUnchanged(t, snap)
		r = admin.do(t, "POST", "/api/v1/webhooks", map[string]any{"name": "brain", "url": "https://example.com/h", "topics": "case.*"})
		wantStatus(t, r, http.StatusCreated)
		var hook struct {
			ID     int64  `json:"id"`
			Secret string `json:"secret"`
		}
		r.decode(t, &hook)
		if hook.ID == 0 || !strings.HasPrefix(hook.Secret, "whsec_") {
			t.Fatalf("created webhook: %s", r.Body)
		}
		if r := admin.do(t, "GET", "/api/v1/webhooks", nil); strings.Contains(string(r.Body), hook.Secret) || !strings.Contains(string(r.Body), `"brain"`) {
			t.Errorf("webhook list shows the secret or misses the hook: %s", r.Body)
		}
		wantStatus(t, admin.do(t, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil), http.StatusNoContent)
		wantError(t, admin.do(t, "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", hook.ID), nil), http.StatusNotFound, "not_found")
		wantError(t, admin.do(t, "DELETE", "/api/v1/webhooks/abc", nil), http.StatusNotFound, "not_found")
		wantStatus(t, admin.do(t, "GET", "/api/v1/deliveries", nil), http.StatusOK)
		wantError(t, dispatcher.do(t, "GET", "/api/v1/deliveries", nil), http.StatusForbidden, "forbidden")
	})
}
