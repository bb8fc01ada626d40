package regions

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// PutRegions creates or updates regions in one transaction: all or nothing. Only an admin
// covering each region's parent may.
func (a *Service) PutRegions(ctx context.Context, actor *access.Principal, regions []grid.Region) error {
	in := make([]grid.Incoming, len(regions))
	for i, r := range regions {
		in[i] = grid.Incoming{Region: r, Where: fmt.Sprintf("region %d", i)}
	}
	_, err := a.ImportRegions(ctx, actor, in, nil, false)
	return err
}

// ImportReport says what an import did or, on a dry run, would do.
type ImportReport struct {
	Read     int            `json:"read"`
	New      int            `json:"new"`
	Updated  int            `json:"updated"`
	Problems []grid.Problem `json:"problems"`
	Written  bool           `json:"written"`
}

// Errors counts the problems that stop an import.
func (r ImportReport) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if !p.Warning {
			n++
		}
	}
	return n
}

// ImportRegions checks regions read from a file (with the problems met while reading) and,
// unless there is any error or this is a dry run, writes them all in one transaction. It is
// idempotent by code: a region that exists is updated in place.
func (a *Service) ImportRegions(ctx context.Context, actor *access.Principal, in []grid.Incoming, readProblems []grid.Problem, dryRun bool) (ImportReport, error) {
	report := ImportReport{Read: len(in), Problems: append([]grid.Problem{}, readProblems...)}
	if !actor.IsAdmin() {
		return report, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may import regions")
	}
	stored := map[string]bool{}
	if err := a.DB.EachRegion(ctx, false, func(r grid.Region) error { stored[r.Code] = true; return nil }); err != nil {
		return report, err
	}
	cache := map[string]grid.Region{}
	var lookupErr error
	existing := func(code string) (grid.Region, bool) {
		if !stored[code] {
			return grid.Region{}, false
		}
		if r, ok := cache[code]; ok {
			return r, true
		}
		r, err := a.DB.Region(ctx, code)
		if err != nil {
			lookupErr = err
			return grid.Region{}, false
		}
		cache[code] = r
		return r, true
	}
	report.Problems = append(report.Problems, grid.CheckImport(in, existing)...)
	if lookupErr != nil {
		return report, lookupErr
	}
	if err := a.checkImportScope(ctx, actor, in, stored); err != nil {
		return report, err
	}
	for _, r := range in {
		if stored[r.Code] {
			report.Updated++
		} else {
			report.New++
		}
	}
	if n := report.Errors(); n > 0 {
		return report, errs.E(errs.Invalid, "%d problems in the input; nothing was written", n)
	}
	if dryRun || len(in) == 0 {
		return report, nil
	}
	regions := make([]grid.Region, len(in))
	for i, r := range in {
		regions[i] = r.Region
	}
	// Parents first, whatever order the file had: foreign keys are checked row by row.
	slices.SortStableFunc(regions, func(x, y grid.Region) int { return cmp.Compare(x.Level.Depth(), y.Level.Depth()) })
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutRegions(ctx, regions); err != nil {
			return err
		}
		return a.Record(ctx, actor, "regions.import", "regions", nil,
			map[string]any{"read": report.Read, "new": report.New, "updated": report.Updated})
	})
	if err != nil {
		return report, err
	}
	report.Written = true
	if err := a.RefreshIndex(ctx); err != nil {
		a.Log.WarnContext(ctx, "rebuilding the locate index after an import failed", "err", err)
	}
	return report, nil
}

// checkImportScope requires the actor to cover the parent of every region whose parent is not
// itself in the import (and to be unscoped to add a root), and where every region that exists
// lies now: re-parenting another district's region under one's own would take it over.
func (a *Service) checkImportScope(ctx context.Context, actor *access.Principal, in []grid.Incoming, stored map[string]bool) error {
	inFile := make(map[string]bool, len(in))
	for _, r := range in {
		inFile[r.Code] = true
	}
	// Codes start with their parent's, so a region cannot leave its parent today; the check of
	// where each stored region lies is kept so that stays true if that rule ever loosens.
	for _, r := range in {
		if !stored[r.Code] || actor.Covers(nil) {
			continue
		}
		ok, err := a.CoversRegion(ctx, actor, r.Code)
		if err != nil {
			return err
		}
		if !ok {
			return errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": r.Code}, "region %s is outside your scope", r.Code)
		}
	}
	checked := map[string]bool{}
	for _, r := range in {
		p := r.ParentCode
		if inFile[p] || checked[p] {
			continue
		}
		checked[p] = true
		var path []string
		if p != "" {
			rp, err := a.DB.RegionPath(ctx, p)
			if errs.Is(err, errs.NotFound) {
				continue // reported as a missing parent
			} else if err != nil {
				return err
			}
			path = grid.Codes(rp)
		}
		if !actor.Covers(path) {
			return errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": r.Code}, "region %s is outside your scope", r.Code)
		}
	}
	return nil
}

// RegionView is a region with its path and children, as the API shows it.
type RegionView struct {
	grid.Region
	Path     []grid.Ref `json:"path"`
	Children []grid.Ref `json:"children"`
}

// Region returns a region with its path from the root and its children.
func (a *Service) Region(ctx context.Context, code string, withGeometry bool) (RegionView, error) {
	r, err := a.DB.Region(ctx, code)
	if err != nil {
		return RegionView{}, err
	}
	if !withGeometry {
		r.Geometry = nil
	}
	path, err := a.DB.RegionPath(ctx, code)
	if err != nil {
		return RegionView{}, err
	}
	kids, err := a.DB.RegionChildren(ctx, code, false)
	if err != nil {
		return RegionView{}, err
	}
	return RegionView{Region: r, Path: grid.Refs(path), Children: grid.Refs(kids)}, nil
}

// RegionChildren returns the regions directly under parent ("" for the roots).
func (a *Service) RegionChildren(ctx context.Context, parent string, withGeometry bool) ([]grid.Region, error) {
	if parent != "" {
		if _, err := a.DB.Region(ctx, parent); err != nil {
			return nil, err
		}
	}
	return a.DB.RegionChildren(ctx, parent, withGeometry)
}

// Regions yields every region under (and including) the given code, or all when it is "",
// parents before children, with geometry.
func (a *Service) Regions(ctx context.Context, under string) iter.Seq2[grid.Region, error] {
	return func(yield func(grid.Region, error) bool) {
		stop := fmt.Errorf("stopped")
		err := a.DB.EachRegion(ctx, true, func(r grid.Region) error {
			if !strings.HasPrefix(r.Code, under) {
				return nil
			}
			if !yield(r, nil) {
				return stop
			}
			return nil
		})
		if err != nil && err != stop {
			yield(grid.Region{}, err)
		}
	}
}

// RegionPath returns a region and its ancestors, root first.
func (a *Service) RegionPath(ctx context.Context, code string) ([]grid.Region, error) {
	return a.DB.RegionPath(ctx, code)
}

// GenerateReport says what grid generation made.
type GenerateReport struct {
	Shaped   int            `json:"shaped"` // existing regions given a geometry
	Grids    int            `json:"grids"`  // unit grids created
	Problems []grid.Problem `json:"problems"`
}

// GenerateGrids fills a region with geometry down to unit grids, for places without
// published grid polygons: children that have no geometry get equal-area parts of their
// parent's (in code order, west/north first), and every community without grids is covered
// by grids of about cellArea square metres, coded community code + 001… in reading order.
func (a *Service) GenerateGrids(ctx context.Context, actor *access.Principal, code string, cellArea float64) (GenerateReport, error) {
	var report GenerateReport
	if !actor.IsAdmin() {
		return report, errs.Refuse(errs.Forbidden, "admins_only", nil, "only an admin may generate grids")
	}
	if !(cellArea >= 100 && cellArea <= 10_000_000) {
		return report, errs.E(errs.Invalid, "cell area must be between 100 and 10,000,000 m²")
	}
	root, err := a.DB.Region(ctx, code)
	if err != nil {
		return report, err
	}
	path, err := a.DB.RegionPath(ctx, code)
	if err != nil {
		return report, err
	}
	if !actor.Covers(grid.Codes(path)) {
		return report, errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": code}, "region %s is outside your scope", code)
	}
	if root.Geometry == nil {
		return report, errs.E(errs.Invalid, "region %s has no geometry to divide; import its boundary first", code)
	}
	var out []grid.Region
	var walk func(r grid.Region) error
	walk = func(r grid.Region) error {
		if r.Level == grid.Grid {
			return nil
		}
		kids, err := a.DB.RegionChildren(ctx, r.Code, true)
		if err != nil {
			return err
		}
		if len(kids) == 0 {
			if r.Level != grid.Community {
				report.Problems = append(report.Problems, grid.Problem{Where: "generate", Code: r.Code, Warning: true,
					Reason: fmt.Sprintf("a %s without children gets no grids; import its divisions first", r.Level)})
				return nil
			}
			grids := unitGrids(r, cellArea, &report)
			report.Grids += len(grids)
			out = append(out, grids...)
			return nil
		}
		var bare []int
		for i, k := range kids {
			if k.Geometry == nil {
				bare = append(bare, i)
			}
		}
		switch {
		case len(bare) == len(kids):
			for i, g := range grid.Partition(r.Geometry, len(kids)) {
				kids[i].Geometry = g
				out = append(out, kids[i])
				report.Shaped++
			}
		case len(bare) > 0:
			report.Problems = append(report.Problems, grid.Problem{Where: "generate", Code: r.Code, Warning: true,
				Reason: fmt.Sprintf("%d of its %d children have no geometry while others do; they were left without", len(bare), len(kids))})
		}
		for _, k := range kids {
			if k.Geometry != nil {
				if err := walk(k); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return report, err
	}
	if len(out) == 0 {
		return report, nil // everything already has its shape and grids
	}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutRegions(ctx, out); err != nil {
			return err
		}
		return a.Record(ctx, actor, "grids.generate", "region:"+code, nil,
			map[string]any{"cell_area": cellArea, "shaped": report.Shaped, "grids": report.Grids})
	})
	if err != nil {
		return report, err
	}
	if err := a.RefreshIndex(ctx); err != nil {
		a.Log.WarnContext(ctx, "rebuilding the locate index after generating grids failed", "err", err)
	}
	return report, nil
}

// maxGridsPerCommunity is what a three-digit sequence allows.
const maxGridsPerCommunity = 999

// unitGrids covers a community with grids, growing the cells when the community is too big
// for a three-digit sequence.
func unitGrids(c grid.Region, cellArea float64, report *GenerateReport) []grid.Region {
	cells := grid.Cells(c.Geometry, cellArea)
	if len(cells) > maxGridsPerCommunity {
		for len(cells) > maxGridsPerCommunity {
			cellArea = math.Max(cellArea*1.25, grid.AreaM2(c.Geometry)/maxGridsPerCommunity)
			cells = grid.Cells(c.Geometry, cellArea)
		}
		report.Problems = append(report.Problems, grid.Problem{Where: "generate", Code: c.Code, Warning: true,
			Reason: fmt.Sprintf("too large for %d grids of the asked size; used cells of %.0f m²", maxGridsPerCommunity, cellArea)})
	}
	name := strings.TrimSuffix(strings.TrimSuffix(c.Name, "居民委员会"), "村民委员会")
	out := make([]grid.Region, len(cells))
	for i, g := range cells {
		out[i] = grid.Region{Code: fmt.Sprintf("%s%03d", c.Code, i+1), Name: fmt.Sprintf("%s第%d网格", name, i+1),
			Level: grid.Grid, ParentCode: c.Code, AreaClass: c.AreaClass, Geometry: g}
	}
	return out
}
