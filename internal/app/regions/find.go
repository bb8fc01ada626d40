package regions

import (
	"context"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// GridMatch is a unit grid found by name: where a caller on the phone says the problem is.
type GridMatch struct {
	Code  string `json:"code"`
	Label string `json:"label"` // the community's name with the grid's (GridLabel)
	Path  string `json:"path"`  // subdistrict › community › grid, as people read it
	// Lon and Lat are a point inside the grid, to place a report there.
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// maxFind bounds what one search answers: a list to pick from, not an export.
const maxFind = 20

// FindGrids finds the unit grids in the actor's scope whose subdistrict, community or grid
// name holds every word of q (or whose code starts with it), by code, at most limit of them
// (20 when limit is 0 or more). For staff only.
func (a *Service) FindGrids(ctx context.Context, actor *access.Principal, q string, limit int) ([]GridMatch, error) {
	if actor == nil || (!actor.System && actor.User.Role == access.Resident) {
		return nil, errs.Refuse(errs.Forbidden, "staff_only", nil, "finding grids by name is for staff")
	}
	if limit <= 0 || limit > maxFind {
		limit = maxFind
	}
	words := strings.Fields(q)
	if len(words) == 0 {
		return []GridMatch{}, nil
	}
	ix, err := a.LocateIndex(ctx)
	if err != nil {
		return nil, err
	}
	var found [][]grid.Ref
	ix.Each("", func(path []grid.Ref) bool {
		last := path[len(path)-1]
		if last.Level != grid.Grid {
			return true
		}
		codes := make([]string, len(path))
		var names strings.Builder
		for i, r := range path {
			codes[i] = r.Code
			names.WriteString(r.Name)
		}
		if !actor.Covers(codes) {
			return true
		}
		for _, w := range words {
			if !strings.Contains(names.String(), w) && !strings.HasPrefix(last.Code, w) {
				return true
			}
		}
		found = append(found, path)
		return true
	})
	slices.SortFunc(found, func(x, y []grid.Ref) int { return strings.Compare(x[len(x)-1].Code, y[len(y)-1].Code) })
	out := []GridMatch{}
	for _, path := range found[:min(len(found), limit)] {
		last := path[len(path)-1]
		m := GridMatch{Code: last.Code, Label: GridLabel(path, last.Code)}
		var names []string
		for _, r := range path {
			if slices.Index(grid.Levels, r.Level) >= slices.Index(grid.Levels, grid.Subdistrict) {
				names = append(names, r.Name)
			}
		}
		m.Path = strings.Join(names, " › ")
		reg, err := a.DB.Region(ctx, last.Code)
		if err != nil {
			return nil, err
		}
		if pt, ok := grid.PointInside(reg.Geometry); ok {
			m.Lon, m.Lat = pt[0], pt[1]
		}
		out = append(out, m)
	}
	return out, nil
}
