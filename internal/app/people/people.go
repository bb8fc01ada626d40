// Package people holds the use cases of the people who use citygrid: users and their scopes,
// sign-in with throttling, browser sessions and API tokens.
//
// What each refuses (besides malformed input, which is invalid):
//   - Login: a wrong username or password, or a disabled account, the same answer for all
//     after the same work (unauthorized, bad_login); too many attempts for the account or the
//     address in the window, counted before the password is checked (too many requests, with
//     when to retry).
//   - AuthenticateSession, AuthenticateToken: an unknown, expired or revoked secret, or one of
//     a disabled user (unauthorized).
//   - SetPassword also ends the user's sessions and revokes their API tokens.
//   - AddUser, ListUsers, SetDisabled, SetPassword: anyone but an admin (a user may change
//     their own password), and an admin acting on a user or scope outside their own
//     (forbidden); disabling oneself, a role without the scope or department it needs, an
//     unknown region or department (invalid).
//   - CreateToken, RevokeToken: a token for a disabled user (conflict); another's token is not
//     there (not found: tokens are private).
package people

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the people use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the people use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
