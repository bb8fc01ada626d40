package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
)

// SaveParts writes a case's parts (联办) as its state holds them, one row per co-department,
// replacing the rows it had: the rows mirror the state for queries, as the cases table's
// status and department columns do.
func (db *DB) SaveParts(ctx context.Context, caseID int64, parts []workflow.Part) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `DELETE FROM case_parts WHERE case_id = ?`, caseID); err != nil {
			return fmt.Errorf("save parts of case %d: %w", caseID, err)
		}
		for _, p := range parts {
			_, err := db.exec(ctx, `INSERT INTO case_parts (case_id, department, status, sign_due, handle_due, signed_at, result,
					photos, reported_by, reported_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				caseID, p.Department, string(p.Status), nullTime(p.SignDue), nullTime(p.HandleDue), nullTime(p.SignedAt), p.Result,
				strings.Join(p.Photos, ";"), p.ReportedBy, nullTime(p.ReportedAt), p.Reason)
			if err != nil {
				return fmt.Errorf("save part %s of case %d: %w", p.Department, caseID, err)
			}
		}
		return nil
	})
}

// PartRow is one stored part, as the mirror holds it.
type PartRow struct {
	CaseID int64
	workflow.Part
}

// Parts returns the stored parts of a case, in the order of its co-departments' codes.
func (db *DB) Parts(ctx context.Context, caseID int64) ([]PartRow, error) {
	rows, err := db.query(ctx, `SELECT case_id, department, status, sign_due, handle_due, signed_at, result, photos,
			reported_by, reported_at, reason FROM case_parts WHERE case_id = ? ORDER BY department`, caseID)
	if err != nil {
		return nil, fmt.Errorf("parts of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []PartRow
	for rows.Next() {
		var (
			p                                    PartRow
			signDue, handleDue, signed, reported sql.NullInt64
			photos                               string
		)
		if err := rows.Scan(&p.CaseID, &p.Department, &p.Status, &signDue, &handleDue, &signed, &p.Result, &photos,
			&p.ReportedBy, &reported, &p.Reason); err != nil {
			return nil, fmt.Errorf("parts of case %d: %w", caseID, err)
		}
		p.SignDue, p.HandleDue, p.SignedAt, p.ReportedAt = timeOf(signDue), timeOf(handleDue), timeOf(signed), timeOf(reported)
		if photos != "" {
			p.Photos = strings.Split(photos, ";")
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// timeOf is a nullable microseconds column as a time; zero when NULL.
func timeOf(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}
