package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// CreateSession stores a browser session by the hash of its secret.
func (db *DB) CreateSession(ctx context.Context, hash string, userID int64, now, expires time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, userID, micros(now), micros(expires))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns the user of an unexpired session.
func (db *DB) SessionUser(ctx context.Context, hash string, now time.Time) (access.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.scope, u.department, u.email, u.disabled, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = ? AND s.expires_at > ?`, hash, micros(now)))
	if err != nil {
		return access.User{}, notFound(err, "session not found")
	}
	return u, nil
}

// DeleteSession ends a session; ending one that does not exist is not an error.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if _, err := db.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (on password change or disabling).
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := db.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	return nil
}

// Token is an API bearer token's record; the secret itself is never stored.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"-"`
	Username  string     `json:"username"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken stores a token by the hash of its secret.
func (db *DB) CreateToken(ctx context.Context, userID int64, name, hash string, now time.Time) (Token, error) {
	t := Token{UserID: userID, Name: name, CreatedAt: fromMicros(micros(now))}
	err := db.writeRow(ctx, `INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		userID, name, hash, micros(now)).Scan(&t.ID)
	if err != nil {
		return Token{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// TokenUser returns the user holding an unrevoked token.
func (db *DB) TokenUser(ctx context.Context, hash string) (access.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.scope, u.department, u.email, u.disabled, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.revoked_at IS NULL`, hash))
	if err != nil {
		return access.User{}, notFound(err, "token not found")
	}
	return u, nil
}

// TokenByID returns a token's record.
func (db *DB) TokenByID(ctx context.Context, id int64) (Token, error) {
	return db.scanToken(db.queryRow(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.revoked_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id), "token %d not found", id)
}

// TokenByHash returns the record of the token with this secret hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (Token, error) {
	return db.scanToken(db.queryRow(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.created_at, t.revoked_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash), "token not found")
}

func (db *DB) scanToken(row *sql.Row, format string, args ...any) (Token, error) {
	var (
		t       Token
		created int64
		revoked sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &created, &revoked); err != nil {
		return Token{}, notFound(err, format, args...)
	}
	t.CreatedAt = fromMicros(created)
	if revoked.Valid {
		r := fromMicros(revoked.Int64)
		t.RevokedAt = &r
	}
	return t, nil
}

// RevokeToken marks a token revoked. Revoking a revoked token is a conflict.
func (db *DB) RevokeToken(ctx context.Context, id int64, now time.Time) error {
	res, err := db.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, micros(now), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.Conflict, "token %d is already revoked", id)
	}
	return nil
}

// LoginFailures returns the failures counted for key in the window that started at or after since.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT failures FROM login_failures WHERE key = ? AND window_start >= ?`, key, micros(since)).Scan(&n)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read login failures: %w", err)
	}
	return n, nil
}

// CountAttempt counts one attempt for key in the window that started at or after since (a
// window older than since starts afresh at now) and returns the count including it. It is one
// statement, atomic on both engines: of many attempts at once, each gets a count of its own,
// so a limit checked on the count lets exactly as many through as it allows. Keys name what
// is counted: "user:NAME" and "addr:IP" for sign-ins, "track:IP" for tracking by ticket.
func (db *DB) CountAttempt(ctx context.Context, key string, since, now time.Time) (int, error) {
	var n int
	err := db.writeRow(ctx, `INSERT INTO login_failures (key, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_failures.window_start >= ? THEN login_failures.failures + 1 ELSE 1 END,
			window_start = CASE WHEN login_failures.window_start >= ? THEN login_failures.window_start ELSE ? END
		RETURNING failures`,
		key, micros(now), micros(since), micros(since), micros(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count attempt: %w", err)
	}
	return n, nil
}

// ReleaseAttempt takes back one attempt counted for key in the window that started at or after
// since: an attempt counted before it was checked that turned out well (a sign-in that
// succeeded) is no failure.
func (db *DB) ReleaseAttempt(ctx context.Context, key string, since time.Time) error {
	_, err := db.exec(ctx, `UPDATE login_failures SET failures = failures - 1 WHERE key = ? AND window_start >= ? AND failures > 0`,
		key, micros(since))
	if err != nil {
		return fmt.Errorf("release attempt: %w", err)
	}
	return nil
}

// CountHit counts one hit for key in the window that started after since (an older window
// starts afresh at now), atomically, and returns the hits in the window, this one
// included, and when the window started.
func (db *DB) CountHit(ctx context.Context, key string, since, now time.Time) (hits int, windowStart time.Time, err error) {
	var start int64
	err = db.writeRow(ctx, `INSERT INTO rate_counters (key, hits, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN rate_counters.window_start > ? THEN rate_counters.hits + 1 ELSE 1 END,
			window_start = CASE WHEN rate_counters.window_start > ? THEN rate_counters.window_start ELSE ? END
		RETURNING hits, window_start`,
		key, micros(now), micros(since), micros(since), micros(now)).Scan(&hits, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count a hit for %s: %w", key, err)
	}
	return hits, fromMicros(start), nil
}

// ClearLoginFailures forgets the failures counted for key.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}
