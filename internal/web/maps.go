package web

import (
	"net/http"

	"github.com/citygrid/citygrid/internal/basemap"
)

// mapBase is what every page's map is given besides its own data (static/map.js's base): the
// tiles under the offline base layer (none by default) and the words of the search box.
type mapBase struct {
	Tiles *basemap.Tiles `json:"tiles"`
	Words mapWords       `json:"words"`
}

type mapWords struct {
	Placeholder string            `json:"placeholder"`
	Label       string            `json:"label"`
	None        string            `json:"none"`
	Failed      string            `json:"failed"`
	Kinds       map[string]string `json:"kinds"`
}

// placeKinds are the kinds of place the search finds (package maps).
var placeKinds = []string{"district", "subdistrict", "community", "grid", "site", "case", "geocoder"}

func (h *Handler) mapBase(r *http.Request) *mapBase {
	l := h.lang(r)
	b := &mapBase{Tiles: h.app.Maps.ClientTiles(r.Context()), Words: mapWords{Placeholder: h.cat.T(l, "map.search.placeholder"),
		Label: h.cat.T(l, "map.search.label"), None: h.cat.T(l, "map.search.none"), Failed: h.cat.T(l, "map.search.failed"),
		Kinds: map[string]string{}}}
	for _, k := range placeKinds {
		b.Words.Kinds[k] = h.cat.T(l, "map.kind."+k)
	}
	return b
}
