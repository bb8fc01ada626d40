package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// chinaTime is the clock dispatch windows are read on. China keeps one zone without daylight
// saving, so a fixed offset is exact and needs no zone database.
var chinaTime = time.FixedZone("CST", 8*3600)

// Departments lists every department.
func (a *App) Departments(ctx context.Context) ([]workflow.Department, error) {
	return a.db.Departments(ctx)
}

// Rules lists the dispatch table, for staff.
func (a *App) Rules(ctx context.Context, actor *access.Principal) ([]workflow.Rule, error) {
	if !isStaff(actor) {
		return nil, errs.E(errs.Forbidden, "the dispatch table is visible to staff only")
	}
	return a.db.Rules(ctx)
}

func isStaff(p *access.Principal) bool {
	return p != nil && (p.System || p.User.Role != access.Resident)
}

// ReplaceRules replaces the city's dispatch table after checking that every department,
// region and category it names exists. Only an unscoped admin may: the table is city-wide.
func (a *App) ReplaceRules(ctx context.Context, actor *access.Principal, rules []workflow.Rule) error {
	defer a.forgetReference()
	if !actor.IsAdmin() || (!actor.System && actor.User.Scope != "") {
		return errs.E(errs.Forbidden, "only an unscoped admin may change the dispatch table")
	}
	cats, err := a.db.Categories(ctx, false)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range cats {
		known[c.Code], known[string(c.Kind)+":"+c.Code], known[c.MajorCode] = true, true, true
		known[string(c.Kind)+":"+c.MajorCode] = true
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rules {
			if err := r.Validate(); err != nil {
				return err
			}
			for _, d := range append([]string{r.Department}, r.CoDepartments...) {
				if _, err := a.db.Department(ctx, d); errs.Is(err, errs.NotFound) {
					return errs.E(errs.Invalid, "%v: department %s does not exist", r, d)
				} else if err != nil {
					return err
				}
			}
			if r.Region != "" {
				if _, err := a.db.Region(ctx, r.Region); errs.Is(err, errs.NotFound) {
					return errs.E(errs.Invalid, "%v: region %s does not exist", r, r.Region)
				} else if err != nil {
					return err
				}
			}
			key := r.Category
			if r.CategoryKind != "" {
				key = string(r.CategoryKind) + ":" + r.Category
			}
			if r.Category != "" && !known[key] {
				return errs.E(errs.Invalid, "%v: no category %s", r, strings.TrimPrefix(key, ":"))
			}
		}
		if err := a.db.ReplaceRules(ctx, rules); err != nil {
			return err
		}
		return a.record(ctx, actor, "rules.replace", "dispatch_rules", nil, map[string]any{"rules": len(rules)})
	})
}

// Routing is where a case would go.
type Routing struct {
	Location      Location          `json:"location"`
	Department    string            `json:"department"`
	CoDepartments []string          `json:"co_departments"`
	Auto          bool              `json:"auto"`
	Rule          *workflow.Rule    `json:"rule"`     // nil when the locality fallback decided
	Locality      bool              `json:"locality"` // 属地兜底: no rule applied
	Category      workflow.Category `json:"category"`
}

// Route suggests the department for a case of a category at a point at a time: the most
// specific dispatch rule, else the office of the subdistrict the point lies in.
func (a *App) Route(ctx context.Context, actor *access.Principal, kind workflow.CategoryKind, code string, lon, lat float64, system crs.System, at time.Time) (Routing, error) {
	if !isStaff(actor) {
		return Routing{}, errs.E(errs.Forbidden, "routing is for staff")
	}
	cat, err := a.db.Category(ctx, kind, code)
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
func (a *App) route(ctx context.Context, kind workflow.CategoryKind, code string, loc Location, at time.Time) (Routing, bool, error) {
	_, rules, err := a.reference(ctx)
	if err != nil {
		return Routing{}, false, err
	}
	path := make([]string, len(loc.Path))
	for i, r := range loc.Path {
		path[i] = r.Code
	}
	out := Routing{Location: loc, CoDepartments: []string{}}
	if r, ok := workflow.Suggest(rules, workflow.RouteQuery{Kind: kind, Category: code, RegionPath: path, At: at.In(chinaTime)}); ok {
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
	depts, err := a.departments(ctx)
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
