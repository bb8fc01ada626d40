package settings

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PutDepartments creates or updates departments in one transaction.
func (a *Service) PutDepartments(ctx context.Context, actor *access.Principal, depts []workflow.Department) error {
	defer a.ForgetReference()
	if !actor.IsAdmin() {
		return errs.E(errs.Forbidden, "only an admin may change departments")
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, d := range depts {
			if err := d.Validate(); err != nil {
				return err
			}
			path, err := a.DB.RegionPath(ctx, d.RegionCode)
			if errs.Is(err, errs.NotFound) {
				return errs.E(errs.Invalid, "department %s: region %s does not exist", d.Code, d.RegionCode)
			} else if err != nil {
				return err
			}
			if !actor.Covers(grid.Codes(path)) {
				return errs.E(errs.Forbidden, "department %s is outside your scope", d.Code)
			}
			if err := a.DB.PutDepartment(ctx, d); err != nil {
				return err
			}
			if err := a.Record(ctx, actor, "department.put", "department:"+d.Code, nil, d); err != nil {
				return err
			}
		}
		return nil
	})
}
