package httpapi_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The unscoped admin sets the office hours by season through the API; staff read them; anyone
// else, and hours the calendar cannot count, are refused with the reason and nothing changes.
func TestOfficeHoursThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		admin, operator := ts.signedIn(t, "admin"), ts.signedIn(t, "operator")
		type hours struct {
			Seasons []struct {
				From    string   `json:"from"`
				Windows []string `json:"windows"`
			} `json:"seasons"`
			Default       bool   `json:"default"`
			HolidaysUntil string `json:"holidays_known_until"`
		}
		read := func(c *client) hours {
			t.Helper()
			r := c.do(t, "GET", "/api/v1/calendar/office-hours", nil)
			wantStatus(t, r, http.StatusOK)
			var h hours
			r.decode(t, &h)
			return h
		}
		def := read(operator)
		if !def.Default || len(def.Seasons) != 1 || def.Seasons[0].From != "01-01" || !reflect.DeepEqual(def.Seasons[0].Windows, []string{"08:00-12:00", "14:00-18:00"}) ||
			def.HolidaysUntil != "2027-12-31" {
			t.Errorf("the default office hours read %+v", def)
		}
		summer := map[string]any{"seasons": []map[string]any{
			{"from": "01-01", "windows": []string{"08:00-12:00", "14:00-18:00"}},
			{"from": "05-01", "windows": []string{"08:00-12:00", "15:00-18:30"}},
		}}
		before := ts.snapshot(t)
		wantError(t, ts.anonymous().do(t, "PUT", "/api/v1/calendar/office-hours", summer), http.StatusUnauthorized, "unauthorized")
		wantError(t, operator.do(t, "PUT", "/api/v1/calendar/office-hours", summer), http.StatusForbidden, "forbidden")
		for _, tt := range []struct {
			name   string
			body   any
			status int
			code   string
			reason string
		}{
			{"no seasons field", map[string]any{}, http.StatusUnprocessableEntity, "invalid", "required"},
			{"a window past midnight", map[string]any{"seasons": []map[string]any{{"from": "01-01", "windows": []string{"20:00-25:00"}}}}, http.StatusUnprocessableEntity, "invalid", "bad_window"},
			{"overlapping windows", map[string]any{"seasons": []map[string]any{{"from": "01-01", "windows": []string{"08:00-12:00", "11:00-13:00"}}}}, http.StatusUnprocessableEntity, "invalid", "windows_overlap"},
			{"a start that is no date", map[string]any{"seasons": []map[string]any{{"from": "5月1日", "windows": []string{"08:00-12:00"}}}}, http.StatusUnprocessableEntity, "invalid", "bad_season_start"},
			{"invalid UTF-8", "{\"seasons\":[{\"from\":\"01-01\",\"windows\":[\"08:00-12:00\xff\"]}]}", http.StatusBadRequest, "bad_text", ""},
			{"windows that are not strings", map[string]any{"seasons": []map[string]any{{"from": "01-01", "windows": []int{8, 12}}}}, http.StatusBadRequest, "wrong_type", ""},
			{"malformed JSON", `{"seasons": [`, http.StatusBadRequest, "malformed_json", ""},
		} {
			r := admin.do(t, "PUT", "/api/v1/calendar/office-hours", tt.body)
			wantError(t, r, tt.status, tt.code)
			var e struct {
				Error struct {
					Reason string `json:"reason"`
				} `json:"error"`
			}
			_ = json.Unmarshal(r.Body, &e)
			if tt.reason != "" && e.Error.Reason != tt.reason {
				t.Errorf("%s: reason %q, want %q (%s)", tt.name, e.Error.Reason, tt.reason, r.Body)
			}
		}
		ts.wantUnchanged(t, before)
		if h := read(admin); !reflect.DeepEqual(h, def) {
			t.Fatalf("refusals changed the office hours: %+v", h)
		}

		r := admin.do(t, "PUT", "/api/v1/calendar/office-hours", summer)
		wantStatus(t, r, http.StatusOK)
		var got hours
		r.decode(t, &got)
		if got.Default || len(got.Seasons) != 2 || got.Seasons[1].From != "05-01" || strings.Join(got.Seasons[1].Windows, " ") != "08:00-12:00 15:00-18:30" {
			t.Errorf("after the edit: %+v", got)
		}
		if h := read(operator); !reflect.DeepEqual(h, got) {
			t.Errorf("the operator reads %+v, the admin was answered %+v", h, got)
		}
		if recs := auditRecords(t, db, "office_hours.replace"); len(recs) != 1 || recs[0].Actor != "admin" {
			t.Errorf("audit records of the edit: %+v", recs)
		}
		wantStatus(t, admin.do(t, "PUT", "/api/v1/calendar/office-hours", map[string]any{"seasons": []any{}}), http.StatusOK)
		if h := read(admin); !reflect.DeepEqual(h, def) {
			t.Errorf("after restoring the default: %+v", h)
		}
	})
}
