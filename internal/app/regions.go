package app

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PutRegions creates or updates regions, parents before children, in one transaction: all or
// nothing. Only an admin covering each region's parent may.
func (a *App) PutRegions(ctx context.Context, actor *access.Principal, regions []grid.Region) error {
	if !actor.IsAdmin() {
		return errs.E(errs.Forbidden, "only an admin may change regions")
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		for _, r := range regions {
			var parent *grid.Region
			path := []string{r.Code}
			if r.ParentCode != "" {
				pp, err := a.db.RegionPath(ctx, r.ParentCode)
				if errs.Is(err, errs.NotFound) {
					return errs.E(errs.Invalid, "region %s: parent %s does not exist", r.Code, r.ParentCode)
				} else if err != nil {
					return err
				}
				parent = &pp[len(pp)-1]
				path = append(codes(pp), r.Code)
			}
			if err := r.Validate(parent); err != nil {
				return err
			}
			if !actor.Covers(path[:len(path)-1]) {
				return errs.E(errs.Forbidden, "region %s is outside your scope", r.Code)
			}
			if err := a.db.PutRegion(ctx, r); err != nil {
				return err
			}
			if err := a.record(ctx, actor, "region.put", "region:"+r.Code, nil, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// RegionPath returns a region and its ancestors, root first.
func (a *App) RegionPath(ctx context.Context, code string) ([]grid.Region, error) {
	return a.db.RegionPath(ctx, code)
}

// PutDepartments creates or updates departments in one transaction.
func (a *App) PutDepartments(ctx context.Context, actor *access.Principal, depts []workflow.Department) error {
	if !actor.IsAdmin() {
		return errs.E(errs.Forbidden, "only an admin may change departments")
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		for _, d := range depts {
			if err := d.Validate(); err != nil {
				return err
			}
			path, err := a.db.RegionPath(ctx, d.RegionCode)
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.Invalid, "department %s: region %s does not exist", d.Code, d.RegionCode)
			} else if err != nil {
				return err
			}
			if !actor.Covers(codes(path)) {
				return errs.E(errs.Forbidden, "department %s is outside your scope", d.Code)
			}
			if err := a.db.PutDepartment(ctx, d); err != nil {
				return err
			}
			if err := a.record(ctx, actor, "department.put", "department:"+d.Code, nil, d); err != nil {
				return err
			}
		}
		return nil
	})
}

func codes(path []grid.Region) []string {
	out := make([]string, len(path))
	for i, r := range path {
		out[i] = r.Code
	}
	return out
}
