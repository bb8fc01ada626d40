package campaign

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// TargetRow is one asset as a targets file (or the API) gives it, its point in the caller's
// coordinate system, which the importer locates to its grid.
type TargetRow struct {
	Line    int     `json:"-"`
	Name    string  `json:"name"`
	Type    string  `json:"type"`
	Address string  `json:"address"`
	Lon     float64 `json:"lon"`
	Lat     float64 `json:"lat"`
	CRS     string  `json:"crs"`    // wgs84 (default), gcj02, bd09
	Unit    string  `json:"unit"`   // the responsible unit (责任单位)
	DueOn   string  `json:"due_on"` // default the campaign's due date
}

// Limits of a targets file and its fields.
const (
	MaxTargets  = 100_000
	maxTypeLen  = 50
	maxNameLen  = 200
	maxAddrLen  = 500
	maxUnitLen  = 100
	maxProblems = 20 // named in the refusal; the rest are counted
)

// The columns of a targets file, by their English or Chinese header.
var (
	targetColumns = []string{"name", "type", "lon", "lat"}
	columnAliases = map[string]string{"名称": "name", "类型": "type", "地址": "address", "经度": "lon", "纬度": "lat",
		"责任单位": "unit", "坐标系": "crs", "完成时限": "due_on"}
)

// Validate checks an asset's own fields (not where it lies).
func (r TargetRow) Validate() error {
	var bad []string
	for _, f := range []struct {
		name, v string
		max     int
		needed  bool
	}{{"name", r.Name, maxNameLen, true}, {"type", r.Type, maxTypeLen, true}, {"address", r.Address, maxAddrLen, false}, {"unit", r.Unit, maxUnitLen, false}} {
		switch {
		case !textcheck.Valid(f.v):
			bad = append(bad, f.name+" holds bytes that are not text (NUL, or not UTF-8)")
		case f.needed && strings.TrimSpace(f.v) == "":
			bad = append(bad, f.name+" is empty")
		case utf8.RuneCountInString(f.v) > f.max:
			bad = append(bad, fmt.Sprintf("%s has more than %d characters", f.name, f.max))
		}
	}
	if math.IsNaN(r.Lon) || math.IsNaN(r.Lat) || !(r.Lon >= -180 && r.Lon <= 180 && r.Lat >= -90 && r.Lat <= 90) {
		bad = append(bad, fmt.Sprintf("(%v, %v) is not a longitude and latitude", r.Lon, r.Lat))
	}
	switch r.CRS {
	case "", "wgs84", "gcj02", "bd09":
	default:
		bad = append(bad, fmt.Sprintf("crs %q must be wgs84, gcj02 or bd09", r.CRS))
	}
	if r.DueOn != "" {
		if _, err := ParseDate("due_on", r.DueOn); err != nil {
			bad = append(bad, fmt.Sprintf("due_on %q must be a date YYYY-MM-DD", r.DueOn))
		}
	}
	if len(bad) > 0 {
		return errs.E(errs.Invalid, "%s", strings.Join(bad, "; "))
	}
	return nil
}

// Problems are the lines of a file that cannot be taken; any refuses the whole file.
type Problems []string

// Summary names the first few problems and counts the rest.
func (p Problems) Summary() string {
	named, more := p, ""
	if len(p) > maxProblems {
		named, more = p[:maxProblems], fmt.Sprintf("; and %d more", len(p)-maxProblems)
	}
	return strings.Join(named, "; ") + more
}

// Err is the refusal of a file with problems (bad_file), or nil.
func (p Problems) Err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return errs.Refuse(errs.Invalid, "bad_file", errs.Params{"problems": len(p)}, "%s: %d problems, nothing imported: %s", what, len(p), p.Summary())
}

// ReadTargetsCSV reads a targets file: a header naming the columns name, type, lon, lat and
// optionally address, unit, crs and due_on (or 名称, 类型, 经度, 纬度, 地址, 责任单位, 坐标系, 完成时限),
// then one asset a line, in UTF-8 with or without a byte-order mark. Every bad line is named by
// its number; any refuses the file. Two lines with the same type and name at the same point
// are one asset given twice.
func ReadTargetsCSV(r io.Reader) ([]TargetRow, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	var (
		header   []string
		col      map[string]int
		out      []TargetRow
		problems Problems
	)
	seen := map[string]int{}
	for rec, err := cr.Read(); !errors.Is(err, io.EOF); rec, err = cr.Read() {
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			if problems = append(problems, fmt.Sprintf("line %d: %v", pe.Line, pe.Err)); len(problems) > 1000 {
				return nil, problems.Err("targets file")
			}
			continue
		case err != nil:
			return nil, errs.E(errs.Invalid, "targets file: not a readable CSV file: %v", err)
		}
		line, _ := cr.FieldPos(0)
		if header == nil {
			header = rec
			if col, err = targetHeader(header); err != nil {
				return nil, err
			}
			continue
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(out) >= MaxTargets {
			problems = append(problems, fmt.Sprintf("line %d: a file holds at most %d targets", line, MaxTargets))
			break
		}
		row, err := targetRow(col, header, rec, line)
		if err == nil {
			key := strings.Join([]string{row.Type, row.Name, fmt.Sprint(row.Lon), fmt.Sprint(row.Lat), row.CRS}, "\x00")
			if prev, dup := seen[key]; dup {
				err = fmt.Errorf("%s %q at (%v, %v) repeats line %d", row.Type, row.Name, row.Lon, row.Lat, prev)
			} else {
				seen[key] = line
			}
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		out = append(out, row)
	}
	if header == nil {
		return nil, errs.E(errs.Invalid, "targets file: the file is empty; its first line names the columns %s", strings.Join(targetColumns, ", "))
	}
	if err := problems.Err("targets file"); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.E(errs.Invalid, "targets file: no targets")
	}
	return out, nil
}

// targetHeader maps a header's names (trimmed, lower case, Chinese or English) to positions.
func targetHeader(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		if !textcheck.Valid(h) {
			return nil, errs.E(errs.Invalid, "targets file: line 1: the header's column %d holds bytes that are not text (NUL, or not UTF-8): save the file as UTF-8", i+1)
		}
		name := strings.ToLower(strings.TrimSpace(h))
		if en, ok := columnAliases[name]; ok {
			name = en
		}
		if _, twice := col[name]; twice && name != "" {
			return nil, errs.E(errs.Invalid, "targets file: line 1: the header names %s twice", name)
		}
		col[name] = i
	}
	var missing []string
	for _, need := range targetColumns {
		if _, ok := col[need]; !ok {
			missing = append(missing, need)
		}
	}
	if len(missing) > 0 {
		return nil, errs.E(errs.Invalid, "targets file: line 1: the header lacks the columns %s (it needs %s; address, unit, crs and due_on may follow)",
			strings.Join(missing, ", "), strings.Join(targetColumns, ", "))
	}
	return col, nil
}

// targetRow reads one line.
func targetRow(col map[string]int, header, rec []string, line int) (TargetRow, error) {
	for i, v := range rec {
		if !textcheck.Valid(v) {
			name := fmt.Sprintf("column %d", i+1)
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				name = "column " + strings.TrimSpace(header[i])
			}
			return TargetRow{}, fmt.Errorf("%s holds bytes that are not text (NUL, or not UTF-8): save the file as UTF-8", name)
		}
	}
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := TargetRow{Line: line, Name: get("name"), Type: get("type"), Address: get("address"), Unit: get("unit"),
		CRS: strings.ToLower(get("crs")), DueOn: get("due_on")}
	var bad []string
	var err error
	if row.Lon, err = number(get("lon")); err != nil {
		bad = append(bad, "lon: "+err.Error())
	}
	if row.Lat, err = number(get("lat")); err != nil {
		bad = append(bad, "lat: "+err.Error())
	}
	if len(bad) > 0 {
		return TargetRow{}, errors.New(strings.Join(bad, "; "))
	}
	if err := row.Validate(); err != nil {
		return TargetRow{}, err
	}
	return row, nil
}

// number reads a coordinate: a finite decimal number.
func number(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}
