package people

import (
	"context"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// Session is a signed-in browser session. Secret goes into the cookie and nowhere else.
type Session struct {
	Secret    string
	ExpiresAt time.Time
	User      access.User
}

var errBadLogin = errs.Refuse(errs.Unauthorized, "bad_login", nil, "wrong username or password")

// Login checks a username and password and opens a session. Unknown users, wrong passwords
// and disabled accounts get the same answer after the same work; repeated failures per account
// and per address are throttled.
//
// Each attempt is counted against the account and the address before the password is
// checked, in one atomic statement per key, and taken back when it succeeds: counting only
// after a failed check let any number of parallel guesses through before the first was
// counted.
func (a *Service) Login(ctx context.Context, username, password, addr string) (Session, error) {
	now := a.Now()
	since := now.Add(-a.Opts.ThrottleWindow)
	accountKey, addrKey := "user:"+strings.ToLower(username), "addr:"+addr
	for _, k := range []struct {
		key   string
		limit int
	}{{addrKey, a.Opts.AddressFailures}, {accountKey, a.Opts.AccountFailures}} {
		n, err := a.DB.CountAttempt(ctx, k.key, since, now)
		if err != nil {
			return Session{}, err
		}
		if n > k.limit {
			return Session{}, errs.Throttled(a.Opts.ThrottleWindow, "too many failed sign-ins; try again in %d minutes", int(a.Opts.ThrottleWindow.Minutes()))
		}
	}

	u, hash, err := a.DB.UserByUsername(ctx, username)
	switch {
	case errs.Is(err, errs.NotFound):
		access.PasswordMatches(a.DummyHash(), password)
		return Session{}, a.loginFailed(ctx, username, addr)
	case err != nil:
		return Session{}, err
	case !access.PasswordMatches(hash, password) || u.Disabled:
		// A disabled account answers as a wrong password does, after the same work, and the
		// attempt counts: the answer never tells that a password was right.
		return Session{}, a.loginFailed(ctx, username, addr)
	}

	secret, secretHash := access.NewSecret(access.SessionPrefix)
	s := Session{Secret: secret, ExpiresAt: now.Add(a.Opts.SessionTTL), User: u}
	actor := &access.Principal{User: u, Via: "session"}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.ClearLoginFailures(ctx, accountKey); err != nil {
			return err
		}
		if err := a.DB.ReleaseAttempt(ctx, addrKey, since); err != nil {
			return err
		}
		if err := a.DB.CreateSession(ctx, secretHash, u.ID, now, s.ExpiresAt); err != nil {
			return err
		}
		return a.Record(ctx, actor, "auth.login", "user:"+u.Username, nil, map[string]any{"addr": addr})
	})
	if err != nil {
		return Session{}, err
	}
	return s, nil
}

// loginFailed answers a failed sign-in; its attempt stays counted.
func (a *Service) loginFailed(ctx context.Context, username, addr string) error {
	a.Log.InfoContext(ctx, "sign-in failed", "username", username, "addr", addr)
	return errBadLogin
}

// Logout ends the session with this secret.
func (a *Service) Logout(ctx context.Context, actor *access.Principal, secret string) error {
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.DeleteSession(ctx, access.HashSecret(secret)); err != nil {
			return err
		}
		return a.Record(ctx, actor, "auth.logout", "user:"+actor.User.Username, nil, nil)
	})
}

// AuthenticateSession returns the principal of a session cookie's secret.
func (a *Service) AuthenticateSession(ctx context.Context, secret string) (*access.Principal, error) {
	if access.CheckSecretShape(access.SessionPrefix, secret) != nil {
		return nil, errs.Refuse(errs.Unauthorized, "session_expired", nil, "session is not valid; sign in again")
	}
	u, err := a.DB.SessionUser(ctx, access.HashSecret(secret), a.Now())
	if errs.Is(err, errs.NotFound) {
		return nil, errs.Refuse(errs.Unauthorized, "session_expired", nil, "session has expired; sign in again")
	}
	return a.principal(ctx, u, "session", err)
}

// AuthenticateToken returns the principal of an API bearer token.
func (a *Service) AuthenticateToken(ctx context.Context, secret string) (*access.Principal, error) {
	if access.CheckSecretShape(access.TokenPrefix, secret) != nil {
		return nil, errs.E(errs.Unauthorized, "malformed bearer token")
	}
	u, err := a.DB.TokenUser(ctx, access.HashSecret(secret))
	if errs.Is(err, errs.NotFound) {
		return nil, errs.E(errs.Unauthorized, "unknown or revoked bearer token")
	}
	return a.principal(ctx, u, "token", err)
}

func (a *Service) principal(ctx context.Context, u access.User, via string, err error) (*access.Principal, error) {
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errs.Coded(errs.Unauthorized, "disabled", "this account is disabled")
	}
	p := &access.Principal{User: u, Via: via}
	if u.Role == access.GridWorker {
		if p.Grids, err = a.DB.UserGrids(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}
