package web_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

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
