package regions

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
)

// GridMember is one person on a grid's roster, as GridMembers lists it; named here so adapters
// need not import the store to hold it.
type GridMember = store.GridMember

// Grid member roles.
const (
	GridLeader = "leader" // 网格长
	GridWorker = "worker" // 网格员
)

// gridInScope returns the unit grid with this code if the actor's scope covers it.
func (a *Service) gridInScope(ctx context.Context, actor *access.Principal, code string) (grid.Region, error) {
	path, err := a.DB.RegionPath(ctx, code)
	if err != nil {
		return grid.Region{}, err
	}
	r := path[len(path)-1]
	if r.Level != grid.Grid {
		return grid.Region{}, errs.E(errs.Invalid, "region %s is a %s, not a unit grid", code, r.Level)
	}
	if !actor.Covers(grid.Codes(path)) {
		return grid.Region{}, errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": code}, "grid %s is outside your scope", code)
	}
	return r, nil
}

// PutGridMember makes a user a grid's worker or its leader. Workers must have the gridworker
// role; a leader may be any staff member. Only an admin covering both the grid and where the
// user works may.
func (a *Service) PutGridMember(ctx context.Context, actor *access.Principal, gridCode, username, role string) error {
	if !actor.IsAdmin() {
		return errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may change grid members")
	}
	if role != GridLeader && role != GridWorker {
		return errs.E(errs.Invalid, "member role must be leader or worker, not %q", role)
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := a.gridInScope(ctx, actor, gridCode); err != nil {
			return err
		}
		u, _, err := a.DB.UserByUsername(ctx, username)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Invalid, "user %q does not exist", username)
		} else if err != nil {
			return err
		}
		// The user is someone else's unless the admin covers where they work too: otherwise an
		// admin could reach into another district and widen its staff's scope to their grids.
		if err := a.MayManageUser(ctx, actor, u); err != nil {
			return err
		}
		switch {
		case role == GridWorker && u.Role != access.GridWorker:
			return errs.E(errs.Invalid, "user %q is a %s; grid workers need the gridworker role", username, u.Role)
		case u.Role == access.Resident:
			return errs.E(errs.Invalid, "a resident cannot lead a grid")
		}
		if err := a.DB.PutGridMember(ctx, gridCode, u.ID, role); err != nil {
			return err
		}
		return a.Record(ctx, actor, "grid.member.put", "region:"+gridCode, nil, map[string]any{"username": username, "role": role})
	})
}

// RemoveGridMember takes a user off a grid.
func (a *Service) RemoveGridMember(ctx context.Context, actor *access.Principal, gridCode, username string) error {
	if !actor.IsAdmin() {
		return errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may change grid members")
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if _, err := a.gridInScope(ctx, actor, gridCode); err != nil {
			return err
		}
		u, _, err := a.DB.UserByUsername(ctx, username)
		if err != nil {
			return err
		}
		if err := a.DB.DeleteGridMember(ctx, gridCode, u.ID); err != nil {
			return err
		}
		return a.Record(ctx, actor, "grid.member.remove", "region:"+gridCode, map[string]any{"username": username}, nil)
	})
}

// GridMembers lists a grid's members for staff whose scope covers it.
func (a *Service) GridMembers(ctx context.Context, actor *access.Principal, gridCode string) ([]store.GridMember, error) {
	if actor == nil || actor.User.Role == access.Resident {
		return nil, errs.Refuse(errs.Forbidden, "staff_only", nil, "grid members are visible to staff only")
	}
	if _, err := a.gridInScope(ctx, actor, gridCode); err != nil {
		return nil, err
	}
	return a.DB.GridMembers(ctx, gridCode)
}
