package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// workList is a dispatcher's queue at 10:00 of a working morning, in several streets and
// communities of 解放区: 55 cases of 机动车乱停放 registered at 09:00 (red: dispatch is due in 30
// working minutes), 6 more at 09:33 (yellow: 27 of the 30 used), 5 of another category at 09:45
// (green), and one in progress whose department asks for 16 more working hours.
type workList struct {
	s        *site
	now      *time.Time
	asking   cases.Intake // the case whose extension is asked
	byTicket map[string]int64
}

const (
	workRed, workYellow, workGreen = 55, 6, 5
	workQueue                      = workRed + workYellow + workGreen + 1
	extensionReason                = "需协调交警拖车，请求延期"
)

func newWorkList(t *testing.T) *workList {
	t.Helper()
	start := workingMorning(t)
	now := start
	w := &workList{now: &now, byTicket: map[string]int64{}}
	w.s = newSiteWith(t, app.Options{Clock: func() time.Time { return *w.now }})
	a, system := w.s.App, access.SystemPrincipal("test")
	var grids []string
	for r, err := range a.Regions.Regions(t.Context(), "410802") {
		if err != nil {
			t.Fatal(err)
		}
		if r.Level == grid.Grid && r.Geometry != nil && len(grids) < 12 && (len(grids) == 0 || grids[len(grids)-1][:12] != r.Code[:12]) {
			grids = append(grids, r.Code)
		}
	}
	if len(grids) < 3 {
		t.Fatalf("grids of 解放区: %v", grids)
	}
	n := 0
	report := func(at time.Duration, category, what string, urgency workflow.Urgency) cases.Intake {
		t.Helper()
		*w.now = start.Add(at)
		g := grids[n%len(grids)]
		n++
		p := apptest.PointIn(t, a, g)
		c, err := a.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: what, Lon: &p[0], Lat: &p[1], Urgency: urgency})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Cases.Act(t.Context(), system, c.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		w.byTicket[c.Ticket] = c.ID
		return c
	}
	w.asking = report(0, "09009", "货车长期占用消防通道", "")
	for _, a := range []workflow.Action{workflow.Dispatch, workflow.Accept, workflow.RequestExtension} {
		in := workflow.Input{}
		switch a {
		case workflow.Dispatch:
			in.Department = "410802-CGJ"
		case workflow.RequestExtension:
			in.Hours, in.Reason = 16, extensionReason
		}
		if _, err := w.s.App.Cases.Act(t.Context(), system, w.asking.ID, string(a), nil, in); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	for i := range workRed {
		urgency := workflow.Urgency("")
		if i%10 == 0 {
			urgency = workflow.UrgencyUrgent
		}
		report(time.Duration(i)*time.Second, "09009", fmt.Sprintf("机动车占用人行道 第 %d 处，影响行人通行", i+1), urgency)
	}
	for i := range workYellow {
		report(33*time.Minute+time.Duration(i)*time.Second, "09009", "车辆停在盲道上", "")
	}
	for i := range workGreen {
		report(45*time.Minute+time.Duration(i)*time.Second, "07001", "绿地内堆放杂物", "")
	}
	*w.now = start.Add(time.Hour)
	return w
}

// rows returns the tickets the list shows, top to bottom.
func rows(p *person) []string {
	return eval[[]string](p, `Array.from(document.querySelectorAll('#task-list a[data-ticket]')).map(a => a.dataset.ticket)`)
}

// A dispatcher at a desk works the queue from the table: narrows it to 机动车乱停放 and red,
// orders it by deadline, pages to page 2 and back with the true total, selects the whole page,
// saves the view, comes back later and opens it again; then approves an extension from its
// row. On a phone the same list is cards, and nothing is wider than the screen.
func TestADispatcherWorksTheQueueFromTheTable(t *testing.T) {
	w := newWorkList(t)
	s := w.s
	b := newBrowser(t)
	desk := b.person(t, "dispatcher-desk", false)
	desk.do(chromedp.EmulateViewport(1366, 900))
	desk.signIn(s.URL, "dispatcher")
	desk.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("counts")))
	desk.shot("queue")
	if got, want := desk.text("#total"), fmt.Sprintf("共 %d 件", workQueue); got != want {
		t.Errorf("the queue's total: %q, want %q", got, want)
	}
	if got, want := desk.text("#chip-red"), fmt.Sprintf("超期 %d", workRed); got != want {
		t.Errorf("the red count: %q, want %q", got, want)
	}
	// A table on a desk: its header shows, and a row's cells stand side by side.
	if !eval[bool](desk, `getComputedStyle(document.querySelector('.task-head')).display === 'grid'`) {
		t.Errorf("no table header on a desktop")
	}
	if tops := eval[[]float64](desk, `['.tk','.what','.place','.dept','.src','.lt','.due'].map(c => document.querySelector('#task-list .task '+c).getBoundingClientRect().top)`); tops[0] != tops[6] || tops[1] != tops[2] {
		t.Errorf("a row's cells are not side by side: tops %v", tops)
	}
	first := eval[string](desk, `document.querySelector('#task-list .task .place').textContent`)
	if !strings.Contains(first, "街道") || !strings.Contains(first, "社区") {
		t.Errorf("a row's place is %q, want its street and community by name", first)
	}
	if got := eval[string](desk, `document.querySelector('#task-list .task .dept').textContent`); got != "未派遣" {
		t.Errorf("a registered case's department: %q", got)
	}
	if n := eval[int](desk, `document.querySelectorAll('#task-list .badge.u-urgent').length`); n == 0 {
		t.Errorf("no urgent case is flagged 紧急")
	}

	// Category and light, by deadline.
	desk.follow(chromedp.Steps(
		chromedp.Click(chromedp.CSS("#more-filters summary")),
		chromedp.SetValue(chromedp.ID("f-cat"), "matter:09009"),
		chromedp.SetValue(chromedp.ID("f-light"), "red"),
		chromedp.SetValue(chromedp.ID("f-sort"), "due"),
		chromedp.Click(chromedp.ID("filter-go")),
	), "#counts")
	desk.shot("red-parking-by-deadline")
	if got, want := desk.text("#total"), fmt.Sprintf("共 %d 件", workRed); got != want {
		t.Errorf("narrowed: %q, want %q", got, want)
	}
	if got, want := desk.text("#chip-yellow"), fmt.Sprintf("临期 %d", workYellow); got != want {
		t.Errorf("the yellow count of the narrowed list: %q, want %q (over the whole list, not its page)", got, want)
	}
	// The Excel export takes the list as narrowed and ordered.
	if got := eval[map[string]string](desk, `JSON.parse(document.getElementById('export').dataset.filters)`); got["category"] != "09009" ||
		got["kind"] != "matter" || got["light"] != "red" || got["sort"] != "due" || got["status"] != "registered,in_progress" {
		t.Errorf("the export's filters: %v", got)
	}
	page1 := rows(desk)
	if len(page1) != 50 {
		t.Fatalf("page 1 has %d rows, want 50", len(page1))
	}
	if n := eval[int](desk, `document.querySelectorAll('#task-list .dot.red').length`); n != 50 {
		t.Errorf("%d of 50 rows are red", n)
	}
	// By deadline: the urgent ones (10 minutes to dispatch) first, then the others.
	byDue, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Kind: "matter", Category: "09009", Light: "red", SortByDue: true, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range byDue.Cases {
		if page1[i] != c.Ticket {
			t.Errorf("row %d is %s, want %s: the list is not by deadline", i+1, page1[i], c.Ticket)
			break
		}
	}
	if byDue.Cases[0].Urgency != workflow.UrgencyUrgent {
		t.Errorf("the soonest deadline is not an urgent case's")
	}
	if !eval[bool](desk, `document.querySelector('#task-list .due').textContent.includes('超期')`) {
		t.Errorf("a red row's deadline does not say how long overdue: %q", desk.text("#task-list .due"))
	}
	desk.follow(chromedp.Click(chromedp.ID("page-next")), "#counts")
	desk.shot("page-2")
	page2 := rows(desk)
	if len(page2) != workRed-50 || strings.Contains(strings.Join(page1, ","), page2[0]) {
		t.Errorf("page 2: %v", page2)
	}
	if got := desk.text("#page-no"); got != fmt.Sprintf("第 2 页 · 共 %d 件", workRed) {
		t.Errorf("page 2 says %q", got)
	}
	desk.follow(chromedp.Click(chromedp.ID("page-prev")), "#counts")
	if back := rows(desk); strings.Join(back, ",") != strings.Join(page1, ",") {
		t.Errorf("back on page 1: %v", back)
	}

	// Select the whole page; the bulk action is still to be chosen.
	desk.do(chromedp.Click(chromedp.ID("pick-all")))
	if n := eval[int](desk, `document.querySelectorAll('#task-list input[name=case]:checked').length`); n != 50 {
		t.Errorf("select all ticked %d boxes, want 50", n)
	}
	if got := desk.text("#picked"); got != "已选 50 件" {
		t.Errorf("the count of the selected says %q", got)
	}
	if got := eval[string](desk, `document.getElementById('bulk-action').value`); got != "" {
		t.Errorf("the bulk action is preset to %q", got)
	}

	// Saved as a view, opened again later.
	desk.do(chromedp.SendKeys(chromedp.ID("view-name"), "超期乱停放"), chromedp.Click(chromedp.ID("view-save")),
		chromedp.WaitVisible(chromedp.CSS(`#view-list .view a`)))
	if got := desk.text("#view-state"); got != "已保存视图“超期乱停放”" {
		t.Errorf("after saving: %q", got)
	}
	desk.do(chromedp.Navigate(s.URL+"/tasks"), chromedp.WaitVisible(chromedp.ID("counts")))
	if got := desk.text("#total"); got != fmt.Sprintf("共 %d 件", workQueue) {
		t.Errorf("the queue again: %q", got)
	}
	desk.follow(chromedp.Click(chromedp.CSS(`#view-list .view a`)), "#counts")
	desk.shot("view-reopened")
	if got := desk.text("#total"); got != fmt.Sprintf("共 %d 件", workRed) {
		t.Errorf("the view reopened: %q", got)
	}
	if got := eval[[]string](desk, `['f-cat','f-light','f-sort'].map(id => document.getElementById(id).value)`); strings.Join(got, " ") != "matter:09009 red due" {
		t.Errorf("the view's filters: %v", got)
	}
	if got := rows(desk); strings.Join(got, ",") != strings.Join(page1, ",") {
		t.Errorf("the view lists %v, want %v", got, page1)
	}
	// Names as the dictionary and the integrations spell them (紧急报警点SOS, Open311).
	desk.readsChinese("worklist", []string{"dispatcher", "SOS", "Open"})

	// The extension asked, approved in its row.
	desk.do(chromedp.Navigate(s.URL+"/tasks?status=in_progress"), chromedp.WaitVisible(chromedp.ID("counts")))
	ask := fmt.Sprintf("#ask-%d", w.asking.ID)
	desk.do(chromedp.ScrollIntoView(chromedp.CSS(ask)))
	if got := desk.text(ask); !strings.Contains(got, "申请延期 16 个工作小时") || !strings.Contains(got, extensionReason) || !strings.Contains(got, "城市管理局") {
		t.Errorf("the request's row says %q", got)
	}
	desk.shot("extension-asked")
	desk.follow(chromedp.Click(chromedp.ID(fmt.Sprintf("approve_extension-%d", w.asking.ID))), "#counts")
	if got := desk.text("#notice"); got != "批准延期："+w.asking.Ticket {
		t.Errorf("after approving: %q", got)
	}
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), w.asking.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Counters.Extensions != 1 || eval[int](desk, fmt.Sprintf(`document.querySelectorAll('#ask-%d').length`, w.asking.ID)) != 0 {
		t.Errorf("after approving: %d extensions, and the request still shows: %v", c.Counters.Extensions, desk.text("main"))
	}
	desk.noConsoleErrors()

	// The same list on a phone: cards, nothing wider than the screen.
	phone := b.person(t, "dispatcher-phone", true)
	phone.signIn(s.URL, "dispatcher")
	phone.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("counts")))
	phone.shot("queue-phone")
	if eval[bool](phone, `getComputedStyle(document.querySelector('.task-head')).display !== 'none'`) {
		t.Errorf("a phone shows the table's header")
	}
	if got := eval[string](phone, `getComputedStyle(document.querySelector('#task-list .task > a')).display`); got != "flex" {
		t.Errorf("a phone's list item is %q, want a card", got)
	}
	phone.do(chromedp.Click(chromedp.CSS("#more-filters summary")), chromedp.WaitVisible(chromedp.ID("f-cat")))
	phone.shot("filters-phone")
	if wide := eval[[]string](phone, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 361).map(e => e.tagName + '#' + e.id + '.' + e.className)`); len(wide) > 0 || eval[float64](phone, `document.documentElement.scrollWidth`) > 360 {
		t.Errorf("wider than a 360 px phone: %v", wide)
	}
	phone.readsChinese("worklist-phone", []string{"dispatcher", "SOS", "Open"})
	phone.noConsoleErrors()
}

// The budgets of issue 15: the dispatcher's table of 50 rows at most 60 KB transferred and
// interactive within 1.5 s on the 3G profile, with nothing cached; the wall screen at most
// 400 KB on its first load.
const (
	tasksTableBytes = 60 * 1024
	tasksTableReady = 1500 * time.Millisecond
	wallBytes       = 400 * 1024
)

func TestWorkListAndWallBudgets(t *testing.T) {
	w := newWorkList(t)
	b := newBrowser(t)
	type measure struct {
		Bytes       int     `json:"bytes"`
		Interactive float64 `json:"interactive"`
		Requests    int     `json:"requests"`
	}
	const measured = `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		return {bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
			interactive: nav.domContentLoadedEventEnd, requests: res.length + 1};
	})()`
	cold := func(p *person) {
		ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
		defer cancel()
		if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
			t.Fatalf("disable the cache: %v", err)
		}
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Latency: 562.5, DownloadThroughput: 1.6 * 1024 * 1024 / 8 * 0.9,
				UploadThroughput: 750 * 1024 / 8 * 0.9, ConnectionType: network.ConnectionTypeCellular3g}}}); err != nil {
			t.Fatalf("throttle: %v", err)
		}
	}

	desk := b.person(t, "dispatcher-3g", false)
	desk.do(chromedp.EmulateViewport(1366, 900))
	desk.signIn(w.s.URL, "dispatcher")
	cold(desk)
	desk.doWithin(time.Minute, chromedp.Navigate(w.s.URL+"/tasks"), chromedp.WaitVisible(chromedp.ID("counts")),
		chromedp.Poll[chromedp.Void](`document.readyState === 'complete'`))
	desk.shot("tasks-on-3g")
	if n := len(rows(desk)); n != 50 {
		t.Fatalf("the table has %d rows, want 50", n)
	}
	t.Logf("timing: %s", eval[string](desk, `JSON.stringify([performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].map(e => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.requestStart), Math.round(e.responseStart), Math.round(e.responseEnd), e.transferSize, e.decodedBodySize]))`))
	m := eval[measure](desk, measured)
	t.Logf("/tasks, 50-row table, nothing cached, on 3G: %d bytes in %d requests, interactive after %.0f ms", m.Bytes, m.Requests, m.Interactive)
	if m.Bytes == 0 || m.Bytes > tasksTableBytes {
		t.Errorf("/tasks transferred %d bytes, budget %d", m.Bytes, tasksTableBytes)
	}
	t.Logf("/tasks interactive after %.0f ms (budget %v: %s; measured, not asserted: the machine's load decides it)",
		m.Interactive, tasksTableReady, withinBudget(time.Duration(m.Interactive*float64(time.Millisecond)), tasksTableReady))
	desk.noConsoleErrors()

	leader := b.person(t, "leader-wall", false)
	leader.do(chromedp.EmulateViewport(1920, 1080))
	leader.signIn(w.s.URL, "leader")
	cold(leader)
	leader.doWithin(time.Minute, chromedp.Navigate(w.s.URL+"/dashboard/wall"), chromedp.WaitVisible(chromedp.CSS(".wall-kpi")),
		chromedp.Poll[chromedp.Void](`document.readyState === 'complete'`))
	leader.shot("wall-on-3g")
	m = eval[measure](leader, measured)
	t.Logf("/dashboard/wall, first load, nothing cached, on 3G: %d bytes in %d requests, interactive after %.0f ms", m.Bytes, m.Requests, m.Interactive)
	if m.Bytes == 0 || m.Bytes > wallBytes {
		t.Errorf("the wall screen transferred %d bytes, budget %d", m.Bytes, wallBytes)
	}
	leader.noConsoleErrors()
}
