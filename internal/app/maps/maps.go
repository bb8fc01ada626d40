// Package maps holds the use cases behind every page's map: the offline base layer drawn from
// the region tree, finding a place by name, and the tiles a city draws under them.
//
// What each refuses:
//   - BaseMap: a level it does not draw, or the unit grids without a box (invalid).
//   - Places: text longer than MaxQuery characters or not text (invalid, bad_text).
//   - TileSettings, PutTiles: anyone but an unscoped admin (forbidden, city_admin_only); a choice the
//     environment already made (conflict, set_by_environment); a malformed one (invalid,
//     bad_map_setting).
//
// The base layer and the search are public: outlines and names of regions are what any map
// shows. Sites are for those who assess them; case addresses are the public's only for
// public, not sensitive categories, and staff's within their scope.
package maps

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// Service runs the map use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
	cases *cases.Service
	// GeocoderAPI is where 天地图's place search answers; "" is 天地图 itself. Tests point it at
	// a server of their own.
	GeocoderAPI string

	layers    atomic.Pointer[basemap.Layers]
	checkedAt atomic.Int64 // unix nanoseconds of the last epoch check
	rebuild   sync.Mutex

	tiles tileCache

	zipped zipCache
}

// zipCache keeps the gzipped answers last asked for by ETag: browsers ask for the same tiles
// of the base layer over and over, and compressing is most of an answer's cost.
type zipCache struct {
	mu     sync.Mutex
	bodies map[string][]byte
}

// maxZipped bounds the cache: a few megabytes at most.
const maxZipped = 512

// New returns the map use cases over core; case addresses are searched through cs's scopes.
func New(core *kernel.Core, cs *cases.Service) *Service { return &Service{Core: core, cases: cs} }

// checkEvery is how often the stored region epoch is looked at: another server's import shows
// within about a second, as the locate index does.
const checkEvery = time.Second

// Layers returns the base layer of the current regions, drawing it again when they changed.
func (a *Service) Layers(ctx context.Context) (*basemap.Layers, error) {
	cur := a.layers.Load()
	if cur != nil && time.Now().UnixNano()-a.checkedAt.Load() < int64(checkEvery) {
		return cur, nil
	}
	if cur != nil && !a.rebuild.TryLock() {
		return cur, nil // another request is looking; this one draws what there is
	}
	if cur == nil {
		a.rebuild.Lock()
	}
	defer a.rebuild.Unlock()
	if cur = a.layers.Load(); cur != nil && time.Now().UnixNano()-a.checkedAt.Load() < int64(checkEvery) {
		return cur, nil
	}
	epoch, err := a.DB.RegionEpoch(ctx)
	if err != nil {
		if cur != nil {
			a.Log.WarnContext(ctx, "checking the region epoch failed; drawing the previous base layer", "err", err)
			return cur, nil
		}
		return nil, err
	}
	a.checkedAt.Store(time.Now().UnixNano())
	if cur != nil && cur.Epoch == epoch {
		return cur, nil
	}
	var regions []grid.Region
	err = a.DB.EachRegion(ctx, true, func(r grid.Region) error {
		regions = append(regions, r)
		return nil
	})
	if err != nil {
		if cur != nil {
			a.Log.WarnContext(ctx, "reading the regions failed; drawing the previous base layer", "err", err)
			return cur, nil
		}
		return nil, err
	}
	start := time.Now()
	ls := basemap.Build(epoch, regions)
	a.layers.Store(ls)
	a.Log.InfoContext(ctx, "base layer drawn", "regions", len(regions), "epoch", epoch, "took", time.Since(start).Round(time.Millisecond))
	return ls, nil
}

// BaseMap is one level of the base layer as the browser fetches it.
type BaseMap struct {
	basemap.Answer
	// ETag names this answer: the drawing format, the region epoch, the level and the box.
	ETag  string
	cache *zipCache
}

// BaseMap returns a level's outlines, all of them (box nil) or those meeting the box. The unit
// grids are only given by box, and at most basemap.MaxGrids at once.
func (a *Service) BaseMap(ctx context.Context, level grid.Level, box *orb.Bound) (BaseMap, error) {
	known := false
	for _, l := range basemap.Levels {
		known = known || l == level
	}
	if !known {
		return BaseMap{}, errs.Refuse(errs.Invalid, "bad_level", errs.Params{"level": string(level)},
			"level must be district, subdistrict, community or grid, not %q", level)
	}
	if box == nil && basemap.NeedsBox(level) {
		return BaseMap{}, errs.Refuse(errs.Invalid, "bbox_required", errs.Params{"level": string(level)},
			"the %s level is only given for a box (bbox=west,south,east,north)", level)
	}
	ls, err := a.Layers(ctx)
	if err != nil {
		return BaseMap{}, err
	}
	ans := ls.Query(level, box)
	tag := fmt.Sprintf(`W/"%s-%d-%s`, basemap.Format, ls.Epoch, level)
	if box != nil {
		tag += fmt.Sprintf("-%g,%g,%g,%g", box.Min[0], box.Min[1], box.Max[0], box.Max[1])
	}
	return BaseMap{Answer: ans, ETag: tag + `"`, cache: &a.zipped}, nil
}

// Gzipped is the answer's body compressed, from the cache when it was compressed before.
func (b BaseMap) Gzipped() []byte {
	if b.cache != nil {
		b.cache.mu.Lock()
		z, ok := b.cache.bodies[b.ETag]
		b.cache.mu.Unlock()
		if ok {
			return z
		}
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(b.Body)
	_ = zw.Close()
	z := buf.Bytes()
	if b.cache != nil {
		b.cache.mu.Lock()
		if len(b.cache.bodies) >= maxZipped || b.cache.bodies == nil {
			b.cache.bodies = map[string][]byte{} // start again: simpler than an LRU, and as good for tiles
		}
		b.cache.bodies[b.ETag] = z
		b.cache.mu.Unlock()
	}
	return z
}
