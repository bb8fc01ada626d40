// Package sheet writes tables for people to open in Excel, WPS or LibreOffice: an Excel
// workbook (.xlsx, through excelize's streaming writer) or CSV (UTF-8 with a byte-order mark,
// which Excel on a Chinese Windows needs to read UTF-8). Either way a table has a title row,
// headers, and typed columns: numbers, percentages and dates are real numbers and dates in the
// workbook, shown in the table's time zone. Rows are written as they come, so memory stays
// flat whatever the row count.
package sheet

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
)

// Format is a file format a table can be written in.
type Format string

// The formats.
const (
	XLSX Format = "xlsx"
	CSV  Format = "csv"
)

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case XLSX, CSV:
		return f, nil
	}
	return "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "format", "value": s}, "format must be xlsx or csv, not %q", s)
}

// ContentType is the media type of files in the format.
func (f Format) ContentType() string {
	if f == CSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// Kind is what a column holds, which decides how its cells are written and shown.
type Kind int

// The kinds of column. A cell's value is a string for Text; an integer type for Int; a
// float64 for Decimal; a float64 fraction (0.953 for 95.3 %) for Percent; a time.Time for
// Date and DateTime (the zero time is a blank). nil is a blank cell, shown as "—" in Decimal
// and Percent columns, where it means "no value" (a rate with nothing to divide by), not zero.
const (
	Text Kind = iota
	Int
	Decimal
	Percent
	Date
	DateTime
)

// Column is one column of a table.
type Column struct {
	Header string
	Kind   Kind
	// Width in characters (a Chinese character counts two); 0 fits the header.
	Width float64
}

// Table describes a table to write: its title row and columns.
type Table struct {
	// Title is the first row, across the table: what the table is, its scope and period.
	Title   string
	Columns []Column
	// Zone is where dates are shown (a city's own time); nil is UTC.
	Zone *time.Location
	// SheetName names the workbook's sheet; default "Sheet1". Rows past one sheet's capacity
	// go on to further sheets named after it.
	SheetName string
	// TempDir is where the xlsx writer keeps the sheet while it grows (the OS temporary
	// directory when empty).
	TempDir string
}

// Writer writes a table's rows.
type Writer interface {
	// WriteRow writes one row: one value per column.
	WriteRow(values []any) error
	// Rows is how many rows have been written.
	Rows() int64
	// Close finishes the file; without it the file is incomplete.
	Close() error
}

// New starts a table in format f on w.
func New(w io.Writer, f Format, t Table) (Writer, error) {
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("sheet: a table needs columns")
	}
	if t.Zone == nil {
		t.Zone = time.UTC
	}
	switch f {
	case XLSX:
		return newXLSX(w, t)
	case CSV:
		return newCSV(w, t)
	}
	return nil, fmt.Errorf("sheet: unknown format %q", f)
}

// Absent is what a Decimal or Percent cell without a value shows.
const Absent = "—"

// clean makes a text fit for a cell: invalid UTF-8 becomes U+FFFD and control characters
// other than tab and line breaks are dropped (XML cannot carry them, and in a CSV they only
// confuse).
func clean(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
				ok = false
				break
			}
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// toTime reads a Date or DateTime cell's value; ok is false for a blank.
func toTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t != nil && !t.IsZero() {
			return *t, true
		}
	}
	return time.Time{}, false
}

// toFloat reads a Decimal or Percent cell's value; ok is false for a blank.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case *float64:
		if n != nil {
			return *n, true
		}
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// toInt reads an Int cell's value; ok is false for a blank.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case *int64:
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

// toText reads a Text cell's value.
func toText(v any) string {
	switch s := v.(type) {
	case nil:
		return ""
	case string:
		return s
	case fmt.Stringer:
		return s.String()
	}
	return fmt.Sprint(v)
}
