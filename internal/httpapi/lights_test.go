package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/worktime"
)

// GET /api/v1/cases?light=red and ?overdue=1 find a report left past its acceptance limit, as
// they find a case past its handling deadline; a light that is none is refused.
func TestListByLightFindsEveryStage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cal, err := worktime.New(worktime.Config{})
		if err != nil {
			t.Fatal(err)
		}
		// 09:00 on a working day a week ahead: session cookies made on this clock outlive the test.
		d := time.Now().In(worktime.China).AddDate(0, 0, 7)
		for !cal.IsWorkingDay(d) {
			d = d.AddDate(0, 0, 1)
		}
		now := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, worktime.China)
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Clock: func() time.Time { return now }, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(t.Context(), a, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		ts := serve(t, a)
		op := ts.signedIn(t, "operator")
		c := fileCase(t, ts.anonymous(), reportAt(casePoint(t, op, demo.GridWorkerGrid, 1e-4), nil))
		type page struct {
			Cases []struct {
				ID    int64      `json:"id"`
				Light string     `json:"light"`
				Due   *time.Time `json:"due"`
			} `json:"cases"`
		}
		list := func(query string) page {
			t.Helper()
			r := op.do(t, "GET", "/api/v1/cases?"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var p page
			r.decode(t, &p)
			return p
		}
		now = now.Add(time.Hour) // the default acceptance limit is 30 minutes
		for _, tt := range []struct {
			query string
			want  int
		}{{"light=red", 1}, {"overdue=1", 1}, {"light=yellow", 0}, {"light=green", 0}, {"sort=due", 1}} {
			p := list(tt.query)
			if len(p.Cases) != tt.want {
				t.Errorf("%s: %d cases, want %d", tt.query, len(p.Cases), tt.want)
				continue
			}
			for _, got := range p.Cases {
				if got.ID != c.ID || got.Light != "red" || got.Due == nil || !got.Due.Equal(now.Add(-30*time.Minute)) {
					t.Errorf("%s: case %d light %q due %v, want case %d red due %v", tt.query, got.ID, got.Light, got.Due, c.ID, now.Add(-30*time.Minute))
				}
			}
		}
		wantError(t, op.do(t, "GET", "/api/v1/cases?light=blue", nil), http.StatusUnprocessableEntity, "invalid")
	})
}
