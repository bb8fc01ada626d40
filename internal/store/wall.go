package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// WallPoint is an open case on the wall screen's map.
type WallPoint struct {
	ID           int64
	Ticket       string
	Kind         string
	Category     string
	Status       workflow.Status
	Lon, Lat     float64
	Light        worktime.Light
	GridCode     string
	LightDueUnix int64 // microseconds; 0 when no clock runs
}

// WallFacts are the command centre's picture of the open cases in a scope.
type WallFacts struct {
	Points    []WallPoint
	Truncated bool // more open cases than the limit: the newest were kept
	// OverdueByStage counts open cases by the stages whose deadline they are past (a case
	// past two stages counts under both).
	OverdueByStage map[string]int
	OpenByStreet   map[string]int // subdistrict code → open cases
	OpenByCategory map[string]int // "kind:code" → open cases
}

// WallFacts reads the open cases of the scope (up to limit, newest first) and counts them by
// subdistrict, category and overdue stage. Open cases are a few thousand in a city, and the
// status index bounds the read.
func (db *DB) WallFacts(ctx context.Context, s StatsScope, limit int) (WallFacts, error) {
	out := WallFacts{OverdueByStage: map[string]int{}, OpenByStreet: map[string]int{}, OpenByCategory: map[string]int{}}
	where, args := statsWhere(s)
	open := `status NOT IN (` + statusList(workflow.TerminalStatuses()) + `)`
	rows, err := db.query(ctx, `SELECT id, ticket, kind, category, status, lon, lat, grid_code, light_warn, light_due FROM cases WHERE `+
		open+` AND `+where+` ORDER BY id DESC`, args...)
	if err != nil {
		return out, fmt.Errorf("wall: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p         WallPoint
			warn, due sql.NullInt64
		)
		if err := rows.Scan(&p.ID, &p.Ticket, &p.Kind, &p.Category, &p.Status, &p.Lon, &p.Lat, &p.GridCode, &warn, &due); err != nil {
			return out, fmt.Errorf("wall: %w", err)
		}
		if len(p.GridCode) >= 9 {
			out.OpenByStreet[p.GridCode[:9]]++
		}
		out.OpenByCategory[p.Kind+":"+p.Category]++
		if len(out.Points) >= limit {
			out.Truncated = true
			continue
		}
		if due.Valid {
			p.Light = worktime.LightAt(s.Now, fromMicros(warn.Int64), fromMicros(due.Int64))
			p.LightDueUnix = due.Int64
		}
		out.Points = append(out.Points, p)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("wall: %w", err)
	}
	// Stage clocks past their deadline, running and not paused, of the scope's cases.
	stageRows, err := db.query(ctx, `SELECT k.stage, COUNT(DISTINCT k.case_id) FROM case_clocks k JOIN cases ON cases.id = k.case_id
		WHERE k.stopped_at IS NULL AND k.paused_at IS NULL AND k.due_at < ? AND `+qualify(where)+` GROUP BY k.stage`,
		append([]any{micros(s.Now)}, args...)...)
	if err != nil {
		return out, fmt.Errorf("wall overdue stages: %w", err)
	}
	defer stageRows.Close()
	for stageRows.Next() {
		var (
			stage string
			n     int
		)
		if err := stageRows.Scan(&stage, &n); err != nil {
			return out, fmt.Errorf("wall overdue stages: %w", err)
		}
		out.OverdueByStage[stage] = n
	}
	return out, stageRows.Err()
}

// qualify names the cases table in a condition of statsWhere, for a join with another table
// that has a department column too.
func qualify(cond string) string {
	return strings.NewReplacer("grid_code", "cases.grid_code", "department =", "cases.department =").Replace(cond)
}
