package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Routing is where a case would go.
type Routing struct {
	Location      kernel.Location   `json:"location"`
	Department    string            `json:"department"`
	CoDepartments []string          `json:"co_departments"`
	Auto          bool              `json:"auto"`
	Rule          *workflow.Rule    `json:"rule"`     // nil when the locality fallback decided
	Locality      bool              `json:"locality"` // 属地兜底: no rule applied
	Category      workflow.Category `json:"category"`
}

// Route suggests the department for a case of a category at a point at a time: the most
// specific dispatch rule, else the office of the subdistrict the point lies in.
func (a *Service) Route(ctx context.Context, actor *access.Principal, kind workflow.CategoryKind, code string, lon, lat float64, system crs.System, at time.Time) (Routing, error) {
	if !kernel.IsStaff(actor) {
		return Routing{}, errs.E(errs.Forbidden, "routing is for staff")
	}
	cat, err := a.DB.Category(ctx, kind, code)
	if errs.Is(err, errs.NotFound) {
		return Routing{}, errs.E(errs.Invalid, "no %s category %s", kind, code)
	} else if err != nil {
		return Routing{}, err
	}
	loc, err := a.Locate(ctx, lon, lat, system)
	if err != nil {
		return Routing{}, err
	}
	out, ok, err := a.route(ctx, kind, code, loc, at)
	if err != nil {
		return Routing{}, err
	}
	if !ok {
		return Routing{}, errs.Coded(errs.NotFound, "no_route", "no dispatch rule applies and the place has no subdistrict office to fall back to")
	}
	out.Category = cat
	return out, nil
}

// route finds the department for a category at a located place: the most specific rule, else
// the office of its subdistrict; false when neither exists.
func (a *Service) route(ctx context.Context, kind workflow.CategoryKind, code string, loc kernel.Location, at time.Time) (Routing, bool, error) {
	_, rules, err := a.Reference(ctx)
	if err != nil {
		return Routing{}, false, err
	}
	path := make([]string, len(loc.Path))
	for i, r := range loc.Path {
		path[i] = r.Code
	}
	out := Routing{Location: loc, CoDepartments: []string{}}
	if r, ok := workflow.Suggest(rules, workflow.RouteQuery{Kind: kind, Category: code, RegionPath: path, At: at.In(worktime.China)}); ok {
		out.Department, out.Auto, out.Rule = r.Department, r.Auto, &r
		if r.CoDepartments != nil {
			out.CoDepartments = r.CoDepartments
		}
		return out, true, nil
	}
	i := slices.IndexFunc(loc.Path, func(r grid.Ref) bool { return r.Level == grid.Subdistrict })
	if i < 0 {
		return Routing{}, false, nil
	}
	depts, err := a.RefDepartments(ctx)
	if err != nil {
		return Routing{}, false, err
	}
	for _, d := range depts {
		if d.RegionCode == loc.Path[i].Code && d.Level == grid.Subdistrict {
			out.Department, out.Locality = d.Code, true
			return out, true, nil
		}
	}
	return Routing{}, false, nil
}

// RouteIn answers the dispatch table's tester: which department would get a case of a
// category in a region (a grid, community or subdistrict) at a time, and by which rule or by
// the locality fallback. An empty kind means whichever kind has the code; a code both kinds
// have must name its kind (ambiguous_category).
func (a *Service) RouteIn(ctx context.Context, actor *access.Principal, kind workflow.CategoryKind, code, region string, at time.Time) (Routing, error) {
	if !kernel.IsStaff(actor) {
		return Routing{}, errs.E(errs.Forbidden, "routing is for staff")
	}
	if code == "" {
		return Routing{}, errs.Required("category", "category is required")
	}
	if region == "" {
		return Routing{}, errs.Required("region", "region is required")
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return Routing{}, err
	}
	kinds := []workflow.CategoryKind{kind}
	if kind == "" {
		kinds = []workflow.CategoryKind{workflow.Component, workflow.Matter}
	}
	var found []workflow.Category
	for _, k := range kinds {
		if c, ok := cats[string(k)+":"+code]; ok {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return Routing{}, errs.Refuse(errs.Invalid, "no_category", errs.Params{"category": code}, "no category %s", code)
	case 2:
		return Routing{}, errs.Refuse(errs.Invalid, "ambiguous_category", errs.Params{"category": code},
			"both a component and a matter have code %s: name the kind", code)
	}
	path, err := a.PathOf(ctx, region)
	if errs.Is(err, errs.NotFound) {
		return Routing{}, errs.Refuse(errs.Invalid, "no_region", errs.Params{"region": region}, "region %s does not exist", region)
	} else if err != nil {
		return Routing{}, err
	}
	loc := kernel.Location{Region: path[len(path)-1], Path: path}
	out, ok, err := a.route(ctx, found[0].Kind, code, loc, at)
	if err != nil {
		return Routing{}, err
	}
	if !ok {
		return Routing{}, errs.RefuseCoded(errs.NotFound, "no_route", errs.Params{"region": region},
			"no dispatch rule applies and %s has no subdistrict office to fall back to", region)
	}
	out.Category = found[0]
	return out, nil
}

// ParseTestTime reads the tester's time: RFC 3339, "2006-01-02T15:04" in China time, or "15:04"
// on now's day in China; "" is now.
func ParseTestTime(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", v, worktime.China); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("15:04", v, worktime.China); err == nil {
		d := now.In(worktime.China)
		return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, worktime.China), nil
	}
	return time.Time{}, &errs.Error{Kind: errs.BadRequest, Code: "wrong_type", Reason: "bad_time", Params: errs.Params{"field": "at", "value": v},
		Message: fmt.Sprintf("at must be a time: RFC 3339, 2006-01-02T15:04 or 15:04, not %q", v)}
}
