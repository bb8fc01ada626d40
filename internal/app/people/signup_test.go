package people_test

import (
	"context"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// mailedCode runs the mail jobs and returns the code of the newest mail to addr.
func mailedCode(t *testing.T, a *app.App, sink *notifytest.Sink, addr string) string {
	t.Helper()
	if _, err := a.Notices.DeliverOutbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Notices.SendDeliveries(context.Background()); err != nil {
		t.Fatal(err)
	}
	ms := sink.Mails()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].To[0] != addr {
			continue
		}
		m, err := mail.ReadMessage(strings.NewReader(ms[i].Data))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(m.Body)
		if code := sixDigits.FindString(string(b)); code != "" {
			return code
		}
	}
	t.Fatalf("no code mailed to %s", addr)
	return ""
}

// A resident signs up with an address proved by the mailed code and is signed in as a
// resident; wrong, reused, expired and used-up codes are refused, and so is a second account
// for the same address, with nothing created.
func TestResidentSignsUpWithAMailedCode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithClientAddr(context.Background(), "192.0.2.1")
		sink, server := notifytest.Start(t)
		mailer, err := notify.NewSMTPMailer(server, "citygrid <noreply@city.example>")
		if err != nil {
			t.Fatal(err)
		}
		now := apptest.At(t, "2026-03-09 09:00")
		a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Mailer: mailer})
		users := func() int {
			us, err := db.ListUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(us)
		}
		before := users()
		for _, bad := range []string{"", "a@b.cn\r\nBcc: x@evil.example", "a\x00@b.cn", strings.Repeat("a", 10<<10) + "@b.cn"} {
			if err := a.People.RequestSignupCode(ctx, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("request for %q: %v, want invalid", bad[:min(len(bad), 20)], err)
			}
		}
		if err := a.People.RequestSignupCode(ctx, "Chen@Example.com"); err != nil {
			t.Fatal(err)
		}
		code := mailedCode(t, a, sink, "chen@example.com")
		in := people.NewResident{Email: "chen@example.com", Code: code, Username: "chen-jing", DisplayName: "陈静", Password: "pass-word-1"}
		wrong := in
		wrong.Code = "000000"
		if code == "000000" {
			wrong.Code = "111111"
		}
		for _, c := range []struct {
			name string
			in   people.NewResident
			want errs.Kind
		}{
			{"a wrong code", wrong, errs.Invalid},
			{"another address", people.NewResident{Email: "other@example.com", Code: code, Username: "x-y", Password: "pass-word-1"}, errs.Invalid},
			{"a weak password", people.NewResident{Email: in.Email, Code: code, Username: "chen-jing", Password: "1"}, errs.Invalid},
			{"a taken username", people.NewResident{Email: in.Email, Code: code, Username: "operator", Password: "pass-word-1"}, errs.Conflict},
		} {
			if _, err := a.People.SignUp(ctx, c.in); !errs.Is(err, c.want) {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
		if users() != before {
			t.Fatalf("refusals created %d users", users()-before)
		}
		s, err := a.People.SignUp(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if s.User.Role != access.Resident || s.User.Email != "chen@example.com" || s.Secret == "" {
			t.Errorf("signed up as %+v", s.User)
		}
		if p, err := a.People.AuthenticateSession(ctx, s.Secret); err != nil || p.User.Username != "chen-jing" {
			t.Errorf("the session: %v, %v", p, err)
		}
		// The code is used up; a new one for the same address cannot make a second account.
		if _, err := a.People.SignUp(ctx, people.NewResident{Email: in.Email, Code: code, Username: "chen-2", Password: "pass-word-1"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a used code: %v, want invalid", err)
		}
		if err := a.People.RequestSignupCode(ctx, in.Email); err != nil {
			t.Fatal(err)
		}
		again := mailedCode(t, a, sink, "chen@example.com")
		if _, err := a.People.SignUp(ctx, people.NewResident{Email: in.Email, Code: again, Username: "chen-2", Password: "pass-word-1"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second account for the address: %v, want conflict", err)
		}
		// A code is good for five guesses and fifteen minutes.
		if err := a.People.RequestSignupCode(ctx, "zhu@example.com"); err != nil {
			t.Fatal(err)
		}
		zhu := mailedCode(t, a, sink, "zhu@example.com")
		bad := "000000"
		if zhu == bad {
			bad = "111111"
		}
		for range people.SignupGuesses {
			_, _ = a.People.SignUp(ctx, people.NewResident{Email: "zhu@example.com", Code: bad, Username: "zhu", Password: "pass-word-1"})
		}
		if _, err := a.People.SignUp(ctx, people.NewResident{Email: "zhu@example.com", Code: zhu, Username: "zhu", Password: "pass-word-1"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("the right code after five wrong guesses: %v, want invalid", err)
		}
		if err := a.People.RequestSignupCode(ctx, "he@example.com"); err != nil {
			t.Fatal(err)
		}
		he := mailedCode(t, a, sink, "he@example.com")
		now = now.Add(people.SignupCodeTTL)
		if _, err := a.People.SignUp(ctx, people.NewResident{Email: "he@example.com", Code: he, Username: "he", Password: "pass-word-1"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("an expired code: %v, want invalid", err)
		}
		if users() != before+1 {
			t.Errorf("%d users added, want 1", users()-before)
		}
		// Requests are limited per address.
		var err2 error
		for range 6 {
			err2 = a.People.RequestSignupCode(ctx, "spam@example.com")
		}
		if !errs.Is(err2, errs.TooMany) {
			t.Errorf("the sixth request in an hour: %v, want too many", err2)
		}
	})
}
