package maps

import (
	"context"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// tileCache keeps the stored tile choice for a second: every page with a map reads it.
type tileCache struct {
	mu   sync.Mutex
	read time.Time // on the real clock
	cfg  basemap.TileConfig
}

const tilesTTL = time.Second

// TileSource says where the tiles in force were chosen.
type TileSource string

// The sources: the environment (CITYGRID_MAP_TILES), an administrator, or neither.
const (
	FromEnvironment TileSource = "environment"
	FromSettings    TileSource = "settings"
	FromDefault     TileSource = "default"
)

// Tiles returns the tiles in force and where they were chosen: the environment wins, then what
// an administrator stored; by default none.
func (a *Service) Tiles(ctx context.Context) (basemap.TileConfig, TileSource, error) {
	if a.Opts.MapTiles != nil {
		return *a.Opts.MapTiles, FromEnvironment, nil
	}
	a.tiles.mu.Lock()
	defer a.tiles.mu.Unlock()
	if !a.tiles.read.IsZero() && time.Since(a.tiles.read) < tilesTTL {
		return a.tiles.cfg, a.source(a.tiles.cfg), nil
	}
	m, ok, err := a.DB.MapSettings(ctx)
	if err != nil {
		return basemap.TileConfig{}, "", err
	}
	cfg := basemap.TileConfig{Provider: basemap.None}
	if ok {
		stored, err := basemap.TileConfig{Provider: basemap.Provider(m.Provider), Key: m.Key, URL: m.URL, CRS: crs.System(m.CRS)}.Normalize()
		if err != nil {
			// Stored by an older version with other rules: drawn without tiles, and said.
			a.Log.WarnContext(ctx, "the stored map tiles are not valid; drawing without tiles", "err", err)
		} else {
			cfg = stored
		}
	}
	a.tiles.cfg, a.tiles.read = cfg, time.Now()
	return cfg, a.source(cfg), nil
}

func (a *Service) source(cfg basemap.TileConfig) TileSource {
	if cfg.Provider == basemap.None {
		return FromDefault
	}
	return FromSettings
}

// TileSettings is the tiles in force as an unscoped admin reads them to change them
// (city_admin_only for anyone else); the key is the caller's to keep from view.
func (a *Service) TileSettings(ctx context.Context, actor *access.Principal) (basemap.TileConfig, TileSource, error) {
	if err := kernel.MayEditCityWide(actor, "map tiles"); err != nil {
		return basemap.TileConfig{}, "", err
	}
	return a.Tiles(ctx)
}

// ClientTiles is what the pages' maps draw under the base layer: nil for none (also when the
// settings cannot be read, which is logged: a map without tiles still works).
func (a *Service) ClientTiles(ctx context.Context) *basemap.Tiles {
	cfg, _, err := a.Tiles(ctx)
	if err != nil {
		a.Log.WarnContext(ctx, "reading the map tiles failed; drawing without tiles", "err", err)
		return nil
	}
	return cfg.Client()
}

// PutTiles stores an unscoped admin's choice of tiles. The environment's choice cannot be
// changed here (set_by_environment).
func (a *Service) PutTiles(ctx context.Context, actor *access.Principal, cfg basemap.TileConfig) error {
	if err := kernel.MayEditCityWide(actor, "map tiles"); err != nil {
		return err
	}
	for field, v := range map[string]string{"provider": string(cfg.Provider), "key": cfg.Key, "url": cfg.URL, "crs": string(cfg.CRS)} {
		if err := kernel.CheckText(v, field, 500); err != nil {
			return err
		}
	}
	if a.Opts.MapTiles != nil {
		return errs.Refuse(errs.Conflict, "set_by_environment", nil, "the map tiles are set by CITYGRID_MAP_TILES; change them there")
	}
	if cfg.Provider == basemap.Tianditu && cfg.Key == "" {
		// The form never shows the key back: left empty, it keeps the one stored.
		if m, ok, err := a.DB.MapSettings(ctx); err != nil {
			return err
		} else if ok {
			cfg.Key = m.Key
		}
	}
	cfg, err := cfg.Normalize()
	if err != nil {
		return err
	}
	defer func() {
		a.tiles.mu.Lock()
		a.tiles.read = time.Time{}
		a.tiles.mu.Unlock()
	}()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		before, _, err := a.DB.MapSettings(ctx)
		if err != nil {
			return err
		}
		err = a.DB.PutMapSettings(ctx, store.MapSettings{Provider: string(cfg.Provider), Key: cfg.Key, URL: cfg.URL, CRS: string(cfg.CRS),
			UpdatedBy: actor.Name(), UpdatedAt: a.Now()})
		if err != nil {
			return err
		}
		// The audit trail names the choice, never the key.
		was := basemap.TileConfig{Provider: basemap.Provider(before.Provider), Key: before.Key, URL: before.URL, CRS: crs.System(before.CRS)}
		return a.Record(ctx, actor, "map_tiles.put", "map_settings", was.String(), cfg.String())
	})
}
