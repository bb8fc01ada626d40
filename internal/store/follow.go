package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The kinds of follow.
const (
	FollowCase = "case" // one case's steps
	FollowArea = "area" // new reports in a subdistrict or community
)

// Follow is an e-mail address following a case or an area (migration 00054).
type Follow struct {
	ID     int64
	Kind   string // FollowCase or FollowArea
	CaseID int64  // kind case
	Ticket string // kind case: the case's ticket (read, not stored)
	Region string // kind area: a subdistrict or community code
	Class  string // kind area: "<category kind>-<major class>", or "" for every class
	Email  string
	Token  string
	// ConfirmedAt is when the address confirmed the follow; nil while pending.
	ConfirmedAt *time.Time
	// UnsubscribedAt is when the follow ended; nil while it runs.
	UnsubscribedAt *time.Time
	CreatedAt      time.Time
}

// Active reports whether the follow is confirmed and not ended: whether mail goes out for it.
func (f Follow) Active() bool { return f.ConfirmedAt != nil && f.UnsubscribedAt == nil }

const followColumns = `f.id, f.kind, f.case_id, COALESCE(c.ticket, ''), f.region, f.class, f.email, f.token, f.confirmed_at, f.unsubscribed_at, f.created_at`

const followFrom = ` FROM follows f LEFT JOIN cases c ON f.kind = 'case' AND c.id = f.case_id `

func scanFollow(row interface{ Scan(...any) error }) (Follow, error) {
	var (
		f         Follow
		conf, off sql.NullInt64
		at        int64
	)
	if err := row.Scan(&f.ID, &f.Kind, &f.CaseID, &f.Ticket, &f.Region, &f.Class, &f.Email, &f.Token, &conf, &off, &at); err != nil {
		return Follow{}, err
	}
	if conf.Valid {
		t := fromMicros(conf.Int64)
		f.ConfirmedAt = &t
	}
	if off.Valid {
		t := fromMicros(off.Int64)
		f.UnsubscribedAt = &t
	}
	f.CreatedAt = fromMicros(at)
	return f, nil
}

// RequestFollow stores a follow as pending, or finds the one already kept for the same address
// and subject: a pending or running one is returned as it is; an ended one starts again as
// pending with f's token. The caller mails the confirmation when the answer is pending. Two
// requests at once for the same follow both find the one row.
func (db *DB) RequestFollow(ctx context.Context, f Follow) (Follow, error) {
	var out Follow
	err := db.InTx(ctx, func(ctx context.Context) error {
		err := db.writeRow(ctx, `INSERT INTO follows (kind, case_id, region, class, email, token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, case_id, region, class, email) DO NOTHING RETURNING id`,
			f.Kind, f.CaseID, f.Region, f.Class, f.Email, f.Token, micros(f.CreatedAt)).Scan(&f.ID)
		if err == nil {
			f.ConfirmedAt, f.UnsubscribedAt, out = nil, nil, f
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		old, err := scanFollow(db.writeRow(ctx, `SELECT `+followColumns+followFrom+
			`WHERE f.kind = ? AND f.case_id = ? AND f.region = ? AND f.class = ? AND f.email = ?`, f.Kind, f.CaseID, f.Region, f.Class, f.Email))
		if err != nil {
			return err
		}
		if old.UnsubscribedAt == nil {
			out = old
			return nil
		}
		if _, err := db.exec(ctx, `UPDATE follows SET token = ?, confirmed_at = NULL, unsubscribed_at = NULL, created_at = ? WHERE id = ?`,
			f.Token, micros(f.CreatedAt), old.ID); err != nil {
			return err
		}
		old.Token, old.ConfirmedAt, old.UnsubscribedAt, old.CreatedAt = f.Token, nil, nil, f.CreatedAt
		out = old
		return nil
	})
	if err != nil {
		return Follow{}, fmt.Errorf("request a follow: %w", err)
	}
	return out, nil
}

// FollowByID returns one follow.
func (db *DB) FollowByID(ctx context.Context, id int64) (Follow, error) {
	f, err := scanFollow(db.queryRow(ctx, `SELECT `+followColumns+followFrom+`WHERE f.id = ?`, id))
	if err != nil {
		return Follow{}, notFound(err, "follow %d not found", id)
	}
	return f, nil
}

// FollowByToken returns the follow whose link holds token.
func (db *DB) FollowByToken(ctx context.Context, token string) (Follow, error) {
	f, err := scanFollow(db.queryRow(ctx, `SELECT `+followColumns+followFrom+`WHERE f.token = ?`, token))
	if err != nil {
		return Follow{}, notFound(err, "no follow with that token")
	}
	return f, nil
}

// ConfirmFollow marks a pending follow confirmed and reports whether this call did it.
func (db *DB) ConfirmFollow(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE follows SET confirmed_at = ? WHERE id = ? AND confirmed_at IS NULL AND unsubscribed_at IS NULL`, micros(now), id)
	if err != nil {
		return false, fmt.Errorf("confirm follow %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// EndFollow ends a follow and reports whether this call did it.
func (db *DB) EndFollow(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE follows SET unsubscribed_at = ? WHERE id = ? AND unsubscribed_at IS NULL`, micros(now), id)
	if err != nil {
		return false, fmt.Errorf("end follow %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CaseFollowers returns the running follows of a case and of the reports merged into it as
// duplicates (their followers follow it, as their reporters do), oldest first.
func (db *DB) CaseFollowers(ctx context.Context, caseID int64) ([]Follow, error) {
	// One IN list rather than an OR, so that both engines look the ids up in the follows' index.
	return db.follows(ctx, `WHERE f.kind = 'case' AND f.case_id IN (SELECT CAST(? AS BIGINT) UNION ALL
		SELECT m.id FROM case_channels ch JOIN cases m ON m.ticket = ch.ref WHERE ch.case_id = ? AND ch.source = ?)
		AND f.confirmed_at IS NOT NULL AND f.unsubscribed_at IS NULL ORDER BY f.id`,
		caseID, caseID, SourceMerged)
}

// AreaFollowers returns the running follows of any of regions whose class is class or every
// class, oldest first.
func (db *DB) AreaFollowers(ctx context.Context, regions []string, class string) ([]Follow, error) {
	if len(regions) == 0 {
		return nil, nil
	}
	args := []any{}
	for _, r := range regions {
		args = append(args, r)
	}
	return db.follows(ctx, `WHERE f.kind = 'area' AND f.region IN (`+marks(len(regions))+`) AND f.class IN ('', ?)
		AND f.confirmed_at IS NOT NULL AND f.unsubscribed_at IS NULL ORDER BY f.id`, append(args, class)...)
}

// CountFollows counts every follow kept, running or not (for tests that a refusal wrote none).
func (db *DB) CountFollows(ctx context.Context) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM follows`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count follows: %w", err)
	}
	return n, nil
}

func (db *DB) follows(ctx context.Context, where string, args ...any) ([]Follow, error) {
	rows, err := db.query(ctx, `SELECT `+followColumns+followFrom+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list follows: %w", err)
	}
	defer rows.Close()
	var out []Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, fmt.Errorf("list follows: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
