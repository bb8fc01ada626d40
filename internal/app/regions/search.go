package regions

import (
	"context"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
)

// Found is a region a search found, with its path (names, root first) so that two communities
// of the same name tell apart.
type Found struct {
	grid.Ref
	Path []grid.Ref `json:"path"`
}

// MaxSearch bounds a region search: a picker shows a screenful.
const MaxSearch = 50

// SearchRegions finds the regions inside the staff member's scope whose name holds q or
// whose code starts with it, of the given levels (none for any): what an admin's picker
// offers. Residents and anonymous callers are refused.
func (a *Service) SearchRegions(ctx context.Context, actor *access.Principal, q string, levels []grid.Level, limit int) ([]Found, error) {
	if actor == nil || (!actor.System && actor.User.Role == access.Resident) {
		return nil, errs.Refuse(errs.Forbidden, "staff_only", nil, "region search is for staff")
	}
	if limit <= 0 || limit > MaxSearch {
		limit = MaxSearch
	}
	under := ""
	if !actor.System && actor.User.Scope != "" {
		under = actor.User.Scope
	}
	rs, err := a.DB.SearchRegions(ctx, strings.TrimSpace(q), under, levels, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Found, 0, len(rs))
	for _, r := range rs {
		path, err := a.PathOf(ctx, r.Code)
		if err != nil {
			return nil, err
		}
		// Codes of a subtree start with its root's, but the scope is the path's to decide.
		if !actor.Covers(refCodes(path)) {
			continue
		}
		out = append(out, Found{Ref: grid.Ref{Code: r.Code, Name: r.Name, Level: r.Level}, Path: path})
	}
	return out, nil
}

// RegionCount is how many unit grids lie under a region and how many people serve on them.
type RegionCount = store.RegionCount

// RegionCounts counts the grids, grid members and vacant grids under each region, for the
// admin's list. A scoped admin sees the whole tree of names but counts only inside its scope:
// the codes outside it are left out of the answer.
func (a *Service) RegionCounts(ctx context.Context, actor *access.Principal, codes []string) (map[string]RegionCount, error) {
	if !actor.IsAdmin() {
		return nil, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may count members")
	}
	if scope := actor.User.Scope; !actor.System && scope != "" {
		codes = slices.DeleteFunc(slices.Clone(codes), func(c string) bool { return !strings.HasPrefix(c, scope) })
	}
	return a.DB.RegionCounts(ctx, codes)
}

func refCodes(path []grid.Ref) []string {
	out := make([]string, len(path))
	for i, r := range path {
		out[i] = r.Code
	}
	return out
}
