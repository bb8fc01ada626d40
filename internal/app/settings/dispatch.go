package settings

import (
	"context"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Departments lists every department.
func (a *Service) Departments(ctx context.Context) ([]workflow.Department, error) {
	// From the reference cache: pages name departments on every view, and edits here forget it.
	ds, err := a.RefDepartments(ctx)
	return slices.Clone(ds), err
}

// Rules lists the dispatch table, for staff.
func (a *Service) Rules(ctx context.Context, actor *access.Principal) ([]workflow.Rule, error) {
	if !kernel.IsStaff(actor) {
		return nil, errs.E(errs.Forbidden, "the dispatch table is visible to staff only")
	}
	return a.DB.Rules(ctx)
}

// ReplaceRules replaces the city's dispatch table after checking that every department,
// region and category it names exists. Only an unscoped admin may: the table is city-wide.
func (a *Service) ReplaceRules(ctx context.Context, actor *access.Principal, rules []workflow.Rule) error {
	defer a.ForgetReference()
	if err := kernel.MayEditCityWide(actor, "dispatch table"); err != nil {
		return err
	}
	cats, err := a.DB.Categories(ctx, false)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, c := range cats {
		known[c.Code], known[string(c.Kind)+":"+c.Code], known[c.MajorCode] = true, true, true
		known[string(c.Kind)+":"+c.MajorCode] = true
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		for i, r := range rules {
			// A refusal names the rule's row in the table, as the page and the file number them.
			row := i + 1
			if err := r.Validate(); err != nil {
				return errs.Prefix(err, errs.Params{"row": row}, "rule %d: ", row)
			}
			for _, d := range append([]string{r.Department}, r.CoDepartments...) {
				if _, err := a.DB.Department(ctx, d); errs.Is(err, errs.NotFound) {
					return errs.Refuse(errs.Invalid, "no_department", errs.Params{"row": row, "department": d}, "%v: department %s does not exist", r, d)
				} else if err != nil {
					return err
				}
			}
			if r.Region != "" {
				if _, err := a.DB.Region(ctx, r.Region); errs.Is(err, errs.NotFound) {
					return errs.Refuse(errs.Invalid, "no_region", errs.Params{"row": row, "region": r.Region}, "%v: region %s does not exist", r, r.Region)
				} else if err != nil {
					return err
				}
			}
			key := r.Category
			if r.CategoryKind != "" {
				key = string(r.CategoryKind) + ":" + r.Category
			}
			if r.Category != "" && !known[key] {
				return errs.Refuse(errs.Invalid, "no_category", errs.Params{"row": row, "kind": string(r.CategoryKind), "category": r.Category},
					"%v: no category %s", r, strings.TrimPrefix(key, ":"))
			}
		}
		if err := a.DB.ReplaceRules(ctx, rules); err != nil {
			return err
		}
		return a.Record(ctx, actor, "rules.replace", "dispatch_rules", nil, map[string]any{"rules": len(rules)})
	})
}
