package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestWebhooksPageAddsShowsTheSecretOnceAndDisables(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	stored := func() []store.Webhook {
		hs, err := s.DB.Webhooks(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(ok.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)

	admin := s.visitor(t)
	admin.signIn("admin")
	if status, _, body := admin.do("GET", "/admin/webhooks", nil); status != 200 || !strings.Contains(body, `id="no-webhooks"`) || !strings.Contains(body, `id="no-deliveries"`) {
		t.Fatalf("the empty webhooks page: %d", status)
	}
	// A generated secret is shown once, and is the one stored for signing.
	status, _, body := admin.do("POST", "/admin/webhooks", url.Values{"name": {"城管平台"}, "url": {ok.URL + "/hook"}, "topics": {"case.*"}})
	secret := regexp.MustCompile(`id="secret-once" readonly value="([^"]+)"`).FindStringSubmatch(body)
	if status != 200 || secret == nil {
		t.Fatalf("adding a webhook: %d %q, no secret shown", status, problemText(body))
	}
	hs := stored()
	if len(hs) != 1 || hs[0].Secret != secret[1] || !strings.HasPrefix(secret[1], "whsec_") || hs[0].Topics != "case.*" {
		t.Fatalf("stored %+v; shown secret %q", hs, secret[1])
	}
	if _, _, again := admin.do("GET", "/admin/webhooks", nil); strings.Contains(again, secret[1]) || !strings.Contains(again, `data-webhook="`+itoa(hs[0].ID)+`"`) {
		t.Error("the list shows the secret again, or not the subscription")
	}
	status, _, body = admin.do("POST", "/admin/webhooks", url.Values{"name": {"broken"}, "url": {broken.URL}, "secret": {"sixteen-chars-at-least"}})
	if status != 200 || !strings.Contains(body, "sixteen-chars-at-least") {
		t.Fatalf("adding a webhook with its own secret: %d %q", status, problemText(body))
	}

	before := stored()
	refusals := []struct {
		name string
		form url.Values
		want int
	}{
		{"no name", url.Values{"url": {ok.URL}}, http.StatusUnprocessableEntity},
		{"a URL that is not http", url.Values{"name": {"x"}, "url": {"ftp://example.com/"}}, http.StatusUnprocessableEntity},
		{"a relative URL", url.Values{"name": {"x"}, "url": {"/hook"}}, http.StatusUnprocessableEntity},
		{"a short secret", url.Values{"name": {"x"}, "url": {ok.URL}, "secret": {"short"}}, http.StatusUnprocessableEntity},
		{"a name taken", url.Values{"name": {"城管平台"}, "url": {ok.URL}}, http.StatusConflict},
	}
	for _, rf := range refusals {
		status, _, body := admin.do("POST", "/admin/webhooks", rf.form)
		if status != rf.want || problemText(body) == "" || strings.Contains(body, `id="secret-once"`) {
			t.Errorf("%s: got %d %q, want %d with the reason", rf.name, status, problemText(body), rf.want)
		}
		if u := rf.form.Get("url"); !strings.Contains(body, `value="`+u+`"`) {
			t.Errorf("%s: the form lost the URL typed", rf.name)
		}
	}
	if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"operator", "district-admin"} {
		v := s.visitor(t)
		v.signIn(who)
		if status, _, _ := v.do("GET", "/admin/webhooks", nil); status != http.StatusForbidden {
			t.Errorf("%s on the webhooks page: %d, want 403", who, status)
		}
		if status, _, _ := v.do("POST", "/admin/webhooks", url.Values{"name": {"sneaky"}, "url": {ok.URL}}); status != http.StatusForbidden {
			t.Errorf("%s adding a webhook: %d, want 403", who, status)
		}
		if status, _, _ := v.do("POST", "/admin/webhooks/"+itoa(before[0].ID)+"/disable", url.Values{}); status != http.StatusForbidden {
			t.Errorf("%s disabling a webhook: %d, want 403", who, status)
		}
	}
	if got := stored(); len(got) != len(before) || got[0].Disabled || got[1].Disabled {
		t.Fatalf("refusals changed the subscriptions: %+v", got)
	}

	// A dispatch goes out to both; the page shows one delivered, one waiting with the error.
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	if _, err := s.App.Cases.Act(t.Context(), system, c.ID, "register", nil, workflow.Input{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notices.SendDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		admin.lang = lang
		_, _, body = admin.do("GET", "/admin/webhooks", nil)
		states := regexp.MustCompile(`data-state="([a-z]+)"><td>[0-9]+</td><td>[^<]*</td>\s*<td>([^<]*)</td>`).FindAllStringSubmatch(body, -1)
		got := map[string]string{}
		for _, m := range states {
			got[m[2]+"/"+m[1]] = m[1]
		}
		if got["城管平台/done"] == "" || got["broken/pending"] == "" || !strings.Contains(body, "503") {
			t.Errorf("%s: deliveries %v; want 城管平台 done, broken pending with its error", lang, states)
		}
		if m := missingKey.FindString(body); m != "" {
			t.Errorf("%s: message %s is missing", lang, m)
		}
	}
	admin.lang = ""

	if status, _, _ := admin.do("POST", "/admin/webhooks/"+itoa(before[1].ID)+"/disable", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("disable: %d", status)
	}
	if status, _, _ := admin.do("POST", "/admin/webhooks/"+itoa(before[1].ID)+"/disable", url.Values{}); status != http.StatusNotFound {
		t.Errorf("disabling twice: %d, want 404", status)
	}
	if status, _, _ := admin.do("POST", "/admin/webhooks/x/disable", url.Values{}); status != http.StatusNotFound {
		t.Errorf("disabling no webhook: %d, want 404", status)
	}
	if got := stored(); got[0].Disabled || !got[1].Disabled {
		t.Errorf("after disabling the second: %+v", got)
	}
}
