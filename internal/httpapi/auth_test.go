package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// me is the body of GET /api/v1/me.
type me struct {
	Username  string `json:"username"`
	Role      string `json:"role"`
	Scope     string `json:"scope"`
	Via       string `json:"via"`
	ScopePath []struct {
		Code string `json:"code"`
	} `json:"scope_path"`
}

func (m me) scopeCodes() []string {
	codes := []string{}
	for _, r := range m.ScopePath {
		codes = append(codes, r.Code)
	}
	return codes
}

func getMe(t *testing.T, c *client) me {
	t.Helper()
	r := c.do(t, "GET", "/api/v1/me", nil)
	wantStatus(t, r, http.StatusOK)
	var m me
	r.decode(t, &m)
	return m
}

func TestLoginSetsASessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range []struct {
			name          string
			secureCookies bool
		}{
			{"on plain HTTP the cookie is not marked Secure", false},
			{"with SecureCookies the cookie is marked Secure", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ts := newServer(t, db, func(c *server.Config) { c.API.SecureCookies = tc.secureCookies })
				r := ts.anonymous().login(t, "operator", demo.Password)
				wantStatus(t, r, http.StatusOK)
				c := r.sessionCookie()
				if c == nil {
					t.Fatalf("no citygrid_session cookie in %q", r.Header.Values("Set-Cookie"))
				}
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secureCookies {
					t.Errorf("cookie: got HttpOnly=%v SameSite=%v Secure=%v, want HttpOnly=true SameSite=Lax Secure=%v",
						c.HttpOnly, c.SameSite, c.Secure, tc.secureCookies)
				}
				if !strings.HasPrefix(c.Value, "cgs_") {
					t.Errorf("cookie value: got %q, want a cgs_ session secret", c.Value)
				}
				if strings.Contains(string(r.Body), "$2a$") || strings.Contains(string(r.Body), c.Value) {
					t.Errorf("login body shows a password hash or the session secret: %s", r.Body)
				}
			})
		}

		t.Run("the session shows the operator's role and scope on /me", func(t *testing.T) {
			ts := newServer(t, db)
			got := getMe(t, ts.signedIn(t, "operator"))
			want := me{Username: "operator", Role: "operator", Scope: "410802", Via: "session"}
			if got.Username != want.Username || got.Role != want.Role || got.Scope != want.Scope || got.Via != want.Via {
				t.Errorf("/me: got %+v, want %+v", got, want)
			}
			if codes := got.scopeCodes(); !slices.Equal(codes, []string{"4108", "410802"}) {
				t.Errorf("scope_path codes: got %v, want [4108 410802]", codes)
			}
		})
	})
}

func TestEveryDemoLoginSignsInWithItsRoleAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		for _, l := range demo.Logins() {
			t.Run(l.Username+" signs in as "+string(l.Role), func(t *testing.T) {
				got := getMe(t, ts.signedIn(t, l.Username))
				if got.Role != string(l.Role) || got.Scope != l.Scope {
					t.Errorf("/me: got role %q scope %q, want role %q scope %q", got.Role, got.Scope, l.Role, l.Scope)
				}
			})
		}
	})
}

func TestWrongPasswordAndUnknownUserGetTheSameAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		before := ts.snapshot(t)
		c := ts.anonymous()

		wrong := c.login(t, "operator", "not-the-password")
		unknown := c.login(t, "no-such-user", "not-the-password")

		wantError(t, wrong, http.StatusUnauthorized, "unauthorized")
		wantError(t, unknown, http.StatusUnauthorized, "unauthorized")
		if string(wrong.Body) != string(unknown.Body) {
			t.Errorf("bodies differ:\nwrong password: %s\nunknown user:   %s", wrong.Body, unknown.Body)
		}
		if wrong.sessionCookie() != nil || unknown.sessionCookie() != nil {
			t.Errorf("a failed sign-in set a session cookie")
		}
		wantError(t, c.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		ts.wantUnchanged(t, before)
	})
}

// Without the dummy bcrypt comparison an unknown user would be answered about a hundred times
// faster than a wrong password, telling an attacker which usernames exist.
func TestLoginTakesAsLongForUnknownUsersAsForWrongPasswords(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at bcrypt.DefaultCost")
	}
	db := storetest.Open(t, store.SQLite)
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.DefaultCost, Logger: quiet,
		AccountFailures: 1000, AddressFailures: 1000})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if _, err := a.People.AddUser(t.Context(), access.SystemPrincipal("test"),
		people.NewUser{Username: "alice", Role: "resident", Password: "correct-horse"}); err != nil {
		t.Fatalf("add user: %v", err)
	}
	c := serve(t, a).anonymous()
	timeLogin := func(username string) time.Duration {
		start := time.Now()
		r := c.login(t, username, "wrong-password")
		elapsed := time.Since(start)
		wantError(t, r, http.StatusUnauthorized, "unauthorized")
		return elapsed
	}

	timeLogin("warm-up")
	var unknown, wrong []time.Duration
	for i := range 5 {
		unknown = append(unknown, timeLogin(fmt.Sprintf("nobody%d", i)))
		wrong = append(wrong, timeLogin("alice"))
	}
	u, w := median(unknown), median(wrong)
	t.Logf("median sign-in time: unknown user %v, wrong password %v", u, w)
	if ratio := float64(u) / float64(w); ratio < 0.33 || ratio > 3 {
		t.Errorf("unknown user / wrong password time: got %.2f (%v / %v), want between 0.33 and 3", ratio, u, w)
	}
}

// A disabled account's right password costs what a wrong one does: the answer and its timing
// both say only "wrong username or password".
func TestADisabledAccountsRightPasswordTakesAsLongAsAWrongOne(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at bcrypt.DefaultCost")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.DefaultCost, Logger: quiet,
			AccountFailures: 1000, AddressFailures: 1000})
		if err != nil {
			t.Fatalf("app.New: %v", err)
		}
		sys := access.SystemPrincipal("test")
		for _, name := range []string{"alice", "bob"} {
			if _, err := a.People.AddUser(t.Context(), sys, people.NewUser{Username: name, Role: "resident", Password: "correct-horse"}); err != nil {
				t.Fatalf("add user: %v", err)
			}
		}
		if _, err := a.People.SetDisabled(t.Context(), sys, "alice", true); err != nil {
			t.Fatal(err)
		}
		c := serve(t, a).anonymous()
		timeLogin := func(username, password string) (time.Duration, string) {
			start := time.Now()
			r := c.login(t, username, password)
			elapsed := time.Since(start)
			wantError(t, r, http.StatusUnauthorized, "unauthorized")
			return elapsed, string(r.Body)
		}
		timeLogin("bob", "warm-up")
		var disabled, wrong []time.Duration
		for range 5 {
			d, dBody := timeLogin("alice", "correct-horse")
			w, wBody := timeLogin("bob", "wrong-horse")
			if dBody != wBody {
				t.Fatalf("bodies differ:\ndisabled, right password: %s\nwrong password: %s", dBody, wBody)
			}
			disabled, wrong = append(disabled, d), append(wrong, w)
		}
		d, w := median(disabled), median(wrong)
		t.Logf("median sign-in time: disabled account with the right password %v, wrong password %v", d, w)
		if ratio := float64(d) / float64(w); ratio < 0.33 || ratio > 3 {
			t.Errorf("disabled / wrong time: got %.2f (%v / %v), want between 0.33 and 3", ratio, d, w)
		}
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func TestRepeatedFailuresThrottleTheAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		before := ts.snapshot(t)
		c := ts.anonymous()
		for i := range 5 {
			if r := c.login(t, "operator", "not-the-password"); r.Status != http.StatusUnauthorized {
				t.Fatalf("failure %d: got status %d, want 401", i+1, r.Status)
			}
		}

		r := c.login(t, "operator", demo.Password)
		wantError(t, r, http.StatusTooManyRequests, "too_many_requests")
		if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs <= 0 {
			t.Errorf("Retry-After: got %q, want a positive number of seconds", r.Header.Get("Retry-After"))
		}
		if r.sessionCookie() != nil {
			t.Errorf("a throttled sign-in set a session cookie")
		}
		wantError(t, c.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		ts.wantUnchanged(t, before)

		t.Run("another account from the same address still signs in", func(t *testing.T) {
			getMe(t, ts.signedIn(t, "leader"))
		})
	})
}

func TestADisabledUserIsShutOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		sys := access.SystemPrincipal("test")
		token, _, err := ts.App.People.CreateToken(t.Context(), sys, "dispatcher", "integration")
		if err != nil {
			t.Fatalf("create token: %v", err)
		}
		session := ts.signedIn(t, "dispatcher")
		getMe(t, ts.bearer(token)) // both work before
		getMe(t, session)

		if _, err := ts.App.People.SetDisabled(t.Context(), sys, "dispatcher", true); err != nil {
			t.Fatalf("disable: %v", err)
		}
		before := ts.snapshot(t)

		t.Run("signing in with the right password is answered as a wrong one", func(t *testing.T) {
			right := ts.anonymous().login(t, "dispatcher", demo.Password)
			wrong := ts.anonymous().login(t, "dispatcher", "not-the-password")
			wantError(t, right, http.StatusUnauthorized, "unauthorized")
			if string(right.Body) != string(wrong.Body) || right.Status != wrong.Status {
				t.Errorf("the right password of a disabled account is told apart:\nright: %d %s\nwrong: %d %s", right.Status, right.Body, wrong.Status, wrong.Body)
			}
			if right.sessionCookie() != nil {
				t.Errorf("a disabled user got a session cookie")
			}
		})
		t.Run("the user's bearer token no longer works", func(t *testing.T) {
			wantError(t, ts.bearer(token).do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "disabled")
		})
		t.Run("the user's open session has ended", func(t *testing.T) {
			wantError(t, session.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		})
		ts.wantUnchanged(t, before)
	})
}

type tokenCreated struct {
	ID       int64  `json:"id"`
	Token    string `json:"token"`
	Username string `json:"username"`
}

func createToken(t *testing.T, c *client, name string) tokenCreated {
	t.Helper()
	r := c.do(t, "POST", "/api/v1/tokens", map[string]string{"name": name})
	wantStatus(t, r, http.StatusCreated)
	var tok tokenCreated
	r.decode(t, &tok)
	return tok
}

func TestBearerTokensWorkUntilRevoked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		operator := ts.signedIn(t, "operator")
		tok := createToken(t, operator, "ci")
		if !strings.HasPrefix(tok.Token, "cgt_") || tok.ID <= 0 || tok.Username != "operator" {
			t.Fatalf("created token: got %+v, want a cgt_ token with an id for operator", tok)
		}
		path := fmt.Sprintf("/api/v1/tokens/%d", tok.ID)

		t.Run("the token authenticates as its user", func(t *testing.T) {
			if got := getMe(t, ts.bearer(tok.Token)); got.Username != "operator" || got.Via != "token" {
				t.Errorf("/me with the token: got user %q via %q, want operator via token", got.Username, got.Via)
			}
		})
		t.Run("another non-admin cannot see the token to revoke it", func(t *testing.T) {
			leader := ts.signedIn(t, "leader")
			before := ts.snapshot(t)
			wantError(t, leader.do(t, "DELETE", path, nil), http.StatusNotFound, "not_found")
			getMe(t, ts.bearer(tok.Token))
			ts.wantUnchanged(t, before)
		})
		t.Run("its owner revokes it and it stops working", func(t *testing.T) {
			wantStatus(t, operator.do(t, "DELETE", path, nil), http.StatusNoContent)
			wantError(t, ts.bearer(tok.Token).do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		})
		t.Run("revoking it again is a conflict", func(t *testing.T) {
			wantError(t, operator.do(t, "DELETE", path, nil), http.StatusConflict, "conflict")
		})
		t.Run("an id that is not a number is not found", func(t *testing.T) {
			wantError(t, operator.do(t, "DELETE", "/api/v1/tokens/abc", nil), http.StatusNotFound, "not_found")
		})
	})
}

func TestMalformedAuthorizationIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		wellFormedButUnknown := "cgt_" + strings.Repeat("A", 43)
		for _, tc := range []struct{ name, header string }{
			{"a bearer token without the cgt_ prefix", "Bearer abc"},
			{"a cgt_ token that is too short", "Bearer cgt_short"},
			{"a well-formed token nobody was given", "Bearer " + wellFormedButUnknown},
			{"Basic authentication", "Basic xyz"},
			{"an empty bearer token", "Bearer "},
			{"a scheme with no token", "Bearer"},
		} {
			t.Run(tc.name+" gets 401", func(t *testing.T) {
				r := ts.withAuth(tc.header).do(t, "GET", "/api/v1/me", nil)
				wantError(t, r, http.StatusUnauthorized, "unauthorized")
				if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate: got %q, want a Bearer challenge", r.Header.Get("WWW-Authenticate"))
				}
			})
		}
	})
}

func TestCrossSiteWritesAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		for _, tc := range []struct {
			name   string
			header []string
			status int
		}{
			{"a cross-site sign-in is refused", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, http.StatusForbidden},
			{"a foreign Origin alone is refused", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
			{"a same-origin sign-in works", []string{"Sec-Fetch-Site", "same-origin", "Origin", ts.URL}, http.StatusOK},
			{"a sign-in with no browser headers works", nil, http.StatusOK},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(auditRecords(t, db, "auth.login"))
				r := ts.anonymous().login(t, "operator", demo.Password, tc.header...)
				after := len(auditRecords(t, db, "auth.login"))
				if tc.status != http.StatusOK {
					wantError(t, r, tc.status, "cross_origin")
					if r.sessionCookie() != nil || after != before {
						t.Errorf("a refused sign-in set a cookie (%v) or was audited (%d→%d records)", r.sessionCookie() != nil, before, after)
					}
					return
				}
				wantStatus(t, r, http.StatusOK)
				if r.sessionCookie() == nil || after != before+1 {
					t.Errorf("sign-in: cookie set %v, auth.login records %d→%d; want a cookie and one new record", r.sessionCookie() != nil, before, after)
				}
			})
		}
	})
}

// A password is changed because it may have leaked; tokens made with it (by whoever held it)
// must stop working too, as the sessions do.
func TestChangingAPasswordRevokesTheUsersTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		operator := ts.signedIn(t, "operator")
		tok := createToken(t, operator, "made with a leaked password")
		getMe(t, ts.bearer(tok.Token))
		other := createToken(t, ts.signedIn(t, "leader"), "someone else's")

		// What `citygrid user passwd operator` does.
		if err := ts.App.People.SetPassword(t.Context(), access.SystemPrincipal("cli"), "operator", "a-new-password-1"); err != nil {
			t.Fatal(err)
		}
		wantError(t, ts.bearer(tok.Token).do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		wantError(t, operator.do(t, "GET", "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		getMe(t, ts.bearer(other.Token)) // another user's token is theirs to keep
		getMe(t, ts.anonymous().signedInWith(t, "operator", "a-new-password-1"))
		if rs := auditRecords(t, db, "user.passwd"); len(rs) != 1 || !strings.Contains(rs[0].After, `"tokens_revoked":1`) {
			t.Errorf("audit of the change: %+v", rs)
		}
	})
}

// signedInWith signs c in with a password and returns it.
func (c *client) signedInWith(t *testing.T, username, password string) *client {
	t.Helper()
	wantStatus(t, c.login(t, username, password), http.StatusOK)
	return c
}
