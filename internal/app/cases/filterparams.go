package cases

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// FilterParams are the names of a case list's filters, as GET /api/v1/cases takes them in its
// query and an export in its filters: status=a,b kind category region department
// holder=KIND:CODE source reporter q from to (RFC 3339, or a date: a day in China time, to's
// day included) overdue=1 light=green|yellow|red urged=1
// sort=created|due|light limit cursor before.
var FilterParams = []string{"status", "kind", "category", "region", "department", "holder", "source", "reporter", "q",
	"from", "to", "overdue", "light", "urged", "sort", "limit", "cursor", "before"}

// ParseFilter reads a case list's filter from its named parameters (get returns "" for an
// absent one), refusing malformed values with the parameter named.
func ParseFilter(get func(name string) string) (CaseFilter, error) {
	f := CaseFilter{Kind: get("kind"), Category: get("category"), Department: get("department"),
		Source: get("source"), Reporter: get("reporter"), Text: get("q"), Cursor: get("cursor"), Before: get("before"), Light: get("light")}
	if v := get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			if _, err := workflow.ParseStatus(st); err != nil {
				return CaseFilter{}, err
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	if v := get("region"); v != "" {
		f.Regions = []string{v}
	}
	if v := get("holder"); v != "" {
		kind, code, _ := strings.Cut(v, ":")
		f.HolderKind, f.HolderCode = kind, code
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
		days int // a date alone is the start of that day in China time, or of the next for "to"
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := get(t.name); v != "" {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				day, derr := time.ParseInLocation(time.DateOnly, v, worktime.China)
				if derr != nil {
					return CaseFilter{}, errs.Coded(errs.BadRequest, "wrong_type", "%s must be an RFC 3339 time or a date (2006-01-02), not %q", t.name, v)
				}
				tm = day.AddDate(0, 0, t.days)
			}
			*t.dst = tm
		}
	}
	f.Overdue, _ = strconv.ParseBool(get("overdue"))
	f.Urged, _ = strconv.ParseBool(get("urged"))
	switch get("sort") {
	case "", "created":
	case "due":
		f.SortByDue = true
	case "light":
		f.SortByLight = true
	default:
		return CaseFilter{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "sort"}, "sort must be created, due or light, not %q", get("sort"))
	}
	switch f.Light {
	case "", "green", "yellow", "red":
	default:
		return CaseFilter{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "light"}, "light must be green, yellow or red, not %q", f.Light)
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return CaseFilter{}, errs.E(errs.Invalid, "limit must be a whole number from 1 to 200, not %q", v)
		}
		f.Limit = n
	}
	return f, nil
}

// IsFilterParam tells whether name is one of FilterParams.
func IsFilterParam(name string) bool { return slices.Contains(FilterParams, name) }
