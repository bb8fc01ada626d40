package web_test

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// latinWord is a run of Latin letters: on a Chinese page, each is a code, a unit or a leak of
// English from the domain.
var latinWord = regexp.MustCompile(`[A-Za-z]+`)

// latinAllowed are the Latin words a Chinese page may show: the product's name, the language
// switch (which names English in English, for its readers), units and abbreviations Chinese
// writes in Latin letters too. Tickets and category codes are digits.
// The names of formats and of coordinate systems (WGS-84, CGCS2000, GCJ-02, BD-09, XYZ tiles,
// OpenStreetMap) have no Chinese names in use: staff read them as they are.
var latinAllowed = []string{"English", "km", "m", "GPS", "MB", "KB", "Excel", "xlsx", "XLSX", "CSV", "PNG", "SVG",
	"WGS", "CGCS", "GCJ", "BD", "XYZ", "OpenStreetMap"}

// departmentCode is a department's code (410802-CGJ): shown beside its name where staff need
// it, like a region's digits.
var departmentCode = regexp.MustCompile(`\b\d{2,}-[A-Z]+\b`)

// readsChinese fails the test when the page the person sees, title included, shows a Latin
// word beyond the allow-list and the given identifiers (usernames are typed by an admin and
// shown as they are, like tickets).
func (p *person) readsChinese(page string, identifiers []string) {
	p.t.Helper()
	if lang := eval[string](p, `document.documentElement.lang`); lang != "zh-CN" {
		p.t.Errorf("%s: %s is in %q, want zh-CN", p.name, page, lang)
	}
	text := eval[string](p, `document.title + "\n" + document.body.innerText`)
	// What a <code> element holds is typed as it is (a topic, a header name) in any language.
	codes := eval[[]string](p, `[...document.querySelectorAll('code')].map(c => c.innerText).sort((a, b) => b.length - a.length)`)
	var leaks []string
	for _, line := range strings.Split(text, "\n") {
		for _, c := range codes {
			line = strings.ReplaceAll(line, c, "")
		}
		for _, w := range latinWord.FindAllString(departmentCode.ReplaceAllString(line, ""), -1) {
			if !slices.Contains(latinAllowed, w) && !slices.Contains(identifiers, w) {
				leaks = append(leaks, w+" in «"+strings.TrimSpace(line)+"»")
			}
		}
	}
	if len(leaks) > 0 {
		p.shot("latin-" + regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(page, "-"))
		p.t.Errorf("%s: the %s page shows Latin words on a Chinese page:\n  %s", p.name, page, strings.Join(leaks, "\n  "))
	}
}

// TestTheLoopReadsChinese walks the closed loop in zh-CN (report → register, first refused from
// a page out of date → dispatch → sign → handle, first refused for want of a photo → verify,
// which closes the case) and reads
// every page its people see on the way: the case page, the task list, the notifications and
// the public tracking page. None may show English from the domain: timeline events, notices
// and refusals are codes worded by the catalogue.
func TestTheLoopReadsChinese(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	users := []string{"resident", "operator", "dispatcher", "handler", "gridworker"}

	resident := b.person(t, "resident", true)
	resident.at(s.URL, pt[0], pt[1])
	resident.signIn(s.URL, "resident")
	resident.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`))
	resident.readsChinese("report", users)
	resident.do(chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, 1)}),
		chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "小区门口车辆占用盲道"))
	resident.do(chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("ticket-no")))
	ticket := resident.text("#ticket-no")
	if !ticketPattern.MatchString(ticket) {
		t.Fatalf("ticket %q", ticket)
	}
	resident.readsChinese("reported", users)
	id := caseIDByTicket(t, s, ticket)
	casePage := s.URL + "/cases/" + itoa(id)

	// readAll delivers the notices of the last step, then has each person read their task
	// list (staff), the case, their notifications and, for the resident, the tracking page.
	readAll := func(step string, people ...*person) {
		t.Helper()
		if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, p := range people {
			if p != resident { // a resident's case page is the tracking page, read below
				p.do(chromedp.Navigate(s.URL+"/tasks"), chromedp.WaitVisible(chromedp.ID("counts")))
				p.readsChinese(step+"-tasks", users)
				p.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
				p.readsChinese(step+"-case", users)
			}
			p.do(chromedp.Navigate(s.URL+"/notifications"), chromedp.WaitVisible(chromedp.CSS("main")))
			p.readsChinese(step+"-notifications", users)
		}
		resident.do(chromedp.Navigate(s.URL+"/track/"+ticket), chromedp.WaitVisible(chromedp.ID("track-status")))
		resident.readsChinese(step+"-track", users)
	}
	readAll("report", resident)

	operator := b.person(t, "operator", false)
	operator.signIn(s.URL, "operator")
	readAll("before-register", operator)
	// Someone comments while the operator's page is open: the operator's register, from a
	// page now out of date, is refused in Chinese; after a reload it goes through.
	operator.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
	if _, err := s.App.Cases.Act(t.Context(), access.SystemPrincipal("test"), id, "comment", nil, workflow.Input{Note: "已电话联系上报人"}); err != nil {
		t.Fatal(err)
	}
	operator.do(chromedp.Click(chromedp.CSS("#act-register summary")))
	operator.follow(chromedp.Click(chromedp.ID("do-register")), "#problem")
	if got := operator.text("#problem"); !strings.Contains(got, "刷新") {
		t.Errorf("the stale register says %q, want to reload in Chinese", got)
	}
	operator.readsChinese("refused-register", users)
	operator.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
	operator.act("register", "已立案")
	readAll("register", operator)

	dispatcher := b.person(t, "dispatcher", false)
	dispatcher.signIn(s.URL, "dispatcher")
	dispatcher.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
	dispatcher.act("dispatch", "已派遣")
	readAll("dispatch", dispatcher, operator)

	handler := b.person(t, "handler", false)
	handler.signIn(s.URL, "handler")
	readAll("before-sign", handler)
	handler.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
	handler.act("accept", "处置中")
	readAll("sign", handler, dispatcher)

	// A handling with no photo of the result is refused (the form asks for one; an old
	// browser may not), in Chinese, and changes nothing.
	handler.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")),
		chromedp.Click(chromedp.CSS("#act-handle summary")),
		chromedp.SendKeys(chromedp.ID("result-handle"), "已拖离车辆"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('photos-handle').required = false`))
	handler.follow(chromedp.Click(chromedp.ID("do-handle")), "#problem")
	if got := handler.text("#problem"); !strings.Contains(got, "照片") {
		t.Errorf("the refused handling says %q, want the photo it lacks named in Chinese", got)
	}
	if got := handler.text("#case-status"); got != "处置中" {
		t.Errorf("after the refused handling the case is %q, want 处置中", got)
	}
	handler.readsChinese("refused-handle", users)

	handler.act("handle", "待核查",
		chromedp.SendKeys(chromedp.ID("result-handle"), "已拖离车辆，恢复盲道通行"),
		chromedp.SetUploadFiles(chromedp.ID("photos-handle"), []string{photoFile(t, 2)}))
	worker := b.person(t, "gridworker", true)
	worker.signIn(s.URL, "gridworker")
	readAll("handle", handler, worker)

	worker.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("case-status")))
	worker.act("verify", "已结案",
		chromedp.Click(chromedp.ID("pass-yes")),
		chromedp.SetUploadFiles(chromedp.ID("photos-verify"), []string{photoFile(t, 3)}))
	readAll("close", worker, handler, dispatcher, operator, resident)

	// The timeline says each step in Chinese, naming the department by its name.
	operator.do(chromedp.Navigate(casePage), chromedp.WaitVisible(chromedp.ID("timeline")))
	timeline := operator.text("#timeline")
	for _, want := range []string{"立案", "派遣至", "已签收", "核查通过，结案（正常结案）"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	// The resident was told of the closing in Chinese.
	resident.do(chromedp.Navigate(s.URL+"/notifications"), chromedp.WaitVisible(chromedp.ID("notification-list")))
	if got := resident.text("#notification-list"); !strings.Contains(got, ticket) || !strings.Contains(got, "结案") {
		t.Errorf("the resident's notices: %q", got)
	}
	// The refused forms are logged by the browser as failed loads (409, 422), as they should be.
	for _, p := range []*person{resident, dispatcher, worker} {
		p.noConsoleErrors()
	}
}

// TestEveryPageReadsChineseForEveryRole visits every page each demo person reaches by
// following links from the home page (a page of each kind once: /cases/1 stands for every
// case), and the error pages, and fails on any Latin word a Chinese page shows beyond codes,
// units and usernames; maps must name their zoom buttons in Chinese too.
func TestEveryPageReadsChineseForEveryRole(t *testing.T) {
	s := newSite(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	in := cases.NewCase{CategoryKind: "matter", Category: "09009", Description: "小区门口车辆占用盲道", Lon: &pt[0], Lat: &pt[1]}
	c, err := s.App.Cases.Report(t.Context(), nil, in)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	var ids []string
	for _, l := range demo.Logins() {
		ids = append(ids, l.Username)
	}
	// kind is what makes two pages the same kind: the path with its numbers as N.
	number := regexp.MustCompile(`\d+`)
	kind := func(u *url.URL) string { return number.ReplaceAllString(u.Path, "N") }
	skip := regexp.MustCompile(`^/(lang|logout|static|api|emblem|sw\.js|favicon)|\.(csv|xlsx|json)$|/data$`)
	for _, who := range append([]string{""}, ids...) {
		t.Run("as "+cmp.Or(who, "anonymous"), func(t *testing.T) {
			p := b.person(t, cmp.Or(who, "anonymous"), false)
			if who != "" {
				p.signIn(s.URL, who)
			}
			queue := []string{"/", "/cases/" + itoa(c.ID), "/nowhere", "/cases/99999999", "/admin", "/track/20990101-000001"}
			seen := map[string]bool{}
			for visited := 0; len(queue) > 0 && visited < 40; {
				path := queue[0]
				queue = queue[1:]
				u, err := url.Parse(path)
				if err != nil || seen[kind(u)] {
					continue
				}
				seen[kind(u)] = true
				visited++
				p.do(chromedp.Navigate(s.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
				// Scripts fill some pages after they load (charts, maps, lists).
				p.until(`document.readyState === 'complete'`, 10*time.Second)
				time.Sleep(300 * time.Millisecond)
				p.readsChinese(path, ids)
				if zoom := eval[string](p, `[...document.querySelectorAll('.leaflet-control-zoom a')].map(a => a.title).join('|')`); zoom != "" && zoom != "|" && zoom != "放大|缩小" {
					t.Errorf("%s: the map's zoom buttons are called %q", path, zoom)
				}
				for _, href := range eval[[]string](p, `[...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download')).map(a => a.getAttribute('href'))`) {
					l, err := url.Parse(href)
					if err != nil || l.Host != "" || !strings.HasPrefix(l.Path, "/") || skip.MatchString(l.Path) {
						continue
					}
					l.Fragment = ""
					if !seen[kind(l)] {
						queue = append(queue, l.String())
					}
				}
			}
		})
	}
}
