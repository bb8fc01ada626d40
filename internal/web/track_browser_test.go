package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/workflow"
)

// TestSomethingBackInABrowser is issue 16's "something back" on a 360 px phone: a resident
// reports; staff take the case to closure with an after-photo (through the use cases, as they
// would on their own pages); the resident opens the tracking page and sees the department by
// name, the result and the after-photo, says 没有解决 with a note and a photo, and the case is
// back with the centre. The page is looked at on a phone and on a wide screen.
func TestSomethingBackInABrowser(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	pt := gridPoint(t, s)
	resident := b.person(t, "resident", true)
	resident.at(s.URL, pt[0], pt[1])
	resident.signIn(s.URL, "resident")
	resident.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
		chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, 1)}),
		chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "小区门口车辆占用盲道"))
	resident.follow(chromedp.Click(chromedp.ID("report-go")), "#ticket-no")
	ticket := resident.text("#ticket-no")
	if !ticketPattern.MatchString(ticket) {
		t.Fatalf("ticket %q", ticket)
	}
	resident.shot("reported")
	if got := resident.text("#track-expected"); !strings.Contains(got, "受理") {
		t.Errorf("a new report's tracking page expects %q, want when it will be accepted", got)
	}

	// Staff take it to closure, with a result and a photo of it.
	id := caseIDByTicket(t, s, ticket)
	after := takeToClosure(t, s, id)

	// The resident opens the tracking page from the notice that it is dealt with.
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	resident.do(chromedp.Click(chromedp.ID("nav-notifications")), chromedp.WaitVisible(chromedp.ID("notification-list")))
	if got := resident.text("#notification-list li"); !strings.Contains(got, "已处理完毕") || strings.Contains(got, "核查") {
		t.Errorf("the resident's newest notice reads %q, want 已处理完毕 in a resident's words", got)
	}
	resident.shot("notifications")
	resident.follow(chromedp.Click(chromedp.CSS("#notification-list a")), "#track-status")
	if got := resident.text("#track-status"); got != "已结案" {
		t.Errorf("tracked status %q, want 已结案", got)
	}
	steps := resident.text("#timeline")
	for _, want := range []string{"已受理", "已派给 解放区城市管理局", "解放区城市管理局正在处理", "已处理：已拖离车辆，恢复盲道通行", "已核查，已结案"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the steps lack %q:\n%s", want, steps)
		}
	}
	if !eval[bool](resident, `(() => { const img = document.querySelector('#timeline .photos.after img');
		return !!img && img.complete && img.naturalWidth > 0 && img.getAttribute('src').includes('`+after+`'); })()`) {
		t.Errorf("the after-photo is not shown")
	}
	if got := resident.text("#track-description"); got != "小区门口车辆占用盲道" {
		t.Errorf("the description reads %q", got)
	}
	resident.readsChinese("track-closed", []string{"resident"})
	resident.fitsPhone("track")
	resident.shot("closed-phone")
	resident.width(wideWidth, false)
	resident.shot("closed-wide")
	resident.width(phoneWidth, true)

	// 没有解决, with a note and a photo.
	resident.do(chromedp.ScrollIntoView(chromedp.ID("not-solved-form")),
		chromedp.SendKeys(chromedp.ID("not-solved-note"), "车又停回盲道上了"),
		chromedp.SetUploadFiles(chromedp.ID("not-solved-photo"), []string{photoFile(t, 5)}))
	resident.shot("not-solved-filled")
	resident.follow(chromedp.Click(chromedp.ID("not-solved-go")), "#track-status")
	if got := resident.text("#track-status"); got != "已受理" {
		t.Errorf("after 没有解决 the status reads %q, want 已受理 (back with the centre)", got)
	}
	if got := resident.text("#notice"); !strings.Contains(got, "已退回监督指挥中心重新办理") {
		t.Errorf("the notice reads %q", got)
	}
	if got := resident.text("#timeline li:last-child"); !strings.Contains(got, "您反映问题没有解决") || !strings.Contains(got, "车又停回盲道上了") {
		t.Errorf("the last step reads %q", got)
	}
	if eval[bool](resident, `!!document.getElementById('not-solved-form')`) {
		t.Errorf("the page still offers 没有解决 once the case is reopened")
	}
	resident.readsChinese("track-reopened", []string{"resident"})
	resident.fitsPhone("track-reopened")
	resident.shot("reopened-phone")
	resident.width(wideWidth, false)
	resident.shot("reopened-wide")

	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	last := c.Timeline[len(c.Timeline)-1]
	if c.Status != workflow.Registered || c.Holder.Kind != workflow.HolderCentre || last.Action != "reopen" || last.Actor != "resident" {
		t.Errorf("the case is %s held by %+v, last step %s by %s; want registered with the centre, reopened by the resident", c.Status, c.Holder, last.Action, last.Actor)
	}
	resident.noConsoleErrors()
}
