package web_test

import (
	"io"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// On a 360 px phone an anonymous resident files a report leaving an address, copies the ticket
// from the confirmation, confirms the follow from the mailed link, and goes on to an area's
// alerts; a neighbour on a desktop follows the same case from its tracking page. Every page
// reads Chinese and fits the phone.
func TestFollowOnAPhone(t *testing.T) {
	s, sink := mailSite(t, storetest.Open(t, store.SQLite))
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	typed := []string{"wang", "wa", "li", "example", "com", "name"} // the addresses as typed and shown half hidden

	phone := b.person(t, "anonymous", true)
	phone.at(s.URL, pt[0], pt[1])
	phone.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
		chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "小区门口车辆占用盲道"),
		chromedp.ScrollIntoView(chromedp.ID("follow_email")),
		chromedp.SendKeys(chromedp.ID("follow_email"), "wang@example.com"))
	phone.shot("report-with-email")
	phone.readsChinese("/report", typed)
	phone.fitsPhone("/report")
	phone.do(chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("follow-sent")))
	ticket := phone.text("#ticket-no")
	phone.do(chromedp.ScrollIntoView(chromedp.ID("follow")))
	phone.shot("confirmation-360")
	phone.readsChinese("/track (new)", typed)
	phone.fitsPhone("/track")
	if w := eval[float64](phone, `document.querySelector('#follow svg.qr').getBoundingClientRect().width`); w < 100 {
		t.Errorf("the QR code is %.0f px wide", w)
	}
	phone.do(chromedp.Click(chromedp.ID("copy-ticket")), chromedp.Poll[chromedp.Void](`document.getElementById('copy-ticket').dataset.done === '1'`))
	if got := phone.text("#copy-ticket"); got != "已复制" {
		t.Errorf("the copy button says %q after a click", got)
	}

	s.deliver(t)
	mails := sink.Mails()
	if len(mails) != 1 || mails[0].To[0] != "wang@example.com" {
		t.Fatalf("mails %+v, want one confirmation to wang@example.com", mails)
	}
	msgs := mailed(t, sink, new(int))
	body, _ := io.ReadAll(msgs[0].Body)
	link := followLink.FindString(string(body))
	if link == "" {
		t.Fatalf("no link in %q", body)
	}
	phone.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("follow-confirm")))
	phone.readsChinese("/follow/{token}", typed)
	phone.fitsPhone("/follow/{token}")
	phone.do(chromedp.Click(chromedp.ID("follow-confirm")), chromedp.WaitVisible(chromedp.ID("notice")))
	phone.shot("confirmed-360")
	if got := phone.text("#follow-state"); got != "正在接收" {
		t.Errorf("after confirming, the state reads %q", got)
	}

	// From the tracking page to the community's alerts.
	phone.do(chromedp.Navigate(s.URL+"/track/"+ticket), chromedp.WaitVisible(chromedp.ID("follow-areas")),
		chromedp.Click(chromedp.CSS(`#follow-areas a`)), chromedp.WaitVisible(chromedp.ID("area-form")))
	phone.readsChinese("/follow/area", typed)
	phone.fitsPhone("/follow/area")
	phone.do(chromedp.SetValue(chromedp.ID("area-class"), "matter-09"), chromedp.SendKeys(chromedp.ID("area-email"), "wang@example.com"),
		chromedp.Click(chromedp.ID("area-go")), chromedp.WaitVisible(chromedp.ID("follow-sent")))
	phone.shot("area-360")
	if href := eval[string](phone, `document.getElementById('area-feed').getAttribute('href')`); !strings.HasSuffix(href, ".atom?class=matter-09") {
		t.Errorf("the feed link is %q", href)
	}

	// A neighbour on a desktop follows the case from its tracking page.
	desk := b.person(t, "neighbour", false)
	desk.width(wideWidth, false)
	desk.do(chromedp.Navigate(s.URL+"/track/"+ticket), chromedp.WaitVisible(chromedp.ID("follow-form")),
		chromedp.SendKeys(chromedp.ID("follow-email"), "li@example.com"), chromedp.Click(chromedp.ID("follow-go")),
		chromedp.WaitVisible(chromedp.ID("follow-sent")))
	desk.shot("track-followed-1366")
	desk.readsChinese("/track (followed)", typed)
	phone.noConsoleErrors()
	desk.noConsoleErrors()
	s.deliver(t)
	got := sink.Mails()
	if len(got) != 3 || got[1].To[0] != "wang@example.com" || got[2].To[0] != "li@example.com" {
		t.Fatalf("after the area and the neighbour asked: %d mails", len(got))
	}
	// The neighbour confirms on the desktop, then leaves by the unsubscribe link's page.
	neighbour := followLink.FindString(got[2].Data)
	desk.do(chromedp.Navigate(neighbour), chromedp.WaitVisible(chromedp.ID("follow-confirm")),
		chromedp.Click(chromedp.ID("follow-confirm")), chromedp.WaitVisible(chromedp.ID("notice")))
	desk.shot("confirmed-1366")
	desk.do(chromedp.Navigate(neighbour+"/unsubscribe"), chromedp.WaitVisible(chromedp.ID("follow-end")),
		chromedp.Click(chromedp.ID("follow-end")), chromedp.WaitVisible(chromedp.ID("notice")))
	desk.shot("unsubscribed-1366")
	if got := desk.text("#follow-state"); got != "已退订" {
		t.Errorf("after unsubscribing, the state reads %q", got)
	}
	desk.readsChinese("/follow/{token}/unsubscribe", typed)
}
