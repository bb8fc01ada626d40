package people

import (
	"context"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// CreateToken issues an API bearer token for a user: for oneself, or by an admin for a user in
// scope. The secret is returned once and only its hash is kept.
func (a *Service) CreateToken(ctx context.Context, actor *access.Principal, username, name string) (string, store.Token, error) {
	name = strings.TrimSpace(name)
	if err := textcheck.Check("name", name); err != nil {
		return "", store.Token{}, err
	}
	if len(name) > 100 {
		return "", store.Token{}, errs.E(errs.Invalid, "token name must have at most 100 characters")
	}
	secret, hash := access.NewSecret(access.TokenPrefix)
	var tok store.Token
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		u, err := a.userFor(ctx, actor, username, true)
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.E(errs.Conflict, "user %q is disabled", u.Username)
		}
		tok, err = a.DB.CreateToken(ctx, u.ID, name, hash, a.Now())
		if err != nil {
			return err
		}
		tok.Username = u.Username
		return a.Record(ctx, actor, "token.create", "user:"+u.Username, nil, map[string]any{"token_id": tok.ID, "name": name})
	})
	if err != nil {
		return "", store.Token{}, err
	}
	return secret, tok, nil
}

// RevokeToken revokes a token by id: one's own, or by an admin for a user in scope.
func (a *Service) RevokeToken(ctx context.Context, actor *access.Principal, id int64) error {
	return a.revoke(ctx, actor, func(ctx context.Context) (store.Token, error) { return a.DB.TokenByID(ctx, id) })
}

// RevokeTokenSecret revokes the token with this secret (for the console, where the secret is
// what an operator has at hand).
func (a *Service) RevokeTokenSecret(ctx context.Context, actor *access.Principal, secret string) error {
	if access.CheckSecretShape(access.TokenPrefix, secret) != nil {
		return errs.E(errs.Invalid, "that is not a citygrid token (they start with %s)", access.TokenPrefix)
	}
	return a.revoke(ctx, actor, func(ctx context.Context) (store.Token, error) {
		return a.DB.TokenByHash(ctx, access.HashSecret(secret))
	})
}

func (a *Service) revoke(ctx context.Context, actor *access.Principal, find func(context.Context) (store.Token, error)) error {
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		tok, err := find(ctx)
		if err != nil {
			return err
		}
		if _, err := a.userFor(ctx, actor, tok.Username, true); err != nil {
			if errs.Is(err, errs.Forbidden) {
				return errs.E(errs.NotFound, "token %d not found", tok.ID) // other people's tokens are private
			}
			return err
		}
		if err := a.DB.RevokeToken(ctx, tok.ID, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, actor, "token.revoke", "user:"+tok.Username, nil, map[string]any{"token_id": tok.ID})
	})
}
