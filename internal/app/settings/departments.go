package settings

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PutDepartments creates or updates departments in one transaction. A scoped admin must cover
// both the region a department handles now and the one it is given: naming only the new one
// would let an admin move another district's department (and so its handlers) into their own
// scope.
func (a *Service) PutDepartments(ctx context.Context, actor *access.Principal, depts []workflow.Department) error {
	defer a.ForgetReference()
	if !actor.IsAdmin() {
		return errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may change departments")
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, d := range depts {
			if err := d.Validate(); err != nil {
				return err
			}
			old, err := a.DB.Department(ctx, d.Code)
			switch {
			case errs.Is(err, errs.NotFound):
				old = workflow.Department{}
			case err != nil:
				return err
			default:
				ok, err := a.CoversRegion(ctx, actor, old.RegionCode)
				if err != nil {
					return err
				}
				if !ok {
					return errs.Refuse(errs.Forbidden, "department_outside_scope", errs.Params{"department": d.Code}, "department %s is outside your scope", d.Code)
				}
			}
			ok, err := a.CoversRegion(ctx, actor, d.RegionCode)
			if err != nil {
				return errs.Prefix(err, errs.Params{"department": d.Code}, "department %s: ", d.Code)
			}
			if !ok {
				return errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": d.RegionCode}, "department %s: region %s is outside your scope", d.Code, d.RegionCode)
			}
			if err := a.DB.PutDepartment(ctx, d); err != nil {
				return err
			}
			var before any
			if old.Code != "" {
				before = old
			}
			if err := a.Record(ctx, actor, "department.put", "department:"+d.Code, before, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// ManagedDepartments lists the departments an admin's scope covers: those a scoped admin may
// give its handlers or edit. Anyone but an admin is refused.
func (a *Service) ManagedDepartments(ctx context.Context, actor *access.Principal) ([]workflow.Department, error) {
	if !actor.IsAdmin() {
		return nil, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin manages departments")
	}
	all, err := a.Departments(ctx)
	if err != nil {
		return nil, err
	}
	covered := map[string]bool{}
	out := []workflow.Department{}
	for _, d := range all {
		ok, seen := covered[d.RegionCode]
		if !seen {
			if ok, err = a.CoversRegion(ctx, actor, d.RegionCode); err != nil && !errs.Is(err, errs.Invalid) {
				return nil, err
			}
			covered[d.RegionCode] = ok
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}
