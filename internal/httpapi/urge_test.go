package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// urgeWorld is the demo city with two cases of 09009 dispatched to 城管局 (the demo handler's
// department) and a third the reporting resident filed signed in, still reported.
type urgeWorld struct {
	ts                           *testServer
	leader, dispatcher, handler  *client
	resident                     *client
	a, b, own                    caseBody
	day                          string // the tickets' day, for counting stored cases
	otherLeader, otherDispatcher *client
}

func newUrgeWorld(t *testing.T, db *store.DB) urgeWorld {
	t.Helper()
	ts := newServer(t, db)
	for _, u := range []people.NewUser{
		{Username: "shanyang.leader", Role: "leader", Scope: shanyangDistrict, Password: demo.Password},
		{Username: "shanyang.dispatcher", Role: "dispatcher", Scope: shanyangDistrict, Password: demo.Password},
	} {
		if _, err := ts.App.People.AddUser(t.Context(), apptest.System, u); err != nil {
			t.Fatal(err)
		}
	}
	w := urgeWorld{ts: ts, leader: ts.signedIn(t, "leader"), dispatcher: ts.signedIn(t, "dispatcher"), handler: ts.signedIn(t, "handler"),
		resident: ts.signedIn(t, "resident"), otherLeader: ts.signedIn(t, "shanyang.leader"), otherDispatcher: ts.signedIn(t, "shanyang.dispatcher")}
	operator := ts.signedIn(t, "operator")
	p := casePoint(t, ts.anonymous(), demo.GridWorkerGrid, 0.0005)
	dispatched := func(what string) caseBody {
		cs := fileCase(t, ts.anonymous(), reportAt(p, map[string]any{"description": what}))
		cs = act(t, operator, cs, "register", nil)
		return act(t, w.dispatcher, cs, "dispatch", nil)
	}
	w.a, w.b = dispatched("a car across the pavement"), dispatched("a van on the crossing")
	w.own = fileCase(t, w.resident, reportAt(p, map[string]any{"description": "my own report"}))
	w.day = strings.SplitN(w.a.Ticket, "-", 2)[0]
	return w
}

// urgeResults is the answer of POST /api/v1/cases/urge.
type urgeResults struct {
	Urged   int `json:"urged"`
	Refused int `json:"refused"`
	Results []struct {
		ID     int64  `json:"id"`
		Ticket string `json:"ticket"`
		Urged  bool   `json:"urged"`
		Urges  int    `json:"urges"`
		Status int    `json:"status"`
		Error  *struct {
			Code   string         `json:"code"`
			Reason string         `json:"reason"`
			Params map[string]any `json:"params"`
		} `json:"error"`
	} `json:"results"`
}

// urgesOf reads a case's count of urgings and its urgings on the timeline, as the admin sees it.
func (w urgeWorld) urgesOf(t *testing.T, id int64) (count int, timeline []caseEvent) {
	t.Helper()
	var c struct {
		Counters struct {
			Urges int `json:"urges"`
		} `json:"counters"`
		Timeline []caseEvent `json:"timeline"`
	}
	r := w.ts.adminClient(t).do(t, "GET", casePath(id), nil)
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &c)
	for _, e := range c.Timeline {
		if e.Action == "urge" {
			timeline = append(timeline, e)
		}
	}
	return c.Counters.Urges, timeline
}

// A leader urges a dispatched case: the status stays, the timeline and the audit say who
// urged and why, the holding department's handler hears of it at once (the leader does not),
// and the list marks the case and filters it.
func TestALeaderUrgesACaseAndItsHolderHearsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newUrgeWorld(t, db)
		ts := w.ts
		r := w.leader.do(t, "POST", actionsPath(w.a.ID), map[string]any{"action": "urge", "note": "请今日内处置完毕"})
		wantStatus(t, r, http.StatusOK)
		var got caseBody
		r.decode(t, &got)
		if got.Status != "dispatched" || got.Holder.Code != "410802-CGJ" || got.Version != w.a.Version+1 {
			t.Errorf("urged: %s held by %s at version %d; want still dispatched to 城管局, one version on", got.Status, got.Holder.Code, got.Version)
		}
		n, events := w.urgesOf(t, w.a.ID)
		if n != 1 || len(events) != 1 || events[0].Actor != "leader" || events[0].Note != "请今日内处置完毕" || events[0].From != "dispatched" || events[0].To != "dispatched" {
			t.Fatalf("after one urging: %d urges, timeline %+v", n, events)
		}
		if recs := auditOf(t, db, "case.urge", w.a.ID); len(recs) != 1 || !strings.HasPrefix(recs[0], "leader ") {
			t.Errorf("audit of the urging: %v", recs)
		}

		if _, err := ts.App.Notices.DeliverOutbox(t.Context()); err != nil {
			t.Fatal(err)
		}
		type notices struct {
			Notifications []struct {
				Topic   string `json:"topic"`
				CaseID  int64  `json:"case_id"`
				Message string `json:"message"`
			} `json:"notifications"`
		}
		urgedOf := func(c *client) []string {
			var page notices
			r := c.do(t, "GET", "/api/v1/notifications", nil)
			wantStatus(t, r, http.StatusOK)
			r.decode(t, &page)
			var out []string
			for _, n := range page.Notifications {
				if n.Topic == "case.urge" && n.CaseID == w.a.ID {
					out = append(out, n.Message)
				}
			}
			return out
		}
		if got := urgedOf(w.handler); len(got) != 1 || !strings.Contains(got[0], w.a.Ticket) || !strings.Contains(got[0], "请今日内处置完毕") {
			t.Errorf("the holding department's handler was told %q, want one notice with the ticket and the note", got)
		}
		if got := urgedOf(w.leader); len(got) != 0 {
			t.Errorf("the urging leader was told of its own urging: %q", got)
		}
		if got := urgedOf(w.otherLeader); len(got) != 0 {
			t.Errorf("another district's leader was told: %q", got)
		}

		var page struct {
			Cases []struct {
				ID      int64      `json:"id"`
				Urged   int        `json:"urged"`
				UrgedAt *time.Time `json:"urged_at"`
			} `json:"cases"`
		}
		r = w.leader.do(t, "GET", "/api/v1/cases?urged=1", nil)
		wantStatus(t, r, http.StatusOK)
		r.decode(t, &page)
		if len(page.Cases) != 1 || page.Cases[0].ID != w.a.ID || page.Cases[0].Urged != 1 || page.Cases[0].UrgedAt == nil {
			t.Errorf("the urged cases: %s", r.Body)
		}
		page.Cases = nil
		r = w.leader.do(t, "GET", "/api/v1/cases?status=dispatched", nil)
		r.decode(t, &page)
		for _, c := range page.Cases {
			if urged := c.ID == w.a.ID; (c.Urged == 1) != urged || (c.UrgedAt != nil) != urged {
				t.Errorf("case %d listed with urged %d at %v", c.ID, c.Urged, c.UrgedAt)
			}
		}
		if len(page.Cases) != 2 {
			t.Errorf("dispatched cases: %s", r.Body)
		}
	})
}

// Urging is supervision's: a resident, the handler holding the case, a grid worker and another
// district's leader or dispatcher are refused, one case at a time or in bulk, and nothing they
// sent changes a case, the audit trail or the evaluation.
func TestOnlySupervisionInScopeUrges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newUrgeWorld(t, db)
		ts := w.ts
		gridworker := ts.signedIn(t, "gridworker")
		before := ts.caseWorld(t, w.day, w.a.ID, w.b.ID, w.own.ID)
		evalBefore, _, err := db.EvalDump(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		one := map[string]any{"action": "urge", "note": "快"}
		for _, c := range []struct {
			name   string
			who    *client
			id     int64
			status int
			code   string
		}{
			{"a resident, on a case not theirs (existence stays private)", w.resident, w.a.ID, http.StatusNotFound, "not_found"},
			{"a resident, on their own report", w.resident, w.own.ID, http.StatusForbidden, "forbidden"},
			{"the handler holding the case", w.handler, w.a.ID, http.StatusForbidden, "forbidden"},
			{"the case's grid worker", gridworker, w.a.ID, http.StatusForbidden, "forbidden"},
			{"another district's leader", w.otherLeader, w.a.ID, http.StatusNotFound, "not_found"},
			{"another district's dispatcher", w.otherDispatcher, w.b.ID, http.StatusNotFound, "not_found"},
			{"someone signed out", ts.anonymous(), w.a.ID, http.StatusNotFound, "not_found"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, c.who.do(t, "POST", actionsPath(c.id), one), c.status, c.code)
			})
		}
		bulk := map[string]any{"ids": []int64{w.a.ID, w.b.ID}, "note": "快"}
		wantError(t, w.resident.do(t, "POST", "/api/v1/cases/urge", bulk), http.StatusForbidden, "forbidden")
		wantError(t, w.handler.do(t, "POST", "/api/v1/cases/urge", bulk), http.StatusForbidden, "forbidden")
		wantError(t, gridworker.do(t, "POST", "/api/v1/cases/urge", bulk), http.StatusForbidden, "forbidden")
		wantError(t, ts.anonymous().do(t, "POST", "/api/v1/cases/urge", bulk), http.StatusUnauthorized, "unauthorized")
		// Another district's leader may urge, but none of these cases: each is not found to it.
		r := w.otherLeader.do(t, "POST", "/api/v1/cases/urge", map[string]any{"ids": []int64{w.a.ID}, "tickets": []string{w.b.Ticket}})
		wantStatus(t, r, http.StatusOK)
		var res urgeResults
		r.decode(t, &res)
		if res.Urged != 0 || res.Refused != 2 || len(res.Results) != 2 {
			t.Fatalf("another district's bulk urging: %s", r.Body)
		}
		for _, x := range res.Results {
			if x.Urged || x.Status != http.StatusNotFound || x.Error == nil || x.Error.Code != "not_found" {
				t.Errorf("another district's urging of %d %s: %s", x.ID, x.Ticket, r.Body)
			}
		}
		ts.wantSameWorld(t, w.day, before)
		evalAfter, _, err := db.EvalDump(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(evalAfter) != fmt.Sprint(evalBefore) {
			t.Errorf("the refused urgings changed the evaluation aggregates")
		}
	})
}

// Input the batch cannot take is refused whole and urges nothing: bytes that are not text,
// too long a note, wrong types, no case or too many. A closed case is refused (409) alone,
// the others of its batch urged; an unknown ticket is not found.
func TestUrgingRefusesBadInputAndClosedCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newUrgeWorld(t, db)
		ts := w.ts
		closed := act(t, w.leader, w.b, "close", map[string]any{"reason": "涉法涉诉，转司法途径"})
		if closed.Status != "closed" {
			t.Fatalf("closed specially: %s", closed.Status)
		}
		before := ts.caseWorld(t, w.day, w.a.ID, w.b.ID)
		long := strings.Repeat("催", 501)
		many := make([]int64, 201)
		for i := range many {
			many[i] = w.a.ID
		}
		for _, c := range []struct {
			name         string
			path         string
			body         any
			status       int
			code, reason string
		}{
			{"NUL in the note", actionsPath(w.a.ID), `{"action": "urge", "note": "快\u0000点"}`, 400, "bad_text", ""},
			{"invalid UTF-8 in the note", actionsPath(w.a.ID), "{\"action\": \"urge\", \"note\": \"\xff\xfe\"}", 400, "bad_text", ""},
			{"a note of 501 characters", actionsPath(w.a.ID), map[string]any{"action": "urge", "note": long}, 422, "invalid", "too_long"},
			{"a number for the note", actionsPath(w.a.ID), `{"action": "urge", "note": 5}`, 400, "wrong_type", ""},
			{"a closed case", actionsPath(w.b.ID), map[string]any{"action": "urge"}, 409, "wrong_state", ""},
			{"an old version", actionsPath(w.a.ID), map[string]any{"action": "urge", "version": w.a.Version - 1}, 409, "version_conflict", ""},
			{"bulk: NUL in the note", "/api/v1/cases/urge", `{"ids": [1], "note": "快\u0000点"}`, 400, "bad_text", ""},
			{"bulk: invalid UTF-8 in a ticket", "/api/v1/cases/urge", "{\"tickets\": [\"\xff\"]}", 400, "bad_text", ""},
			{"bulk: a note of 501 characters", "/api/v1/cases/urge", map[string]any{"ids": []int64{w.a.ID}, "note": long}, 422, "invalid", "too_long"},
			{"bulk: ids as text", "/api/v1/cases/urge", `{"ids": ["one"]}`, 400, "wrong_type", ""},
			{"bulk: no case", "/api/v1/cases/urge", `{"note": "快"}`, 422, "invalid", "required"},
			{"bulk: 201 cases", "/api/v1/cases/urge", map[string]any{"ids": many}, 422, "invalid", "too_many_cases"},
			{"bulk: not JSON", "/api/v1/cases/urge", `{"ids": [`, 400, "malformed_json", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := w.leader.do(t, "POST", c.path, c.body)
				wantError(t, r, c.status, c.code)
				if c.reason != "" && !strings.Contains(string(r.Body), `"reason":"`+c.reason+`"`) {
					t.Errorf("want reason %s: %s", c.reason, r.Body)
				}
			})
		}
		ts.wantSameWorld(t, w.day, before)

		// A batch with a closed case and an unknown ticket urges the open case alone.
		r := w.leader.do(t, "POST", "/api/v1/cases/urge", map[string]any{"ids": []int64{w.a.ID, w.b.ID, w.a.ID}, "tickets": []string{"20000101-000001"}, "note": "限今日办结"})
		wantStatus(t, r, http.StatusOK)
		var res urgeResults
		r.decode(t, &res)
		if res.Urged != 1 || res.Refused != 2 || len(res.Results) != 3 {
			t.Fatalf("a mixed batch: %s", r.Body)
		}
		byID := map[string]int{}
		for _, x := range res.Results {
			key := fmt.Sprint(x.ID)
			if x.ID == 0 {
				key = x.Ticket
			}
			byID[key] = x.Status
			if x.Urged != (x.ID == w.a.ID) {
				t.Errorf("case %d %s urged %v", x.ID, x.Ticket, x.Urged)
			}
		}
		if byID[fmt.Sprint(w.a.ID)] != 0 || byID[fmt.Sprint(w.b.ID)] != http.StatusConflict || byID["20000101-000001"] != http.StatusNotFound {
			t.Errorf("a mixed batch's statuses %v: %s", byID, r.Body)
		}
		if n, _ := w.urgesOf(t, w.a.ID); n != 1 {
			t.Errorf("the open case named twice was urged %d times, want once", n)
		}
		if n, _ := w.urgesOf(t, w.b.ID); n != 0 {
			t.Errorf("the closed case was urged %d times", n)
		}
	})
}

// Urgings sent at once, singly and in bulk, are each recorded once: no urging is lost to a
// race and none counted twice, on the timeline, in the audit trail and in the evaluation.
func TestConcurrentUrgingsAreEachRecordedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newUrgeWorld(t, db)
		const single, batches = 6, 4
		for i, a := range race(t, w.leader, single, "POST", actionsPath(w.a.ID), map[string]any{"action": "urge", "note": "并发督办"}) {
			if a.status != http.StatusOK {
				t.Errorf("urging %d: %d %s", i, a.status, a.body)
			}
		}
		answers := raceEach(t, w.dispatcher, batches, "POST", "/api/v1/cases/urge", func(i int) any {
			return map[string]any{"ids": []int64{w.a.ID, w.b.ID}, "note": fmt.Sprintf("批量督办 %d", i)}
		})
		for i, a := range answers {
			if a.status != http.StatusOK || !strings.Contains(string(a.body), `"urged":2,"refused":0`) {
				t.Errorf("batch %d: %d %s", i, a.status, a.body)
			}
		}
		for _, c := range []struct {
			id   int64
			want int
		}{{w.a.ID, single + batches}, {w.b.ID, batches}} {
			n, events := w.urgesOf(t, c.id)
			if n != c.want || len(events) != c.want {
				t.Errorf("case %d: %d urges, %d on the timeline; want %d", c.id, n, len(events), c.want)
			}
			if recs := auditOf(t, db, "case.urge", c.id); len(recs) != c.want {
				t.Errorf("case %d: %d audit records of urging, want %d", c.id, len(recs), c.want)
			}
		}
		if _, err := w.ts.App.VerifyAudit(t.Context()); err != nil {
			t.Errorf("the audit chain after the race: %v", err)
		}
		rows, _, err := db.EvalDump(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		urged := slices.Index(store.EvalCountColumns, "urged")
		var cgj int64
		for _, r := range rows {
			if r.Cell.Kind == "department" && r.Cell.Key == "410802-CGJ" && r.Cell.District == "" {
				cgj += r.Counts[urged]
			}
		}
		if cgj != single+2*batches {
			t.Errorf("城管局 counted %d urgings, want %d", cgj, single+2*batches)
		}
	})
}
