package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// unreadInHeader is the count the header shows, "" when none.
func unreadInHeader(body string) string {
	m := regexp.MustCompile(`id="unread-count">([0-9,]+)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestTheHandlerSeesADispatchAmongTheirNotifications(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	for _, st := range []struct {
		action string
		in     workflow.Input
	}{{"register", workflow.Input{}}, {"dispatch", workflow.Input{Department: "410802-CGJ"}}} {
		if _, err := s.App.Cases.Act(t.Context(), system, c.ID, st.action, nil, st.in); err != nil {
			t.Fatal(err)
		}
	}
	handler := s.visitor(t)
	handler.signIn("handler")
	if _, _, body := handler.do("GET", "/tasks", nil); unreadInHeader(body) != "" {
		t.Fatalf("unread before the jobs ran: %s", unreadInHeader(body))
	}
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _, body := handler.do("GET", "/tasks", nil)
	if unreadInHeader(body) != "1" {
		t.Fatalf("after delivery the header shows %q unread, want 1", unreadInHeader(body))
	}
	want := map[string]string{"zh-CN": c.Ticket + "：派遣至解放区城市管理局，现为“已派遣”", "en": c.Ticket + ": Dispatched to 解放区城市管理局; now Dispatched"}
	for lang, text := range want {
		handler.lang = lang
		status, _, body := handler.do("GET", "/notifications", nil)
		if status != 200 || !strings.Contains(body, text) || !strings.Contains(body, `href="/cases/`+itoa(c.ID)+`"`) {
			t.Errorf("%s: the list (%d) lacks %q with a link to the case", lang, status, text)
		}
		if m := missingKey.FindString(body); m != "" {
			t.Errorf("%s: message %s is missing", lang, m)
		}
	}
	handler.lang = ""
	// Someone else's list does not show it.
	op := s.visitor(t)
	op.signIn("operator")
	if _, _, body := op.do("GET", "/notifications", nil); strings.Contains(body, c.Ticket) {
		t.Error("the operator sees the handler's notification")
	}
	// A mark-read without a notification id is refused and marks nothing.
	if status, _, body := handler.do("POST", "/notifications/read", url.Values{"up_to": {"x"}}); status != http.StatusUnprocessableEntity || problemText(body) == "" {
		t.Errorf("marking read without an id: %d, want 422 with the reason", status)
	}
	_, _, body = handler.do("GET", "/notifications", nil)
	upTo := regexp.MustCompile(`name="up_to" value="([0-9]+)"`).FindStringSubmatch(body)
	if upTo == nil || unreadInHeader(body) != "1" {
		t.Fatalf("no mark-read form, or the refused mark-read changed the count (%q)", unreadInHeader(body))
	}
	// A notice that arrives after the page was shown stays unread when the page marks its own.
	if _, err := s.App.Cases.Act(t.Context(), system, c.ID, "return", nil, workflow.Input{Reason: "wrong department"}); err == nil {
		if _, err := s.App.Cases.Act(t.Context(), system, c.ID, "dispatch", nil, workflow.Input{Department: "410802-CGJ"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
			t.Fatal(err)
		}
	} else {
		t.Fatal(err)
	}
	if status, h, _ := handler.do("POST", "/notifications/read", url.Values{"up_to": {upTo[1]}}); status != http.StatusSeeOther {
		t.Fatalf("mark read: %d %s", status, h.Get("Location"))
	}
	np, err := s.App.Notices.Notifications(t.Context(), principal(t, s, "handler"), false, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if np.Unread != 1 || len(np.Notifications) != 2 || np.Notifications[0].ReadAt != nil || np.Notifications[1].ReadAt == nil {
		t.Errorf("after marking: %d unread of %d; want the newer one unread, the listed one read", np.Unread, len(np.Notifications))
	}
	anon := s.visitor(t)
	if status, h, _ := anon.do("GET", "/notifications", nil); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s, want to sign in", status, h.Get("Location"))
	}
}

// principal signs a demo user in through the use case, as the API's middleware would.
func principal(t *testing.T, s *site, username string) *access.Principal {
	t.Helper()
	sess, err := s.App.People.Login(t.Context(), username, demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.App.People.AuthenticateSession(t.Context(), sess.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A reporter's notice says where their report stands and leads to where the public tracks it.
func TestAReportersNoticeLeadsToTracking(t *testing.T) {
	s := newSite(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	c, err := s.App.Cases.Report(t.Context(), principal(t, s, "resident"), cases.NewCase{CategoryKind: "matter", Category: "09009",
		Description: "乱停车", Lon: &pt[0], Lat: &pt[1]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Cases.Act(t.Context(), principal(t, s, "operator"), c.ID, "register", nil, workflow.Input{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	resident := s.visitor(t)
	resident.signIn("resident")
	status, _, body := resident.do("GET", "/notifications", nil)
	if want := "您反映的问题（" + c.Ticket + "）已受理"; status != 200 || !strings.Contains(body, want) {
		t.Errorf("the resident's list (%d) lacks %q", status, want)
	}
	if !strings.Contains(body, `href="/track/`+c.Ticket+`"`) || strings.Contains(body, `href="/cases/`+itoa(c.ID)+`"`) {
		t.Errorf("the resident's notice does not lead to /track/%s", c.Ticket)
	}
}
