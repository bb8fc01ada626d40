package exports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

var wantHeaders = []string{"案件编号", "来源", "类型", "类别", "问题描述", "地址", "区县", "街道", "社区", "网格", "状态", "紧急程度",
	"责任部门", "上报时间", "立案时间", "处置时限", "结案时间", "结案类型", "当前灯色", "超期", "返工次数", "回退次数", "延期次数", "满意度"}

// city is a demo city with three cases: one walked to a late close in the grid worker's grid
// (解放区), one reported in 山阳区 with a description that looks like a formula, one reported and
// registered in 解放区 with a light running.
type city struct {
	r                 *apptest.CaseRun
	closed, far, open int64
}

func newCity(t *testing.T, db *store.DB) *city {
	r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009") // a Monday
	r.At("2026-03-09 09:40")
	r.Act("operator", "register", workflow.Input{})
	r.At("2026-03-09 10:30")
	r.Act("dispatcher", "dispatch", workflow.Input{})
	r.At("2026-03-09 10:45")
	r.Act("handler", "accept", workflow.Input{})
	r.At("2026-03-09 14:40")
	r.Act("handler", "handle", workflow.Input{Result: "挪走了", Photos: []string{r.Photo()}})
	pass := true
	r.At("2026-03-09 14:50")
	r.Act("gridworker", "verify", workflow.Input{Pass: &pass})
	c := &city{r: r, closed: r.ID}
	report := func(who, grid, category, text string) int64 {
		t.Helper()
		p := apptest.PointIn(t, r.A, grid)
		v, err := r.A.Cases.Report(context.Background(), apptest.As(t, db, who), cases.NewCase{CategoryKind: workflow.Matter,
			Category: category, Description: text, Address: "人民路 1 号", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	r.At("2026-03-09 15:00")
	c.far = report("resident", "410811001001001", "09001", "=cmd|' /C calc'!A0")
	r.At("2026-03-09 15:10")
	c.open = report("gridworker", "410802001001001", "09009", "井盖\x01破损")
	r.At("2026-03-09 15:20")
	if _, err := r.A.Cases.Act(context.Background(), apptest.As(t, db, "operator"), c.open, "register", nil, workflow.Input{}); err != nil {
		t.Fatal(err)
	}
	r.At("2026-03-09 15:30")
	return c
}

func (c *city) ticket(t *testing.T, id int64) string {
	t.Helper()
	v, err := c.r.A.Cases.Case(context.Background(), apptest.System, id)
	if err != nil {
		t.Fatal(err)
	}
	return v.Ticket
}

func exportCases(t *testing.T, c *city, who *access.Principal, params map[string]string, f sheet.Format) ([]byte, error) {
	t.Helper()
	var buf bytes.Buffer
	var seen []int64
	_, err := c.r.A.Exports.WriteCases(context.Background(), who, params, f, &buf, func(rows, total int64) error {
		seen = append(seen, rows, total)
		return nil
	})
	if err == nil && (len(seen) < 4 || seen[len(seen)-1] != seen[len(seen)-2] || seen[0] != 0 || seen[1] != seen[len(seen)-1]) {
		t.Errorf("progress %v: want a start (0 of the counted total) and an end (all of all)", seen)
	}
	return buf.Bytes(), err
}

// xlsxRows reads a workbook's only sheet as shown (formatted).
func xlsxRows(t *testing.T, data []byte) (*excelize.File, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "案件清单" {
		t.Fatalf("sheets %v, want [案件清单]", got)
	}
	rows, err := f.GetRows("案件清单")
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		for len(rows[i]) < len(wantHeaders) {
			rows[i] = append(rows[i], "")
		}
	}
	return f, rows
}

func col(name string) int { return slices.Index(wantHeaders, name) }

func TestCaseListExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		data, err := exportCases(t, c, apptest.System, nil, sheet.XLSX)
		if err != nil {
			t.Fatal(err)
		}
		f, rows := xlsxRows(t, data)
		if !strings.HasPrefix(rows[0][0], "案件清单 · 范围：全部 · 时间：全部 · 导出于 2026-03-09 15:30") {
			t.Errorf("title %q", rows[0][0])
		}
		if !slices.Equal(rows[1], wantHeaders) {
			t.Errorf("headers\n%q, want\n%q", rows[1], wantHeaders)
		}
		if len(rows) != 2+3 {
			t.Fatalf("%d rows, want title, headers and 3 cases", len(rows))
		}
		// Newest first, as the list.
		byTicket := map[string][]string{}
		var order []string
		for _, r := range rows[2:] {
			byTicket[r[0]] = r
			order = append(order, r[0])
		}
		if want := []string{c.ticket(t, c.open), c.ticket(t, c.far), c.ticket(t, c.closed)}; !slices.Equal(order, want) {
			t.Errorf("order %v, want newest first %v", order, want)
		}
		closed := byTicket[c.ticket(t, c.closed)]
		for name, want := range map[string]string{
			"类型": "事件", "类别": "机动车乱停放", "区县": "解放区", "状态": "已结案", "紧急程度": "一般", "责任部门": "解放区城市管理局",
			"上报时间": "2026-03-09 09:00", "立案时间": "2026-03-09 09:40", "处置时限": "2026-03-09 14:30", "结案时间": "2026-03-09 14:50",
			"结案类型": "超时结案", "当前灯色": "", "超期": "是", "返工次数": "0", "满意度": "",
		} {
			if got := closed[col(name)]; got != want {
				t.Errorf("closed case %s = %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{"街道", "社区", "网格"} {
			if closed[col(name)] == "" || strings.ContainsAny(closed[col(name)], "0123456789") && !strings.Contains(closed[col(name)], "网格") {
				t.Errorf("closed case %s = %q, want the region's name", name, closed[col(name)])
			}
		}
		open := byTicket[c.ticket(t, c.open)]
		for name, want := range map[string]string{
			"来源": "巡查上报", "问题描述": "井盖破损", "地址": "人民路 1 号", "状态": "已立案", "立案时间": "2026-03-09 15:20",
			"结案时间": "", "当前灯色": "绿灯", "超期": "否", "责任部门": "",
		} {
			if got := open[col(name)]; got != want {
				t.Errorf("open case %s = %q, want %q", name, got, want)
			}
		}
		far := byTicket[c.ticket(t, c.far)]
		if far[col("区县")] != "山阳区" || far[col("问题描述")] != "=cmd|' /C calc'!A0" || far[col("来源")] != "市民上报" {
			t.Errorf("the 山阳区 case: %q", far)
		}
		// Text that looks like a formula is a string cell; times and counts are numbers.
		cell, _ := excelize.CoordinatesToCellName(col("问题描述")+1, 4)
		if fm, _ := f.GetCellFormula("案件清单", cell); fm != "" {
			t.Errorf("the description became a formula %q", fm)
		}
		for name, wantFmt := range map[string]string{"上报时间": "yyyy-mm-dd hh:mm", "返工次数": "#,##0"} {
			cell, _ := excelize.CoordinatesToCellName(col(name)+1, 5)
			id, _ := f.GetCellStyle("案件清单", cell)
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if st.CustomNumFmt != nil {
				got = *st.CustomNumFmt
			} else if st.NumFmt == 3 {
				got = "#,##0"
			}
			if got != wantFmt {
				t.Errorf("%s is formatted %q (id %d), want %q", name, got, st.NumFmt, wantFmt)
			}
			if typ, _ := f.GetCellType("案件清单", cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
				t.Errorf("%s is a %v cell, want a number", name, typ)
			}
		}
		if p, err := f.GetPanes("案件清单"); err != nil || !p.Freeze || p.YSplit != 2 {
			t.Errorf("panes %+v %v, want the title and header frozen", p, err)
		}
	})
}

func TestCaseListExportKeepsToScopeAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		tickets := func(data []byte) []string {
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
			r.FieldsPerRecord = -1
			all, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(all[1], wantHeaders) {
				t.Errorf("CSV headers %q", all[1])
			}
			var out []string
			for _, rec := range all[2:] {
				out = append(out, rec[0])
			}
			return out
		}
		closed, far, open := c.ticket(t, c.closed), c.ticket(t, c.far), c.ticket(t, c.open)
		tests := []struct {
			name   string
			who    string
			params map[string]string
			want   []string
		}{
			{"a district leader gets its district only", "leader", nil, []string{open, closed}},
			{"the unscoped admin gets every case", "admin", nil, []string{open, far, closed}},
			{"a handler gets its department's", "handler", nil, []string{closed}},
			{"a grid worker gets its grids'", "gridworker", nil, []string{open, closed}},
			{"a grid worker filters its own grid", "gridworker", map[string]string{"status": "closed"}, []string{closed}},
			{"a status filter", "leader", map[string]string{"status": "registered,reported"}, []string{open}},
			{"a time filter", "admin", map[string]string{"from": "2026-03-09T07:00:00Z"}, []string{open, far}},
			{"a text filter", "admin", map[string]string{"q": "calc"}, []string{far}},
			{"a light filter", "admin", map[string]string{"light": "green"}, []string{open}},
			{"by deadline", "admin", map[string]string{"sort": "due"}, []string{far, open}},
			{"a region inside the scope", "leader", map[string]string{"region": "410802001"}, []string{open, closed}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				data, err := exportCases(t, c, apptest.As(t, db, tt.who), tt.params, sheet.CSV)
				if err != nil {
					t.Fatal(err)
				}
				if got := tickets(data); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		data, err := exportCases(t, c, apptest.System, map[string]string{"q": "calc"}, sheet.CSV)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`,'=cmd|' /C calc'!A0,`)) {
			t.Errorf("the formula-looking description is not neutralised in the CSV:\n%s", data)
		}
		for _, bad := range []struct {
			who    string
			params map[string]string
			kind   errs.Kind
		}{
			{"leader", map[string]string{"region": "410811"}, errs.Forbidden},
			{"handler", map[string]string{"department": "410802-HW"}, errs.Forbidden},
			{"leader", map[string]string{"status": "lost"}, errs.Invalid},
			{"leader", map[string]string{"light": "blue"}, errs.Invalid},
			{"leader", map[string]string{"from": "yesterday"}, errs.BadRequest},
			{"leader", map[string]string{"colour": "red"}, errs.Invalid},
			{"leader", map[string]string{"limit": "5"}, errs.Invalid},
			{"leader", map[string]string{"q": "a\x00b"}, errs.BadRequest},
			{"leader", map[string]string{"q": "\xff"}, errs.BadRequest},
		} {
			_, err := c.r.A.Exports.WriteCases(context.Background(), apptest.As(t, db, bad.who), bad.params, sheet.CSV, io.Discard, nil)
			if !errs.Is(err, bad.kind) {
				t.Errorf("%s %v: %v, want %s", bad.who, bad.params, err, bad.kind)
			}
		}
	})
}

func TestStatsExportWritesWhatItsSourceGives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		// The evaluation area's tables, as app.New wires them: refusals come through.
		_, err := c.r.A.Exports.WriteStats(context.Background(), apptest.System, map[string]string{"group": "department"}, sheet.XLSX, io.Discard, nil)
		if !errs.Is(err, errs.BadRequest) || !strings.Contains(err.Error(), "from") {
			t.Errorf("stats export without a period: %v, want a refusal naming from", err)
		}
		// With a source, the table is written as it gives it.
		c.r.A.Exports.Stats = func(ctx context.Context, actor *access.Principal, params map[string]string) (exports.StatsTable, error) {
			return exports.StatsTable{Title: "部门综合评价 · " + params["group"], Name: "部门综合评价",
				Columns: []sheet.Column{{Header: "部门"}, {Header: "按期处置率", Kind: sheet.Percent}, {Header: "得分", Kind: sheet.Decimal}},
				Total:   2,
				Each: func(ctx context.Context, row func([]any) error) error {
					if err := row([]any{"环卫", 0.95, 91.5}); err != nil {
						return err
					}
					return row([]any{"城管", nil, 80.0})
				}}, nil
		}
		var buf bytes.Buffer
		n, err := c.r.A.Exports.WriteStats(context.Background(), apptest.System, map[string]string{"group": "department"}, sheet.CSV, &buf, nil)
		if err != nil || n != 2 {
			t.Fatalf("stats export: %d rows, %v", n, err)
		}
		want := "\uFEFF部门综合评价 · department\r\n部门,按期处置率,得分\r\n环卫,95.00%,91.50\r\n城管,—,80.00\r\n"
		if buf.String() != want {
			t.Errorf("got %q, want %q", buf.String(), want)
		}
		if _, err := c.r.A.Exports.WriteStats(context.Background(), apptest.System, map[string]string{"status": "closed"}, sheet.CSV, io.Discard, nil); !errs.Is(err, errs.Invalid) {
			t.Errorf("a case filter on stats: %v, want invalid", err)
		}
	})
}

// Pages of any size make the same list, each case once, in the list's order.
func TestExportPagesMakeTheList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := newCity(t, db)
		for _, byDue := range []bool{false, true} {
			var want []int64
			for _, batch := range []int{1, 2, 3, 2000} {
				var got []int64
				f := store.CaseFilter{SortByDue: byDue, Now: *c.r.Now}
				if err := db.EachExportCase(context.Background(), f, batch, func(e store.ExportCase) error {
					got = append(got, e.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if want == nil {
					want = got
					page, _, err := db.ListCases(context.Background(), store.CaseFilter{SortByDue: byDue, Now: *c.r.Now, Limit: 200})
					if err != nil {
						t.Fatal(err)
					}
					var listed []int64
					for _, r := range page {
						listed = append(listed, r.ID)
					}
					if !slices.Equal(got, listed) {
						t.Errorf("by due %v: export order %v, list order %v", byDue, got, listed)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("by due %v, pages of %d: %v, want %v", byDue, batch, got, want)
				}
			}
		}
	})
}
