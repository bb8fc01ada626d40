package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
)

// residentOnReportForm opens the report form on a resident's phone, placed inside the demo grid worker's
// grid, and waits until the form knows the grid.
func residentOnReportForm(t *testing.T, s *site, b *browser, name string) *person {
	t.Helper()
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	p := b.person(t, name, true)
	p.at(s.URL, pt[0], pt[1])
	p.signIn(s.URL, "resident")
	p.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`))
	return p
}

// sendReport describes the problem, sends the report and returns the new case's category as
// stored (kind:code).
func (p *person) sendReport(s *site, description string) string {
	p.t.Helper()
	p.do(chromedp.SendKeys(chromedp.ID("description"), description),
		chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("ticket-no")))
	ticket := p.text("#ticket-no")
	c, err := s.App.Cases.Case(p.t.Context(), access.SystemPrincipal("test"), caseIDByTicket(p.t, s, ticket))
	if err != nil {
		p.t.Fatal(err)
	}
	return string(c.Category.Kind) + ":" + c.Category.Code
}

// A resident on a 360 px phone picks 路面坑洼 from the common problems, each drawn with its
// icon, and files the report; the page reads Chinese and fits the phone, and at 1366 px the
// tiles spread out.
func TestAResidentPicksACommonProblemOnAPhone(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	resident := residentOnReportForm(t, s, b, "resident")
	resident.do(chromedp.ScrollIntoView(chromedp.ID("category-list")))
	resident.shot("common-problems-360")
	resident.readsChinese("report", []string{"resident"})
	resident.fitsPhone("report")
	// Every tile shows its icon: the symbol it uses is on the page and is drawn at size.
	undrawn := eval[[]string](resident, `[...document.querySelectorAll('#category-list label.tile')].filter(l => {
		const use = l.querySelector('svg.icon use'), r = l.querySelector('svg.icon').getBoundingClientRect();
		return !use || !document.querySelector(use.getAttribute('href')) || r.width < 20 || r.height < 20;
	}).map(l => l.textContent.trim())`)
	if len(undrawn) > 0 {
		t.Errorf("tiles without a drawn icon: %v", undrawn)
	}
	// Big enough to tap: every tile at least 44 px high and wide.
	small := eval[[]string](resident, `[...document.querySelectorAll('#category-list label.tile')].filter(l => {
		const r = l.getBoundingClientRect(); return r.width < 44 || r.height < 44; }).map(l => l.textContent.trim())`)
	if len(small) > 0 {
		t.Errorf("tiles too small to tap on a phone: %v", small)
	}
	if got := eval[string](resident, `document.querySelector('#category-list .tile-group').textContent`); got != "道路" {
		t.Errorf("the first group is %q, want 道路", got)
	}
	// A tap on the tile's name picks it.
	if got := resident.text(`label.tile:has(input[value="matter:06013"]) span`); got != "路面坑洼" {
		t.Errorf("the tile of matter 06013 reads %q, want 路面坑洼", got)
	}
	resident.do(chromedp.Click(chromedp.CSS(`label.tile:has(input[value="matter:06013"]) span`)))
	if !eval[bool](resident, `document.querySelector('input[name=category][value="matter:06013"]').checked`) {
		t.Fatal("tapping 路面坑洼 did not pick it")
	}
	resident.shot("picked-pothole-360")
	resident.width(1366, false)
	resident.do(chromedp.ScrollIntoView(chromedp.ID("category-list")))
	resident.shot("common-problems-1366")
	if n := eval[int](resident, `new Set([...document.querySelectorAll('#category-list .tiles:not(.unsure) label.tile')].slice(0, 3).map(l => Math.round(l.getBoundingClientRect().top))).size`); n != 1 {
		t.Errorf("at 1366 px the first three tiles stand on %d rows, want one", n)
	}
	resident.width(phoneWidth, true)
	if got := resident.sendReport(s, "小区门口路面有个大坑"); got != "matter:06013" {
		t.Errorf("the report was filed as %s, want matter:06013 (道路破损)", got)
	}
	resident.noConsoleErrors()
}

// searchProblem types q into the emptied category search and waits for what wait finds.
func (p *person) searchProblem(q string, wait ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.do(append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`document.getElementById('category-search').value = ''`),
		chromedp.SendKeys(chromedp.ID("category-search"), q)}, wait...)...)
}

// A resident finds 路面坑洼 by pinyin initials and by one character, named as residents say it.
func TestAResidentFindsAProblemBySearch(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	resident := residentOnReportForm(t, s, b, "resident")
	for _, q := range []string{"lmps", "坑"} {
		resident.searchProblem(q, chromedp.WaitVisible(chromedp.CSS(`#category-legend`)),
			chromedp.Poll[chromedp.Void](`document.getElementById('category-legend').textContent === '搜索结果'`))
		first := eval[string](resident, `document.querySelector('#category-list label.choice').textContent`)
		value := eval[string](resident, `document.querySelector('#category-list label.choice input').value`)
		if value != "matter:06013" || !strings.Contains(first, "路面坑洼") {
			t.Errorf("%q: first found %q (%s), want 路面坑洼", q, first, value)
		}
		resident.shot("search-" + q)
		resident.fitsPhone("report")
	}
	// Nothing found: 不确定/其他 is still there.
	resident.searchProblem("qqqzzz", chromedp.WaitVisible(chromedp.ID("category-none")), chromedp.WaitVisible(chromedp.ID("category-unsure")))
	resident.shot("search-nothing")
	// Back to 坑 with Enter, which searches and does not send the form; picked, and sent.
	resident.searchProblem("坑\r", chromedp.WaitVisible(chromedp.CSS(`#category-list input[value="matter:06013"]`)),
		chromedp.Click(chromedp.CSS(`#category-list input[value="matter:06013"]`)))
	if path := eval[string](resident, `location.pathname`); path != "/report" || !eval[bool](resident, `document.getElementById('client-problem').hidden`) {
		t.Errorf("Enter in the search box sent the form (now at %s)", path)
	}
	if got := resident.sendReport(s, "路中间有坑"); got != "matter:06013" {
		t.Errorf("the report was filed as %s, want matter:06013", got)
	}
	resident.noConsoleErrors()
}

// A resident who cannot tell reports 不确定/其他; the operator, on the case page, cannot
// register it so, and registers it once the register form's picker has its category.
func TestTheOperatorClassifiesAnUnsureReport(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	resident := residentOnReportForm(t, s, b, "resident")
	resident.do(chromedp.ScrollIntoView(chromedp.ID("category-unsure")), chromedp.Click(chromedp.CSS(`#category-unsure span`)))
	resident.shot("unsure-picked")
	got := resident.sendReport(s, "人行道上有一根铁管伸出来，不知道归谁管")
	if got != unsureKey {
		t.Fatalf("filed as %s, want 不确定/其他", got)
	}
	ticket := resident.text("#ticket-no")

	operator := b.person(t, "operator", false)
	operator.signIn(s.URL, "operator")
	operator.openCase(ticket)
	operator.do(chromedp.Click(chromedp.CSS("#act-register summary")), chromedp.WaitVisible(chromedp.ID("classify-hint")))
	operator.shot("register-asks-the-category")
	operator.follow(chromedp.Click(chromedp.ID("do-register")), "#case-status")
	if got := operator.text("#problem"); !strings.Contains(got, "请选择具体的问题类别") {
		t.Errorf("registering 不确定/其他 as it is: the page says %q", got)
	}
	if got := operator.text("#case-status"); got != "待受理" {
		t.Errorf("after the refusal the case is %q", got)
	}
	operator.do(chromedp.Click(chromedp.CSS("#act-register summary")),
		chromedp.SendKeys(chromedp.ID("category-search"), "坑"),
		chromedp.WaitVisible(chromedp.CSS(`#category-list input[value="matter:06013"]`)),
		chromedp.Click(chromedp.CSS(`#category-list input[value="matter:06013"]`)))
	operator.shot("register-classified")
	operator.follow(chromedp.Click(chromedp.ID("do-register")), "#case-status")
	if got := operator.text("#case-status"); got != "已立案" {
		t.Fatalf("after classifying the case is %q, want 已立案 (%s)", got, operator.text("main"))
	}
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), caseIDByTicket(t, s, ticket))
	if err != nil || c.Category.Code != "06013" || c.Category.Name != "道路破损" {
		t.Errorf("the registered case: %s %s (%v)", c.Category.Code, c.Category.Name, err)
	}
	operator.shot("registered")
	// The refusal's 422 is logged by the browser as a failed load, as it should be; nothing else.
	for _, p := range operator.consoleProblems() {
		if !strings.Contains(p, "/actions") || !strings.Contains(p, "422") {
			t.Errorf("operator: console error %s", p)
		}
	}
}
