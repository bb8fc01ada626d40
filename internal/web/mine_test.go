package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// A resident's home is their own reports in residents' words, each opening its tracking page;
// the staff's workspace and case page send a resident there instead; another resident sees
// none of them; staff who open it go to their workspace.
func TestAResidentsHomeIsTheirReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		if _, err := s.App.People.AddUser(t.Context(), access.SystemPrincipal("test"),
			people.NewUser{Username: "neighbour", DisplayName: "邻居", Role: "resident", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		first := staffReport(t, s, "resident", demo.GridWorkerGrid, "matter", "09009")
		second := staffReport(t, s, "resident", demo.GridWorkerGrid, "matter", "09009")

		resident, neighbour, operator, anon := s.visitor(t), s.visitor(t), s.visitor(t), s.visitor(t)
		resident.signIn("resident")
		neighbour.signIn("neighbour")
		operator.signIn("operator")

		status, _, body := resident.do("GET", "/mine", nil)
		if status != http.StatusOK || !strings.Contains(body, first.Ticket) || !strings.Contains(body, second.Ticket) || !strings.Contains(body, "待受理") {
			t.Errorf("the resident's home: %d, want both tickets, waiting to be accepted", status)
		}
		for _, staffWord := range []string{"超期", "临期", "operator", "挂账", `id="nav-tasks"`} {
			if strings.Contains(body, staffWord) {
				t.Errorf("the resident's home shows %q", staffWord)
			}
		}
		if _, _, body := neighbour.do("GET", "/mine", nil); strings.Contains(body, first.Ticket) || !strings.Contains(body, `id="mine-none"`) {
			t.Errorf("another resident's home lists the resident's reports, or not that there are none")
		}

		redirects := []struct {
			name, path, want string
			who              *visitor
		}{
			{"a resident's workspace", "/tasks", "/mine", resident},
			{"a resident on the staff's case page", "/cases/" + strconv.FormatInt(first.ID, 10), "/track/" + first.Ticket, resident},
			{"staff on a resident's home", "/mine", "/tasks", operator},
			{"signed out", "/mine", "/login?next=%2Fmine", anon},
		}
		for _, r := range redirects {
			if status, h, _ := r.who.do("GET", r.path, nil); status != http.StatusSeeOther || h.Get("Location") != r.want {
				t.Errorf("%s: %d to %q, want 303 to %q", r.name, status, h.Get("Location"), r.want)
			}
		}

		refused := []struct {
			name, path string
			who        *visitor
			want       int
		}{
			{"another resident on the case page", "/cases/" + strconv.FormatInt(first.ID, 10), neighbour, http.StatusNotFound},
			{"a resident on a case page that is no number", "/cases/x%00", resident, http.StatusBadRequest},
			{"a page cursor with a NUL", "/mine?after=%00", resident, http.StatusBadRequest},
			{"a page cursor that is no cursor", "/mine?after=" + strings.Repeat("z", 5000), resident, http.StatusUnprocessableEntity},
			{"a page cursor of invalid UTF-8", "/mine?after=%ff%fe", resident, http.StatusBadRequest},
		}
		if _, _, body := resident.do("GET", "/mine?after=abc", nil); !strings.Contains(problemText(body), "翻页链接已失效") {
			t.Errorf("a stale page link reads %q", problemText(body))
		}
		for _, r := range refused {
			status, _, body := r.who.do("GET", r.path, nil)
			if status != r.want || strings.Contains(body, first.Ticket) || latinIn(problemText(body)) {
				t.Errorf("%s: %d %q, want %d in Chinese, nothing of the case", r.name, status, problemText(body), r.want)
			}
		}
	})
}

// A resident signs in to their reports, on a phone and on a desktop, and opens one.
func TestAResidentOpensTheirReportFromHome(t *testing.T) {
	s := newSite(t)
	c := staffReport(t, s, "resident", demo.GridWorkerGrid, "matter", "09009")
	b := newBrowser(t)
	resident := b.person(t, "resident", true)
	resident.signIn(s.URL, "resident")
	resident.do(chromedp.WaitVisible(chromedp.CSS(`#mine-list li[data-ticket="` + c.Ticket + `"]`)))
	if got := resident.text(`#mine-list li[data-ticket="` + c.Ticket + `"]`); !strings.Contains(got, "待受理") || !strings.Contains(got, c.Ticket) {
		t.Errorf("the report reads %q", got)
	}
	resident.readsChinese("mine", []string{"resident"})
	resident.fitsPhone("mine")
	resident.shot("mine-phone")
	resident.width(wideWidth, false)
	resident.shot("mine-wide")
	resident.follow(chromedp.Click(chromedp.CSS(`#mine-list li[data-ticket="`+c.Ticket+`"] a`)), "#track-status")
	if got := eval[string](resident, `location.pathname`); got != "/track/"+c.Ticket {
		t.Errorf("the report opened %s", got)
	}
}
