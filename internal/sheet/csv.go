package sheet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// bom is UTF-8's byte-order mark: without it Excel reads a CSV in the system's code page
// (GBK on a Chinese Windows) and the Chinese comes out garbled.
const bom = "\uFEFF"

type csvWriter struct {
	t      Table
	buf    *bufio.Writer
	cw     *csv.Writer
	rows   int64
	rec    []string
	closed bool
}

func newCSV(out io.Writer, t Table) (*csvWriter, error) {
	w := &csvWriter{t: t, buf: bufio.NewWriterSize(out, 64<<10), rec: make([]string, len(t.Columns))}
	w.cw = csv.NewWriter(w.buf)
	w.cw.UseCRLF = true // what Excel writes and expects
	if _, err := w.buf.WriteString(bom); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	if w.t.Title != "" {
		if err := w.cw.Write([]string{Neutralize(clean(w.t.Title))}); err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
	}
	for i, c := range t.Columns {
		w.rec[i] = Neutralize(clean(c.Header))
	}
	if err := w.cw.Write(w.rec); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return w, nil
}

func (w *csvWriter) WriteRow(values []any) error {
	if w.closed {
		return errors.New("csv: write after close")
	}
	if len(values) != len(w.t.Columns) {
		return fmt.Errorf("csv: a row of %d values for %d columns", len(values), len(w.t.Columns))
	}
	for i, c := range w.t.Columns {
		w.rec[i] = w.field(c.Kind, values[i])
	}
	if err := w.cw.Write(w.rec); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	w.rows++
	return nil
}

// field is a value as CSV text Excel reads back as the same kind: numbers plain, percentages
// with a % sign, dates as yyyy-mm-dd hh:mm in the table's zone, text neutralised.
func (w *csvWriter) field(k Kind, v any) string {
	switch k {
	case Int:
		if n, ok := toInt(v); ok {
			return strconv.FormatInt(n, 10)
		}
		return ""
	case Decimal:
		if x, ok := toFloat(v); ok {
			return strconv.FormatFloat(x, 'f', 2, 64)
		}
		return Absent
	case Percent:
		if x, ok := toFloat(v); ok {
			return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
		}
		return Absent
	case Date:
		if t, ok := toTime(v); ok {
			return t.In(w.t.Zone).Format("2006-01-02")
		}
		return ""
	case DateTime:
		if t, ok := toTime(v); ok {
			return t.In(w.t.Zone).Format("2006-01-02 15:04")
		}
		return ""
	}
	return Neutralize(clean(toText(v)))
}

func (w *csvWriter) Rows() int64 { return w.rows }

func (w *csvWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// Neutralize keeps a text from being read as a formula when the CSV is opened in a
// spreadsheet (CSV injection): a text starting with = + - @ or a tab or carriage return gets a
// leading apostrophe, as OWASP recommends, which Excel shows as plain text.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	if strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
