package kernel

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// An admin's write is checked against where a thing is and where it goes: a scoped admin who
// could move another district's department (or region, or user) into their own scope by
// naming only the new place would take it over. These helpers answer "does the actor cover
// this place?" for every area.

// CoversRegion reports whether actor's scope covers the region with this code. "" is the whole
// city, which only unscoped admins (and the console) cover. An unknown region is invalid
// (no_region).
func (a *Core) CoversRegion(ctx context.Context, actor *access.Principal, code string) (bool, error) {
	var path []string
	if code != "" {
		rp, err := a.DB.RegionPath(ctx, code)
		if errs.Is(err, errs.NotFound) {
			return false, errs.Refuse(errs.Invalid, "no_region", errs.Params{"region": code}, "region %s does not exist", code)
		} else if err != nil {
			return false, err
		}
		path = grid.Codes(rp)
	}
	return actor.Covers(path), nil
}

// UserRegion is where a user works: its region scope, or its department's region for a
// handler; "" for users without either (unscoped admins, residents), whom only unscoped
// admins manage.
func (a *Core) UserRegion(ctx context.Context, u access.User) (string, error) {
	if u.Department == "" {
		return u.Scope, nil
	}
	d, err := a.DB.Department(ctx, u.Department)
	if errs.Is(err, errs.NotFound) {
		return "", errs.Refuse(errs.Invalid, "no_department", errs.Params{"department": u.Department}, "unknown department %q", u.Department)
	} else if err != nil {
		return "", err
	}
	return d.RegionCode, nil
}

// MayManageUser refuses an admin whose scope does not cover where the user works
// (user_outside_scope). Whether the actor is an admin at all is the caller's check.
func (a *Core) MayManageUser(ctx context.Context, actor *access.Principal, u access.User) error {
	region, err := a.UserRegion(ctx, u)
	if err != nil {
		return err
	}
	ok, err := a.CoversRegion(ctx, actor, region)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Refuse(errs.Forbidden, "user_outside_scope", errs.Params{"username": u.Username}, "user %q is outside your scope", u.Username)
	}
	return nil
}
