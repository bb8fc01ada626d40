package store

import (
	"context"
	"fmt"
	"time"
)

// SignupCode is a code mailed to an address that wants an account (migration 00054).
type SignupCode struct {
	Email     string
	CodeHash  string
	Attempts  int // guesses made
	ExpiresAt time.Time
}

// PutSignupCode keeps a new code for an address, replacing any earlier one and its guesses.
func (db *DB) PutSignupCode(ctx context.Context, c SignupCode, now time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO signup_codes (email, code_hash, attempts, expires_at, created_at) VALUES (?, ?, 0, ?, ?)
		ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at, created_at = excluded.created_at`,
		c.Email, c.CodeHash, micros(c.ExpiresAt), micros(now))
	if err != nil {
		return fmt.Errorf("keep a signup code: %w", err)
	}
	return nil
}

// GuessSignupCode counts a guess at an address's code and returns the code as it then stands
// (Attempts including this guess); not found when the address has none.
func (db *DB) GuessSignupCode(ctx context.Context, email string) (SignupCode, error) {
	c := SignupCode{Email: email}
	var exp int64
	err := db.writeRow(ctx, `UPDATE signup_codes SET attempts = attempts + 1 WHERE email = ? RETURNING code_hash, attempts, expires_at`, email).
		Scan(&c.CodeHash, &c.Attempts, &exp)
	if err != nil {
		return SignupCode{}, notFound(err, "no signup code for that address")
	}
	c.ExpiresAt = fromMicros(exp)
	return c, nil
}

// DeleteSignupCode forgets an address's code, once used.
func (db *DB) DeleteSignupCode(ctx context.Context, email string) error {
	if _, err := db.exec(ctx, `DELETE FROM signup_codes WHERE email = ?`, email); err != nil {
		return fmt.Errorf("delete a signup code: %w", err)
	}
	return nil
}

// EmailHasAccount reports whether an account (enabled or not) has the address.
func (db *DB) EmailHasAccount(ctx context.Context, email string) (bool, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE LOWER(email) = ?`, email).Scan(&n); err != nil {
		return false, fmt.Errorf("look up an address: %w", err)
	}
	return n > 0, nil
}
