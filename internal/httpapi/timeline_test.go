package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// A resident following their own report sees its public timeline: the steps, what was done
// and why it was rejected, never staff's usernames, notes or comments.
func TestAResidentSeesTheirReportsPublicTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		resident := ts.signedIn(t, "resident")
		operator, dispatcher, handler := ts.signedIn(t, "operator"), ts.signedIn(t, "dispatcher"), ts.signedIn(t, "handler")
		c := fileCase(t, resident, reportAt(casePoint(t, resident, demo.GridWorkerGrid, 0.0005), map[string]any{"description": "楼下有车堵住消防通道"}))
		c = act(t, operator, c, "comment", map[string]any{"note": "内部备注：车主是熟人"})
		c = act(t, operator, c, "register", map[string]any{"note": "登记备注：已电话核实"})
		c = act(t, dispatcher, c, "dispatch", map[string]any{"department": "410802-CGJ", "note": "派遣备注：优先处理"})
		c = act(t, handler, c, "accept", nil)
		photo := ts.photo(t, 9)
		c = act(t, handler, c, "handle", map[string]any{"result": "已拖离车辆", "note": "处置备注：车主态度恶劣", "photos": []string{photo}})
		act(t, resident, c, "comment", map[string]any{"note": "谢谢，已经看到处理了"})

		r := resident.do(t, "GET", casePath(c.ID), nil)
		wantStatus(t, r, http.StatusOK)
		body := string(r.Body)
		for _, secret := range []string{"operator", "dispatcher", "\"handler\"", "内部备注", "登记备注", "派遣备注", "处置备注"} {
			if strings.Contains(body, secret) {
				t.Errorf("the resident's view of their report shows %q", secret)
			}
		}
		var seen caseBody
		r.decode(t, &seen)
		if got, want := seen.actions(), []string{"report", "register", "dispatch", "accept", "handle", "comment"}; !slices.Equal(got, want) {
			t.Errorf("the resident's timeline: %v, want %v", got, want)
		}
		var result, own bool
		for _, e := range seen.Timeline {
			result = result || (e.Action == "handle" && e.Note == "已拖离车辆")
			own = own || (e.Action == "comment" && e.Actor == "resident" && e.Note == "谢谢，已经看到处理了")
		}
		if !result || !own {
			t.Errorf("the resident does not see what was done (%v) or their own comment (%v): %+v", result, own, seen.Timeline)
		}
		if r := resident.do(t, "GET", "/api/v1/attachments/"+photo, nil); r.Status != http.StatusOK {
			t.Errorf("the result's photo: got %d", r.Status)
		}

		// Staff over the case still see everything.
		full := ts.caseAsAdmin(t, c.ID)
		if len(full.Timeline) != 7 || !strings.Contains(string(operator.do(t, "GET", casePath(c.ID), nil).Body), "内部备注") {
			t.Errorf("staff's timeline lost something: %d events", len(full.Timeline))
		}
	})
}

// Open311's servicerequestupdates tell the reporter's side of the loop: what was done (a
// handling's result), why a report was rejected, where it was sent. Notes staff add to a
// step, and a leader's reasons for reopening, stay inside.
func TestOpen311PublishesNoInternalNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator, dispatcher, handler := ts.signedIn(t, "operator"), ts.signedIn(t, "dispatcher"), ts.signedIn(t, "handler")
		leader, gridworker := ts.signedIn(t, "leader"), ts.signedIn(t, "gridworker")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)

		c := fileCase(t, anon, reportAt(p, nil))
		c = act(t, operator, c, "register", map[string]any{"note": "登记备注：已电话核实"})
		c = act(t, dispatcher, c, "dispatch", map[string]any{"department": "410802-CGJ", "note": "派遣备注：优先处理"})
		c = act(t, handler, c, "accept", nil)
		c = act(t, handler, c, "handle", map[string]any{"result": "已拖离车辆", "note": "处置备注：车主态度恶劣", "photos": []string{ts.photo(t, 7)}})
		c = act(t, gridworker, c, "verify", map[string]any{"pass": true, "note": "核查备注：现场已无车辆"})
		act(t, leader, c, "reopen", map[string]any{"reason": "重开原因：领导批示复查"})

		r := fileCase(t, anon, reportAt(p, map[string]any{"description": "另一辆车"}))
		act(t, operator, r, "reject", map[string]any{"reject_reason": "invalid", "reason": "现场未发现问题", "note": "作废备注：举报人多次误报"})

		got := anon.do(t, "GET", o311+"servicerequestupdates.json", nil)
		wantStatus(t, got, http.StatusOK)
		body := string(got.Body)
		for _, told := range []string{"已拖离车辆", "现场未发现问题"} {
			if !strings.Contains(body, told) {
				t.Errorf("the updates do not tell the reporter %q: %s", told, body)
			}
		}
		for _, inside := range []string{"登记备注", "派遣备注", "处置备注", "核查备注", "重开原因", "作废备注"} {
			if strings.Contains(body, inside) {
				t.Errorf("the updates publish %q", inside)
			}
		}
	})
}
