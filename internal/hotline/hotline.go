// Package hotline reads batches of 12345 citizen-hotline tickets handed over as CSV or Excel,
// so they enter the same closed loop as every other report. Each row is checked on its own and
// every problem is named by its line; the importer decides what to do with them.
package hotline

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Row is one hotline ticket.
type Row struct {
	Line         int
	Ticket       string // the hotline's own ticket number: imports are idempotent by it
	ReceivedAt   time.Time
	Kind         string
	Category     string
	Description  string
	Lon, Lat     float64
	CRS          string
	Address      string
	ContactName  string
	ContactPhone string
	Urgency      string
}

// Problem is what is wrong with one row: Reason in English for the console, Faults the same
// as data (a reason code and its facts) for pages that word it in their reader's language.
type Problem struct {
	Line   int     `json:"line"`
	Ticket string  `json:"ticket,omitempty"`
	Reason string  `json:"reason"`
	Faults []Fault `json:"faults,omitempty"`
}

// Fault is one thing wrong with a row, as a reason code and its params (errs.Detail's shape).
type Fault struct {
	Code   string      `json:"code"`
	Params errs.Params `json:"params,omitempty"`
}

func (p Problem) String() string {
	if p.Ticket != "" {
		return fmt.Sprintf("line %d (ticket %s): %s", p.Line, p.Ticket, p.Reason)
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Reason)
}

// Columns are the header names a batch must (or may) have.
var required = []string{"ticket", "received_at", "category_kind", "category", "description", "lon", "lat"}

// ReadCSV reads a CSV batch.
func ReadCSV(r io.Reader) ([]Row, []Problem, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	var records [][]string
	var problems []Problem
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				problems = append(problems, Problem{Line: pe.Line, Reason: pe.Err.Error(),
					Faults: []Fault{{Code: "hotline_bad_csv", Params: errs.Params{"column": pe.Column}}}})
				records = append(records, nil)
				continue
			}
			return nil, nil, errs.E(errs.Invalid, "hotline CSV: %v", err)
		}
		records = append(records, rec)
	}
	rows, more, err := parse(records)
	return rows, append(problems, more...), err
}

// maxUnzipped bounds what a workbook may unpack to: far more than any day's tickets.
const maxUnzipped = 64 << 20

// ReadXLSX reads the first sheet of an Excel batch.
func ReadXLSX(r io.Reader) ([]Row, []Problem, error) {
	// A workbook is a zip: bounded unpacked, so a small upload cannot unpack into gigabytes.
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
	if err != nil {
		return nil, nil, errs.Refuse(errs.Invalid, "hotline_bad_xlsx", nil, "hotline XLSX: not a readable .xlsx file: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errs.Refuse(errs.Invalid, "hotline_bad_xlsx", nil, "hotline XLSX: the workbook has no sheet")
	}
	records, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, nil, errs.Refuse(errs.Invalid, "hotline_bad_xlsx", nil, "hotline XLSX: %v", err)
	}
	return parse(records)
}

// parse turns records (the first being the header; nil for a line that could not be read)
// into rows and problems.
func parse(records [][]string) ([]Row, []Problem, error) {
	if len(records) == 0 || records[0] == nil {
		return nil, nil, errs.Refuse(errs.Invalid, "hotline_no_header", nil, "hotline batch: no header")
	}
	for i, h := range records[0] {
		if !textcheck.Valid(h) {
			return nil, nil, errs.Refuse(errs.Invalid, "hotline_header_text", errs.Params{"column": i + 1}, "hotline batch: the header's column %d holds bytes that are not text (NUL, or not UTF-8)", i+1)
		}
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "\ufeff")] = i
	}
	for _, need := range required {
		if _, ok := col[need]; !ok {
			return nil, nil, errs.Refuse(errs.Invalid, "hotline_no_column", errs.Params{"column": need}, "hotline batch: the header has no %q column", need)
		}
	}
	var (
		rows     []Row
		problems []Problem
	)
	seen := map[string]int{}
	for i, rec := range records[1:] {
		line := i + 2
		if rec == nil {
			continue // reported by the reader
		}
		get := func(name string) string {
			if j, ok := col[name]; ok && j < len(rec) {
				return strings.TrimSpace(rec[j])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue // blank lines are common at the end of exported sheets
		}
		if j := slices.IndexFunc(rec, func(v string) bool { return !textcheck.Valid(v) }); j >= 0 {
			// Refused, not repaired: a ticket stored with changed text is a different complaint.
			name := fmt.Sprintf("column %d", j+1)
			if j < len(records[0]) {
				name = strings.TrimSpace(records[0][j])
			}
			problems = append(problems, Problem{Line: line, Ticket: textcheck.Printable(get("ticket")),
				Reason: name + " holds bytes that are not text (NUL, or not UTF-8)", Faults: []Fault{{Code: "hotline_bad_text", Params: errs.Params{"column": name}}}})
			continue
		}
		row := Row{Line: line, Ticket: get("ticket"), Kind: get("category_kind"), Category: get("category"),
			Description: get("description"), CRS: get("crs"), Address: get("address"),
			ContactName: get("contact_name"), ContactPhone: get("contact_phone"), Urgency: get("urgency")}
		var (
			reasons []string
			faults  []Fault
		)
		fault := func(code string, params errs.Params, reason string) {
			reasons, faults = append(reasons, reason), append(faults, Fault{Code: code, Params: params})
		}
		if row.Ticket == "" {
			fault("hotline_no_ticket", nil, "ticket is empty")
		} else if prev, dup := seen[row.Ticket]; dup {
			fault("hotline_repeated_ticket", errs.Params{"line": prev}, fmt.Sprintf("ticket repeats line %d", prev))
		}
		seen[row.Ticket] = line
		var err error
		if row.ReceivedAt, err = parseTime(get("received_at")); err != nil {
			fault("hotline_bad_time", errs.Params{"value": get("received_at")}, err.Error())
		}
		if row.Lon, err = strconv.ParseFloat(get("lon"), 64); err != nil {
			fault("hotline_bad_number", errs.Params{"field": "lon", "value": get("lon")}, fmt.Sprintf("lon %q is not a number", get("lon")))
		}
		if row.Lat, err = strconv.ParseFloat(get("lat"), 64); err != nil {
			fault("hotline_bad_number", errs.Params{"field": "lat", "value": get("lat")}, fmt.Sprintf("lat %q is not a number", get("lat")))
		}
		if len(reasons) > 0 {
			problems = append(problems, Problem{Line: line, Ticket: row.Ticket, Reason: strings.Join(reasons, "; "), Faults: faults})
			continue
		}
		rows = append(rows, row)
	}
	return rows, problems, nil
}

// parseTime reads a time without a zone as China time, as the hotline writes them.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, worktime.China); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("received_at %q is not a time (2026-11-25 09:30 or RFC 3339)", s)
}
