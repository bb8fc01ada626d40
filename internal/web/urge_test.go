package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/workflow"
)

// testWords are the Latin words the pages may show here: the test reports' description
// (reportIn's) and the usernames.
var testWords = []string{"near", "the", "school", "gate", "leader", "handler"}

// overdueWorld is the demo city on a working morning with two cases of 09009 dispatched to
// 城管局 and left unsigned until the next day (overdue), and a fresh report (not overdue).
type overdueWorld struct {
	s              *site
	now            *time.Time
	late1, late2   string // tickets
	fresh          string
	late1ID, frsID int64
}

func newOverdueWorld(t *testing.T) overdueWorld {
	t.Helper()
	now := workingMorning(t)
	w := overdueWorld{now: &now}
	w.s = newSiteWith(t, app.Options{Clock: func() time.Time { return *w.now }})
	operator, dispatcher := principal(t, w.s, "operator"), principal(t, w.s, "dispatcher")
	var late []string
	for range 2 {
		c := reportIn(t, w.s, demo.GridWorkerGrid, "09009")
		if _, err := w.s.App.Cases.Act(t.Context(), operator, c.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.s.App.Cases.Act(t.Context(), dispatcher, c.ID, "dispatch", nil, workflow.Input{Department: "410802-CGJ"}); err != nil {
			t.Fatal(err)
		}
		late = append(late, c.Ticket)
		if w.late1ID == 0 {
			w.late1ID = c.ID
		}
	}
	w.late1, w.late2 = late[0], late[1]
	*w.now = now.Add(26 * time.Hour) // the sign-for and handling limits are hours: both are red by now
	c := reportIn(t, w.s, demo.GridWorkerGrid, "09009")
	w.fresh, w.frsID = c.Ticket, c.ID
	return w
}

// The leader urges two overdue cases from the wall screen's drill-down: signs in, opens the
// wall, clicks its overdue figure, ticks the two cases in the list it opens, chooses 督办 with a
// note and submits. Each case's timeline then says 督办 and why, by the leader; the handler of
// the department holding them finds the notice among its notifications; the list marks both
// 督办 and not the third case. From the third case's own page the leader urges it with the
// 督办 button, which the holder's handler is not offered.
func TestALeaderUrgesTwoOverdueCasesFromTheWallScreen(t *testing.T) {
	w := newOverdueWorld(t)
	s := w.s
	b := newBrowser(t)
	leader := b.person(t, "leader", false)
	leader.signIn(s.URL, "leader")
	leader.do(chromedp.Navigate(s.URL+"/dashboard/wall"), chromedp.WaitVisible(chromedp.CSS(`.wall-kpi.red[href$="light=red"]`)))
	leader.shot("wall")
	if n := leader.text(`.wall-kpi.red[href$="light=red"] .n`); n != "2" {
		t.Errorf("the wall counts %s overdue, want 2", n)
	}
	leader.do(chromedp.Click(chromedp.CSS(`.wall-kpi.red[href$="light=red"]`)), chromedp.WaitVisible(chromedp.ID("narrowed")))
	listed := eval[[]string](leader, `[...document.querySelectorAll('a[data-ticket]')].map(a => a.dataset.ticket)`)
	if len(listed) != 2 || !strings.Contains(strings.Join(listed, " "), w.late1) || !strings.Contains(strings.Join(listed, " "), w.late2) {
		t.Fatalf("the wall's overdue list shows %v, want %s and %s", listed, w.late1, w.late2)
	}
	options := eval[[]string](leader, `[...document.querySelectorAll('#bulk-action option')].map(o => o.textContent)`)
	if !strings.Contains(strings.Join(options, " "), "督办") || eval[string](leader, `document.getElementById('bulk-action').value`) != "" {
		t.Errorf("the bulk actions %v (chosen %q): want 督办 offered and nothing chosen beforehand", options, eval[string](leader, `document.getElementById('bulk-action').value`))
	}
	const note = "两案均已超时，请今日内处置完毕"
	leader.do(chromedp.Click(chromedp.CSS(`#task-list li.task:nth-child(2) input[name=case]`)),
		chromedp.Click(chromedp.CSS(`#task-list li.task:nth-child(3) input[name=case]`)),
		chromedp.SetValue(chromedp.ID("bulk-action"), string(workflow.Urge)),
		chromedp.SendKeys(chromedp.ID("bulk-note"), note))
	leader.shot("urge-chosen")
	leader.follow(chromedp.Click(chromedp.ID("bulk-go")), "#task-list")
	if got := leader.text("#notice"); !strings.Contains(got, "已完成 2 件") || !strings.Contains(got, "督办") {
		t.Errorf("after urging, the list says %q", got)
	}
	leader.shot("urged")
	marked := eval[map[string]bool](leader, `Object.fromEntries([...document.querySelectorAll('#task-list li.task')].map(li =>
		[li.querySelector('a[data-ticket]').dataset.ticket, !!li.querySelector('.badge.urged')]))`)
	if !marked[w.late1] || !marked[w.late2] || marked[w.fresh] {
		t.Errorf("the list's 督办 marks: %v; want %s and %s marked, %s not", marked, w.late1, w.late2, w.fresh)
	}
	if got := leader.text(`#task-list li:has(a[data-ticket="` + w.late1 + `"]) .badge.urged`); got != "督办" {
		t.Errorf("the mark reads %q", got)
	}
	leader.readsChinese("the urged list", testWords)
	hrefs := eval[map[string]string](leader, `Object.fromEntries([...document.querySelectorAll('a[data-ticket]')].map(a => [a.dataset.ticket, a.href]))`)
	for _, ticket := range []string{w.late1, w.late2} {
		leader.do(chromedp.Navigate(hrefs[ticket]), chromedp.WaitVisible(chromedp.ID("timeline")))
		entry := eval[string](leader, `[...document.querySelectorAll('#timeline li')].map(li => li.innerText).filter(s => s.includes('督办：')).join('|')`)
		if !strings.Contains(entry, "督办："+note) || !strings.Contains(entry, "值班长 · 解放区监督中心") || !strings.Contains(entry, "城市管理局") { // the leader by their display name
			t.Errorf("case %s's timeline says %q; want 督办：<note> by the leader, naming 城市管理局", ticket, entry)
		}
		if st := leader.text("#case-status"); st != "已派遣" {
			t.Errorf("case %s is %q after the urging, want still 已派遣", ticket, st)
		}
		if n := leader.text("#case-counters"); !strings.HasSuffix(n, "督办 1") {
			t.Errorf("case %s counts %q, want 督办 1", ticket, n)
		}
	}
	leader.noConsoleErrors()

	// The handler of 城管局, which holds both, is told of each at once; the case page offers
	// it no 督办.
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	handler := b.person(t, "handler", true)
	handler.signIn(s.URL, "handler")
	handler.do(chromedp.Navigate(s.URL+"/notifications"), chromedp.WaitVisible(chromedp.ID("notification-list")))
	handler.shot("notices")
	notices := eval[string](handler, `document.getElementById('notification-list').innerText`)
	for _, ticket := range []string{w.late1, w.late2} {
		if !regexp.MustCompile(regexp.QuoteMeta(ticket) + `：督办：` + regexp.QuoteMeta(note)).MatchString(notices) {
			t.Errorf("the handler's notices lack the urging of %s:\n%s", ticket, notices)
		}
	}
	handler.readsChinese("the handler's notices", testWords)
	if w := eval[int](handler, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("the notices are %d px wide on a %d px phone", w, phoneWidth)
	}
	handler.do(chromedp.Navigate(fmt.Sprintf("%s/cases/%d", s.URL, w.late1ID)), chromedp.WaitVisible(chromedp.ID("timeline")))
	if n := eval[int](handler, `document.querySelectorAll('#act-urge').length`); n != 0 {
		t.Errorf("the holding department's handler is offered 督办")
	}
	handler.noConsoleErrors()

	// The fresh report, at its centre, urged from its own page.
	leader.do(chromedp.Navigate(fmt.Sprintf("%s/cases/%d", s.URL, w.frsID)), chromedp.WaitVisible(chromedp.ID("act-urge")))
	leader.do(chromedp.Click(chromedp.CSS("#act-urge summary")), chromedp.SendKeys(chromedp.ID("note-urge"), "请尽快受理"))
	if max := eval[string](leader, `document.getElementById('note-urge').getAttribute('maxlength')`); max != "500" {
		t.Errorf("the note's maxlength is %q", max)
	}
	leader.shot("case-urge")
	leader.follow(chromedp.Click(chromedp.ID("do-urge")), "#case-status")
	if entry := eval[string](leader, `[...document.querySelectorAll('#timeline li')].map(li => li.innerText).filter(s => s.includes('督办：')).join('|')`); !strings.Contains(entry, "督办：请尽快受理") {
		t.Errorf("the case page's urging reads %q", entry)
	}
	if st := leader.text("#case-status"); st != "待受理" {
		t.Errorf("the urged report is %q, want still 待受理", st)
	}
	leader.noConsoleErrors()
}

// The /tasks list of a leader on a phone, with the bulk bar's 督办 note, fits the screen; a
// handler's bulk menu has no 督办, and a handler posting it anyway is refused with nothing
// urged.
func TestTheBulkUrgingIsOfferedOnlyToThoseWhoUrge(t *testing.T) {
	w := newOverdueWorld(t)
	s := w.s
	b := newBrowser(t)
	leader := b.person(t, "leader-phone", true)
	leader.signIn(s.URL, "leader")
	leader.do(chromedp.Navigate(s.URL+"/tasks?status=open&light=red"), chromedp.WaitVisible(chromedp.ID("bulk-note")))
	if wide := eval[int](leader, `document.documentElement.scrollWidth`); wide > phoneWidth {
		t.Errorf("the leader's list is %d px wide on a %d px phone", wide, phoneWidth)
	}
	leader.shot("tasks-phone")
	leader.noConsoleErrors()

	v := s.visitor(t)
	v.signIn("handler")
	_, _, page := v.do("GET", "/tasks", nil)
	if strings.Contains(page, `value="urge"`) || strings.Contains(page, `id="bulk-note"`) {
		t.Errorf("the handler's bulk menu offers 督办")
	}
	status, _, _ := v.do("POST", "/tasks/bulk", url.Values{"action": {"urge"}, "case": {fmt.Sprint(w.late1ID)}, "note": {"自己催自己"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("a handler's bulk urging answered %d, want 422", status)
	}
	c, err := s.App.Cases.Case(t.Context(), principal(t, s, "leader"), w.late1ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Counters.Urges != 0 {
		t.Errorf("the handler's refused urging counted: %d", c.Counters.Urges)
	}
}
