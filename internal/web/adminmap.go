package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/maps"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
)

// The map settings (a card of the city-wide settings): which tiles every page's map draws
// under the offline base layer. The use case decides who may change them.

type mapSettingsBody struct {
	Tiles     basemap.TileConfig // in force, or what a refused form sent (the key never shown)
	KeySet    bool
	FromEnv   bool
	Providers []basemap.Provider
	Systems   []crs.System
}

// mapSection fills the card; a refused form's values come back from the request.
func (h *Handler) mapSection(ctx context.Context, p *access.Principal, posted url.Values, b *mapSettingsBody) error {
	cfg, src, err := h.app.Maps.TileSettings(ctx, p)
	if err != nil {
		return err
	}
	*b = mapSettingsBody{Tiles: cfg, KeySet: cfg.Key != "", FromEnv: src == maps.FromEnvironment,
		Providers: basemap.Providers, Systems: []crs.System{crs.WGS84, crs.GCJ02, crs.BD09}}
	b.Tiles.Key = ""
	if posted != nil {
		b.Tiles = basemap.TileConfig{Provider: basemap.Provider(posted.Get("provider")), URL: posted.Get("url"), CRS: crs.System(posted.Get("crs"))}
	}
	return nil
}

func (h *Handler) adminPutMap(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	_ = r.ParseForm() // a bad body leaves the form empty, which the use case refuses by name
	f := r.PostForm
	err := h.app.Maps.PutTiles(r.Context(), p, basemap.TileConfig{Provider: basemap.Provider(f.Get("provider")), Key: f.Get("key"),
		URL: f.Get("url"), CRS: crs.System(f.Get("crs"))})
	h.adminDone(w, r, p, "map", "", err)
}
