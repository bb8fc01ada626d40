package people_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestAddUserRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		pw := "pass-word-1"
		tests := []struct {
			name  string
			actor string // "" = system
			in    people.NewUser
			want  errs.Kind // "" = allowed
		}{
			{"an admin adds an operator", "admin", people.NewUser{Username: "op2", Role: "operator", Scope: "410802", Password: pw}, ""},
			{"an admin adds a handler of a department", "admin", people.NewUser{Username: "h2", Role: "handler", Department: "410811-CGJ", Password: pw}, ""},
			{"a scoped admin adds inside its district", "shanyang-admin", people.NewUser{Username: "gw2", Role: "gridworker", Scope: "410811001001001", Password: pw}, ""},
			{"a scoped admin cannot add in another district", "shanyang-admin", people.NewUser{Username: "op3", Role: "operator", Scope: "410802", Password: pw}, errs.Forbidden},
			{"a scoped admin cannot add a handler of another district", "shanyang-admin", people.NewUser{Username: "h3", Role: "handler", Department: "410802-CGJ", Password: pw}, errs.Forbidden},
			{"a scoped admin cannot add an unscoped admin", "shanyang-admin", people.NewUser{Username: "boss", Role: "admin", Password: pw}, errs.Forbidden},
			{"an operator cannot add users", "operator", people.NewUser{Username: "op4", Role: "operator", Scope: "410802", Password: pw}, errs.Forbidden},
			{"an operator needs a scope", "admin", people.NewUser{Username: "op5", Role: "operator", Password: pw}, errs.Invalid},
			{"a handler needs a department", "admin", people.NewUser{Username: "h4", Role: "handler", Password: pw}, errs.Invalid},
			{"a resident has no scope", "admin", people.NewUser{Username: "r2", Role: "resident", Scope: "410802", Password: pw}, errs.Invalid},
			{"an unknown role is refused", "admin", people.NewUser{Username: "x1", Role: "mayor", Password: pw}, errs.Invalid},
			{"an unknown scope region is refused", "admin", people.NewUser{Username: "x2", Role: "operator", Scope: "999999", Password: pw}, errs.Invalid},
			{"an unknown department is refused", "admin", people.NewUser{Username: "x3", Role: "handler", Department: "NOPE", Password: pw}, errs.Invalid},
			{"a short password is refused", "admin", people.NewUser{Username: "x4", Role: "resident", Password: "short"}, errs.Invalid},
			{"a bad username is refused", "admin", people.NewUser{Username: "a b", Role: "resident", Password: pw}, errs.Invalid},
			{"a taken username is a conflict", "admin", people.NewUser{Username: "operator", Role: "operator", Scope: "410802", Password: pw}, errs.Conflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := apptest.Snap(t, db)
				_, err := a.People.AddUser(ctx, apptest.As(t, db, tt.actor), tt.in)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("AddUser = %v, want success", err)
					}
					if after := apptest.Snap(t, db); after.Users != before.Users+1 || after.AuditSeq != before.AuditSeq+1 {
						t.Errorf("after success: %+v, want one more user and one more audit record than %+v", after, before)
					}
					return
				}
				if got := errs.KindOf(err); got != tt.want {
					t.Fatalf("AddUser error = %v (%s), want %s", err, got, tt.want)
				}
				if after := apptest.Snap(t, db); after != before {
					t.Errorf("refused AddUser changed data: %+v → %+v", before, after)
				}
			})
		}
	})
}

func TestLoginSessionsAndPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)

		s, err := a.People.Login(ctx, "dispatcher", demo.Password, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.People.AuthenticateSession(ctx, s.Secret)
		if err != nil || p.User.Role != access.Dispatcher || p.User.Scope != "410802" {
			t.Fatalf("AuthenticateSession = %+v, %v", p, err)
		}
		// Changing the password ends every session.
		if err := a.People.SetPassword(ctx, p, "dispatcher", "a-new-password"); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AuthenticateSession(ctx, s.Secret); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("session after password change: %v, want unauthorized", err)
		}
		if _, err := a.People.Login(ctx, "dispatcher", demo.Password, "10.0.0.1"); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("old password: %v, want unauthorized", err)
		}
		if _, err := a.People.Login(ctx, "dispatcher", "a-new-password", "10.0.0.1"); err != nil {
			t.Errorf("new password: %v", err)
		}
		// Sessions expire.
		s2, _ := a.People.Login(ctx, "operator", demo.Password, "10.0.0.1")
		now = now.Add(13 * time.Hour)
		if _, err := a.People.AuthenticateSession(ctx, s2.Secret); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("session after 13 h: %v, want unauthorized", err)
		}
		// Someone else's password is an admin's business only.
		if err := a.People.SetPassword(ctx, apptest.As(t, db, "operator"), "leader", "whatever-123"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("operator changing leader's password: %v, want forbidden", err)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		for range 5 {
			if _, err := a.People.Login(ctx, "leader", "wrong-password", "10.0.0.2"); !errs.Is(err, errs.Unauthorized) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, err := a.People.Login(ctx, "leader", demo.Password, "10.0.0.3"); !errs.Is(err, errs.TooMany) {
			t.Errorf("sixth attempt with the right password: %v, want too_many_requests", err)
		}
		if _, err := a.People.Login(ctx, "operator", demo.Password, "10.0.0.2"); err != nil {
			t.Errorf("another account from the same address: %v", err)
		}
		now = now.Add(16 * time.Minute)
		if _, err := a.People.Login(ctx, "leader", demo.Password, "10.0.0.3"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

func TestAddressThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		// Spraying many accounts from one address trips the address limit.
		for i := range 20 {
			_, _ = a.People.Login(ctx, "nobody"+string(rune('a'+i)), "guess-guess", "10.9.9.9")
		}
		if _, err := a.People.Login(ctx, "admin", demo.Password, "10.9.9.9"); !errs.Is(err, errs.TooMany) {
			t.Errorf("login from a spraying address: %v, want too_many_requests", err)
		}
		if _, err := a.People.Login(ctx, "admin", demo.Password, "10.9.9.8"); err != nil {
			t.Errorf("login from another address: %v", err)
		}
	})
}

func TestDisabledUserCannotAct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		secret, _, err := a.People.CreateToken(ctx, apptest.System, "gridworker", "phone")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.SetDisabled(ctx, apptest.As(t, db, "operator"), "gridworker", true); !errs.Is(err, errs.Forbidden) {
			t.Errorf("operator disabling: %v, want forbidden", err)
		}
		if _, err := a.People.SetDisabled(ctx, apptest.As(t, db, "admin"), "admin", true); !errs.Is(err, errs.Invalid) {
			t.Errorf("admin disabling itself: %v, want invalid", err)
		}
		if _, err := a.People.SetDisabled(ctx, apptest.As(t, db, "admin"), "gridworker", true); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AuthenticateToken(ctx, secret); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("disabled user's token: %v, want unauthorized", err)
		}
		if _, err := a.People.Login(ctx, "gridworker", demo.Password, "10.0.0.1"); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("disabled user's login: %v, want unauthorized as for a wrong password", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		op := apptest.As(t, db, "operator")
		secret, tok, err := a.People.CreateToken(ctx, op, "operator", "laptop")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.People.CreateToken(ctx, op, "leader", "x"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("token for someone else: %v, want forbidden", err)
		}
		if err := a.People.RevokeToken(ctx, apptest.As(t, db, "leader"), tok.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("revoking another's token: %v, want not_found", err)
		}
		if err := a.People.RevokeTokenSecret(ctx, apptest.System, "not-a-token"); !errs.Is(err, errs.Invalid) {
			t.Errorf("revoking garbage: %v, want invalid", err)
		}
		if err := a.People.RevokeToken(ctx, op, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AuthenticateToken(ctx, secret); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("revoked token: %v, want unauthorized", err)
		}
		if n, err := a.VerifyAudit(ctx); err != nil || n == 0 {
			t.Errorf("VerifyAudit = %d, %v; want an intact, non-empty trail", n, err)
		}
	})
}
