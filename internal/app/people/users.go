package people

import (
	"context"
	"net/mail"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// NewUser is what AddUser needs.
type NewUser struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Scope       string `json:"scope"`
	Department  string `json:"department"`
	Email       string `json:"email"` // optional: where notices are mailed
	Password    string `json:"password"`
}

// AddUser creates an account. Only admins may, and only inside their own scope.
func (a *Service) AddUser(ctx context.Context, actor *access.Principal, in NewUser) (access.User, error) {
	if !actor.IsAdmin() {
		return access.User{}, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may add users")
	}
	u, err := a.checkNewUser(in)
	if err != nil {
		return access.User{}, err
	}
	hash, err := access.HashPassword(in.Password, a.Opts.BcryptCost)
	if err != nil {
		return access.User{}, err
	}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.authorizeOver(ctx, actor, u); err != nil {
			return err
		}
		u, err = a.DB.CreateUser(ctx, u, hash, a.Now())
		if err != nil {
			return err
		}
		return a.Record(ctx, actor, "user.add", "user:"+u.Username, nil, userSummary(u))
	})
	if err != nil {
		return access.User{}, err
	}
	return u, nil
}

// checkNewUser validates the shape of a new account before anything is looked up.
func (a *Service) checkNewUser(in NewUser) (access.User, error) {
	in.Username = strings.TrimSpace(in.Username)
	if err := textcheck.Values(map[string][]string{"email": {in.Email}}); err != nil {
		return access.User{}, err
	}
	if err := access.ValidUsername(in.Username); err != nil {
		return access.User{}, err
	}
	u, err := checkPlacement(UserChange{DisplayName: in.DisplayName, Role: in.Role, Scope: in.Scope, Department: in.Department})
	if err != nil {
		return access.User{}, err
	}
	if err := access.CheckPasswordPolicy(in.Password); err != nil {
		return access.User{}, err
	}
	email, err := checkEmail(in.Email)
	if err != nil {
		return access.User{}, err
	}
	u.Username, u.Email = in.Username, email
	return u, nil
}

// MaxDisplayName bounds a user's display name: it is shown in lists and on timelines.
const MaxDisplayName = 60

// checkPlacement validates a user's name, role, scope and department together: each role
// needs (or may not have) a scope and a department.
func checkPlacement(in UserChange) (access.User, error) {
	if err := textcheck.Values(map[string][]string{"display_name": {in.DisplayName}, "scope": {in.Scope},
		"department": {in.Department}}); err != nil {
		return access.User{}, err
	}
	name := strings.TrimSpace(in.DisplayName)
	if err := kernel.CheckText(name, "display_name", MaxDisplayName); err != nil {
		return access.User{}, err
	}
	role, err := access.ParseRole(in.Role)
	if err != nil {
		return access.User{}, err
	}
	scope, dept := strings.TrimSpace(in.Scope), strings.TrimSpace(in.Department)
	p := errs.Params{"role": string(role)}
	switch {
	case role.NeedsRegionScope() && scope == "":
		return access.User{}, errs.Refuse(errs.Invalid, "role_needs_scope", p, "a %s needs a scope (a region code)", role)
	case !role.MayHaveRegionScope() && scope != "":
		return access.User{}, errs.Refuse(errs.Invalid, "role_has_no_scope", p, "a %s has no region scope", role)
	case role.NeedsDepartment() && dept == "":
		return access.User{}, errs.Refuse(errs.Invalid, "role_needs_department", p, "a %s needs a department", role)
	case !role.NeedsDepartment() && dept != "":
		return access.User{}, errs.Refuse(errs.Invalid, "role_has_no_department", p, "only a handler belongs to a department")
	}
	return access.User{DisplayName: name, Role: role, Scope: scope, Department: dept}, nil
}

// UserChange is what UpdateUser changes of an account: all four together, since a role
// decides which scope and department make sense. The username stays.
type UserChange struct {
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Scope       string `json:"scope"`
	Department  string `json:"department"`
}

// UpdateUser changes a user's display name, role, scope and department. The admin must cover
// where the user works now and where the change puts them: otherwise a district's admin could
// take another district's staff (or send their own beyond their reach). Admins do not change
// their own role or scope, so that nobody locks themselves out or widens their own reach.
func (a *Service) UpdateUser(ctx context.Context, actor *access.Principal, username string, in UserChange) (access.User, error) {
	if !actor.IsAdmin() {
		return access.User{}, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may change users")
	}
	next, err := checkPlacement(in)
	if err != nil {
		return access.User{}, err
	}
	var u access.User
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = a.userFor(ctx, actor, username, false); err != nil {
			return err
		}
		if !actor.System && actor.User.ID == u.ID && (next.Role != u.Role || next.Scope != u.Scope) {
			return errs.Refuse(errs.Invalid, "own_role", nil, "you cannot change your own role or scope")
		}
		before := userSummary(u)
		before["display_name"] = u.DisplayName
		u.DisplayName, u.Role, u.Scope, u.Department = next.DisplayName, next.Role, next.Scope, next.Department
		if err := a.authorizeOver(ctx, actor, u); err != nil {
			return err
		}
		if err := a.DB.UpdateUser(ctx, u, a.Now()); err != nil {
			return err
		}
		after := userSummary(u)
		after["display_name"] = u.DisplayName
		return a.Record(ctx, actor, "user.update", "user:"+u.Username, before, after)
	})
	if err != nil {
		return access.User{}, err
	}
	return u, nil
}

// ListUsers returns the users an admin may manage.
func (a *Service) ListUsers(ctx context.Context, actor *access.Principal) ([]access.User, error) {
	if !actor.IsAdmin() {
		return nil, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may list users")
	}
	all, err := a.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	users := []access.User{}
	// Whether the admin covers a user depends on the user's scope and department only: a
	// city's thousands of staff share a few hundred of those, each checked once.
	covered := map[[2]string]error{}
	for _, u := range all {
		key := [2]string{u.Scope, u.Department}
		err, seen := covered[key]
		if !seen {
			err = a.authorizeOver(ctx, actor, u)
			covered[key] = err
		}
		switch {
		case err == nil:
			users = append(users, u)
		case !errs.Is(err, errs.Forbidden):
			return nil, err
		}
	}
	return users, nil
}

// SetPassword changes a user's password: the user's own, or, for an admin, any user in scope.
// Every session of the user ends and every API token of theirs is revoked: a password changed
// because it leaked must not leave a way in made with it.
func (a *Service) SetPassword(ctx context.Context, actor *access.Principal, username, password string) error {
	if err := access.CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := access.HashPassword(password, a.Opts.BcryptCost)
	if err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		u, err := a.userFor(ctx, actor, username, true)
		if err != nil {
			return err
		}
		if err := a.DB.SetPasswordHash(ctx, u.ID, hash, a.Now()); err != nil {
			return err
		}
		if err := a.DB.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		revoked, err := a.DB.RevokeUserTokens(ctx, u.ID, a.Now())
		if err != nil {
			return err
		}
		return a.Record(ctx, actor, "user.passwd", "user:"+u.Username, nil, map[string]any{"tokens_revoked": revoked})
	})
}

// SetDisabled disables (or re-enables) a user in an admin's scope. A disabled user's sessions
// end and its tokens stop working.
func (a *Service) SetDisabled(ctx context.Context, actor *access.Principal, username string, disabled bool) (access.User, error) {
	if !actor.IsAdmin() {
		return access.User{}, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may disable users")
	}
	if !actor.System && strings.EqualFold(actor.User.Username, username) {
		return access.User{}, errs.E(errs.Invalid, "you cannot disable your own account")
	}
	var u access.User
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		u, err = a.userFor(ctx, actor, username, false)
		if err != nil {
			return err
		}
		before := userSummary(u)
		if err := a.DB.SetDisabled(ctx, u.ID, disabled, a.Now()); err != nil {
			return err
		}
		if err := a.DB.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		u.Disabled = disabled
		action := "user.disable"
		if !disabled {
			action = "user.enable"
		}
		return a.Record(ctx, actor, action, "user:"+u.Username, before, userSummary(u))
	})
	return u, err
}

// userFor returns the named user if actor may manage it: an admin covering it, or (when self
// is allowed) the user itself.
func (a *Service) userFor(ctx context.Context, actor *access.Principal, username string, self bool) (access.User, error) {
	u, _, err := a.DB.UserByUsername(ctx, username)
	if err != nil {
		return access.User{}, err
	}
	if self && !actor.System && actor.User.ID == u.ID {
		return u, nil
	}
	if !actor.IsAdmin() {
		return access.User{}, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may manage other users")
	}
	if err := a.authorizeOver(ctx, actor, u); err != nil {
		return access.User{}, err
	}
	return u, nil
}

// authorizeOver checks that an admin's scope covers a user: the user's region scope, or the
// region of its department. Users with neither (unscoped admins, residents) are managed only
// by unscoped admins.
func (a *Service) authorizeOver(ctx context.Context, actor *access.Principal, u access.User) error {
	return a.MayManageUser(ctx, actor, u)
}

func userSummary(u access.User) map[string]any {
	return map[string]any{"username": u.Username, "role": u.Role, "scope": u.Scope,
		"department": u.Department, "disabled": u.Disabled}
}

// checkEmail accepts a bare address (or nothing) and returns it trimmed.
func checkEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", errs.E(errs.Invalid, "email %q is not a plain e-mail address", s)
	}
	return s, nil
}
