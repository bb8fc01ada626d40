package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// POST /api/v1/follows takes a ticket or an area and an address from anyone, answers 202 alike
// whether the address follows it already or not, and refuses hostile or unknown input with
// nothing stored.
func TestFollowByAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sink, smtp := notifytest.Start(t)
		mailer, err := notify.NewSMTPMailer(smtp, "citygrid <noreply@city.example>")
		if err != nil {
			t.Fatal(err)
		}
		ts := newServerWith(t, db, app.Options{Mailer: mailer})
		reg, err := ts.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
		if err != nil {
			t.Fatal(err)
		}
		pt, _ := grid.PointInside(reg.Geometry)
		in, err := ts.App.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &pt[0], Lat: &pt[1]})
		if err != nil {
			t.Fatal(err)
		}
		anon := ts.anonymous()
		state := func() (int, int64) {
			n, err := db.CountFollows(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			head, err := db.OutboxHead(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return n, head
		}
		follows, head := state()
		before := ts.snapshot(t)
		refusals := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"header injection", map[string]string{"ticket": in.Ticket, "email": "a@b.cn\r\nBcc: x@evil.example"}, 422, "bad_email"},
			{"NUL", `{"ticket":"` + in.Ticket + `","email":"a\u0000@b.cn"}`, 400, "bad_text"},
			{"invalid UTF-8", "{\"ticket\":\"" + in.Ticket + "\",\"email\":\"a\xff@b.cn\"}", 400, "bad_text"},
			{"10 KB address", map[string]string{"ticket": in.Ticket, "email": strings.Repeat("a", 10<<10) + "@b.cn"}, 422, "bad_email"},
			{"nothing to follow", map[string]string{"email": "a@b.cn"}, 422, "invalid"},
			{"both", map[string]string{"ticket": in.Ticket, "region": demo.GridWorkerGrid[:9], "email": "a@b.cn"}, 422, "invalid"},
			{"unknown ticket", map[string]string{"ticket": "20990101-000001", "email": "a@b.cn"}, 404, "not_found"},
			{"unknown area", map[string]string{"region": "999999999", "email": "a@b.cn"}, 404, "no_area"},
			{"unknown class", map[string]string{"region": demo.GridWorkerGrid[:9], "class": "matter-77", "email": "a@b.cn"}, 422, "invalid"},
			{"not JSON", "ticket=1", 400, "malformed_json"},
		}
		for _, r := range refusals {
			t.Run(r.name, func(t *testing.T) {
				wantError(t, anon.do(t, "POST", "/api/v1/follows", r.body), r.status, r.code)
			})
		}
		if n, h := state(); n != follows || h != head {
			t.Errorf("after refusals: %d follows (was %d), outbox head %d (was %d)", n, follows, h, head)
		}
		ts.wantUnchanged(t, before)
		for range 2 { // the second time the answer is the same
			r := anon.do(t, "POST", "/api/v1/follows", map[string]string{"ticket": in.Ticket, "email": "zhao@example.com"})
			wantStatus(t, r, http.StatusAccepted)
		}
		if _, err := ts.App.Notices.DeliverOutbox(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.App.Notices.SendDeliveries(t.Context()); err != nil {
			t.Fatal(err)
		}
		// Two requests, two confirmation mails while pending (both within the limit).
		if got := sink.Mails(); len(got) != 2 || got[0].To[0] != "zhao@example.com" {
			t.Errorf("mails %+v", got)
		}
	})
}
