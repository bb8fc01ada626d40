// Package access holds who may use citygrid: users, their roles and scopes (DESIGN §1), and the
// secrets they prove themselves with. It decides what a principal may touch; storage and
// transport live elsewhere.
package access

import (
	"context"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// Role is a user's job on the platform.
type Role string

// The roles of DESIGN §1.
const (
	Admin      Role = "admin"      // city platform administrator
	Operator   Role = "operator"   // supervision centre 受理员
	Leader     Role = "leader"     // supervision centre 值班长
	Dispatcher Role = "dispatcher" // command centre 派遣员
	Handler    Role = "handler"    // department 处置员
	GridWorker Role = "gridworker" // 网格员 / 监督员
	Inspector  Role = "inspector"  // 测评员
	Resident   Role = "resident"   // a registered member of the public
)

// Roles lists every role in the order the design introduces them.
var Roles = []Role{Admin, Operator, Leader, Dispatcher, Handler, GridWorker, Inspector, Resident}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !slices.Contains(Roles, r) {
		return "", errs.Refuse(errs.Invalid, "unknown_role", nil, "unknown role %q (want one of admin, operator, leader, dispatcher, handler, gridworker, inspector, resident)", s)
	}
	return r, nil
}

// NeedsRegionScope reports whether users of the role must be scoped to a region subtree.
// An admin may be unscoped (the whole deployment) or scoped to one city or district.
func (r Role) NeedsRegionScope() bool {
	switch r {
	case Operator, Leader, Dispatcher, GridWorker, Inspector:
		return true
	}
	return false
}

// MayHaveRegionScope reports whether a region scope means anything for the role.
func (r Role) MayHaveRegionScope() bool { return r == Admin || r.NeedsRegionScope() }

// NeedsDepartment reports whether users of the role belong to a department.
func (r Role) NeedsDepartment() bool { return r == Handler }

// User is an account. Its password hash never leaves the store and the use-case layer.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        Role      `json:"role"`
	Scope       string    `json:"scope"`           // region code of the subtree the user works in; "" = none/all
	Department  string    `json:"department"`      // department code for handlers
	Email       string    `json:"email,omitempty"` // where notices are mailed; "" = in-app only
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
}

// Principal is whoever performs an action: a signed-in user, a token holder, or the system
// itself (the command line, background jobs).
type Principal struct {
	User   User
	Via    string   // "session", "token" or "system"
	System bool     // the operator at the console; trusted like an unscoped admin
	Grids  []string // codes of the unit grids the user is a member of (grid workers)
}

// SystemPrincipal is the actor for console commands and jobs.
func SystemPrincipal(name string) *Principal {
	return &Principal{User: User{Username: name, Role: Admin}, Via: "system", System: true}
}

// Name is how the principal appears in audit records.
func (p *Principal) Name() string {
	if p == nil {
		return "anonymous"
	}
	if p.System {
		return "system:" + p.User.Username
	}
	return p.User.Username
}

// Covers reports whether a region whose path from the root is path lies inside the principal's
// scope. path lists region codes from the root down to the region itself.
func (p *Principal) Covers(path []string) bool {
	if p == nil {
		return false
	}
	if p.System || (p.User.Role == Admin && p.User.Scope == "") {
		return true
	}
	if p.User.Scope != "" && slices.Contains(path, p.User.Scope) {
		return true
	}
	// A grid worker's scope is also every grid it is a member of.
	for _, g := range p.Grids {
		if slices.Contains(path, g) {
			return true
		}
	}
	return false
}

// IsAdmin reports whether the principal administers the platform (within its scope).
func (p *Principal) IsAdmin() bool {
	return p != nil && (p.System || p.User.Role == Admin)
}

type principalKey struct{}

// WithPrincipal returns a context carrying the authenticated caller of a request.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller carried by ctx, or nil when anonymous.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ViaOpen311 is how a principal authenticated by an Open311 api_key came in. Its reports have
// source open311 whatever they say.
const ViaOpen311 = "open311"
