package web_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// adminIDs are the usernames an admin's pages show beside people's names.
var adminIDs = []string{"admin", "operator", "leader", "dispatcher", "handler", "gridworker", "inspector", "resident", "wang"}

// TestDispatchRulesAreEditedAndTestedInThePage: the city's administrator asks the tester who
// gets 09009 in 民生街道 at 22:00 (解放区城管局, by rule 3), adds a night rule for 民生街道 picked
// by name, and the tester then names 民生街道办事处 at night and 城管局 by day. A half-filled
// time window is refused with its row, in Chinese, and changes nothing.
func TestDispatchRulesAreEditedAndTestedInThePage(t *testing.T) {
	s := newSite(t)
	sys := access.SystemPrincipal("test")
	rules := func() []workflow.Rule {
		rs, err := s.App.Settings.Rules(t.Context(), sys)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	admin.do(chromedp.Navigate(s.URL+"/admin/rules"), chromedp.WaitVisible(chromedp.ID("rules")))
	if body := admin.text("main"); strings.Contains(body, "citygrid") || strings.Contains(body, "import") {
		t.Errorf("the rules page still sends people to the command line: %q", body)
	}
	// The rules name their categories, regions and departments.
	labels := eval[[]string](admin, `[...document.querySelectorAll('#rules tbody tr')].map(tr => [...tr.querySelectorAll('.picker-q')].map(i => i.value).join(' | '))`)
	if len(labels) != 6 || labels[2] != "机动车乱停放 | 解放区（410802） | 解放区城市管理局" || labels[0] != "市容环境类（大类） | 解放区（410802） | 解放区环境卫生服务中心" {
		t.Errorf("the rules read %q", labels)
	}

	ask := func(at string) (string, string) {
		t.Helper()
		admin.do(chromedp.Navigate(s.URL+"/admin/rules"), chromedp.WaitVisible(chromedp.ID("rule-test-form")))
		admin.pick("t-category", "乱停放", "matter:09009")
		admin.pick("t-region", "民生", "410802001")
		admin.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('t-at').value = '` + at + `'`))
		admin.follow(chromedp.Click(chromedp.ID("rule-test-go")), "#rule-test-result")
		return admin.text("#rule-test-department"), admin.text("#rule-test-why")
	}
	if dept, why := ask("22:00"); dept != "解放区城市管理局" || why != "依据派遣规则第 3 条" {
		t.Errorf("at 22:00 the tester says %q, %q", dept, why)
	}
	if !eval[bool](admin, `document.querySelectorAll('#rules tbody tr')[2].classList.contains('matched')`) {
		t.Error("the rule that answered is not marked")
	}
	admin.shot("tested")

	admin.do(chromedp.Click(chromedp.ID("rule-add")), chromedp.WaitVisible(chromedp.CSS(`tr[data-row="6"]`)))
	admin.pick("r6-category", "乱停放", "matter:09009")
	admin.pick("r6-region", "民生", "410802001")
	admin.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="r6.from"]').value = '20:00'; document.querySelector('[name="r6.to"]').value = '06:00'`))
	admin.pick("r6-department", "民生街道", "410802001-BSC")
	admin.shot("added")
	admin.follow(chromedp.Click(chromedp.ID("rules-save")), "#notice")
	got := rules()
	want := workflow.Rule{Order: 7, CategoryKind: workflow.Matter, Category: "09009", Region: "410802001", From: "20:00", To: "06:00", Department: "410802001-BSC"}
	if len(got) != 7 {
		t.Fatalf("after saving there are %d rules", len(got))
	}
	last := got[6]
	last.ID = 0
	if !reflect.DeepEqual(last, want) {
		t.Errorf("the new rule is stored as %+v, want %+v", last, want)
	}
	if dept, why := ask("22:00"); dept != "民生街道办事处" || why != "依据派遣规则第 7 条" {
		t.Errorf("at night the tester says %q, %q", dept, why)
	}
	if dept, why := ask("10:00"); dept != "解放区城市管理局" || why != "依据派遣规则第 3 条" {
		t.Errorf("by day the tester says %q, %q", dept, why)
	}

	// A row without a department is stopped in the browser; a window with no end is refused by
	// the server with its row, and the table stays as it was.
	admin.do(chromedp.Navigate(s.URL+"/admin/rules"), chromedp.WaitVisible(chromedp.ID("rules")),
		chromedp.Click(chromedp.ID("rule-add")), chromedp.WaitVisible(chromedp.CSS(`tr[data-row="7"]`)),
		chromedp.Click(chromedp.ID("rules-save")))
	if msg := eval[string](admin, `document.getElementById('r7-department').validationMessage`); msg != "请从列表中选择一项" {
		t.Errorf("a rule without a department says %q", msg)
	}
	admin.pick("r7-department", "民生街道", "410802001-BSC")
	admin.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="r7.from"]').value = '08:00'`))
	admin.follow(chromedp.Click(chromedp.ID("rules-save")), "#problem")
	if got := admin.text("#problem"); got != "第 8 行：时段需要同时填写开始和结束时间" {
		t.Errorf("the half window is refused with %q", got)
	}
	if n := eval[int](admin, `document.querySelectorAll('#rules tbody tr').length`); n != 8 {
		t.Errorf("the refused table shows %d rows, want the 8 sent", n)
	}
	if len(rules()) != 7 {
		t.Error("a refused table changed the rules")
	}
	admin.readsChinese("rules", adminIDs)
	admin.noScriptErrors()

	phone := b.person(t, "admin-phone", true)
	phone.signIn(s.URL, "admin")
	phone.do(chromedp.Navigate(s.URL+"/admin/rules?t_category=matter:09009&t_region=410802001&t_at=22:00"), chromedp.WaitVisible(chromedp.ID("rule-test-result")))
	phone.fitsPhone("rules")
	phone.shot("rules")
}

// TestTimeLimitsAreEditedAsATableWithNames: the limits are rows naming their categories; the
// administrator changes 09009's limit and adds an urgent row picked by name; a limit of nothing
// is refused with its row.
func TestTimeLimitsAreEditedAsATableWithNames(t *testing.T) {
	s := newSite(t)
	sys := access.SystemPrincipal("test")
	limits := func() []workflow.TimeLimit {
		ls, err := s.App.Settings.TimeLimits(t.Context(), sys)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	before := limits()
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	admin.do(chromedp.Navigate(s.URL+"/admin/time-limits"), chromedp.WaitVisible(chromedp.ID("time-limits")))
	if eval[bool](admin, `!!document.querySelector('textarea')`) {
		t.Error("the time limits are still a text to edit")
	}
	row := eval[string](admin, `[...document.querySelectorAll('#time-limits tbody tr')].find(tr => tr.querySelector('input[name$=".category"]').value === 'matter:09009').dataset.row`)
	if got := eval[string](admin, `document.getElementById('l`+row+`-category').value`); got != "机动车乱停放" {
		t.Errorf("09009's row names it %q", got)
	}
	admin.readsChinese("time-limits", adminIDs)
	admin.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="l`+row+`.limit"]').value = '3'`),
		chromedp.Click(chromedp.ID("limit-add")))
	n := eval[string](admin, `[...document.querySelectorAll('#time-limits tbody tr')].pop().dataset.row`)
	admin.pick("l"+n+"-category", "乱停放", "matter:09009")
	admin.do(choose(`[name="l`+n+`.urgency"]`, "urgent"), chromedp.SendKeys(chromedp.CSS(`[name="l`+n+`.limit"]`), "1"),
		choose(`[name="l`+n+`.unit"]`, "work_hour"), chromedp.SendKeys(chromedp.CSS(`[name="l`+n+`.source"]`), "市局规定"))
	admin.shot("edited")
	admin.follow(chromedp.Click(chromedp.ID("put-limits-go")), "#notice")
	after := limits()
	if len(after) != len(before)+1 {
		t.Fatalf("after saving there are %d rows, want %d", len(after), len(before)+1)
	}
	wantNew := workflow.TimeLimit{Stage: workflow.StageHandle, Kind: workflow.Matter, Category: "09009", Urgency: workflow.UrgencyUrgent,
		Limit: worktime.Limit{Value: 1, Unit: worktime.WorkHour}, Source: "市局规定"}
	if !slices.Contains(after, wantNew) {
		t.Errorf("the new row is not stored as %+v: %+v", wantNew, after[len(after)-1])
	}
	if l, _ := workflow.LimitFor(after, workflow.StageHandle, workflow.Matter, "09009", workflow.UrgencyNormal, "B"); l.Value != 3 {
		t.Errorf("09009's handling limit is %v, want 3", l)
	}

	// A limit of nothing, sent by a browser that does not check (the form's min says 1).
	admin.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('[name="l0.limit"]').value = '0'`))
	admin.follow(chromedp.Evaluate[chromedp.Void](`document.getElementById('put-limits').submit()`), "#problem")
	if got := admin.text("#problem"); got != "第 1 行：时限须在 1 到 100000 之间，不能是 0" {
		t.Errorf("a limit of 0 is refused with %q", got)
	}
	if !reflect.DeepEqual(limits(), after) {
		t.Error("a refused table changed the limits")
	}
	admin.readsChinese("time-limits-refused", adminIDs)
	admin.noScriptErrors()

	phone := b.person(t, "admin-phone", true)
	phone.signIn(s.URL, "admin")
	phone.do(chromedp.Navigate(s.URL+"/admin/time-limits"), chromedp.WaitVisible(chromedp.ID("time-limits")))
	phone.fitsPhone("time-limits")
	phone.shot("time-limits")
}

// TestCategoriesArePagedAndSearchable: 404 categories (the 403 national, 不确定/其他) are not
// one 25,000-pixel page.
func TestCategoriesArePagedAndSearchable(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	admin.do(chromedp.Navigate(s.URL+"/admin/categories"), chromedp.WaitVisible(chromedp.ID("categories")))
	if got := admin.text("#cat-count"); got != "共 404 个类别 · 第 1/14 页" {
		t.Errorf("the count says %q", got)
	}
	if n := eval[int](admin, `document.querySelectorAll('#categories > li').length`); n != 30 {
		t.Errorf("a page lists %d categories, want 30", n)
	}
	if h := eval[int](admin, `document.documentElement.scrollHeight`); h > 4000 {
		t.Errorf("the categories page is %d px high", h)
	}
	first := admin.text("#categories > li")
	admin.follow(chromedp.Click(chromedp.ID("page-next")), "#page-prev")
	if got := admin.text("#categories > li"); got == first || admin.text("#page-of") != "第 2 / 14 页" {
		t.Errorf("the next page starts with %q (the first with %q)", got, first)
	}
	admin.do(chromedp.SendKeys(chromedp.ID("c-q"), "井盖"), choose("#c-kind", "component"))
	admin.follow(chromedp.Submit(chromedp.ID("cat-filter")), "#cat-count")
	names := eval[[]string](admin, `[...document.querySelectorAll('#categories .cat-name')].map(e => e.textContent)`)
	if len(names) == 0 || slices.ContainsFunc(names, func(n string) bool { return !strings.Contains(n, "井盖") }) {
		t.Errorf("the search for 井盖 among components lists %v", names)
	}
	if got := admin.text("#categories .code"); !strings.HasPrefix(got, "部件 ") {
		t.Errorf("a component reads %q", got)
	}
	admin.readsChinese("categories", adminIDs)
	admin.noConsoleErrors()
}

// TestRegionsShowCountsAndMembersArePicked: the region list counts grids and members under
// each child; a grid worker is put on a grid by picking his name.
func TestRegionsShowCountsAndMembersArePicked(t *testing.T) {
	s := newSite(t)
	sys := access.SystemPrincipal("test")
	if _, err := s.App.People.AddUser(t.Context(), sys, people.NewUser{Username: "wang.gw", DisplayName: "王网格员", Role: "gridworker", Scope: "410802001", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	admin.do(chromedp.Navigate(s.URL+"/admin/regions?code=410802"), chromedp.WaitVisible(chromedp.ID("children")))
	if got := admin.text(`#children tr[data-region="410802001"]`); !strings.Contains(got, "民生街道") {
		t.Errorf("民生街道's row reads %q, want its name", got)
	}
	if got := admin.text(`#children tr[data-region="410802001"] td:nth-child(4)`); got != "1" {
		t.Errorf("民生街道 counts %q members, want 1", got)
	}
	grids := eval[string](admin, `document.querySelector('#children tr[data-region="410802001"] td:nth-child(3)').textContent`)
	if grids == "0" || grids == "" {
		t.Errorf("民生街道 counts %q grids", grids)
	}
	admin.readsChinese("regions", adminIDs)

	// The map shows the district's subdistricts, each coloured by its vacant grids and counted
	// on hover; a click on 民生街道 goes down to its page, whose map shows its communities.
	admin.do(chromedp.WaitVisible(chromedp.CSS(`#region-map[data-ready]`)))
	if n, rows := eval[int](admin, `Number(document.getElementById('region-map').dataset.children)`),
		eval[int](admin, `document.querySelectorAll('#children tbody tr').length`); n == 0 || n != rows {
		t.Errorf("the map draws %d subdistricts, the table lists %d", n, rows)
	}
	vacant := eval[string](admin, `document.querySelector('#children tr[data-region="410802001"] td:nth-child(5)').textContent`)
	state := eval[string](admin, `(() => { let s = ''; document.getElementById('region-map').citygridMap.eachLayer(l => {
		if (l.feature && l.feature.id === '410802001' && l.feature.properties.state) s = l.feature.properties.state; }); return s; })()`)
	if want := map[bool]string{true: "ok", false: "some"}[vacant == "0"]; state != want && state != "all" || state == "" {
		t.Errorf("民生街道 has %s vacant grids and is coloured %q", vacant, state)
	}
	admin.shot("regions-map")
	x, y := admin.mapPoint("region-map", "410802001")
	admin.do(chromedp.MouseEvent(chromedp.MouseMoved, x, y))
	if tip := admin.text(".leaflet-tooltip"); !strings.Contains(tip, "民生街道") || !strings.Contains(tip, "网格成员") {
		t.Errorf("the tooltip over 民生街道 reads %q", tip)
	}
	admin.follow(chromedp.MouseClickXY(x, y), `#region-map[data-ready]`)
	if got := admin.text("#region-name"); !strings.Contains(got, "民生街道") {
		t.Errorf("a click on 民生街道 on the map opened %q", got)
	}
	admin.width(phoneWidth, true)
	admin.fitsPhone("regions")
	admin.shot("subdistrict-map-phone")
	admin.width(wideWidth, false)

	admin.do(chromedp.Navigate(s.URL+"/admin/regions?code="+demo.GridWorkerGrid), chromedp.WaitVisible(chromedp.ID("add-member")))
	admin.pick("m-username", "王网格", "wang.gw")
	admin.follow(chromedp.Click(chromedp.ID("add-member-go")), "#notice")
	if got := admin.text(`#members li[data-member="wang.gw"]`); !strings.Contains(got, "王网格员") || !strings.Contains(got, "网格员") {
		t.Errorf("the new member reads %q", got)
	}
	ms, err := s.App.Regions.GridMembers(t.Context(), sys, demo.GridWorkerGrid)
	if err != nil || len(ms) != 2 {
		t.Errorf("the grid has %v (%v)", ms, err)
	}
	admin.do(chromedp.Navigate(s.URL+"/admin/regions?code=410802"), chromedp.WaitVisible(chromedp.ID("children")))
	if got := admin.text(`#children tr[data-region="410802001"] td:nth-child(4)`); got != "2" {
		t.Errorf("民生街道 now counts %q members, want 2", got)
	}
	admin.readsChinese("grid", adminIDs)
	admin.noConsoleErrors()
}
