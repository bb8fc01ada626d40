package workflow

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// table reads a CSV with a header, calling row for each record with a getter by column name.
// Problems are collected with their line numbers; any problem fails the whole file.
func table(r io.Reader, what string, required []string, row func(line int, get func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return errs.Refuse(errs.Invalid, "table_no_header", nil, "%s: no header: %v", what, err)
	}
	if col := badCell(nil, header); col != "" {
		return errs.E(errs.Invalid, "%s: the header's %s holds bytes that are not text (NUL, or not UTF-8)", what, col)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "\ufeff")] = i
	}
	for _, need := range required {
		if _, ok := col[need]; !ok {
			return errs.Refuse(errs.Invalid, "table_no_column", errs.Params{"column": need}, "%s: the header has no %q column", what, need)
		}
	}
	var problems, lines []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return errs.E(errs.Invalid, "%s: %v", what, err)
			}
			problems = append(problems, fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
			lines = append(lines, strconv.Itoa(pe.Line))
			continue
		}
		line, _ := cr.FieldPos(0)
		if col := badCell(header, rec); col != "" {
			problems = append(problems, fmt.Sprintf("line %d: %s holds bytes that are not text (NUL, or not UTF-8)", line, col))
			lines = append(lines, strconv.Itoa(line))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if err := row(line, get); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			lines = append(lines, strconv.Itoa(line))
		}
	}
	if len(problems) > 0 {
		// The lines are the reader's way to the problems in any language; the message has them in full.
		return errs.Refuse(errs.Invalid, "table_problems", errs.Params{"count": len(problems), "lines": lines},
			"%s: %d problems: %s", what, len(problems), strings.Join(problems, "; "))
	}
	return nil
}

// badCell names the first cell of rec that is not text (see package textcheck) by its column,
// or returns "": a table is refused, never stored repaired.
func badCell(header, rec []string) string {
	for i, v := range rec {
		if !textcheck.Valid(v) {
			if i < len(header) && textcheck.Valid(header[i]) {
				return "column " + strings.TrimSpace(header[i])
			}
			return fmt.Sprintf("column %d", i+1)
		}
	}
	return ""
}

// ReadDepartments reads a departments CSV: code, name, level (city|district|subdistrict),
// region_code.
func ReadDepartments(r io.Reader) ([]Department, error) {
	var out []Department
	seen := map[string]int{}
	err := table(r, "departments", []string{"code", "name", "level", "region_code"}, func(line int, get func(string) string) error {
		d := Department{Code: get("code"), Name: get("name"), Level: grid.Level(get("level")), RegionCode: get("region_code")}
		if err := d.Validate(); err != nil {
			return err
		}
		if prev, dup := seen[d.Code]; dup {
			return fmt.Errorf("department %s repeats line %d", d.Code, prev)
		}
		seen[d.Code] = line
		out = append(out, d)
		return nil
	})
	return out, err
}

// ReadRules reads a dispatch-rule CSV: department (required) and optionally order (default: the
// line's position), category_kind, category, region, from, to, co_departments (separated by
// ';'), auto (true/false).
func ReadRules(r io.Reader) ([]Rule, error) {
	var out []Rule
	err := table(r, "rules", []string{"department"}, func(line int, get func(string) string) error {
		rule := Rule{CategoryKind: CategoryKind(get("category_kind")), Category: get("category"), Region: get("region"),
			From: get("from"), To: get("to"), Department: get("department"), Order: len(out) + 1}
		if v := get("order"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("order must be a whole number, not %q", v)
			}
			rule.Order = n
		}
		if v := get("auto"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("auto must be true or false, not %q", v)
			}
			rule.Auto = b
		}
		for _, c := range strings.Split(get("co_departments"), ";") {
			if c = strings.TrimSpace(c); c != "" {
				rule.CoDepartments = append(rule.CoDepartments, c)
			}
		}
		if err := rule.Validate(); err != nil {
			return err
		}
		out = append(out, rule)
		return nil
	})
	return out, err
}
