package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// mailedCode runs the mail jobs and returns the code of the one mail the stand-in got.
func (s *site) mailedCode(t *testing.T, sink *notifytest.Sink) string {
	t.Helper()
	s.deliver(t)
	msgs := mailed(t, sink, new(int))
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want the code", len(msgs))
	}
	body, _ := io.ReadAll(msgs[0].Body)
	return sixDigits.FindString(string(body))
}

// The sign-up forms refuse hostile bytes, malformed addresses and wrong codes, and create
// nobody when they do.
func TestSignupFormsRefuseHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, sink := mailSite(t, db)
		users := func() int {
			us, err := s.DB.ListUsers(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return len(us)
		}
		before := users()
		v := s.visitor(t)
		tests := []struct {
			name, path string
			form       url.Values
			want       int
		}{
			{"header injection", "/signup", url.Values{"email": {"a@b.cn\r\nBcc: x@evil.example"}}, 422},
			{"NUL", "/signup", url.Values{"email": {"a\x00@b.cn"}}, 400},
			{"invalid UTF-8", "/signup", url.Values{"email": {"a\xff@b.cn"}}, 400},
			{"10 KB address", "/signup", url.Values{"email": {strings.Repeat("a", 10<<10) + "@b.cn"}}, 422},
			{"no code sent", "/signup/verify", url.Values{"email": {"nobody@example.com"}, "code": {"123456"}, "username": {"nobody"}, "password": {"pass-word-1"}}, 422},
			{"a code of letters", "/signup/verify", url.Values{"email": {"nobody@example.com"}, "code": {"abcdef"}, "username": {"nobody"}, "password": {"pass-word-1"}}, 422},
			{"a hostile username", "/signup/verify", url.Values{"email": {"nobody@example.com"}, "code": {"123456"}, "username": {"<script>"}, "password": {"pass-word-1"}}, 422},
		}
		for _, tc := range tests {
			if status, _, _ := v.do("POST", tc.path, tc.form); status != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, status, tc.want)
			}
		}
		if status, _, page := v.do("POST", "/signup", url.Values{"email": {"sun@example.com"}}); status != http.StatusOK || !strings.Contains(page, `id="signup-verify"`) {
			t.Fatalf("asking for a code: %d", status)
		}
		code := s.mailedCode(t, sink)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		form := url.Values{"email": {"sun@example.com"}, "code": {wrong}, "username": {"sun-li"}, "password": {"pass-word-1"}}
		if status, _, page := v.do("POST", "/signup/verify", form); status != 422 || !strings.Contains(page, "验证码不对") {
			t.Errorf("a wrong code: %d", status)
		}
		if users() != before {
			t.Fatalf("refusals created %d users", users()-before)
		}
		form.Set("code", code)
		status, h, _ := v.do("POST", "/signup/verify", form)
		if status != http.StatusSeeOther || h.Get("Location") != "/" {
			t.Fatalf("signing up: %d → %s", status, h.Get("Location"))
		}
		if _, _, page := v.do("GET", "/", nil); !strings.Contains(page, `<span id="who">sun-li</span>`) {
			t.Errorf("not signed in after signing up")
		}
		if users() != before+1 {
			t.Errorf("%d users added, want 1", users()-before)
		}
	})
}

// On a 360 px phone a resident goes from the sign-in page to sign up with a mailed code and
// lands signed in.
func TestSignUpOnAPhone(t *testing.T) {
	s, sink := mailSite(t, storetest.Open(t, store.SQLite))
	b := newBrowser(t)
	phone := b.person(t, "newcomer", true)
	typed := []string{"zhao", "example", "com"}
	phone.do(chromedp.Navigate(s.URL+"/login"), chromedp.WaitVisible(chromedp.ID("signup-link")),
		chromedp.Click(chromedp.CSS("#signup-link a")), chromedp.WaitVisible(chromedp.ID("signup-email")))
	phone.readsChinese("/signup", typed)
	phone.fitsPhone("/signup")
	phone.do(chromedp.SendKeys(chromedp.ID("signup-address"), "zhao@example.com"), chromedp.Click(chromedp.ID("signup-send")),
		chromedp.WaitVisible(chromedp.ID("signup-verify")))
	code := s.mailedCode(t, sink)
	phone.do(chromedp.SendKeys(chromedp.ID("signup-code"), code), chromedp.SendKeys(chromedp.ID("signup-username"), "zhao-lei"),
		chromedp.SendKeys(chromedp.ID("signup-name"), "赵磊"), chromedp.SendKeys(chromedp.ID("signup-password"), "pass-word-1"))
	phone.shot("signup-code-360")
	phone.readsChinese("/signup (code)", typed)
	phone.fitsPhone("/signup (code)")
	phone.do(chromedp.Click(chromedp.ID("signup-go")), chromedp.WaitVisible(chromedp.ID("who")))
	if got := phone.text("#who"); got != "zhao-lei" {
		t.Errorf("signed in as %q", got)
	}
	phone.shot("signed-up-360")
	// The report form offers their own address for updates, which needs no confirming.
	phone.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("follow_email")))
	if got := eval[string](phone, `document.getElementById('follow_email').value`); got != "zhao@example.com" {
		t.Errorf("the report form offers %q for updates", got)
	}
	phone.do(chromedp.ScrollIntoView(chromedp.ID("follow_email")))
	phone.shot("report-own-address-360")
	phone.noConsoleErrors()
}
