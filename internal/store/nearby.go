package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/workflow"
)

// CasePoint is an open case's place and age, as the nearby search reads them.
type CasePoint struct {
	ID        int64
	Ticket    string
	Category  string
	Lon, Lat  float64
	CreatedAt time.Time
}

// OpenCasesIn returns the open cases of one kind and the given categories whose point lies in
// the box, in no order. It reads along the index cases_nearby (kind, category, lat, lon,
// status, created_at, ticket), one range of latitudes per category, so its cost follows the
// cases near the box, not the table. A grid code, when given, keeps only the cases located
// in that unit grid (read from the rows the index picked).
func (db *DB) OpenCasesIn(ctx context.Context, kind workflow.CategoryKind, categories []string, box orb.Bound, gridCode string) ([]CasePoint, error) {
	out := []CasePoint{}
	if len(categories) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(categories)+7)
	args = append(args, string(kind))
	for _, c := range categories {
		args = append(args, c)
	}
	args = append(args, box.Min.Lat(), box.Max.Lat(), box.Min.Lon(), box.Max.Lon())
	q := `SELECT id, ticket, category, lon, lat, created_at FROM cases
		WHERE kind = ? AND category IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(categories)), ", ") + `)
		  AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?
		  AND status NOT IN (` + statusList(workflow.TerminalStatuses()) + `)`
	if gridCode != "" {
		q += ` AND grid_code = ?`
		args = append(args, gridCode)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("open cases in a box: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c  CasePoint
			at int64
		)
		if err := rows.Scan(&c.ID, &c.Ticket, &c.Category, &c.Lon, &c.Lat, &at); err != nil {
			return nil, fmt.Errorf("open cases in a box: %w", err)
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}
