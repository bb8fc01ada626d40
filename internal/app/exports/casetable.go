package exports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

// caseColumns are a case list's columns as a centre keeps them.
var caseColumns = []sheet.Column{
	{Header: "案件编号", Width: 17},
	{Header: "来源", Width: 10},
	{Header: "类型", Width: 6},
	{Header: "类别", Width: 16},
	{Header: "问题描述", Width: 36},
	{Header: "地址", Width: 24},
	{Header: "区县", Width: 10},
	{Header: "街道", Width: 12},
	{Header: "社区", Width: 14},
	{Header: "网格", Width: 16},
	{Header: "状态", Width: 8},
	{Header: "紧急程度", Width: 9},
	{Header: "责任部门", Width: 18},
	{Header: "上报时间", Kind: sheet.DateTime, Width: 17},
	{Header: "立案时间", Kind: sheet.DateTime, Width: 17},
	{Header: "处置时限", Kind: sheet.DateTime, Width: 17},
	{Header: "结案时间", Kind: sheet.DateTime, Width: 17},
	{Header: "结案类型", Width: 9},
	{Header: "当前灯色", Width: 9},
	{Header: "超期", Width: 6},
	{Header: "返工次数", Kind: sheet.Int, Width: 9},
	{Header: "回退次数", Kind: sheet.Int, Width: 9},
	{Header: "延期次数", Kind: sheet.Int, Width: 9},
	{Header: "满意度", Kind: sheet.Int, Width: 8},
}

// Progress is told how far an export has come: rows written of total.
type Progress func(rows, total int64) error

// pageRows is how many cases an export reads a query.
const pageRows = 2000

// progressEvery is how many rows pass between progress reports.
const progressEvery = 2000

// names are the names an export shows for the codes of regions, categories and departments.
type names struct {
	regions map[string]string
	cats    map[string]string // kind:code
	depts   map[string]string
}

func (s *Service) names(ctx context.Context) (*names, error) {
	n := &names{regions: map[string]string{}, cats: map[string]string{}, depts: map[string]string{}}
	// Every region's name: bounded by the city's size (100,000 grids are a few MB), not by
	// the export's.
	err := s.DB.EachRegion(ctx, false, func(r grid.Region) error {
		n.regions[r.Code] = r.Name
		return nil
	})
	if err != nil {
		return nil, err
	}
	cats, _, err := s.Reference(ctx)
	if err != nil {
		return nil, err
	}
	for k, c := range cats {
		n.cats[k] = c.Name
	}
	depts, err := s.RefDepartments(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range depts {
		n.depts[d.Code] = d.Name
	}
	return n, nil
}

// region returns the name of the region whose code is the first n characters of a grid code
// (codes extend their parent's: district 6, subdistrict 9, community 12, grid 15).
func (n *names) region(gridCode string, length int) string {
	if len(gridCode) < length {
		return ""
	}
	code := gridCode[:length]
	if nm, ok := n.regions[code]; ok {
		return nm
	}
	return code
}

// caseFilter reads an export's case filters and narrows them to what the actor may see, as the
// case list does.
func (s *Service) caseFilter(actor *access.Principal, params map[string]string) (cases.CaseFilter, error) {
	f, err := cases.ParseFilter(func(k string) string { return params[k] })
	if err != nil {
		return cases.CaseFilter{}, err
	}
	f.Limit, f.Cursor, f.Before = 0, "", ""
	if err := s.cases.ScopeFilter(actor, &f); err != nil {
		return cases.CaseFilter{}, err
	}
	f.Now = s.Now()
	return f, nil
}

// caseSource is a case list ready to read: its filter in scope, its size, title and names.
type caseSource struct {
	s     *Service
	f     cases.CaseFilter
	total int64
	title string
	names *names
}

func (s *Service) caseSource(ctx context.Context, actor *access.Principal, params map[string]string) (*caseSource, error) {
	if err := checkParams("cases", params); err != nil {
		return nil, err
	}
	f, err := s.caseFilter(actor, params)
	if err != nil {
		return nil, err
	}
	src := &caseSource{s: s, f: f}
	if src.total, err = s.DB.CountCases(ctx, f); err != nil {
		return nil, err
	}
	if src.names, err = s.names(ctx); err != nil {
		return nil, err
	}
	if src.title, err = s.caseTitle(ctx, actor, params, src.names); err != nil {
		return nil, err
	}
	return src, nil
}

// each calls fn with every row, in caseColumns' order; the slice is reused between calls.
func (src *caseSource) each(ctx context.Context, fn func(row []any) error) error {
	row := make([]any, len(caseColumns))
	return src.s.DB.EachExportCase(ctx, src.f, pageRows, func(c store.ExportCase) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		src.names.caseRow(row, c, src.f.Now)
		return fn(row)
	})
}

// CaseColumns are the columns of a case list export.
func CaseColumns() []sheet.Column { return slices.Clone(caseColumns) }

// EachCaseRow calls fn with every row of the case list WriteCases would write, one value per
// CaseColumns column (the slice is reused between calls): for other writers of the same rows.
func (s *Service) EachCaseRow(ctx context.Context, actor *access.Principal, params map[string]string, fn func(row []any) error) error {
	src, err := s.caseSource(ctx, actor, params)
	if err != nil {
		return err
	}
	return src.each(ctx, fn)
}

// WriteCases writes the case list the filters select, as the actor may see it (the same
// filters and scope as GET /api/v1/cases, every page), to w in the format, telling progress
// (when set) how far it has come. It returns the rows written.
func (s *Service) WriteCases(ctx context.Context, actor *access.Principal, params map[string]string, format sheet.Format, w io.Writer, progress Progress) (int64, error) {
	src, err := s.caseSource(ctx, actor, params)
	if err != nil {
		return 0, err
	}
	t := sheet.Table{Title: src.title, Columns: caseColumns, Zone: worktime.China, SheetName: "案件清单", TempDir: s.TempDir}
	return writeTable(ctx, w, format, t, src.total, src.each, progress)
}

// writeTable writes the rows each yields as a table, telling progress how far it has come.
// Reading (the database, the names) and writing (the file) run side by side on two cores,
// rows passing between them in batches; the batches are reused, so memory stays flat.
func writeTable(ctx context.Context, w io.Writer, format sheet.Format, t sheet.Table, total int64, each func(context.Context, func([]any) error) error, progress Progress) (int64, error) {
	if progress != nil {
		if err := progress(0, total); err != nil {
			return 0, err
		}
	}
	wr, err := sheet.New(w, format, t)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full, free := make(chan [][]any, pipeBatches), make(chan [][]any, pipeBatches+2)
	for range pipeBatches + 2 {
		free <- nil
	}
	var readErr error
	go func() {
		defer close(full)
		var batch [][]any
		take := func() bool {
			select {
			case batch = <-free:
				batch = batch[:0]
				return true
			case <-ctx.Done():
				return false
			}
		}
		if !take() {
			return
		}
		readErr = each(ctx, func(row []any) error {
			n := len(batch)
			if n < cap(batch) {
				batch = batch[:n+1]
				if batch[n] == nil {
					batch[n] = make([]any, len(row))
				}
			} else {
				batch = append(batch, make([]any, len(row)))
			}
			copy(batch[n], row)
			if len(batch) < pipeRows {
				return nil
			}
			select {
			case full <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !take() {
				return ctx.Err()
			}
			return nil
		})
		if readErr == nil && len(batch) > 0 {
			select {
			case full <- batch:
			case <-ctx.Done():
			}
		}
	}()
	var writeErr error
	for batch := range full {
		for _, row := range batch {
			if writeErr != nil {
				break
			}
			if writeErr = wr.WriteRow(row); writeErr == nil && progress != nil && wr.Rows()%progressEvery == 0 {
				writeErr = progress(wr.Rows(), max(total, wr.Rows()))
			}
		}
		if writeErr != nil {
			cancel() // the reader stops and closes full
			continue
		}
		free <- batch
	}
	if err := errors.Join(writeErr, readErr); err != nil {
		if writeErr != nil {
			err = writeErr
		}
		return wr.Rows(), err
	}
	if err := wr.Close(); err != nil {
		return wr.Rows(), err
	}
	if progress != nil {
		if err := progress(wr.Rows(), wr.Rows()); err != nil {
			return wr.Rows(), err
		}
	}
	return wr.Rows(), nil
}

// The pipeline between reading and writing a table: batches of pipeRows rows, pipeBatches of
// them waiting at most.
const (
	pipeRows    = 256
	pipeBatches = 4
)

// caseRow fills row with a case's cells in caseColumns' order.
func (n *names) caseRow(row []any, c store.ExportCase, now time.Time) {
	light := c.Light(now)
	late := "否"
	if light == "red" || (!c.ClosedAt.IsZero() && !c.HandleDue.IsZero() && c.ClosedAt.After(c.HandleDue)) {
		late = "是"
	}
	cat := n.cats[c.Kind+":"+c.Category]
	if cat == "" {
		cat = c.Category
	}
	dept := ""
	if c.Department != "" {
		if dept = n.depts[c.Department]; dept == "" {
			dept = c.Department
		}
	}
	var rating any
	if c.Rating > 0 {
		rating = c.Rating
	}
	row[0], row[1], row[2], row[3] = c.Ticket, name(sourceNames, c.Source), name(kindNames, c.Kind), cat
	row[4], row[5] = c.Description, c.Address
	row[6], row[7], row[8], row[9] = n.region(c.Grid, 6), n.region(c.Grid, 9), n.region(c.Grid, 12), n.region(c.Grid, len(c.Grid))
	row[10], row[11], row[12] = name(statusNames, c.Status), name(urgencyNames, c.Urgency), dept
	row[13], row[14], row[15], row[16] = c.CreatedAt, c.RegisteredAt, c.HandleDue, c.ClosedAt
	row[17], row[18], row[19] = closureNames[c.ClosureType], lightNames[light], late
	row[20], row[21], row[22], row[23] = c.Counters.Rework, c.Counters.Returns, c.Counters.Extensions, rating
}

// caseTitle names the list: its scope, its period and its filters, and when it was made.
func (s *Service) caseTitle(ctx context.Context, actor *access.Principal, params map[string]string, n *names) (string, error) {
	parts := []string{"案件清单", "范围：" + s.scopeName(ctx, actor, params)}
	parts = append(parts, "时间："+periodName(params["from"], params["to"]))
	var filters []string
	if v := params["status"]; v != "" {
		var ss []string
		for _, st := range strings.Split(v, ",") {
			ss = append(ss, name(statusNames, st))
		}
		filters = append(filters, "状态 "+strings.Join(ss, "、"))
	}
	if v := params["category"]; v != "" {
		label := v
		for _, k := range []string{"matter", "component"} {
			if nm, ok := n.cats[k+":"+v]; ok && (params["kind"] == "" || params["kind"] == k) {
				label = nm
				break
			}
		}
		filters = append(filters, "类别 "+label)
	}
	if v := params["source"]; v != "" {
		filters = append(filters, "来源 "+name(sourceNames, v))
	}
	if v := params["department"]; v != "" {
		filters = append(filters, "部门 "+cmpOr(n.depts[v], v))
	}
	if v := params["light"]; v != "" {
		filters = append(filters, name(lightNames, v))
	}
	if v := params["overdue"]; v == "1" || v == "true" {
		filters = append(filters, "超期")
	}
	if v := params["q"]; v != "" {
		filters = append(filters, "含“"+v+"”")
	}
	if len(filters) > 0 {
		parts = append(parts, "筛选："+strings.Join(filters, "，"))
	}
	parts = append(parts, "导出于 "+s.Now().In(worktime.China).Format("2006-01-02 15:04"))
	return strings.Join(parts, " · "), nil
}

// scopeName names what a list covers: the region filter, else the actor's scope.
func (s *Service) scopeName(ctx context.Context, actor *access.Principal, params map[string]string) string {
	regionName := func(code string) string {
		if path, err := s.DB.RegionPath(ctx, code); err == nil && len(path) > 0 {
			return path[len(path)-1].Name
		}
		return code
	}
	switch {
	case params["region"] != "":
		return regionName(params["region"])
	case actor.System:
		return "全部"
	case actor.User.Role == access.Handler:
		if d, err := s.DB.Department(ctx, actor.User.Department); err == nil {
			return d.Name
		}
		return actor.User.Department
	case actor.User.Scope != "":
		return regionName(actor.User.Scope)
	case len(actor.Grids) > 0:
		var gs []string
		for _, g := range actor.Grids {
			gs = append(gs, regionName(g))
		}
		slices.Sort(gs)
		return strings.Join(gs, "、")
	}
	return "全部"
}

// periodName is a list's period in the city's days: "2026-11-01 至 2026-11-30", or 全部.
func periodName(from, to string) string {
	day := func(v string, end bool) string {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return ""
		}
		t = t.In(worktime.China)
		if end { // to is exclusive: the list ends the moment before
			t = t.Add(-time.Nanosecond)
		}
		return t.Format("2006-01-02")
	}
	switch {
	case from == "" && to == "":
		return "全部"
	case to == "":
		return day(from, false) + " 起"
	case from == "":
		return "至 " + day(to, true)
	}
	return fmt.Sprintf("%s 至 %s", day(from, false), day(to, true))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
