package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/worktime"
)

// workingMorning returns 09:00 China time on a working day a week or more from now: late enough
// that session cookies made on the app's clock are not yet expired in the visitor's jar.
func workingMorning(t *testing.T) time.Time {
	t.Helper()
	cal, err := worktime.New(worktime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Now().In(worktime.China).AddDate(0, 0, 7)
	for !cal.IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, worktime.China)
}

// A report left waiting past its acceptance limit is red in the operator's workspace, with
// that stage's deadline, and counted on the dashboard; it used to show "no time limit" and
// count 0.
func TestAReportOverdueForAcceptanceIsRed(t *testing.T) {
	now := workingMorning(t)
	s := newSiteWith(t, app.Options{Clock: func() time.Time { return now }})
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	now = now.Add(time.Hour) // the default limit is 30 minutes
	v := s.visitor(t)
	v.signIn("operator")
	_, _, page := v.do("GET", "/tasks", nil)
	item := regexp.MustCompile(`(?s)<li class="task">.*?data-ticket="` + c.Ticket + `".*?</li>`).FindString(page)
	if item == "" {
		t.Fatalf("the operator's workspace does not list case %s", c.Ticket)
	}
	if !strings.Contains(item, `class="dot red" role="img" aria-label="超期"`) || strings.Contains(item, "无时限") {
		t.Errorf("the case overdue for acceptance shows %q, want a red light", item)
	}
	due := now.Add(-30 * time.Minute).In(worktime.China).Format("15:04")
	if !strings.Contains(item, "本环节时限") || !strings.Contains(item, due) {
		t.Errorf("the item %q lacks the acceptance deadline %s", item, due)
	}
	if !regexp.MustCompile(`<span class="light red">超期 1</span>`).MatchString(page) {
		t.Errorf("the workspace's counts do not show 1 overdue: %s", regexp.MustCompile(`(?s)<p class="counts".*?</p>`).FindString(page))
	}
	_, _, board := v.do("GET", "/dashboard", nil)
	if !strings.Contains(board, `<span class="n" id="count-overdue">1</span>`) {
		t.Errorf("the dashboard's overdue figure: %s", regexp.MustCompile(`<span class="n" id="count-overdue">[^<]*</span>`).FindString(board))
	}
}

// The calendar page on a phone and on a desktop, on a day within 90 days of the last day whose
// public holidays the calendar knows: the warning stands first, the office hours are set by
// season, and the page reads Chinese.
func TestCalendarPageOnPhoneAndDesktop(t *testing.T) {
	cal, err := worktime.New(worktime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// 60 days before the end of the known holidays, or tomorrow if that has passed (the warning
	// then says they ended): in the future either way, so the browser keeps the session.
	now := cal.KnownUntil().AddDate(0, 0, -60).Add(9 * time.Hour)
	if tomorrow := time.Now().AddDate(0, 0, 1); now.Before(tomorrow) {
		now = tomorrow
	}
	s := newSiteWith(t, app.Options{Clock: func() time.Time { return now }})
	b := newBrowser(t)
	for _, size := range []struct {
		name string
		w    int64
	}{{"phone", 360}, {"desktop", 1366}} {
		p := b.person(t, "admin-"+size.name, size.w < 600)
		p.do(chromedp.EmulateViewport(size.w, 900, chromedp.EmulateScale(map[bool]float64{true: 2, false: 1}[size.w < 600])))
		p.signIn(s.URL, "admin")
		p.do(chromedp.Navigate(s.URL+"/admin/calendar"), chromedp.WaitVisible(chromedp.ID("put-hours")))
		if w := p.text("#holidays-warning"); !strings.Contains(w, cal.KnownUntil().Format(time.DateOnly)) || !strings.Contains(w, "国务院放假安排") {
			t.Errorf("%s: the warning reads %q", size.name, w)
		}
		p.do(chromedp.SetValue(chromedp.ID("h-text"), "01-01 08:00-12:00 14:00-18:00\n05-01 08:00-12:00 15:00-18:30\n10-01 08:00-12:00 14:00-18:00"),
			chromedp.Click(chromedp.ID("put-hours-go")), chromedp.WaitVisible(chromedp.ID("notice")),
			chromedp.WaitVisible(chromedp.CSS(`tr[data-season="05-01"]`)))
		p.readsChinese("calendar", []string{"admin", "Webhook"}) // the username, and the admin tab of webhooks
		if wide := eval[bool](p, `document.documentElement.scrollWidth > window.innerWidth`); wide {
			t.Errorf("%s: the calendar page is wider than the screen", size.name)
		}
		p.shot("calendar")
		p.noConsoleErrors() // before the refusal, whose 422 the console notes
		p.do(chromedp.SetValue(chromedp.ID("h-text"), "01-01 08:00-12:00 11:00-13:00"), chromedp.Click(chromedp.ID("put-hours-go")),
			chromedp.WaitVisible(chromedp.ID("problem")))
		if msg := p.text("#problem"); !strings.Contains(msg, "11:00-13:00") || !strings.Contains(msg, "重叠") {
			t.Errorf("%s: the refusal reads %q", size.name, msg)
		}
		p.shot("calendar-refused")
	}
}
