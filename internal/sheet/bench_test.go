package sheet_test

import (
	"io"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/sheet"
)

// benchRow is a case list's row: text, names, times and counts, as exports write them.
func benchTable() (sheet.Table, []any) {
	var cols []sheet.Column
	row := []any{"20261125-000123", "巡查上报", "事件", "机动车乱停放", "机动车乱停放，占道经营（第 123 号）", "人民路 1 号", "解放区", "焦南街道",
		"枫华园社区", "枫华园社区第1网格", "已结案", "一般", "解放区城市管理局",
		reported, reported.Add(10 * time.Minute), reported.Add(48 * time.Hour), reported.Add(30 * time.Hour), "正常结案", "", "否", 0, 0, 1, 5}
	for _, v := range row {
		k := sheet.Text
		switch v.(type) {
		case time.Time:
			k = sheet.DateTime
		case int:
			k = sheet.Int
		}
		cols = append(cols, sheet.Column{Header: "列", Kind: k})
	}
	return sheet.Table{Title: "bench", Columns: cols, Zone: china}, row
}

func benchmarkFormat(b *testing.B, f sheet.Format) {
	t, row := benchTable()
	t.TempDir = b.TempDir()
	w, err := sheet.New(io.Discard, f, t)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteRow(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkXLSXRow is one row of a case list through the streaming xlsx writer, the zip at the
// end included.
func BenchmarkXLSXRow(b *testing.B) { benchmarkFormat(b, sheet.XLSX) }

// BenchmarkCSVRow is the same row to CSV.
func BenchmarkCSVRow(b *testing.B) { benchmarkFormat(b, sheet.CSV) }
