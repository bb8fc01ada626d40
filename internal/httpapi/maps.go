package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/httpx"
)

// baseMapMaxAge is how long a browser keeps a piece of the base layer without asking again:
// regions change a few times a year, and a changed one shows after this at the latest.
const baseMapMaxAge = 600

// baseMap answers GET /api/v1/basemap?level=…[&bbox=west,south,east,north]: one level of the
// offline base layer as GeoJSON, for anyone (outlines and names are what any map shows),
// cacheable by its ETag and gzipped when the browser takes it.
func (s *Handler) baseMap(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("level") == "" {
		s.fail(w, r, errs.Coded(errs.BadRequest, "missing_parameter", "level is required: district, subdistrict, community or grid"))
		return
	}
	box, err := bboxParam(q.Get("bbox"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans, err := s.app.Maps.BaseMap(r.Context(), grid.Level(q.Get("level")), box)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", ans.ETag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", baseMapMaxAge))
	h.Set("Vary", "Accept-Encoding")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, ans.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/geo+json")
	body := ans.Body
	if httpx.AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = ans.Gzipped()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// etagMatches reports whether an If-None-Match header names the tag (weakly compared, as
// RFC 9110 wants for If-None-Match).
func etagMatches(header, tag string) bool {
	weak := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == weak {
			return true
		}
	}
	return false
}

// bboxParam reads west,south,east,north in degrees (WGS-84); "" is no box.
func bboxParam(v string) (*orb.Bound, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return nil, errs.Coded(errs.BadRequest, "bad_bbox", "bbox must be west,south,east,north in degrees, not %q", v)
	}
	var n [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, errs.Coded(errs.BadRequest, "wrong_type", "bbox must be four numbers, not %q", v)
		}
		n[i] = f
	}
	if err := crs.ValidLonLat(n[0], n[1]); err != nil {
		return nil, errs.Refuse(errs.Invalid, "bad_bbox", errs.Params{"bbox": v}, "bbox: %v", err)
	}
	if err := crs.ValidLonLat(n[2], n[3]); err != nil {
		return nil, errs.Refuse(errs.Invalid, "bad_bbox", errs.Params{"bbox": v}, "bbox: %v", err)
	}
	if !(n[0] < n[2] && n[1] < n[3]) || math.IsNaN(n[0]+n[1]+n[2]+n[3]) {
		return nil, errs.Refuse(errs.Invalid, "bad_bbox", errs.Params{"bbox": v}, "bbox must have west < east and south < north, not %q", v)
	}
	return &orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}, nil
}

// places answers GET /api/v1/places?q=…: up to 20 places whose name holds q, each with a box or
// a point to go to; what each caller finds is package maps's to say.
func (s *Handler) places(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("q") {
		s.fail(w, r, errs.Coded(errs.BadRequest, "missing_parameter", "q is required"))
		return
	}
	found, err := s.app.Maps.Places(r.Context(), principal(r), q.Get("q"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, found)
}

// mapTilesJSON is the tiles under the maps as the API shows and takes them; the key is never
// shown back.
type mapTilesJSON struct {
	Provider basemap.Provider `json:"provider"`
	Key      string           `json:"key,omitempty"`
	KeySet   bool             `json:"key_set"`
	URL      string           `json:"url,omitempty"`
	CRS      crs.System       `json:"crs,omitempty"`
	Source   string           `json:"source"` // environment, settings or default
}

func (s *Handler) getMapTiles(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	cfg, src, err := s.app.Maps.TileSettings(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mapTilesJSON{Provider: cfg.Provider, KeySet: cfg.Key != "", URL: cfg.URL, CRS: cfg.CRS, Source: string(src)})
}

func (s *Handler) putMapTiles(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in mapTilesJSON
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.app.Maps.PutTiles(r.Context(), p, basemap.TileConfig{Provider: in.Provider, Key: in.Key, URL: in.URL, CRS: in.CRS}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.getMapTiles(w, r, p)
}
