package web

import (
	"encoding/json"
	"net/http"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
)

// The wall screen (大屏) of a command centre: full screen, dark, large type; the day's figures,
// every open case on the map by its light (clustered), the overdue ones by stage, the open ones
// by street and by category, the newest scrolling; each figure opens its list of cases.

// wallData is what the wall's script draws and refreshes.
type wallData struct {
	cases.Wall
	Words  map[string]string `json:"words"`
	Stages map[string]string `json:"stages"`
	Base   *mapBase          `json:"base,omitempty"` // on the page, not in its refreshes
	Areas  []json.RawMessage `json:"areas,omitempty"`
	Lon    float64           `json:"lon,omitempty"`
	Lat    float64           `json:"lat,omitempty"`
}

// wallWords are the wall's words, under "wall." in the catalogue.
var wallWords = []string{"title", "open", "overdue", "by_stage", "by_street", "by_category", "newest", "map", "none",
	"fullscreen", "updated", "truncated", "red", "yellow", "green", "unlit", "today_reported", "today_registered",
	"today_dispatched", "today_handled", "today_on_time", "dash"}

func (h *Handler) wallRoutes() {
	h.mux.HandleFunc("GET /dashboard/wall", h.signedIn(h.wall))
	h.mux.HandleFunc("GET /dashboard/wall/data", h.signedIn(h.wallJSON))
}

func (h *Handler) wallData(r *http.Request, p *access.Principal) (wallData, error) {
	wl, err := h.app.Cases.Wall(r.Context(), p)
	if err != nil {
		return wallData{}, err
	}
	l := h.lang(r)
	d := wallData{Wall: wl, Words: map[string]string{}, Stages: map[string]string{}}
	for _, k := range wallWords {
		d.Words[k] = h.cat.T(l, "wall."+k)
	}
	for _, s := range []string{"accept", "dispatch", "sign", "handle", "verify"} {
		d.Stages[s] = h.cat.T(l, "stage."+s)
	}
	return d, nil
}

func (h *Handler) wall(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d, err := h.wallData(r, p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	d.Areas, d.Base = h.areas(r, p), h.mapBase(r)
	d.Lon, d.Lat = h.startPoint(r, p)
	h.render(w, r, http.StatusOK, "wall.html", &page{Title: h.cat.T(h.lang(r), "wall.title"), Body: d,
		Styles:  []string{"vendor/leaflet/leaflet.css", "vendor/markercluster/MarkerCluster.css"},
		Scripts: []string{"vendor/leaflet/leaflet.js", "map.js", "vendor/markercluster/leaflet.markercluster.js", "wall.js"}})
}

// wallJSON answers the wall's refresh.
func (h *Handler) wallJSON(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d, err := h.wallData(r, p)
	writeFresh(w, d, err)
}
