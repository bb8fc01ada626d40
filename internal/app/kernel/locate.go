package kernel

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// locator keeps the in-memory locate index in step with the stored regions. Every change to
// regions bumps an epoch in the database; each process checks it at most once per
// checkEvery and rebuilds beside the old index, which keeps answering meanwhile. So a server
// sharing a PostgreSQL database with others sees their imports within about a second.
type locator struct {
	current   atomic.Pointer[locIndex]
	checkedAt atomic.Int64 // unix nanoseconds of the last epoch check
	rebuild   sync.Mutex
}

type locIndex struct {
	epoch int64
	index *grid.Index
}

const checkEvery = time.Second

// Location is where a point lies.
type Location struct {
	Region grid.Ref   `json:"region"`
	Path   []grid.Ref `json:"path"`
	// WGS84 is the point as stored, after conversion from the caller's system.
	WGS84 orb.Point `json:"-"`
}

// Locate returns the deepest region containing a point given in the named coordinate system.
// A point outside every region is a NotFound error with code outside_area.
func (a *Core) Locate(ctx context.Context, lon, lat float64, system crs.System) (Location, error) {
	if err := crs.ValidLonLat(lon, lat); err != nil {
		return Location{}, errs.E(errs.Invalid, "%v", err)
	}
	wlon, wlat := crs.Convert(system, crs.WGS84, lon, lat)
	ix, err := a.LocateIndex(ctx)
	if err != nil {
		return Location{}, err
	}
	p := orb.Point{wlon, wlat}
	got, ok := ix.Locate(p)
	if !ok {
		return Location{WGS84: p}, errs.Coded(errs.NotFound, "outside_area",
			"the point (%.6f, %.6f) is outside the managed area", lon, lat)
	}
	return Location{Region: got.Region, Path: got.Path, WGS84: p}, nil
}

// LocateGrid locates a point given in a coordinate system to its unit grid and returns the
// codes of its path, from the city down to the grid. A point outside the managed area or in no
// unit grid is invalid, in words that can follow a line of a file's number.
func (a *Core) LocateGrid(ctx context.Context, lon, lat float64, system crs.System) (Location, []string, error) {
	loc, err := a.Locate(ctx, lon, lat, system)
	if errs.Is(err, errs.NotFound) {
		return Location{}, nil, errs.E(errs.Invalid, "(%v, %v) is outside the managed area", lon, lat)
	} else if err != nil {
		return Location{}, nil, err
	}
	if loc.Region.Level != grid.Grid || len(loc.Path) != 5 {
		return Location{}, nil, errs.E(errs.Invalid, "(%v, %v) lies in %s but in no unit grid", lon, lat, loc.Region.Name)
	}
	path := make([]string, len(loc.Path))
	for i, r := range loc.Path {
		path[i] = r.Code
	}
	return loc, path, nil
}

// LocateIndex returns a current index, building the first one synchronously.
func (a *Core) LocateIndex(ctx context.Context) (*grid.Index, error) {
	cur := a.loc.current.Load()
	if cur == nil {
		if err := a.RefreshIndex(ctx); err != nil {
			return nil, err
		}
		return a.loc.current.Load().index, nil
	}
	// Staleness is measured on the real clock, not the use cases' (possibly fixed) one.
	if time.Now().UnixNano()-a.loc.checkedAt.Load() > int64(checkEvery) {
		// One request checks; the others carry on with the index they have.
		if a.loc.rebuild.TryLock() {
			err := a.refreshIndexLocked(ctx)
			a.loc.rebuild.Unlock()
			if err != nil {
				a.Log.WarnContext(ctx, "refreshing the locate index failed; serving the previous one", "err", err)
			}
		}
	}
	return a.loc.current.Load().index, nil
}

// RefreshIndex rebuilds the index when there is none or the stored regions changed since it
// was built.
func (a *Core) RefreshIndex(ctx context.Context) error {
	a.loc.rebuild.Lock()
	defer a.loc.rebuild.Unlock()
	return a.refreshIndexLocked(ctx)
}

// refreshIndexLocked is RefreshIndex for a caller that holds the rebuild lock.
func (a *Core) refreshIndexLocked(ctx context.Context) error {
	a.loc.checkedAt.Store(time.Now().UnixNano())
	epoch, err := a.DB.RegionEpoch(ctx)
	if err != nil {
		return err
	}
	if cur := a.loc.current.Load(); cur != nil && cur.epoch == epoch {
		return nil
	}
	var regions []grid.Region
	err = a.DB.EachRegion(ctx, true, func(r grid.Region) error {
		regions = append(regions, r)
		return nil
	})
	if err != nil {
		return err
	}
	ix, err := grid.NewIndex(regions)
	if err != nil {
		return fmt.Errorf("build locate index: %w", err)
	}
	a.loc.current.Store(&locIndex{epoch: epoch, index: ix})
	a.Log.InfoContext(ctx, "locate index built", "regions", ix.Len(), "epoch", epoch)
	return nil
}

// PathOf returns a region's path from the root, from the locate index when it holds the
// region (no query), else from storage (a retired grid, a region without geometry).
func (a *Core) PathOf(ctx context.Context, code string) ([]grid.Ref, error) {
	if ix, err := a.LocateIndex(ctx); err == nil {
		if p, ok := ix.Path(code); ok {
			return p, nil
		}
	}
	path, err := a.DB.RegionPath(ctx, code)
	if err != nil {
		return nil, err
	}
	return grid.Refs(path), nil
}
