package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Clock is one stage of a case against its time limit: started when the stage starts, its
// deadline snapshotted then, paused while the case is suspended, stopped when the stage ends.
type Clock struct {
	ID       int64
	CaseID   int64
	Stage    workflow.Stage
	Start    time.Time
	Limit    worktime.Limit
	Due      time.Time
	Warn     time.Time      // when 80 % of the stage's time is used
	Pauses   [][2]time.Time // finished pauses
	PausedAt time.Time      // zero unless paused now
	Stopped  time.Time      // zero while running

	// Department is the co-department whose part (联办) the clock times; "" for the case's own.
	Department string

	// What evaluation counts (issue 13): why the stage started (the action: dispatch, or
	// verify for rework), whom it times (the department signing and handling), who started it,
	// how it ended (the action that stopped it) and by whom, and the extensions it was granted.
	Cause      string
	Owner      string
	StartedBy  string
	Outcome    string
	DoneBy     string
	Extensions int
}

// The notice thresholds.
const (
	NearDue = "near_due"
	Overdue = "overdue"
)

const clockColumns = `id, case_id, department, stage, started_at, limit_value, limit_unit, due_at, warn_at, pauses, paused_at, stopped_at,
	cause, owner, started_by, outcome, done_by, extensions`

func scanClock(row interface{ Scan(...any) error }) (Clock, error) {
	var (
		c                Clock
		start, due, warn int64
		pauses           string
		paused, stopped  sql.NullInt64
	)
	if err := row.Scan(&c.ID, &c.CaseID, &c.Department, &c.Stage, &start, &c.Limit.Value, &c.Limit.Unit, &due, &warn, &pauses, &paused,
		&stopped,
		&c.Cause, &c.Owner, &c.StartedBy, &c.Outcome, &c.DoneBy, &c.Extensions); err != nil {
		return Clock{}, err
	}
	c.Start, c.Due, c.Warn = fromMicros(start), fromMicros(due), fromMicros(warn)
	if paused.Valid {
		c.PausedAt = fromMicros(paused.Int64)
	}
	if stopped.Valid {
		c.Stopped = fromMicros(stopped.Int64)
	}
	var ps [][2]int64
	if err := json.Unmarshal([]byte(pauses), &ps); err != nil {
		return Clock{}, fmt.Errorf("clock %d pauses: %w", c.ID, err)
	}
	for _, p := range ps {
		c.Pauses = append(c.Pauses, [2]time.Time{fromMicros(p[0]), fromMicros(p[1])})
	}
	return c, nil
}

func encodePauses(ps [][2]time.Time) string {
	out := make([][2]int64, len(ps))
	for i, p := range ps {
		out[i] = [2]int64{micros(p[0]), micros(p[1])}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// StartClock stores a new running clock; inside a transaction, at its commit (or before its
// next read), like the other rows a transition appends.
func (db *DB) StartClock(ctx context.Context, c Clock) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		t.appendRow("case_clocks", []string{"case_id", "department", "stage", "started_at", "limit_value", "limit_unit", "due_at", "warn_at", "pauses",
			"cause", "owner", "started_by"},
			[]any{c.CaseID, c.Department, string(c.Stage), micros(c.Start), c.Limit.Value, string(c.Limit.Unit), micros(c.Due), micros(c.Warn), encodePauses(c.Pauses),
				c.Cause, c.Owner, c.StartedBy})
		return nil
	})
}

// RunningClocks returns a case's running (possibly paused) clocks: its own and its parts'.
func (db *DB) RunningClocks(ctx context.Context, caseID int64) ([]Clock, error) {
	rows, err := db.query(ctx, `SELECT `+clockColumns+` FROM case_clocks WHERE case_id = ? AND stopped_at IS NULL ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("clocks of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []Clock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, fmt.Errorf("clocks of case %d: %w", caseID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CaseClocks returns every clock a case has run, running and stopped, its own and its parts',
// in the order they started.
func (db *DB) CaseClocks(ctx context.Context, caseID int64) ([]Clock, error) {
	rows, err := db.query(ctx, `SELECT `+clockColumns+` FROM case_clocks WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("clocks of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []Clock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, fmt.Errorf("clocks of case %d: %w", caseID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateClock writes a clock's deadline, pauses and stop. A threshold whose moment moved into
// the future (an extension, a resumption) may be announced again: it is a new deadline.
func (db *DB) UpdateClock(ctx context.Context, c Clock, now time.Time) error {
	_, err := db.exec(ctx, `UPDATE case_clocks SET due_at = ?, warn_at = ?, pauses = ?, paused_at = ?, stopped_at = ?,
			outcome = ?, done_by = ?, extensions = ?,
			near_notice_at = CASE WHEN ? THEN NULL ELSE near_notice_at END,
			overdue_notice_at = CASE WHEN ? THEN NULL ELSE overdue_notice_at END
		WHERE id = ?`, micros(c.Due), micros(c.Warn), encodePauses(c.Pauses), nullTime(c.PausedAt), nullTime(c.Stopped),
		c.Outcome, c.DoneBy, c.Extensions, c.Warn.After(now), c.Due.After(now), c.ID)
	if err != nil {
		return fmt.Errorf("update clock %d: %w", c.ID, err)
	}
	return nil
}

// ClocksPast returns up to limit running, unpaused clocks whose threshold (NearDue: the yellow
// moment; Overdue: the deadline) has passed at now and not been announced.
func (db *DB) ClocksPast(ctx context.Context, threshold string, now time.Time, limit int) ([]Clock, error) {
	q := `SELECT ` + clockColumns + ` FROM case_clocks WHERE stopped_at IS NULL AND paused_at IS NULL AND `
	switch threshold {
	case NearDue:
		q += `near_notice_at IS NULL AND warn_at <= ? ORDER BY warn_at`
	case Overdue:
		q += `overdue_notice_at IS NULL AND due_at < ? ORDER BY due_at`
	default:
		return nil, fmt.Errorf("unknown threshold %q", threshold)
	}
	rows, err := db.query(ctx, q+` LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("clocks past %s: %w", threshold, err)
	}
	defer rows.Close()
	var out []Clock
	for rows.Next() {
		c, err := scanClock(rows)
		if err != nil {
			return nil, fmt.Errorf("clocks past %s: %w", threshold, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClaimNotice marks a clock's threshold announced and reports whether this call did it: of
// any number of processes trying at once, exactly one gets true. Announcing overdue also
// settles near-due, which would only be noise afterwards.
func (db *DB) ClaimNotice(ctx context.Context, clockID int64, threshold string, now time.Time) (bool, error) {
	var q string
	switch threshold {
	case NearDue:
		q = `UPDATE case_clocks SET near_notice_at = ? WHERE id = ? AND near_notice_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL`
	case Overdue:
		q = `UPDATE case_clocks SET overdue_notice_at = ?, near_notice_at = COALESCE(near_notice_at, overdue_notice_at, ?)
			WHERE id = ? AND overdue_notice_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL`
	default:
		return false, fmt.Errorf("unknown threshold %q", threshold)
	}
	args := []any{micros(now), clockID}
	if threshold == Overdue {
		args = []any{micros(now), micros(now), clockID}
	}
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("claim %s notice of clock %d: %w", threshold, clockID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
