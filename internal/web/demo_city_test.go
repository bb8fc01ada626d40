package web_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/jobs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// newDemoSite is a server over the small demo city with its people and historyDays of history
// up to now, made through the use cases as `citygrid demo` makes it.
func newDemoSite(t *testing.T, historyDays int) (*site, *demo.Staff) {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	clock := &demo.Clock{}
	now := time.Now()
	clock.Set(now.AddDate(0, 0, -historyDays-1))
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: quiet, Blobs: blobs, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(t.Context(), a, demo.Options{Staff: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.MakeHistory(t.Context(), a, demo.HistoryOptions{Days: historyDays, Seed: 1, Until: now, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	clock.Release()
	c, err := demo.LoadCity(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newFront(t, a, quiet))
	t.Cleanup(srv.Close)
	return &site{URL: srv.URL, App: a, DB: db}, demo.NewStaff(c)
}

// A visitor to the demo sees a city at work: the leader's dashboard counts cases in several
// statuses, marks them on the map and charts the last days' intake and the overdue cases by
// department; every department's handler has cases to do, on a phone and on a desktop.
func TestTheDemoCityIsAtWork(t *testing.T) {
	s, staff := newDemoSite(t, 14)
	// The site's export runner, as `citygrid serve` runs it.
	t.Cleanup(jobs.Runner{Every: 200 * time.Millisecond, Jobs: s.App.Exports.Jobs()}.Start(t.Context()))
	b := newBrowser(t)

	// Every department the dispatch table names has work for its handlers. (The subdistrict
	// offices take what no rule routes: in the small city some have nothing open now.)
	rules, err := s.App.Settings.Rules(t.Context(), access.SystemPrincipal("test"))
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, r := range rules {
		named[r.Department] = true
		for _, d := range r.CoDepartments {
			named[d] = true
		}
	}
	for dept := range named {
		handlers := staff.Handlers[dept]
		if len(handlers) == 0 {
			t.Errorf("department %s has no handler", dept)
			continue
		}
		u, _, err := s.DB.UserByUsername(t.Context(), handlers[0])
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.App.Cases.ListCases(t.Context(), &access.Principal{User: u}, cases.CaseFilter{Limit: 1,
			Statuses: []string{string(workflow.Dispatched), string(workflow.InProgress)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Cases) == 0 {
			t.Errorf("the queue of %s (%s) is empty", handlers[0], dept)
		}
	}

	for _, phone := range []bool{false, true} {
		leader := b.person(t, "leader", phone)
		leader.signIn(s.URL, "leader")
		leader.do(chromedp.Navigate(s.URL+"/dashboard"), chromedp.WaitVisible(chromedp.ID("count-closed")),
			chromedp.Sleep(500*time.Millisecond)) // the map and the charts draw after load
		leader.shot("dashboard")
		for _, status := range []string{"closed", "in_progress", "overdue"} {
			n, err := strconv.Atoi(strings.ReplaceAll(leader.text("#count-"+status), ",", ""))
			if err != nil || n == 0 {
				t.Errorf("the dashboard counts %q %s cases, want some", leader.text("#count-"+status), status)
			}
		}
		if n := eval[int](leader, `document.querySelectorAll('#dash-map path.leaflet-interactive').length`); n == 0 {
			t.Error("the dashboard's map marks no case")
		}
		if sum := eval[int](leader, `echarts.getInstanceByDom(document.getElementById('chart-intake')).getOption().series[0].data.reduce((a, b) => a + b, 0)`); sum < 100 {
			t.Errorf("the intake chart adds up to %d reports, want the last days' hundreds", sum)
		}
		if n := eval[int](leader, `echarts.getInstanceByDom(document.getElementById('chart-overdue')).getOption().series[0].data.length`); n == 0 {
			t.Error("the overdue chart shows no department")
		}
		// People read departments by name: a code such as 410802-CGJ is no label.
		labels := eval[[]string](leader, `echarts.getInstanceByDom(document.getElementById('chart-overdue')).getOption().yAxis[0].data`)
		for _, l := range labels {
			if strings.ContainsAny(l, "0123456789") || l == "" {
				t.Errorf("the overdue chart labels a department %q, want its name (labels %q)", l, labels)
			}
		}
		if w := eval[int](leader, `document.documentElement.scrollWidth`); phone && w > phoneWidth {
			t.Errorf("the dashboard is %d px wide on a %d px phone", w, phoneWidth)
		}
		todays := eval[int](leader, `echarts.getInstanceByDom(document.getElementById('chart-intake')).getOption().series[0].data.slice(-1)[0]`)
		leader.noConsoleErrors()

		// The wall screen: every open case on the map, the figures open their lists.
		leader.do(chromedp.Navigate(s.URL+"/dashboard/wall"), chromedp.WaitVisible(chromedp.CSS(".wall-kpi")),
			chromedp.Sleep(500*time.Millisecond))
		leader.shot("wall")
		// The day's figures: what the dashboard counts reported today, and four more.
		if day := eval[[]string](leader, `[...document.querySelectorAll('.wall-kpi.day .n')].map(e => e.textContent)`); len(day) != 5 ||
			strings.ReplaceAll(day[0], ",", "") != strconv.Itoa(todays) {
			t.Errorf("the wall's day figures %q, want five beginning with today's %d reports", day, todays)
		}
		if n := eval[int](leader, `document.querySelectorAll('#wall-map .wall-cluster, #wall-map .wall-pin').length`); n == 0 {
			t.Error("the wall's map shows no case")
		}
		if n := eval[int](leader, `document.querySelectorAll('#wall-streets a, #wall-categories a').length`); n == 0 {
			t.Error("the wall breaks the open cases down by nothing")
		}
		if w := eval[int](leader, `document.documentElement.scrollWidth`); phone && w > phoneWidth {
			t.Errorf("the wall is %d px wide on a %d px phone", w, phoneWidth)
		}
		red := leader.text(".wall-kpi.red .n")
		leader.do(chromedp.Click(chromedp.CSS(".wall-kpi.red")), chromedp.WaitVisible(chromedp.ID("narrowed")))
		lights := eval[[]string](leader, `[...document.querySelectorAll('a[data-ticket] .dot')].map(d => d.className)`)
		if len(lights) == 0 && red != "0" {
			t.Errorf("the wall counts %s overdue, its list shows none", red)
		}
		for _, l := range lights {
			if !strings.Contains(l, "red") {
				t.Errorf("the overdue list from the wall shows a case with light %q", l)
			}
		}
		leader.noConsoleErrors()
	}

	// The leader ranks the departments over the history, then drills from the district to a
	// late case.
	for _, phone := range []bool{false, true} {
		leader := b.person(t, "leader", phone)
		leader.signIn(s.URL, "leader")
		from, to := time.Now().AddDate(0, 0, -14).Format(time.DateOnly), time.Now().Format(time.DateOnly)
		leader.do(chromedp.Navigate(s.URL+"/evaluation?group=department&from="+from+"&to="+to),
			chromedp.WaitVisible(chromedp.CSS(`#eval-table[data-shows="department"] tbody tr`)))
		leader.shot("evaluation")
		rows := eval[[][]string](leader, `[...document.querySelectorAll('#eval-table tbody tr')].map(r => [...r.cells].slice(0, 4).map(c => c.textContent.trim()))`)
		if len(rows) < 3 {
			t.Fatalf("the departments' ranking has %d rows, want the district's departments", len(rows))
		}
		for _, r := range rows {
			if r[0] == "" || r[0] == "—" || strings.ContainsAny(r[1], "0123456789") || r[2] == "" || !strings.Contains("ABCDE", r[3]) {
				t.Errorf("ranking row %q: want a rank, a department's name, a score and a grade", r)
			}
		}
		if w := eval[int](leader, `document.documentElement.scrollWidth`); phone && w > phoneWidth {
			t.Errorf("the evaluation page is %d px wide on a %d px phone", w, phoneWidth)
		}
		if !phone {
			// The same table as a workbook: every row, the Chinese headers, a percent format.
			leader.do(chromedp.Click(chromedp.ID("eval-export")), chromedp.WaitVisible(chromedp.ID("eval-download")))
			raw := eval[string](leader, `fetch(document.getElementById('eval-download').href).then(r => r.arrayBuffer()).then(b => {
				let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`)
			data, err := base64.StdEncoding.DecodeString(raw)
			if err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("the evaluation's download is not a workbook: %v", err)
			}
			sheet := f.GetSheetName(0)
			xrows, _ := f.GetRows(sheet)
			if len(xrows) != len(rows)+2 || !strings.Contains(xrows[0][0], "专业部门综合评价") || !slices.Contains(xrows[1], "按期处置率") {
				t.Errorf("the workbook has %d rows (want %d + title + headers), title %q, headers %q", len(xrows), len(rows), xrows[0], xrows[1])
			} else if v := xrows[2][slices.Index(xrows[1], "按期处置率")]; v != "—" && !strings.HasSuffix(v, "%") {
				t.Errorf("按期处置率 shows %q, want a percentage or —", v)
			}
			f.Close()
		}
		// A department's report card: every indicator of its row.
		leader.do(chromedp.Click(chromedp.CSS(`#eval-table[data-shows="department"] tbody tr a.drill`)), chromedp.WaitVisible(chromedp.ID("eval-card")))
		if card := leader.text("#eval-card"); !strings.Contains(card, "成绩单 · "+rows[0][1]) || !strings.Contains(card, "按期处置率") {
			t.Errorf("the report card says %q", card)
		}
		leader.shot("report-card")
		// Each step waits for the table to show the new grouping: clicking the previous grouping's
		// rows while the next are loading would act on nodes about to be replaced.
		leader.do(chromedp.Click(chromedp.ID("tab-district")), chromedp.WaitVisible(chromedp.CSS(`#eval-table[data-shows="district"] a.drill`)),
			chromedp.Click(chromedp.CSS(`#eval-table[data-shows="district"] a.drill`)),
			chromedp.WaitVisible(chromedp.CSS(`#eval-table[data-shows="subdistrict"] a.drill-cases`)),
			chromedp.WaitVisible(chromedp.CSS("#eval-crumbs a")))
		if g := eval[string](leader, `new URLSearchParams(location.search).get('group')`); g != "subdistrict" {
			t.Errorf("after the district's name the page ranks %q, want its subdistricts", g)
		}
		leader.do(chromedp.Click(chromedp.CSS(`#eval-table[data-shows="subdistrict"] a.drill-cases`)), chromedp.WaitVisible(chromedp.CSS("#eval-cases a[data-ticket]")))
		leader.shot("evaluation-cases")
		leader.do(chromedp.Click(chromedp.CSS("#eval-cases a[data-ticket]")), chromedp.WaitVisible(chromedp.CSS(".dot.red")))
		leader.noConsoleErrors()
	}

	for _, who := range []string{"handler", staff.Handlers["410802-HW"][0], staff.Handlers["410811-CGJ"][0]} {
		for _, phone := range []bool{false, true} {
			h := b.person(t, who, phone)
			h.signIn(s.URL, who)
			h.do(chromedp.Navigate(s.URL+"/tasks"), chromedp.WaitVisible(chromedp.ID("counts")))
			h.shot("queue")
			if n := eval[int](h, `document.querySelectorAll('a[data-ticket]').length`); n == 0 {
				t.Errorf("%s's queue shows no case", who)
			}
		}
	}
}
