package assess

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// The columns of a checklist file: one line per item. standard_name, edition and year name the
// standard (the same on every line that gives them); site_type_name names the site type.
var checklistColumns = []string{"standard", "site_type", "code", "level1", "item", "max_score", "rule", "evidence", "category_kind", "category"}

// Problems is every line of a file that cannot be taken, each named by its line; any problem
// refuses the whole file.
type Problems []string

func (p Problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return errs.Refuse(errs.Invalid, "bad_file", errs.Params{"problems": len(p)}, "%s: %d problems: %s", what, len(p), strings.Join(p, "; "))
}

// records reads a CSV file whole: the header and the lines, each with its line number. A line
// the CSV reader cannot read is a problem.
func records(r io.Reader) (header []string, lines [][]string, nums []int, problems Problems, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, nil, nil, errs.E(errs.Invalid, "not a readable CSV file: %v", err)
			}
			problems = append(problems, fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
			continue
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = rec
			continue
		}
		lines, nums = append(lines, rec), append(nums, line)
	}
	return header, lines, nums, problems, nil
}

// xlsxRecords reads the first sheet of a workbook as records; line numbers are row numbers.
func xlsxRecords(r io.Reader) (header []string, lines [][]string, nums []int, err error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, nil, nil, errs.E(errs.Invalid, "not a readable .xlsx file: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, nil, errs.E(errs.Invalid, "the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, nil, nil, errs.E(errs.Invalid, "the workbook's first sheet: %v", err)
	}
	for i, rec := range rows {
		if header == nil {
			if strings.Join(rec, "") == "" {
				continue
			}
			header = rec
			continue
		}
		lines, nums = append(lines, rec), append(nums, i+1)
	}
	return header, lines, nums, nil
}

// columns maps a header's names (trimmed, lower case, without a byte-order mark) to their
// positions and checks the required ones are there.
func columns(header []string, required []string) (map[string]int, error) {
	if header == nil {
		return nil, errs.E(errs.Invalid, "the file has no header line")
	}
	col := map[string]int{}
	for i, h := range header {
		if !textcheck.Valid(h) {
			return nil, errs.E(errs.Invalid, "the header's column %d holds bytes that are not text (NUL, or not UTF-8)", i+1)
		}
		col[strings.TrimPrefix(strings.ToLower(strings.TrimSpace(h)), "\ufeff")] = i
	}
	var missing []string
	for _, need := range required {
		if _, ok := col[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, errs.E(errs.Invalid, "the header lacks the columns %s", strings.Join(missing, ", "))
	}
	return col, nil
}

// getter returns the trimmed value of a named column of rec, "" when the line is short.
func getter(col map[string]int, rec []string) func(string) string {
	return func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
}

// badCell names the first cell of rec that is not text, or "".
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

// Checklists is what a checklist file holds: its standards and a checklist per standard and
// site type, items in file order.
type Checklists struct {
	Standards  []Standard  `json:"standards"`
	Checklists []Checklist `json:"checklists"`
}

// ReadChecklistCSV reads a checklist file in CSV.
func ReadChecklistCSV(r io.Reader) (Checklists, error) {
	header, lines, nums, problems, err := records(r)
	if err != nil {
		return Checklists{}, err
	}
	return parseChecklists(header, lines, nums, problems)
}

// ReadChecklistXLSX reads a checklist file in Excel (the first sheet, same columns).
func ReadChecklistXLSX(r io.Reader) (Checklists, error) {
	header, lines, nums, err := xlsxRecords(r)
	if err != nil {
		return Checklists{}, err
	}
	return parseChecklists(header, lines, nums, nil)
}

func parseChecklists(header []string, lines [][]string, nums []int, problems Problems) (Checklists, error) {
	col, err := columns(header, checklistColumns)
	if err != nil {
		return Checklists{}, errs.Prefix(err, nil, "checklist file: ")
	}
	var out Checklists
	stdLine := map[string]int{}
	seen := map[[3]string]int{}
	for k, rec := range lines {
		line := nums[k]
		if strings.Join(rec, "") == "" {
			continue
		}
		if c := badCell(header, rec); c != "" {
			problems = append(problems, fmt.Sprintf("line %d: %s holds bytes that are not text (NUL, or not UTF-8)", line, c))
			continue
		}
		get := getter(col, rec)
		var bad []string
		std := Standard{Code: get("standard"), Name: get("standard_name"), Edition: get("edition")}
		if !ValidCode(std.Code) {
			bad = append(bad, fmt.Sprintf("standard %q must be 1–32 letters, digits, '.', '_' or '-'", std.Code))
		}
		if y := get("year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 1900 || n > 2200 {
				bad = append(bad, fmt.Sprintf("year %q must be a year such as 2021", y))
			}
			std.Year = n
		}
		for _, f := range []struct{ name, v string }{{"standard_name", std.Name}, {"edition", std.Edition}, {"site_type_name", get("site_type_name")}} {
			if len([]rune(f.v)) > 200 {
				bad = append(bad, f.name+" has more than 200 characters")
			}
		}
		siteType := get("site_type")
		if !ValidCode(siteType) {
			bad = append(bad, fmt.Sprintf("site_type %q must be 1–32 letters, digits, '.', '_' or '-'", siteType))
		}
		it := Item{Code: get("code"), Level1: get("level1"), Level2: get("level2"), Level3: get("level3"), What: get("item"),
			Rule: Rule(get("rule")), Evidence: Evidence(get("evidence")), CategoryKind: get("category_kind"), Category: get("category")}
		if it.Max, err = number(get("max_score")); err != nil {
			bad = append(bad, "max_score: "+err.Error())
		}
		if d := get("deduction"); d != "" {
			if it.Deduction, err = number(d); err != nil {
				bad = append(bad, "deduction: "+err.Error())
			}
		}
		if len(bad) == 0 {
			if err := it.Validate(); err != nil {
				bad = append(bad, err.Error())
			}
		}
		key := [3]string{std.Code, siteType, it.Code}
		if prev, dup := seen[key]; dup && len(bad) == 0 {
			bad = append(bad, fmt.Sprintf("item %s of %s/%s repeats line %d", it.Code, std.Code, siteType, prev))
		}
		if len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("line %d: %s", line, strings.Join(bad, "; ")))
			continue
		}
		seen[key] = line
		// The standard: named once or the same wherever named.
		i := slices.IndexFunc(out.Standards, func(s Standard) bool { return s.Code == std.Code })
		switch {
		case i < 0:
			out.Standards = append(out.Standards, std)
			stdLine[std.Code] = line
		case std.Name != "" || std.Edition != "" || std.Year != 0:
			have := &out.Standards[i]
			if have.Name == "" && have.Edition == "" && have.Year == 0 {
				*have = std
				stdLine[std.Code] = line
			} else if *have != std {
				problems = append(problems, fmt.Sprintf("line %d: standard %s is named differently on line %d", line, std.Code, stdLine[std.Code]))
				continue
			}
		}
		j := slices.IndexFunc(out.Checklists, func(c Checklist) bool { return c.Standard == std.Code && c.SiteType == siteType })
		if j < 0 {
			out.Checklists = append(out.Checklists, Checklist{Standard: std.Code, SiteType: siteType})
			j = len(out.Checklists) - 1
		}
		c := &out.Checklists[j]
		if n := get("site_type_name"); n != "" {
			if c.SiteTypeName != "" && c.SiteTypeName != n {
				problems = append(problems, fmt.Sprintf("line %d: site type %s is named %q here and %q before", line, siteType, n, c.SiteTypeName))
				continue
			}
			c.SiteTypeName = n
		}
		if len(c.Items) >= MaxItems {
			problems = append(problems, fmt.Sprintf("line %d: the checklist %s/%s has more than %d items", line, std.Code, siteType, MaxItems))
			continue
		}
		c.Items = append(c.Items, it)
	}
	for _, s := range out.Standards {
		if s.Name == "" && len(problems) == 0 {
			problems = append(problems, fmt.Sprintf("line %d: standard %s has no standard_name on any line", stdLine[s.Code], s.Code))
		}
	}
	if err := problems.err("checklist file"); err != nil {
		return Checklists{}, err
	}
	if len(out.Checklists) == 0 {
		return Checklists{}, errs.E(errs.Invalid, "checklist file: no items")
	}
	return out, nil
}

// number reads a score: a decimal number, finite.
func number(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v || v > 1e9 || v < -1e9 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}
