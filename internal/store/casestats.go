package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

// StatsScope selects the cases a dashboard counts: those under any of the region codes (all
// when none), or of one lead department.
type StatsScope struct {
	Regions    []string
	Department string
	Now        time.Time
}

// CaseStats are a dashboard's figures.
type CaseStats struct {
	ByStatus map[string]int `json:"by_status"`
	// Overdue counts the cases past the deadline of a stage they are running, whichever it is
	// (accept, dispatch, sign, handle, verify); by lead department, "" for cases not yet
	// dispatched (overdue at a centre).
	Overdue             int            `json:"overdue"`
	OverdueByDepartment map[string]int `json:"overdue_by_department"`
	IntakeByDay         map[string]int `json:"intake_by_day"` // "2006-01-02" in China time → cases reported that day
}

// CaseStats counts cases by status and the overdue ones by lead department, from the scope's
// cases (the indexes on status, grid and department bound the work). The reports of each day
// come from the evaluation aggregates (package eval), not from here.
func (db *DB) CaseStats(ctx context.Context, s StatsScope) (CaseStats, error) {
	out := CaseStats{ByStatus: map[string]int{}, OverdueByDepartment: map[string]int{}}
	where, args := statsWhere(s)
	count := func(q string, extra []any, each func(key string, n int)) error {
		rows, err := db.query(ctx, q, append(append([]any{}, extra...), args...)...)
		if err != nil {
			return fmt.Errorf("case stats: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				key any
				n   int
			)
			if err := rows.Scan(&key, &n); err != nil {
				return fmt.Errorf("case stats: %w", err)
			}
			each(fmt.Sprint(key), n)
		}
		return rows.Err()
	}
	if err := count(`SELECT status, COUNT(*) FROM cases WHERE `+where+` GROUP BY status`, nil,
		func(k string, n int) { out.ByStatus[k] = n }); err != nil {
		return CaseStats{}, err
	}
	overdue, at := lightCondition(worktime.Red, s.Now)
	if err := count(`SELECT department, COUNT(*) FROM cases WHERE `+overdue+` AND `+where+` GROUP BY department`,
		at, func(k string, n int) { out.OverdueByDepartment[k] = n; out.Overdue += n }); err != nil {
		return CaseStats{}, err
	}
	return out, nil
}

func statsWhere(s StatsScope) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if len(s.Regions) > 0 {
		var or []string
		for _, r := range s.Regions {
			or = append(or, `(grid_code >= ? AND grid_code < ?)`)
			args = append(args, r, r+":")
		}
		conds = append(conds, `(`+strings.Join(or, " OR ")+`)`)
	}
	if s.Department != "" {
		conds = append(conds, `department = ?`)
		args = append(args, s.Department)
	}
	if len(conds) == 0 {
		return `1 = 1`, nil
	}
	return strings.Join(conds, ` AND `), args
}
