package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	flate "github.com/klauspost/compress/flate"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// headRows are the rows above the data on every sheet: the title and the headers.
const headRows = 2

// sheetRows is how many data rows fit on one sheet (Excel's 1,048,576 rows less the head).
var sheetRows int64 = excelize.TotalRows - headRows

// The number formats of the numeric kinds: excelize's built-in ids (ECMA-376 §18.8.30) for
// numbers and percentages, and explicit patterns for dates, which the built-ins only offer in
// an American order.
const (
	numFmtInt     = 3  // #,##0
	numFmtDecimal = 4  // #,##0.00
	numFmtPercent = 10 // 0.00%
	fmtDate       = "yyyy-mm-dd"
	fmtDateTime   = "yyyy-mm-dd hh:mm"
)

type xlsxWriter struct {
	out    io.Writer
	t      Table
	f      *excelize.File
	sw     *excelize.StreamWriter
	sheet  int   // sheets begun
	row    int   // the last row written on the current sheet
	onPage int64 // data rows on the current sheet
	rows   int64
	styles struct{ title, header int }
	cols   []int // each column's style
	vals   []any // one row's values, reused
	closed bool
}

func newXLSX(out io.Writer, t Table) (*xlsxWriter, error) {
	w := &xlsxWriter{out: out, t: t, f: excelize.NewFile(excelize.Options{TmpDir: t.TempDir}), vals: make([]any, len(t.Columns))}
	if err := w.makeStyles(); err != nil {
		w.f.Close()
		return nil, err
	}
	if err := w.nextSheet(); err != nil {
		w.f.Close()
		return nil, err
	}
	return w, nil
}

func (w *xlsxWriter) makeStyles() error {
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = w.f.NewStyle(s)
		return id
	}
	w.styles.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Vertical: "center"}})
	thin := []excelize.Border{{Type: "left", Color: "9E9E9E", Style: 1}, {Type: "right", Color: "9E9E9E", Style: 1},
		{Type: "top", Color: "9E9E9E", Style: 1}, {Type: "bottom", Color: "9E9E9E", Style: 1}}
	w.styles.header = style(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: thin,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	dateFmt, dateTimeFmt := fmtDate, fmtDateTime
	byKind := map[Kind]int{
		Text:     0,
		Int:      style(&excelize.Style{NumFmt: numFmtInt}),
		Decimal:  style(&excelize.Style{NumFmt: numFmtDecimal}),
		Percent:  style(&excelize.Style{NumFmt: numFmtPercent}),
		Date:     style(&excelize.Style{CustomNumFmt: &dateFmt}),
		DateTime: style(&excelize.Style{CustomNumFmt: &dateTimeFmt}),
	}
	for _, c := range w.t.Columns {
		w.cols = append(w.cols, byKind[c.Kind])
	}
	return err
}

// nextSheet begins a sheet: widths, the frozen head, the title and the headers.
func (w *xlsxWriter) nextSheet() error {
	if w.sw != nil {
		if err := w.sw.Flush(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	w.sheet++
	base := w.t.SheetName
	if base == "" {
		base = "Sheet1"
	}
	name := base
	if w.sheet == 1 {
		if err := w.f.SetSheetName("Sheet1", name); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	} else {
		name = fmt.Sprintf("%s (%d)", base, w.sheet)
		if _, err := w.f.NewSheet(name); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	w.sw, w.row, w.onPage = sw, 0, 0
	for i, c := range w.t.Columns {
		width := c.Width
		if width == 0 {
			width = max(displayWidth(c.Header)+4, 8)
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if w.cols[i] != 0 {
			if err := sw.SetColStyle(i+1, i+1, w.cols[i]); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headRows, TopLeftCell: "A" + strconv.Itoa(headRows+1), ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A" + strconv.Itoa(headRows+1), ActiveCell: "A" + strconv.Itoa(headRows+1), Pane: "bottomLeft"}}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	last, err := excelize.CoordinatesToCellName(len(w.t.Columns), 1)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if len(w.t.Columns) > 1 {
		if err := sw.MergeCell("A1", last); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: w.styles.title, Value: clean(w.t.Title)}}, excelize.RowOpts{Height: 24}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	head := make([]any, len(w.t.Columns))
	for i, c := range w.t.Columns {
		head[i] = excelize.Cell{StyleID: w.styles.header, Value: clean(c.Header)}
	}
	if err := sw.SetRow("A2", head, excelize.RowOpts{Height: 20}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	w.row = headRows
	return nil
}

func (w *xlsxWriter) WriteRow(values []any) error {
	if w.closed {
		return errors.New("xlsx: write after close")
	}
	if len(values) != len(w.t.Columns) {
		return fmt.Errorf("xlsx: a row of %d values for %d columns", len(values), len(w.t.Columns))
	}
	if w.onPage == sheetRows {
		if err := w.nextSheet(); err != nil {
			return err
		}
	}
	for i, c := range w.t.Columns {
		w.vals[i] = w.cell(c.Kind, values[i])
	}
	w.row++
	if err := w.sw.SetRow("A"+strconv.Itoa(w.row), w.vals); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	w.onPage++
	w.rows++
	return nil
}

// cell turns a value into what the stream writer writes for the column's kind. Text is always
// a string cell, never a formula, whatever characters it starts with: the stream writer writes
// a formula only when asked for one.
func (w *xlsxWriter) cell(k Kind, v any) any {
	switch k {
	case Int:
		if n, ok := toInt(v); ok {
			return n
		}
		return nil
	case Decimal, Percent:
		if x, ok := toFloat(v); ok {
			return x
		}
		return Absent
	case Date, DateTime:
		if t, ok := toTime(v); ok {
			return excelSerial(t.In(w.t.Zone))
		}
		return nil
	}
	if v == nil {
		return nil
	}
	if s := clean(toText(v)); s != "" {
		return s
	}
	return nil // a blank is no cell at all: smaller, and the same when read
}

func (w *xlsxWriter) Rows() int64 { return w.rows }

// Close writes the workbook to the output. The zip is written straight to it at deflate's best
// speed: excelize's own Write would first build the whole compressed file in memory, and the
// sheet's XML is repetitive enough that the fastest level costs little in size. The deflate is
// klauspost/compress's (the same format), which at that level takes about 40 % of the standard
// library's time: the sheet is compressed after its last row, so this is time nothing overlaps.
func (w *xlsxWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	defer w.f.Close()
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	var zw *zip.Writer
	w.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(w.out)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	if err := w.f.Write(io.Discard); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if zw == nil {
		return errors.New("xlsx: the workbook was not written")
	}
	return nil
}

// excelEpoch is day 0 of Excel's 1900 date system as it counts after February 1900.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial is t's wall clock as an Excel date: days since the epoch, the time of day as a
// fraction. Excel dates have no zone, so the caller puts t in the zone to show.
func excelSerial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return wall.Sub(excelEpoch).Hours() / 24
}

// displayWidth is a text's width in Excel's character units: wide (CJK) characters count two.
func displayWidth(s string) float64 {
	n := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 && utf8.RuneLen(r) >= 3:
			n += 2
		default:
			n++
		}
	}
	return n
}
