package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The reporter says "not solved" through the API with the same action a leader reopens with:
// within 7 days of closing the case goes back to the centre; the anonymous public, other staff
// and a late reporter are refused and nothing changes.
func TestTheReporterReopensThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := &demo.Clock{}
		start := time.Now().UTC().Truncate(time.Second)
		clock.Set(start)
		ts := newServerWith(t, db, app.Options{Clock: clock.Now, SessionTTL: 30 * 24 * time.Hour})
		resident, operator, dispatcher := ts.signedIn(t, "resident"), ts.signedIn(t, "operator"), ts.signedIn(t, "dispatcher")
		handler, gridworker := ts.signedIn(t, "handler"), ts.signedIn(t, "gridworker")
		c := fileCase(t, resident, reportAt(casePoint(t, resident, demo.GridWorkerGrid, 0.0005), nil))
		c = act(t, operator, c, "register", nil)
		c = act(t, dispatcher, c, "dispatch", nil)
		c = act(t, handler, c, "accept", nil)
		c = act(t, handler, c, "handle", map[string]any{"result": "已拖离车辆", "photos": []string{ts.photo(t, 3)}})
		c = act(t, gridworker, c, "verify", map[string]any{"pass": true})

		notSolved := map[string]any{"reason": "车又停回来了"}
		refusals := []struct {
			name   string
			who    *client
			at     time.Duration
			status int
			code   string
		}{
			{"the anonymous public", ts.anonymous(), time.Hour, http.StatusNotFound, "not_found"},
			{"an operator", operator, time.Hour, http.StatusForbidden, "forbidden"},
			{"the reporter after 7 days", resident, 7*24*time.Hour + time.Minute, http.StatusConflict, "too_late"},
		}
		for _, tt := range refusals {
			t.Run(tt.name+" may not", func(t *testing.T) {
				clock.Set(start.Add(tt.at))
				wantError(t, tt.who.do(t, "POST", actionsPath(c.ID), actBody("reopen", c.Version, notSolved)), tt.status, tt.code)
				var after caseBody
				r := ts.adminClient(t).do(t, "GET", casePath(c.ID), nil)
				r.decode(t, &after)
				if after.Version != c.Version || after.Status != "closed" {
					t.Errorf("the refusal changed the case: version %d → %d, %s", c.Version, after.Version, after.Status)
				}
			})
		}
		clock.Set(start.Add(7*24*time.Hour - time.Minute))
		got := act(t, resident, c, "reopen", notSolved)
		if got.Status != "registered" || got.Holder.Kind != "centre" {
			t.Errorf("the reporter's reopen left the case %s held by %+v, want registered with the centre", got.Status, got.Holder)
		}
		wantError(t, resident.do(t, "POST", actionsPath(c.ID), actBody("reopen", got.Version, notSolved)), http.StatusConflict, "wrong_state")
	})
}
