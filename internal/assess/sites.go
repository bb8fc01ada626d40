package assess

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
)

// SiteRow is one evaluation site as a sites file (or the API) gives it: where it is in the
// caller's coordinate system, which the importer locates to its grid.
type SiteRow struct {
	Line       int     `json:"-"`
	Code       string  `json:"code"`
	SiteType   string  `json:"site_type"`
	Name       string  `json:"name"`
	Address    string  `json:"address"`
	Lon        float64 `json:"lon"`
	Lat        float64 `json:"lat"`
	CRS        string  `json:"crs"`
	Department string  `json:"department"` // the responsible unit (责任单位)
	Contact    string  `json:"contact"`
}

// MaxSites bounds one sites file.
const MaxSites = 100_000

var siteColumns = []string{"code", "site_type", "name", "lon", "lat"}

// Validate checks a site's own fields (not whether its type, department or place exist).
func (s SiteRow) Validate() error {
	var bad []string
	if !ValidCode(s.Code) {
		bad = append(bad, fmt.Sprintf("code %q must be 1–32 letters, digits, '.', '_' or '-'", s.Code))
	}
	if !ValidCode(s.SiteType) {
		bad = append(bad, fmt.Sprintf("site_type %q must be 1–32 letters, digits, '.', '_' or '-'", s.SiteType))
	}
	if strings.TrimSpace(s.Name) == "" {
		bad = append(bad, "name is empty")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"name", s.Name, 200}, {"address", s.Address, 500}, {"department", s.Department, 64}, {"contact", s.Contact, 200}} {
		if utf8.RuneCountInString(f.v) > f.max {
			bad = append(bad, fmt.Sprintf("%s has more than %d characters", f.name, f.max))
		}
	}
	if !(s.Lon >= -180 && s.Lon <= 180 && s.Lat >= -90 && s.Lat <= 90) {
		bad = append(bad, fmt.Sprintf("(%v, %v) is not a longitude and latitude", s.Lon, s.Lat))
	}
	switch s.CRS {
	case "", "wgs84", "gcj02", "bd09":
	default:
		bad = append(bad, fmt.Sprintf("crs %q must be wgs84, gcj02 or bd09", s.CRS))
	}
	if len(bad) > 0 {
		return errs.E(errs.Invalid, "%s", strings.Join(bad, "; "))
	}
	return nil
}

// ReadSitesCSV reads a sites file: code, site_type, name, lon, lat and optionally address, crs
// (wgs84, gcj02, bd09; default wgs84), department, contact. Every bad line is named; any
// refuses the file.
func ReadSitesCSV(r io.Reader) ([]SiteRow, error) {
	header, lines, nums, problems, err := records(r)
	if err != nil {
		return nil, err
	}
	col, err := columns(header, siteColumns)
	if err != nil {
		return nil, errs.Prefix(err, nil, "sites file: ")
	}
	var out []SiteRow
	seen := map[string]int{}
	for k, rec := range lines {
		line := nums[k]
		if strings.Join(rec, "") == "" {
			continue
		}
		if c := badCell(header, rec); c != "" {
			problems = append(problems, fmt.Sprintf("line %d: %s holds bytes that are not text (NUL, or not UTF-8)", line, c))
			continue
		}
		if len(out) >= MaxSites {
			problems = append(problems, fmt.Sprintf("line %d: a file holds at most %d sites", line, MaxSites))
			break
		}
		get := getter(col, rec)
		s := SiteRow{Line: line, Code: get("code"), SiteType: get("site_type"), Name: get("name"), Address: get("address"),
			CRS: strings.ToLower(get("crs")), Department: get("department"), Contact: get("contact")}
		var bad []string
		if s.Lon, err = number(get("lon")); err != nil {
			bad = append(bad, "lon: "+err.Error())
		}
		if s.Lat, err = number(get("lat")); err != nil {
			bad = append(bad, "lat: "+err.Error())
		}
		if len(bad) == 0 {
			if err := s.Validate(); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if prev, dup := seen[s.Code]; dup && len(bad) == 0 {
			bad = append(bad, fmt.Sprintf("site %s repeats line %d", s.Code, prev))
		}
		if len(bad) > 0 {
			problems = append(problems, fmt.Sprintf("line %d: %s", line, strings.Join(bad, "; ")))
			continue
		}
		seen[s.Code] = line
		out = append(out, s)
	}
	if err := problems.err("sites file"); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.E(errs.Invalid, "sites file: no sites")
	}
	return out, nil
}
