package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// top is the distance in CSS pixels from the top of the page to an element.
func (p *person) top(sel string) float64 {
	p.t.Helper()
	return eval[float64](p, `(() => { const e = document.querySelector(`+"`"+sel+"`"+`); return e ? e.getBoundingClientRect().top + scrollY : -1; })()`)
}

// reportHere files an anonymous report (with a caller's contact) in a grid, described in Chinese
// as a page of Chinese should read.
func reportHere(t *testing.T, s *site, gridCode, category string) cases.Intake {
	t.Helper()
	reg, err := s.App.Regions.Region(t.Context(), gridCode, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	in := cases.NewCase{CategoryKind: "matter", Category: category, Description: "学校门口井盖缺失", Lon: &pt[0], Lat: &pt[1]}
	in.Contact.Name, in.Contact.Phone = "王女士", "13800000000"
	out, err := s.App.Cases.Report(t.Context(), nil, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// actOn takes an action on a case through the use case, failing the test on a refusal.
func actOn(t *testing.T, s *site, who string, id int64, action string, in workflow.Input) cases.CaseView {
	t.Helper()
	v, err := s.App.Cases.Act(t.Context(), principal(t, s, who), id, action, nil, in)
	if err != nil {
		t.Fatalf("%s %s case %d: %v", who, action, id, err)
	}
	return v
}

// The case page names people, departments and grids (codes only beside them, small, for staff),
// and on a phone the actions come first: the handler's 签收 lies on the first screen.
func TestTheCasePageNamesAndPutsTheActionsFirstOnAPhone(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	c := reportHere(t, s, demo.GridWorkerGrid, "09009")
	actOn(t, s, "operator", c.ID, "register", workflow.Input{})
	actOn(t, s, "dispatcher", c.ID, "dispatch", workflow.Input{Department: "410802-CGJ"})

	handler := b.person(t, "handler", true)
	handler.signIn(s.URL, "handler")
	handler.do(chromedp.Navigate(s.URL+"/cases/"+itoa(c.ID)), chromedp.WaitVisible(chromedp.ID("case-status")))
	handler.shot("case-phone")
	y := handler.top("#act-accept summary")
	t.Logf("签收 starts %.0f px down the page on a %d px phone", y, phoneWidth)
	if y < 0 || y+44 > phoneHeight {
		t.Errorf("签收 starts %.0f px down a %d px phone screen, want it on the first screen", y, phoneHeight)
	}
	handler.fitsPhone("case")
	dept := handler.text("#case-department")
	if !strings.Contains(dept, "解放区城市管理局") {
		t.Errorf("the department reads %q, want its name", dept)
	}
	if bare := eval[string](handler, `(() => { const d = document.getElementById('case-department').cloneNode(true);
		d.querySelectorAll('small.code').forEach(e => e.remove()); return d.textContent; })()`); strings.Contains(bare, "410802-CGJ") {
		t.Errorf("the department's code is shown as its name: %q", bare)
	}
	holder := handler.text("#case-holder")
	if !strings.Contains(holder, "解放区城市管理局") {
		t.Errorf("the holder reads %q, want the department's name", holder)
	}
	// The timeline names the people who acted, not their logins.
	timeline := handler.text("#timeline")
	for _, name := range []string{"受理员 · 解放区监督中心", "派遣员 · 解放区指挥中心"} {
		if !strings.Contains(timeline, name) {
			t.Errorf("the timeline does not name %q: %s", name, timeline)
		}
	}
	handler.width(desktopWidth, false)
	handler.shot("case-desktop")
	handler.noConsoleErrors()

	// A case sent to the grid for an on-site check names its workers and the grid.
	d := reportHere(t, s, demo.GridWorkerGrid, "09009")
	actOn(t, s, "operator", d.ID, "request_check", workflow.Input{})
	op := b.person(t, "operator", false)
	op.signIn(s.URL, "operator")
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(d.ID)), chromedp.WaitVisible(chromedp.ID("case-status")))
	holder = op.text("#case-holder")
	if !strings.Contains(holder, "网格员 · 枫华园社区第1网格") || !strings.Contains(holder, "枫华园社区第1网格") {
		t.Errorf("the holder reads %q, want the grid worker's name and the grid's", holder)
	}
	if bare := eval[string](op, `(() => { const d = document.getElementById('case-holder').cloneNode(true);
		d.querySelectorAll('small.code').forEach(e => e.remove()); return d.textContent; })()`); strings.Contains(bare, demo.GridWorkerGrid) {
		t.Errorf("the grid's code is shown as its name: %q", bare)
	}
	op.readsChinese("case", []string{"operator"})
	op.noConsoleErrors()
}

// The grid worker's patrol card names the grid, and its counts agree: the running line and the
// day's list show the same track as the phone posts its fixes.
func TestThePatrolCardNamesTheGridAndItsCountsAgree(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	worker := b.person(t, "gridworker", true)
	worker.at(s.URL, pt[0], pt[1])
	worker.signIn(s.URL, "gridworker")
	worker.do(chromedp.Navigate(s.URL+"/tasks"), chromedp.WaitVisible(chromedp.ID("patrol-start-go")))
	worker.follow(chromedp.Click(chromedp.ID("patrol-start-go")), "#patrol-stop-go")
	state := worker.text("#patrol-state")
	if !strings.Contains(state, "枫华园社区第1网格") {
		t.Errorf("the patrol card reads %q, want the grid's name", state)
	}
	if bare := eval[string](worker, `(() => { const d = document.getElementById('patrol-state').cloneNode(true);
		d.querySelectorAll('small.code').forEach(e => e.remove()); return d.textContent; })()`); strings.Contains(bare, demo.GridWorkerGrid) {
		t.Errorf("the patrol card shows the grid's code as its name: %q", bare)
	}
	if list := worker.text("#patrol-list"); strings.Contains(list, demo.GridWorkerGrid) || !strings.Contains(list, "枫华园社区第1网格") {
		t.Errorf("the day's patrols read %q, want the grid's name", list)
	}
	// The page posts the first fix at once: both counts then say one point.
	worker.until(`(() => { const e = document.querySelector('#patrol-list li[data-running] .track');
		return !!e && e.textContent.startsWith('1 ') && document.getElementById('patrol-track').textContent === e.textContent; })()`, 15*time.Second)
	worker.shot("patrol-card")
	worker.fitsPhone("tasks")
	worker.noConsoleErrors()
}

// A grid worker handles a small problem on the spot from the phone's report form (自行处置): the
// case is born closed with the photo after, and the worker lands on the case, not on the
// public tracking page.
func TestAGridWorkerSelfHandlesFromThePhone(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	worker := b.person(t, "gridworker", true)
	worker.at(s.URL, pt[0], pt[1])
	worker.signIn(s.URL, "gridworker")
	worker.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
		chromedp.WaitVisible(chromedp.ID("how-self")))
	if eval[bool](worker, `!document.getElementById('self-fields').hidden`) {
		t.Error("the self-handling fields show before self-handling is chosen")
	}
	worker.do(chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, 1)}),
		chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "共享单车倒伏堵塞人行道"),
		chromedp.Click(chromedp.ID("how-self")),
		chromedp.WaitVisible(chromedp.ID("result")),
		chromedp.SendKeys(chromedp.ID("result"), "已扶正单车，恢复通行"))
	// Without the photo after, the page says so and sends nothing.
	worker.do(chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("client-problem")))
	if got := worker.text("#client-problem"); !strings.Contains(got, "处理后") {
		t.Errorf("self-handling without a photo after: %q", got)
	}
	worker.do(chromedp.SetUploadFiles(chromedp.ID("after_photos"), []string{photoFile(t, 2)}))
	worker.shot("self-handle-filled")
	worker.fitsPhone("report")
	worker.follow(chromedp.Click(chromedp.ID("report-go")), "#case-status")
	if got := worker.text("#case-status"); got != "已结案" {
		t.Errorf("the self-handled case is %q, want 已结案", got)
	}
	if path := eval[string](worker, `location.pathname`); !strings.HasPrefix(path, "/cases/") {
		t.Errorf("the grid worker landed on %s, want the case page", path)
	}
	if got := worker.text("#notice"); !strings.Contains(got, "已上报") {
		t.Errorf("the case page's notice reads %q", got)
	}
	worker.shot("self-handled")
	list, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Text: "共享单车倒伏"})
	if err != nil || len(list.Cases) != 1 {
		t.Fatalf("the self-handled case: %v %v", list, err)
	}
	v, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), list.Cases[0].ID)
	if err != nil || v.Status != "closed" || len(v.Photos) != 2 || v.Source != "patrol" || v.Timeline[0].Action != "self_handle" {
		t.Errorf("the stored case: %s, %d photos, source %s, %v", v.Status, len(v.Photos), v.Source, err)
	}
	worker.noConsoleErrors()

	// A resident still lands on the public tracking page.
	resident := b.person(t, "resident", true)
	resident.at(s.URL, pt[0], pt[1])
	resident.signIn(s.URL, "resident")
	resident.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`))
	if eval[bool](resident, `!!document.getElementById('how')`) {
		t.Error("a resident is offered self-handling")
	}
	resident.do(chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "车辆占道"),
		chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("ticket-no")))
	if path := eval[string](resident, `location.pathname`); !strings.HasPrefix(path, "/track/") {
		t.Errorf("the resident landed on %s, want the tracking page", path)
	}
}

// Drafts kept on the phone show when they were made as the page writes dates, in China time,
// whatever zone the phone is set to.
func TestDraftsShowChinaTimeInThePagesFormat(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	worker := b.person(t, "gridworker", true)
	ctx, cancel := context.WithTimeout(worker.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	worker.signIn(s.URL, "gridworker")
	worker.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.body.dataset.drafts === '1'`))
	// 2026-03-04 01:05 UTC is 09:05 in China and 20:05 the evening before in New York.
	made := time.Date(2026, 3, 4, 1, 5, 0, 0, time.UTC)
	worker.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`new Promise((ok, fail) => {
		const req = indexedDB.open('citygrid', 1);
		req.onupgradeneeded = () => req.result.createObjectStore('drafts', {keyPath: 'id', autoIncrement: true});
		req.onsuccess = () => { const t = req.result.transaction('drafts', 'readwrite');
			t.objectStore('drafts').put({fields: [['description', '井盖松动']], files: [], created: %d, error: '网络不通'});
			t.oncomplete = ok; t.onerror = fail; };
		req.onerror = fail; })`, made.UnixMilli()), chromedp.EvalAwaitPromise))
	worker.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#drafts li.draft")))
	if got := eval[string](worker, `document.querySelector('#drafts li.draft').textContent`); !strings.HasPrefix(got, "2026年3月4日 09:05 · 井盖松动") {
		t.Errorf("the draft reads %q, want it made 2026年3月4日 09:05 (China time)", got)
	}
	worker.shot("draft")
	worker.do(chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #drafts li.draft`)))
	worker.until(`document.querySelector('#drafts li.draft').textContent.startsWith('4 Mar 2026 09:05 · ')`, 10*time.Second)
}

// A new report near an open case of its category shows that case on its page, and the centre
// merges it there in one click (reject as duplicate): the report closes, joined to the original.
func TestPossibleDuplicatesAreShownAndMergedFromTheCasePage(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	first := reportHere(t, s, demo.GridWorkerGrid, "09009")
	second := reportHere(t, s, demo.GridWorkerGrid, "09009")
	other := reportHere(t, s, demo.GridWorkerGrid, "06001") // another category: no duplicate
	if len(second.Duplicates) != 1 {
		t.Fatalf("intake found %d duplicates, want 1", len(second.Duplicates))
	}
	op := b.person(t, "operator", true)
	op.signIn(s.URL, "operator")
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(other.ID)), chromedp.WaitVisible(chromedp.ID("case-status")))
	if eval[bool](op, `!!document.getElementById('duplicates')`) {
		t.Error("a report with no duplicate shows a duplicates card")
	}
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(first.ID)), chromedp.WaitVisible(chromedp.ID("case-status")))
	if eval[bool](op, `!!document.getElementById('duplicates')`) {
		t.Error("the original shows the later report as its duplicate")
	}
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(second.ID)), chromedp.WaitVisible(chromedp.ID("duplicates")))
	op.shot("duplicates-phone")
	op.fitsPhone("case")
	if got := op.text("#duplicates"); !strings.Contains(got, first.Ticket) || !strings.Contains(got, "米") {
		t.Errorf("the duplicates card reads %q, want %s and its distance", got, first.Ticket)
	}
	if y := op.top("#merge-" + first.Ticket); y < 0 || y+44 > phoneHeight {
		t.Errorf("the merge button is %.0f px down, want it on the first screen", y)
	}
	op.readsChinese("case", []string{"operator"})
	op.follow(chromedp.Click(chromedp.ID("merge-"+first.Ticket)), "#case-status")
	if got := op.text("#case-status"); got != "不予立案" {
		t.Errorf("after the merge the report is %q, want 不予立案", got)
	}
	if eval[bool](op, `!!document.getElementById('duplicates')`) {
		t.Error("a rejected report still offers the merge")
	}
	system := access.SystemPrincipal("test")
	orig, err := s.App.Cases.Case(t.Context(), system, first.ID)
	if err != nil || len(orig.Channels) != 1 || orig.Channels[0].Ref != second.Ticket {
		t.Errorf("the original's channels: %+v %v", orig.Channels, err)
	}
	op.width(desktopWidth, false)
	op.shot("merged-desktop")
	op.noConsoleErrors()

	// A department's handler sees no duplicates card (nor the case before dispatch).
	third := reportHere(t, s, demo.GridWorkerGrid, "09009")
	dups, err := s.App.Cases.PossibleDuplicates(t.Context(), principal(t, s, "gridworker"), third.ID)
	if err != nil || len(dups) != 1 {
		t.Errorf("the grid worker's duplicates: %v %v", dups, err)
	}
	if _, err := s.App.Cases.PossibleDuplicates(t.Context(), principal(t, s, "resident"), third.ID); err == nil {
		t.Error("a resident who did not report it reads its duplicates")
	}
}

// 派发核实 to a grid with no worker says so and offers the community's grid workers; the one
// chosen covers the grid (代管) and gets the check, which they can then answer.
func TestACheckForAGridWithoutAWorkerOffersTheCommunitysWorkers(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	system := access.SystemPrincipal("test")
	// 太行西路社区 has two grids: a worker on the second, none on the first.
	if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "taihang.gw", DisplayName: "李芳 · 太行西路社区网格员",
		Role: "gridworker", Scope: "410802007001002", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Regions.PutGridMember(t.Context(), system, "410802007001002", "taihang.gw", "worker"); err != nil {
		t.Fatal(err)
	}
	c := reportHere(t, s, "410802007001001", "09009")
	staffed := reportHere(t, s, demo.GridWorkerGrid, "09009")

	op := b.person(t, "operator", false)
	op.signIn(s.URL, "operator")
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(staffed.ID)), chromedp.WaitVisible(chromedp.ID("case-status")),
		chromedp.Click(chromedp.CSS("#act-request_check summary")), chromedp.WaitVisible(chromedp.ID("check-to")))
	if got := op.text("#check-to"); !strings.Contains(got, "网格员 · 枫华园社区第1网格") {
		t.Errorf("a staffed grid's check goes to %q", got)
	}
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(c.ID)), chromedp.WaitVisible(chromedp.ID("case-status")),
		chromedp.Click(chromedp.CSS("#act-request_check summary")), chromedp.WaitVisible(chromedp.ID("check-vacant")))
	if got := op.text("#check-vacant"); !strings.Contains(got, "暂无网格员") {
		t.Errorf("the warning reads %q", got)
	}
	options := eval[[]string](op, `[...document.querySelectorAll('#worker-request_check option')].map(o => o.value)`)
	if len(options) != 2 || options[1] != "taihang.gw" {
		t.Fatalf("the community's workers offered: %v", options)
	}
	if got := eval[string](op, `document.querySelector('#worker-request_check option[value="taihang.gw"]').textContent`); !strings.Contains(got, "李芳") || !strings.Contains(got, "太行西路社区第2网格") {
		t.Errorf("the worker is offered as %q, want their name and grid", got)
	}
	op.shot("check-offer")
	op.readsChinese("case", []string{"operator"})
	op.do(chromedp.SetValue(chromedp.ID("worker-request_check"), "taihang.gw"))
	op.follow(chromedp.Click(chromedp.ID("do-request_check")), "#case-status")
	if got := op.text("#case-holder"); !strings.Contains(got, "李芳") {
		t.Errorf("after the check the holder reads %q, want the covering worker", got)
	}
	op.shot("check-sent")
	op.noConsoleErrors()
	// The covering worker sees the case in their workspace and answers the check.
	w := principal(t, s, "taihang.gw")
	actOn(t, s, "taihang.gw", c.ID, "confirm", workflow.Input{Found: new(true)})
	if v, err := s.App.Cases.Case(t.Context(), w, c.ID); err != nil || v.Holder.Kind != workflow.HolderCentre {
		t.Errorf("after the worker's answer: %+v %v", v.Holder, err)
	}
}

// An operator takes a phone call at the desk: the caller's name and number, 12345 as the
// source, urgent, the category searched, the place found by its grid's name; the operator
// lands on the new case, which shows the caller to the centre and the earlier report it may
// repeat, merged in one click.
func TestAnOperatorTakesACallAtTheDesk(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	earlier := reportHere(t, s, demo.GridWorkerGrid, "09009")
	for _, phone := range []bool{false, true} {
		op := b.person(t, "operator", phone)
		op.signIn(s.URL, "operator")
		if !phone {
			op.width(wideWidth, false)
		}
		op.do(chromedp.Click(chromedp.ID("nav-desk")), chromedp.WaitVisible(chromedp.ID("desk-form")),
			chromedp.Poll[chromedp.Void](`document.body.dataset.ready === '1'`))
		op.shot("desk")
		op.readsChinese("desk", []string{"operator"})
		if phone {
			op.fitsPhone("desk")
		}
		op.do(chromedp.SendKeys(chromedp.ID("caller_name"), "赵先生"),
			chromedp.SendKeys(chromedp.ID("caller_phone"), "13912345678"),
			chromedp.Click(chromedp.ID("source-hotline")),
			chromedp.SetValue(chromedp.ID("urgency"), "urgent"),
			chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
			chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
			chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
			chromedp.SendKeys(chromedp.ID("description"), "来电反映小区门口车辆乱停"),
			chromedp.SendKeys(chromedp.ID("place-search"), "枫华园 第1网格"),
			chromedp.WaitVisible(chromedp.CSS(`input[name="grid"][value="`+demo.GridWorkerGrid+`"]`)),
			chromedp.Click(chromedp.CSS(`input[name="grid"][value="`+demo.GridWorkerGrid+`"]`)),
			chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
			chromedp.SendKeys(chromedp.ID("address"), "民生街12号"))
		op.shot("desk-filled")
		if phone {
			op.fitsPhone("desk")
		}
		op.follow(chromedp.Click(chromedp.ID("desk-go")), "#case-status")
		op.shot("case-from-call")
		if got := op.text("#case-contact"); !strings.Contains(got, "赵先生") || !strings.Contains(got, "13912345678") {
			t.Errorf("the case shows the caller as %q", got)
		}
		if got := op.text("#duplicates"); !strings.Contains(got, earlier.Ticket) {
			t.Errorf("the new case does not offer %s as its duplicate: %q", earlier.Ticket, got)
		}
		if got := op.text("main"); !strings.Contains(got, "12345 热线") || !strings.Contains(got, "紧急") {
			t.Error("the case does not say it came from the 12345 hotline, urgent")
		}
		op.noConsoleErrors()
	}
}

// An operator uploads a 12345 batch in the browser, sees every row and what it becomes, and
// files it; a batch with a problem shows the problem and cannot be filed.
func TestAnOperatorPreviewsAndFilesAHotlineBatch(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	open := reportHere(t, s, demo.GridWorkerGrid, "09009")
	good := hotlineCSV(t, s, [3]string{"GD20261125001", demo.GridWorkerGrid, "车辆乱停占用人行道"},
		[3]string{"GD20261125002", "410802007001001", "机动车乱停放堵塞路口"})
	bad := hotlineCSV(t, s, [3]string{"GD20261125003", demo.GridWorkerGrid, "占道"}, [3]string{"GD20261125003", demo.GridWorkerGrid, "重复工单"})
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, phone := range []bool{false, true} {
		op := b.person(t, "operator", phone)
		op.signIn(s.URL, "operator")
		if !phone {
			op.width(wideWidth, false)
		}
		op.do(chromedp.Navigate(s.URL+"/desk"), chromedp.Click(chromedp.ID("to-hotline")), chromedp.WaitVisible(chromedp.ID("hotline-upload")))
		op.readsChinese("hotline", []string{"operator", "ticket", "received_at", "category_kind", "category", "description", "lon", "lat", "crs",
			"address", "contact_name", "contact_phone", "urgency", "wgs84", "gcj02", "bd09", "component", "matter", "normal", "urgent", "emergency", "CSV", "XLSX"})
		if phone {
			op.do(chromedp.SetUploadFiles(chromedp.ID("batch"), []string{write("bad.csv", bad)}))
			op.follow(chromedp.Click(chromedp.ID("hotline-preview-go")), "#hotline-preview")
			if got := op.text("#hotline-problems"); !strings.Contains(got, "第 3 行") || !strings.Contains(got, "与第 2 行重复") {
				t.Errorf("the problems read %q", got)
			}
			if eval[bool](op, `!!document.getElementById('hotline-file-go')`) {
				t.Error("a batch with a problem may be filed")
			}
			op.shot("hotline-problems")
			op.fitsPhone("hotline")
			continue
		}
		op.do(chromedp.SetUploadFiles(chromedp.ID("batch"), []string{write("good.csv", good)}))
		op.follow(chromedp.Click(chromedp.ID("hotline-preview-go")), "#hotline-preview")
		op.shot("hotline-preview")
		rows := eval[[]string](op, `[...document.querySelectorAll('#hotline-rows tbody tr')].map(r => r.textContent)`)
		if len(rows) != 2 || !strings.Contains(rows[0], "并入案件 "+open.Ticket) || !strings.Contains(rows[1], "新建案件") ||
			!strings.Contains(rows[1], "太行西路社区第1网格") {
			t.Errorf("the preview's rows: %q", rows)
		}
		if n := len(storedCasesBrowser(t, s)); n != 1 {
			t.Errorf("the preview stored cases: %d, want the 1 there was", n)
		}
		op.follow(chromedp.Click(chromedp.ID("hotline-file-go")), "#notice")
		if got := op.text("#notice"); !strings.Contains(got, "新建 1 件，并单 1 件") {
			t.Errorf("after filing: %q", got)
		}
		op.shot("hotline-filed")
		if n := len(storedCasesBrowser(t, s)); n != 2 {
			t.Errorf("after filing %d cases, want 2", n)
		}
		op.noConsoleErrors()
	}
}

func storedCasesBrowser(t *testing.T, s *site) []cases.CaseSummary {
	t.Helper()
	list, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return list.Cases
}
