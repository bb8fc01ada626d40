package sheet_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/sheet"
)

var china = time.FixedZone("CST", 8*3600)

func table() sheet.Table {
	return sheet.Table{
		Title: "案件清单 · 解放区 · 2026-11-01 至 2026-11-30",
		Columns: []sheet.Column{
			{Header: "案件编号", Kind: sheet.Text, Width: 18},
			{Header: "返工次数", Kind: sheet.Int},
			{Header: "得分", Kind: sheet.Decimal},
			{Header: "按期处置率", Kind: sheet.Percent},
			{Header: "日期", Kind: sheet.Date},
			{Header: "上报时间", Kind: sheet.DateTime},
		},
		Zone:      china,
		SheetName: "案件",
	}
}

// 2026-11-25 01:30 UTC is 09:30 in China.
var reported = time.Date(2026, 11, 25, 1, 30, 0, 0, time.UTC)

func rows() [][]any {
	return [][]any{
		{"20261125-000001", 2, 91.456, 0.953, reported, reported},
		{"=HYPERLINK(\"http://evil\",\"点我\")", int64(0), nil, nil, time.Time{}, time.Time{}},
		{"+1 @SUM(A1) -3", 12345, 0.5, 1.0, reported.AddDate(0, 0, 1), reported.Add(time.Hour)},
		{"坏\x00字节\xff与\x01控制", -1, -2.25, 0.0, nil, nil},
	}
}

func write(t *testing.T, f sheet.Format, rs [][]any) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := sheet.New(&buf, f, table())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.Rows(); got != int64(len(rs)) {
		t.Errorf("Rows() = %d, want %d", got, len(rs))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXReadsBack(t *testing.T) {
	data := write(t, sheet.XLSX, rows())
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "案件" {
		t.Fatalf("sheets %v, want [案件]", got)
	}
	all, err := f.GetRows("案件", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2+len(rows()) {
		t.Fatalf("%d rows, want title, header and %d", len(all), len(rows()))
	}
	if all[0][0] != table().Title {
		t.Errorf("title %q", all[0][0])
	}
	if got := strings.Join(all[1], ","); got != "案件编号,返工次数,得分,按期处置率,日期,上报时间" {
		t.Errorf("headers %q", got)
	}
	// 2026-11-25 09:30 China time is Excel day 46351 and 0.39583 of a day.
	want := [][]string{
		{"20261125-000001", "2", "91.456", "0.953", "46351.3958333333", "46351.3958333333"},
		{"=HYPERLINK(\"http://evil\",\"点我\")", "0", "—", "—"},
		{"+1 @SUM(A1) -3", "12345", "0.5", "1", "46352.3958333333", "46351.4375"},
		{"坏字节\uFFFD与控制", "-1", "-2.25", "0", "", ""},
	}
	for i, w := range want {
		got := all[i+2]
		for len(got) < len(w) {
			got = append(got, "")
		}
		if strings.Join(got[:len(w)], "|") != strings.Join(w, "|") {
			t.Errorf("row %d: got %q, want %q", i+1, got, w)
		}
	}
	// Text that looks like a formula stays text.
	if fm, _ := f.GetCellFormula("案件", "A4"); fm != "" {
		t.Errorf("A4 became a formula: %q", fm)
	}
	if typ, _ := f.GetCellType("案件", "A4"); typ == excelize.CellTypeFormula {
		t.Errorf("A4 is a formula cell")
	}
	// Each numeric column shows its format.
	formats := map[string]struct {
		id     int
		custom string
	}{"B3": {3, ""}, "C3": {4, ""}, "D3": {10, ""}, "E3": {0, "yyyy-mm-dd"}, "F3": {0, "yyyy-mm-dd hh:mm"}}
	for cell, want := range formats {
		id, err := f.GetCellStyle("案件", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		custom := ""
		if st.CustomNumFmt != nil {
			custom = *st.CustomNumFmt
		}
		if want.custom != "" && custom != want.custom || want.custom == "" && st.NumFmt != want.id {
			t.Errorf("%s: number format %d %q, want %d %q", cell, st.NumFmt, custom, want.id, want.custom)
		}
	}
	shown, _ := f.GetCellValue("案件", "F3")
	if shown != "2026-11-25 09:30" {
		t.Errorf("F3 shows %q, want the China time 2026-11-25 09:30", shown)
	}
	shown, _ = f.GetCellValue("案件", "D5")
	if shown != "100.00%" {
		t.Errorf("D5 shows %q, want 100.00%%", shown)
	}
	panes, err := f.GetPanes("案件")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 2 || panes.TopLeftCell != "A3" {
		t.Errorf("panes %+v, want the title and header rows frozen", panes)
	}
	if w, _ := f.GetColWidth("案件", "A"); w != 18 {
		t.Errorf("column A is %g wide, want 18", w)
	}
	if w, _ := f.GetColWidth("案件", "D"); w < 14 {
		t.Errorf("column D is %g wide, want room for its header (5 Chinese characters)", w)
	}
	merged, _ := f.GetMergeCells("案件")
	if len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "F1" {
		t.Errorf("merged %v, want the title across A1:F1", merged)
	}
}

func TestCSVReadsBack(t *testing.T) {
	data := write(t, sheet.CSV, rows())
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no byte-order mark: %q", data[:min(len(data), 8)])
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Errorf("want CRLF line ends")
	}
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{table().Title},
		{"案件编号", "返工次数", "得分", "按期处置率", "日期", "上报时间"},
		{"20261125-000001", "2", "91.46", "95.30%", "2026-11-25", "2026-11-25 09:30"},
		{"'=HYPERLINK(\"http://evil\",\"点我\")", "0", "—", "—", "", ""},
		{"'+1 @SUM(A1) -3", "12345", "0.50", "100.00%", "2026-11-26", "2026-11-25 10:30"},
		{"坏字节\uFFFD与控制", "-1", "-2.25", "0.00%", "", ""},
	}
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Errorf("got\n%q\nwant\n%q", all, want)
	}
}

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+86 138": "'+86 138", "-5": "'-5", "@cmd": "'@cmd", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "井盖=破损": "井盖=破损", "＝全角": "＝全角", "'quoted": "'quoted",
	} {
		if got := sheet.Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXLSXGoesOnToASecondSheet(t *testing.T) {
	defer sheet.SetSheetRows(3)()
	var rs [][]any
	for i := range 7 {
		rs = append(rs, []any{fmt.Sprint("T", i), i, nil, nil, nil, nil})
	}
	f, err := excelize.OpenReader(bytes.NewReader(write(t, sheet.XLSX, rs)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	for _, name := range f.GetSheetList() {
		all, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		if all[1][0] != "案件编号" {
			t.Errorf("sheet %s has no header row", name)
		}
		for _, r := range all[2:] {
			got = append(got, name+":"+r[0])
		}
	}
	want := "案件:T0 案件:T1 案件:T2 案件 (2):T3 案件 (2):T4 案件 (2):T5 案件 (3):T6"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s, want %s", strings.Join(got, " "), want)
	}
}

func TestRefusesARowOfTheWrongLength(t *testing.T) {
	for _, f := range []sheet.Format{sheet.XLSX, sheet.CSV} {
		w, err := sheet.New(&bytes.Buffer{}, f, table())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]any{"x"}); err == nil {
			t.Errorf("%s: a one-value row was written", f)
		}
		w.Close()
	}
}

// FuzzCSVText holds that any text comes back from the CSV as the same text, cleaned of bytes no
// spreadsheet can show and neutralised against formulas.
func FuzzCSVText(f *testing.F) {
	for _, s := range []string{"", "=1+1", "a,b\"c\r\nd", "\xff\x00", "—", "\t@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w, err := sheet.New(&buf, sheet.CSV, sheet.Table{Columns: []sheet.Column{{Header: "h"}, {Header: "n", Kind: sheet.Int}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]any{s, 1}); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		all, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatalf("unreadable CSV for %q: %v", s, err)
		}
		got := all[1][0]
		if got != "" && strings.ContainsRune("=+-@", rune(got[0])) {
			t.Errorf("%q came back as %q, which a spreadsheet reads as a formula", s, got)
		}
		// The CSV writer ends lines with CRLF and so drops a carriage return inside a field.
		if want := strings.ReplaceAll(sheet.Neutralize(sheet.Clean(s)), "\r", ""); got != want {
			t.Errorf("%q came back as %q, want %q", s, got, want)
		}
	})
}
