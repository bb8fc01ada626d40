package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// An extension asked is approved or denied from its row in the list through the same use case
// as the case page: the department that asked, another district's dispatcher, a resident and
// someone signed out change nothing, nor do a stale page, an action the list does not offer
// and hostile bytes; the dispatcher's answer goes back to the list where it was, and only to
// the workspace's own parameters.
func TestAnExtensionIsDecidedFromTheListByWhoMayDecide(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		system := access.SystemPrincipal("test")
		c := reportIn(t, s, demo.GridWorkerGrid, "09009")
		steps := []struct {
			action string
			in     workflow.Input
		}{{"register", workflow.Input{}}, {"dispatch", workflow.Input{Department: "410802-CGJ"}}, {"accept", workflow.Input{}},
			{"request_extension", workflow.Input{Hours: 16, Reason: "等配件"}}}
		for _, st := range steps {
			if _, err := s.App.Cases.Act(t.Context(), system, c.ID, st.action, nil, st.in); err != nil {
				t.Fatalf("%s: %v", st.action, err)
			}
		}
		if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "shanyang.dispatcher", Role: "dispatcher", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		state := func() (int, int, int) {
			t.Helper()
			r, err := s.DB.Case(t.Context(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r.State.Version, r.State.Counters.Extensions, r.State.ExtensionAsked
		}
		version, _, _ := state()
		as := func(who string) *visitor {
			v := s.visitor(t)
			if who != "" {
				v.signIn(who)
			}
			return v
		}
		form := func(changes ...string) url.Values {
			f := url.Values{"case": {itoa(c.ID)}, "version": {itoa(int64(version))}, "hours": {"16"}, "action": {"approve_extension"}, "back": {"status=in_progress"}}
			for i := 0; i+1 < len(changes); i += 2 {
				f.Set(changes[i], changes[i+1])
			}
			return f
		}
		dispatcher := as("dispatcher")
		_, _, list := dispatcher.do("GET", "/tasks?status=in_progress", nil)
		if !strings.Contains(list, `id="approve_extension-`+itoa(c.ID)+`"`) || !strings.Contains(list, "等配件") {
			t.Fatalf("the dispatcher's list offers no decision on the extension asked")
		}
		_, _, asked := as("handler").do("GET", "/tasks?status=in_progress", nil)
		if strings.Contains(asked, `id="approve_extension-`) || !strings.Contains(asked, "申请延期 16 个工作小时") {
			t.Errorf("the department that asked: decisions offered, or the request not shown")
		}
		_, _, own := as("resident").do("GET", "/tasks", nil)
		if strings.Contains(own, `id="views"`) || strings.Contains(own, `id="f-cat"`) {
			t.Errorf("a resident's list of their reports offers staff filters or views")
		}

		refusals := []struct {
			name   string
			who    *visitor
			form   url.Values
			status int
		}{
			{"the department that asked", as("handler"), form(), http.StatusSeeOther},
			{"another district's dispatcher", as("shanyang.dispatcher"), form(), http.StatusNotFound},
			{"a resident", as("resident"), form(), http.StatusNotFound},
			{"signed out", as(""), form(), http.StatusSeeOther},
			{"an action the list does not offer", dispatcher, form("action", "close"), http.StatusUnprocessableEntity},
			{"no case", dispatcher, form("case", "abc"), http.StatusNotFound},
			{"a stale page", dispatcher, form("version", itoa(int64(version-1))), http.StatusSeeOther},
			{"NUL in where to go back", dispatcher, form("back", "status=todo\x00"), http.StatusBadRequest},
			{"invalid UTF-8 in the reason", dispatcher, form("reason", "\xff\xfe"), http.StatusBadRequest},
		}
		for _, tt := range refusals {
			status, h, _ := tt.who.do("POST", "/tasks/decide", tt.form)
			if status != tt.status {
				t.Errorf("%s: %d, want %d", tt.name, status, tt.status)
			}
			if loc := h.Get("Location"); status == http.StatusSeeOther && strings.Contains(loc, "notice=") {
				t.Errorf("%s: answered as done: %s", tt.name, loc)
			}
			if v, n, asked := state(); v != version || n != 0 || asked != 16 {
				t.Errorf("%s: the case changed: version %d, %d extensions, %d hours asked", tt.name, v, n, asked)
			}
		}

		status, h, _ := dispatcher.do("POST", "/tasks/decide", form("back", "status=in_progress&light=red&p=2&cursor=x&evil=1&next=https://evil.example"))
		loc, _ := url.Parse(h.Get("Location"))
		q := loc.Query()
		if status != http.StatusSeeOther || loc.Path != "/tasks" || q.Get("status") != "in_progress" || q.Get("light") != "red" || q.Get("p") != "2" ||
			q.Has("evil") || q.Has("next") || !strings.Contains(q.Get("notice"), c.Ticket) {
			t.Errorf("after approving: %d %s", status, h.Get("Location"))
		}
		if v, n, asked := state(); v != version+1 || n != 1 || asked != 0 {
			t.Errorf("after approving: version %d, %d extensions, %d hours asked", v, n, asked)
		}
		// Asked again, and denied.
		if _, err := s.App.Cases.Act(t.Context(), system, c.ID, "request_extension", nil, workflow.Input{Hours: 8}); err != nil {
			t.Fatal(err)
		}
		version, _, _ = state()
		if status, h, _ := dispatcher.do("POST", "/tasks/decide", form("action", "deny_extension")); status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=") {
			t.Errorf("denying: %d %s", status, h.Get("Location"))
		}
		if _, n, asked := state(); n != 1 || asked != 0 {
			t.Errorf("after denying: %d extensions, %d hours asked", n, asked)
		}
	})
}
