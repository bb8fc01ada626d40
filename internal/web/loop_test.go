package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
)

// photoFile writes a small JPEG, different per seed, for a file input to take.
func photoFile(t *testing.T, seed uint8) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{seed, uint8(x * 4), uint8(y * 5), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "photo.jpg")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// at places the person's browser at a point, as the phone's GPS would, and lets the site ask.
func (p *person) at(site string, lon, lat float64) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: cdpbrowser.PermissionSettingGranted,
		Origin: site, BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID}); err != nil {
		p.t.Fatalf("%s: grant geolocation: %v", p.name, err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lon, Accuracy: new(float64(10))}); err != nil {
		p.t.Fatalf("%s: set position: %v", p.name, err)
	}
}

// signIn signs the person in through the sign-in page.
func (p *person) signIn(site, username string) {
	p.t.Helper()
	p.do(chromedp.Navigate(site+"/login"),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-go")),
		chromedp.WaitVisible(chromedp.ID("who")),
		chromedp.Poll[chromedp.Void](`document.readyState === 'complete'`))
}

// openCase finds the case in the person's workspace and opens it, as a person would.
func (p *person) openCase(ticket string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("counts")))
	p.shot("tasks")
	p.do(chromedp.Click(chromedp.CSS(`a[data-ticket="`+ticket+`"]`)), chromedp.WaitVisible(chromedp.ID("case-status")))
}

// act opens an action's form on the case page, lets fill complete it, submits it and waits for
// the case's new status.
func (p *person) act(action, wantStatus string, fill ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS("#act-" + action + " summary"))}
	steps = append(steps, fill...)
	p.do(steps...)
	p.follow(chromedp.Click(chromedp.ID("do-"+action)), "#case-status")
	if got := p.text("#case-status"); got != wantStatus {
		p.t.Logf("page: %s", p.text("main"))
		p.t.Fatalf("%s: after %s the case is %q, want %q", p.name, action, got, wantStatus)
	}
	p.shot(action)
}

// follow takes a step that loads a new page (a click on a submit button or a link) and waits
// for the new page's element: the old page is marked first, so its copy of the element does
// not count.
func (p *person) follow(step chromedp.Action[chromedp.Void], sel string) {
	p.t.Helper()
	p.do(chromedp.Evaluate[chromedp.Void](`document.body.dataset.old = '1'`), step,
		chromedp.WaitVisible(chromedp.CSS("body:not([data-old]) "+sel)),
		// Until the new page has loaded, Chromium may replace its document once more, and the
		// nodes a next step found are gone ("Could not find node with given id").
		chromedp.Poll[chromedp.Void](`document.readyState === 'complete'`))
}

var ticketPattern = regexp.MustCompile(`^\d{8}-\d{6}$`)

// TestTheClosedLoopInBrowsers is the closed loop done by different people in their own
// browsers, clicking what a person clicks: a resident reports on a phone with a photo and
// tracks the ticket; the operator registers; the dispatcher dispatches; the handler signs for
// it and reports it handled with a photo; the grid worker verifies on a phone and the case
// closes; an operator of another district can neither see nor act on it; English works.
func TestTheClosedLoopInBrowsers(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)

	// The command centre's leader watches the dashboard through the whole loop, never reloading.
	leader := b.person(t, "leader", false)
	leader.signIn(s.URL, "leader")
	leader.do(chromedp.Click(chromedp.ID("nav-dashboard")), chromedp.WaitVisible(chromedp.CSS(`body[data-live]`)),
		chromedp.Evaluate[chromedp.Void](`window.sameDashboard = true`))
	leader.shot("dashboard-before")

	// A resident, signed in on a phone, reports what they see.
	resident := b.person(t, "resident", true)
	resident.at(s.URL, pt[0], pt[1])
	resident.signIn(s.URL, "resident")
	resident.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`))
	resident.shot("report-located")
	resident.do(chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, 1)}),
		chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "小区门口车辆占用盲道"))
	resident.shot("report-filled")
	if w := eval[int](resident, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("the report page is %d px wide on a %d px phone", w, phoneWidth)
	}
	resident.do(chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("ticket-no")))
	ticket := resident.text("#ticket-no")
	if !ticketPattern.MatchString(ticket) {
		t.Fatalf("ticket %q", ticket)
	}
	resident.shot("reported")
	resident.do(chromedp.Navigate(s.URL+"/"), chromedp.SendKeys(chromedp.ID("ticket"), ticket),
		chromedp.Click(chromedp.ID("track-go")), chromedp.WaitVisible(chromedp.ID("track-status")))
	if got := resident.text("#track-status"); got != "待受理" {
		t.Errorf("tracked status %q, want 待受理", got)
	}
	resident.shot("tracked")
	id := caseIDByTicket(t, s, ticket)
	if c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id); err != nil || len(c.Photos) != 1 || c.Grid.Code != demo.GridWorkerGrid {
		t.Fatalf("the stored report: %+v %v", c, err)
	}

	// The supervision centre's operator registers it.
	operator := b.person(t, "operator", false)
	operator.signIn(s.URL, "operator")
	operator.openCase(ticket)
	if !strings.Contains(operator.text("#internal-fields"), "resident") {
		t.Errorf("the operator does not see the reporter among the internal fields")
	}
	operator.act("register", "已立案")
	operator.do(chromedp.Click(chromedp.CSS("#why-not summary"))) // the reasons are there on asking
	if got := operator.text(`#blocked li[data-action="reject"]`); !strings.Contains(got, "案件当前为“已立案”") {
		t.Errorf("why the operator may no longer reject: %q", got)
	}

	// The command centre's dispatcher dispatches it to the suggested department.
	dispatcher := b.person(t, "dispatcher", false)
	dispatcher.signIn(s.URL, "dispatcher")
	dispatcher.openCase(ticket)
	if got := eval[string](dispatcher, `document.getElementById('department-dispatch').value`); got != "410802-CGJ" {
		t.Errorf("suggested department %q, want 410802-CGJ", got)
	}
	dispatcher.act("dispatch", "已派遣")

	// The department's handler is told (the notice job runs), opens it from the notice, signs
	// for it, then reports it handled with a photo.
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	handler := b.person(t, "handler", false)
	handler.signIn(s.URL, "handler")
	if got := handler.text("#unread-count"); got != "1" {
		t.Errorf("the handler's header shows %q unread, want 1", got)
	}
	handler.do(chromedp.Click(chromedp.ID("nav-notifications")), chromedp.WaitVisible(chromedp.ID("notification-list")))
	handler.shot("notifications")
	handler.do(chromedp.Click(chromedp.CSS(`#notification-list a`)), chromedp.WaitVisible(chromedp.ID("case-status")))
	if got := handler.text("#case-ticket"); got != ticket {
		t.Errorf("the notice opened case %q, want %q", got, ticket)
	}
	handler.act("accept", "处置中")
	handler.act("handle", "待核查",
		chromedp.SendKeys(chromedp.ID("result-handle"), "已拖离车辆，恢复盲道通行"),
		chromedp.SetUploadFiles(chromedp.ID("photos-handle"), []string{photoFile(t, 2)}))

	// The grid worker verifies it on a phone; the case closes.
	worker := b.person(t, "gridworker", true)
	worker.signIn(s.URL, "gridworker")
	worker.openCase(ticket)
	worker.act("verify", "已结案",
		chromedp.Click(chromedp.ID("pass-yes")),
		chromedp.SetUploadFiles(chromedp.ID("photos-verify"), []string{photoFile(t, 3)}))
	if w := eval[int](worker, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("the case page is %d px wide on a %d px phone", w, phoneWidth)
	}

	// The dashboard has followed every step: the case shows closed, counted, without a reload.
	leader.do(chromedp.Poll[chromedp.Void](`(() => { const li = document.querySelector('#newest li[data-ticket="`+ticket+`"]');
		return li && li.textContent.includes('已结案') && document.getElementById('count-closed').textContent === '1'; })()`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if !eval[bool](leader, `window.sameDashboard === true`) {
		t.Errorf("the dashboard reloaded")
	}
	leader.shot("dashboard-after")

	// An operator of another district can neither find nor open it.
	if _, err := s.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{Username: "shanyang", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	outsider := b.person(t, "outsider", false)
	outsider.signIn(s.URL, "shanyang")
	outsider.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("counts")))
	if strings.Contains(outsider.text("main"), ticket) {
		t.Errorf("an operator of 山阳区 sees case %s in their workspace", ticket)
	}
	outsider.do(chromedp.Navigate(s.URL+"/cases/"+itoa(id)), chromedp.WaitVisible(chromedp.ID("error-title")))
	if strings.Contains(outsider.text("body"), ticket) {
		t.Errorf("an operator of 山阳区 sees case %s", ticket)
	}
	outsider.shot("not-found")

	// The resident sees it closed, in English, and rates it.
	resident.do(chromedp.Navigate(s.URL+"/track/"+ticket), chromedp.Click(chromedp.ID("lang-switch")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
	if got := resident.text("#track-status"); got != "Closed" {
		t.Errorf("tracked status in English %q, want Closed", got)
	}
	resident.do(chromedp.SetValue(chromedp.ID("rating"), "5"))
	resident.follow(chromedp.Click(chromedp.CSS("#rate-form button")), "#track-status")
	resident.shot("rated-in-english")
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil || c.Status != "closed" || c.Rating != 5 || c.ClosureType != "normal" {
		t.Errorf("the case ends %s, rated %d, closure %q (%v)", c.Status, c.Rating, c.ClosureType, err)
	}
	if len(c.Timeline) != 7 {
		t.Errorf("timeline has %d events, want 7 (report, register, dispatch, accept, handle, verify, rate)", len(c.Timeline))
	}
	// The outsider's 404 is logged by the browser as a failed load, as it should be.
	for _, p := range []*person{leader, resident, operator, dispatcher, handler, worker} {
		p.noConsoleErrors()
	}
}

func caseIDByTicket(t *testing.T, s *site, ticket string) int64 {
	t.Helper()
	page, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{Text: ticket})
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("find %s: %v %v", ticket, page, err)
	}
	return page.Cases[0].ID
}
