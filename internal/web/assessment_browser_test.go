package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

const wideWidth = 1366

// until polls a JavaScript expression (a promise may answer) until it is true.
func (p *person) until(expr string, within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if eval[bool](p, expr) {
			return
		}
		if time.Now().After(deadline) {
			p.shot("timeout")
			p.t.Fatalf("%s: %s still false after %v", p.name, expr, within)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// width sets the person's viewport width, keeping the rest of the emulation.
func (p *person) width(w int64, phone bool) {
	p.t.Helper()
	opts := []chromedp.EmulateViewportOption{}
	if phone {
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	p.do(chromedp.EmulateViewport(w, 900, opts...))
}

// fitsPhone fails the test when the page is wider than the phone.
func (p *person) fitsPhone(page string) {
	p.t.Helper()
	if w := eval[int](p, `document.documentElement.scrollWidth`); w > phoneWidth {
		p.shot("overflow" + strings.ReplaceAll(page, "/", "-"))
		p.t.Errorf("%s: the %s page is %d px wide on a %d px phone", p.name, page, w, phoneWidth)
	}
}

// score marks one item on the scoring form and waits until the server has it (or, offline,
// until it waits in the phone's queue).
func (p *person) score(code, result string, online bool, extra ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	form := "#item-" + code
	steps := []chromedp.Action[chromedp.Void]{chromedp.ScrollIntoView(chromedp.CSS(form + " .r-" + result)), chromedp.Click(chromedp.CSS(form + " .r-" + result))}
	steps = append(steps, extra...)
	steps = append(steps, chromedp.Click(chromedp.CSS(form+" button.save")))
	if online {
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(form+".done .item-state.ok")))
	} else {
		steps = append(steps, chromedp.WaitVisible(chromedp.CSS(form+".pending .item-state.pending")))
	}
	p.do(steps...)
}

// identifiers are the Latin words an assessment page may show: item codes (M01 …) and the
// inspector's username.
var assessIdentifiers = []string{"M", "T", "inspector", "leader"}

// TestAWholeRoundOnAPhone is a small round done by its people in their own browsers: the
// civilization office's leader samples three sites with a preview; the inspector, on a 360 px
// phone, finds them nearest first and scores them, one of them with the network gone for part
// of it (the marks and a photo wait on the phone, survive a reload, and go up when the network
// returns, with the phone's times); the failed item becomes one case, which the department
// handles; the inspector is told, re-inspects it and passes it, and the case closes. The
// leader reads the results, the printable report and the map.
func TestAWholeRoundOnAPhone(t *testing.T) {
	s := assessSite(t)
	b := newBrowser(t)

	// The leader creates the round from the rounds page, previewing the draw first.
	leader := b.person(t, "leader", false)
	leader.width(wideWidth, false)
	leader.signIn(s.URL, "leader")
	leader.do(chromedp.Click(chromedp.ID("nav-assessment")), chromedp.WaitVisible(chromedp.ID("go-rounds")))
	leader.follow(chromedp.Click(chromedp.ID("go-rounds")), "#round-form")
	leader.do(chromedp.SendKeys(chromedp.ID("round-name"), "三月第一周自查"),
		chromedp.SetValue(chromedp.ID("round-due"), today(s)),
		chromedp.SetValue(chromedp.CSS(`#stratum-0 select[name=stratum_type]`), "market"),
		chromedp.SetValue(chromedp.CSS(`#stratum-0 select[name=stratum_region]`), "410802"),
		chromedp.SendKeys(chromedp.CSS(`#stratum-0 input[name=stratum_count]`), "2"),
		chromedp.SetValue(chromedp.CSS(`#stratum-1 select[name=stratum_type]`), "public_toilet"),
		chromedp.SetValue(chromedp.CSS(`#stratum-1 select[name=stratum_region]`), "410802"),
		chromedp.SendKeys(chromedp.CSS(`#stratum-1 input[name=stratum_count]`), "1"),
		chromedp.SendKeys(chromedp.ID("round-seed"), "2026"),
		// This round is the demo inspector's alone: the city's second inspector is unticked.
		chromedp.Click(chromedp.CSS(`input[name=inspectors][value=inspector2]`)))
	leader.follow(chromedp.Click(chromedp.ID("round-preview")), "#preview")
	if n := eval[int](leader, `document.querySelectorAll('#preview-table tbody tr').length`); n != 3 {
		t.Fatalf("the preview shows %d sites, want 3", n)
	}
	leader.readsChinese("rounds", assessIdentifiers)
	leader.shot("round-preview")
	leader.follow(chromedp.Click(chromedp.ID("round-create")), "#round")
	roundID, _ := strconv.ParseInt(eval[string](leader, `document.getElementById('round').dataset.id`), 10, 64)
	round, err := s.App.Assessment.Round(t.Context(), access.SystemPrincipal("test"), roundID)
	if err != nil || len(round.Inspections) != 3 {
		t.Fatalf("the round: %+v (%v)", round, err)
	}
	var markets []store.Inspection
	var toilet store.Inspection
	for _, x := range round.Inspections {
		if x.Site.SiteType == "market" {
			markets = append(markets, x)
		} else {
			toilet = x
		}
	}
	first, offline := markets[0], markets[1]

	// The inspector stands by the first market: it comes first on the phone.
	insp := b.person(t, "inspector", true)
	insp.at(s.URL, first.Site.Lon+0.0003, first.Site.Lat)
	insp.signIn(s.URL, "inspector")
	insp.do(chromedp.WaitVisible(chromedp.CSS(`#assess-tasks[data-sorted]`)))
	if got := eval[string](insp, `document.querySelector('#assess-tasks li').dataset.inspection`); got != strconv.FormatInt(first.ID, 10) {
		t.Errorf("the nearest site is inspection %s, want %d", got, first.ID)
	}
	if d := insp.text(`#assess-tasks li .dist`); !strings.HasSuffix(d, "米") {
		t.Errorf("the nearest site's distance reads %q", d)
	}
	insp.readsChinese("workspace", assessIdentifiers)
	insp.fitsPhone("workspace")
	insp.shot("workspace-nearest-first")

	// The first market: every item passes but one partial score, online.
	insp.follow(chromedp.Click(chromedp.ID(fmt.Sprintf("task-%d", first.ID))), "#inspection[data-editable]")
	insp.do(chromedp.WaitVisible(chromedp.CSS(`#gps[data-fixed]`)))
	v, err := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range v.Checklist.Items {
		if it.Code == "M09" {
			insp.score(it.Code, "points", true, chromedp.SendKeys(chromedp.CSS(`#item-M09 input[name=points]`), "2.5"))
			continue
		}
		insp.score(it.Code, "pass", true)
	}
	insp.readsChinese("inspection", assessIdentifiers)
	insp.fitsPhone("inspection")
	insp.shot("first-market-scored")
	insp.follow(chromedp.Click(chromedp.ID("submit-go")), "#final-score")
	if got := insp.text("#cases h2"); got != "0 项不合格已转为整改案件" {
		t.Errorf("after the first submit: %q", got)
	}
	if first, _ := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), first.ID); first.Marks["M01"].Lon == nil {
		t.Errorf("the marks carry no position: %+v", first.Marks["M01"])
	}

	// The second market: opened online, then the network goes (a covered market hall).
	insp.doWithin(90*time.Second, chromedp.Navigate(s.URL+"/assessment"), chromedp.WaitVisible(chromedp.CSS(`#assess-workspace[data-ready]`)))
	insp.follow(chromedp.Click(chromedp.ID(fmt.Sprintf("task-%d", offline.ID))), "#inspection[data-editable]")
	insp.until(`navigator.serviceWorker.controller !== null`, 15*time.Second)
	insp.until(`caches.match(location.pathname, {ignoreVary: true}).then(r => !!r)`, 15*time.Second)
	insp.offline(true)
	items, _ := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), offline.ID)
	codes := make([]string, len(items.Checklist.Items))
	for i, it := range items.Checklist.Items {
		codes[i] = it.Code
	}
	half := len(codes) / 2
	insp.score("M02", "fail", false,
		chromedp.SetValue(chromedp.CSS(`#item-M02 input[name=findings]`), "3"),
		chromedp.SendKeys(chromedp.ID("note-M02"), "下水道口未装防鼠网"),
		chromedp.SetUploadFiles(chromedp.ID("photos-M02"), []string{photoFile(t, 9)}))
	for _, c := range codes[:half] {
		if c != "M02" {
			insp.score(c, "pass", false)
		}
	}
	insp.shot("offline-queued")
	// The page comes back after a reload, from the phone, with what waits to be sent.
	insp.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`body[data-ready][data-queued]`)))
	if n := eval[string](insp, `document.body.dataset.queued`); n != strconv.Itoa(half) {
		t.Errorf("after the reload %s marks wait, want %d", n, half)
	}
	if !eval[bool](insp, `document.querySelector('#item-M02 input[value=fail]').checked && document.getElementById('note-M02').value === '下水道口未装防鼠网'`) {
		t.Errorf("the reloaded page lost the failed item's mark")
	}
	for _, c := range codes[half:] {
		if c == "M10" {
			insp.score(c, "na", false)
			continue
		}
		insp.score(c, "pass", false)
	}
	insp.do(chromedp.Click(chromedp.ID("submit-go")), chromedp.WaitVisible(chromedp.ID("sync")))
	insp.shot("offline-submit-queued")
	if got := insp.text("#sync"); !strings.Contains(got, "联网后自动提交") {
		t.Errorf("the queued submit reads %q", got)
	}
	if x, _ := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), offline.ID); len(x.Marks) != 0 || x.Status != "open" {
		t.Fatalf("marks reached the server while offline: %d, %s", len(x.Marks), x.Status)
	}
	backOnline := s.App.Cases.Now()
	insp.offline(false)
	insp.do(chromedp.WaitVisible(chromedp.ID("final-score")))
	insp.shot("offline-synced-and-submitted")
	if got := insp.text("#cases h2"); got != "1 项不合格已转为整改案件" {
		t.Errorf("after the synced submit: %q", got)
	}
	synced, err := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), offline.ID)
	if err != nil || synced.Status != "submitted" || len(synced.Findings) != 1 || synced.Findings[0].ItemCode != "M02" {
		t.Fatalf("the synced inspection: %s, findings %+v (%v)", synced.Status, synced.Findings, err)
	}
	m := synced.Marks["M02"]
	if !m.At.Before(backOnline) || m.Findings != 3 || len(m.Photos) != 1 || m.Result != assess.Fail {
		t.Errorf("the offline mark: %+v, want the phone's time before %v, 3 findings and its photo", m, backOnline)
	}
	if synced.Marks["M10"].Result != assess.NA {
		t.Errorf("M10 kept as %q, want na", synced.Marks["M10"].Result)
	}

	// The public toilet, online again.
	insp.do(chromedp.Navigate(s.URL+"/assessment"), chromedp.WaitVisible(chromedp.CSS(`#assess-workspace[data-ready]`)))
	insp.follow(chromedp.Click(chromedp.ID(fmt.Sprintf("task-%d", toilet.ID))), "#inspection[data-editable]")
	tv, _ := s.App.Assessment.Inspection(t.Context(), access.SystemPrincipal("test"), toilet.ID)
	for _, it := range tv.Checklist.Items {
		insp.score(it.Code, "pass", true)
	}
	insp.follow(chromedp.Click(chromedp.ID("submit-go")), "#final-score")
	insp.do(chromedp.Navigate(s.URL+"/assessment"), chromedp.WaitVisible(chromedp.CSS(`#assess-workspace[data-ready]`)))
	if eval[int](insp, `document.querySelectorAll('#assess-tasks li').length`) != 0 || !eval[bool](insp, `!!document.getElementById('assess-none')`) {
		t.Errorf("sites are left on the list after all three were submitted")
	}

	// The failed item's case goes round the loop; the department's handler handles it.
	caseID := synced.Findings[0].CaseID
	ticket := synced.Findings[0].Ticket
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), caseID)
	if err != nil || c.Source != "inspection" || c.Status != workflow.Reported || len(c.Photos) != 1 {
		t.Fatalf("the case: %+v (%v)", c, err)
	}
	if _, err := s.App.Cases.Act(t.Context(), principal(t, s, "operator"), caseID, "register", nil, workflow.Input{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Cases.Act(t.Context(), principal(t, s, "dispatcher"), caseID, "dispatch", nil, workflow.Input{Department: "410802-CGJ"}); err != nil {
		t.Fatal(err)
	}
	handler := b.person(t, "handler", false)
	handler.signIn(s.URL, "handler")
	handler.openCase(ticket)
	handler.act("accept", "处置中")
	handler.act("handle", "待核查",
		chromedp.SendKeys(chromedp.ID("result-handle"), "已加装防鼠网"),
		chromedp.SetUploadFiles(chromedp.ID("photos-handle"), []string{photoFile(t, 10)}))

	// The inspector is told, and re-inspects it from the workspace: it passes, the case closes.
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	insp.do(chromedp.Navigate(s.URL+"/assessment"), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("reinspect-%d", caseID))))
	if got := insp.text("#unread-count"); got == "" || got == "0" {
		t.Errorf("the inspector's header shows %q unread, want the handled case", got)
	}
	insp.readsChinese("reinspection", append(assessIdentifiers, ticket))
	insp.fitsPhone("reinspection")
	insp.shot("reinspection-waiting")
	insp.do(chromedp.SendKeys(chromedp.ID(fmt.Sprintf("re-note-%d", caseID)), "防鼠网已装好"),
		chromedp.SetUploadFiles(chromedp.ID(fmt.Sprintf("re-photos-%d", caseID)), []string{photoFile(t, 11)}))
	insp.follow(chromedp.Click(chromedp.ID(fmt.Sprintf("re-pass-%d", caseID))), "#notice")
	if got := insp.text("#notice"); got != "复查合格，案件已结案" {
		t.Errorf("after the re-inspection: %q", got)
	}
	insp.shot("reinspected")
	if c, _ := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), caseID); c.Status != workflow.Closed {
		t.Errorf("the case is %s after the re-inspection passed, want closed", c.Status)
	}

	// The leader reads the round: everything scored, one failure, the district ranked.
	leader.do(chromedp.Navigate(fmt.Sprintf("%s/assessment/rounds/%d", s.URL, roundID)), chromedp.WaitVisible(chromedp.ID("round")))
	for sel, want := range map[string]string{"#count-submitted": "3", "#count-open": "0", "#count-failed": "1"} {
		if got := leader.text(sel); got != want {
			t.Errorf("round page %s = %q, want %s", sel, got, want)
		}
	}
	if got := leader.text("#results-district tbody tr"); !strings.Contains(got, "解放区") {
		t.Errorf("the district ranking reads %q", got)
	}
	if got := leader.text("#results-item tbody tr"); !strings.Contains(got, "M02") {
		t.Errorf("the most failed items read %q", got)
	}
	if href := eval[string](leader, `document.getElementById('round-xlsx').getAttribute('href')`); href != fmt.Sprintf("/api/v1/assessment/rounds/%d/results?format=xlsx", roundID) {
		t.Errorf("the Excel link is %q", href)
	}
	leader.readsChinese("round", assessIdentifiers)
	leader.shot("round-1366")
	ctx, cancel := context.WithTimeout(leader.ctx, 10*time.Second)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if eval[bool](leader, `getComputedStyle(document.querySelector('header.top')).display !== 'none'`) {
		t.Errorf("the printed report shows the page header")
	}
	leader.shot("round-printed")
	ctx, cancel = context.WithTimeout(leader.ctx, 10*time.Second)
	_, _ = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
	cancel()

	// The map colours the three sites by their scores.
	leader.do(chromedp.Navigate(s.URL+"/assessment/map"), chromedp.WaitVisible(chromedp.CSS(`#site-map[data-ready]`)))
	if n := eval[int](leader, `+document.getElementById('site-map').dataset.markers`); n < 3 {
		t.Errorf("the map shows %d sites", n)
	}
	leader.readsChinese("map", assessIdentifiers)
	leader.shot("map-1366")

	// The same pages on the leader's phone: nothing wider than the screen.
	leader.width(phoneWidth, true)
	for _, path := range []string{fmt.Sprintf("/assessment/rounds/%d", roundID), "/assessment/rounds", "/assessment/map", "/assessment"} {
		leader.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.ID("who")))
		leader.fitsPhone(path)
		leader.shot("phone" + strings.ReplaceAll(path, "/", "-"))
	}
	insp.width(wideWidth, false)
	insp.do(chromedp.Navigate(fmt.Sprintf("%s/assessment/inspections/%d", s.URL, offline.ID)), chromedp.WaitVisible(chromedp.ID("final-score")))
	insp.shot("inspection-1366")

	leader.noConsoleErrors()
	handler.noConsoleErrors()
	for _, m := range insp.consoleProblems() {
		if !strings.Contains(m, "ERR_INTERNET_DISCONNECTED") { // the offline attempts, as expected
			t.Errorf("inspector's console: %s", m)
		}
	}
}
