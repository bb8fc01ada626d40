package exports

import (
	"context"
	"io"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/worktime"
)

// StatsParams are the names of an evaluation table's parameters, as GET /api/v1/stats takes
// them: from and to (YYYY-MM-DD, China time, to inclusive), group, role and within.
var StatsParams = []string{"from", "to", "group", "role", "within"}

// StatsTable is an evaluation table as an export writes it.
type StatsTable struct {
	// Title names the table, its scope and period ("部门综合评价 · 解放区 · 2026-11-01 至
	// 2026-11-30"); Name is the file's name without extension ("部门综合评价-解放区-202611").
	Title, Name string
	Columns     []sheet.Column
	// Total is how many rows Each yields, when known (0 when not), for progress.
	Total int64
	// Each calls row with every row of the table, one value per column, in order.
	Each func(ctx context.Context, row func(values []any) error) error
}

// StatsSource gives the evaluation table the params select, as the actor may see it (scope
// applies as in GET /api/v1/stats), refusing bad params with errs.Invalid naming the param.
// The evaluation area provides it; until then, stats exports are refused as not available.
type StatsSource func(ctx context.Context, actor *access.Principal, params map[string]string) (StatsTable, error)

// errStatsUnavailable refuses stats exports while no evaluation area provides the tables.
var errStatsUnavailable = errs.Coded(errs.Unavailable, "not_available", "evaluation tables are not available yet: this server has no indicators to export")

// statsTable asks the evaluation area for a table.
func (s *Service) statsTable(ctx context.Context, actor *access.Principal, params map[string]string) (StatsTable, error) {
	if s.Stats == nil {
		return StatsTable{}, errStatsUnavailable
	}
	return s.Stats(ctx, actor, params)
}

// WriteStats writes the evaluation table the params select, as the actor may see it, to w in
// the format, telling progress (when set) how far it has come. It returns the rows written.
func (s *Service) WriteStats(ctx context.Context, actor *access.Principal, params map[string]string, format sheet.Format, w io.Writer, progress Progress) (int64, error) {
	if err := checkParams("stats", params); err != nil {
		return 0, err
	}
	t, err := s.statsTable(ctx, actor, params)
	if err != nil {
		return 0, err
	}
	st := sheet.Table{Title: t.Title, Columns: t.Columns, Zone: worktime.China, SheetName: "综合评价", TempDir: s.TempDir}
	return writeTable(ctx, w, format, st, t.Total, t.Each, progress)
}
