package maps

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Limits of a place search.
const (
	MaxQuery   = 50 // characters of the text searched for
	MaxPlaces  = 20 // places in one answer
	maxRegions = 12
	maxSites   = 4
	maxCases   = 4
	maxGeo     = 5
	// caseWindow is how far back case addresses are searched: recent reports only.
	caseWindow = 30 * 24 * time.Hour
)

// Place is one thing found by name, where the map can go: a box (a region) or a point.
type Place struct {
	Name string `json:"name"`
	// Kind is district, subdistrict, community or grid (a region), site (an assessment site),
	// case (a recent case's address) or geocoder (天地图's place search).
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"` // the kind in Chinese: 街道, 社区, 网格…
	// Context tells places of one name apart: the regions above a region, a site's or found
	// place's address, a case's ticket.
	Context string      `json:"context,omitempty"`
	Code    string      `json:"code,omitempty"` // a region's or site's code
	BBox    *[4]float64 `json:"bbox,omitempty"` // west, south, east, north (WGS-84)
	Point   *[2]float64 `json:"point,omitempty"`
}

// kindLabels name the kinds of place in Chinese, as the search box shows them.
var kindLabels = map[string]string{
	string(grid.District): "区县", string(grid.Subdistrict): "街道", string(grid.Community): "社区", string(grid.Grid): "网格",
	"site": "测评点位", "case": "案件地址", "geocoder": "天地图",
}

// Places finds up to MaxPlaces places whose name holds q: regions by name (anyone), assessment
// sites (those who assess them, within their scope), the addresses of recent cases (the
// public's of public, not sensitive categories; staff's within their scope), and, when 天地图
// is configured with its key, its place search.
func (a *Service) Places(ctx context.Context, actor *access.Principal, q string) ([]Place, error) {
	if err := kernel.CheckText(q, "q", MaxQuery); err != nil {
		return nil, err
	}
	q = strings.TrimSpace(q)
	out := []Place{}
	if q == "" {
		return out, nil
	}
	ls, err := a.Layers(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range ls.Find(q, maxRegions) {
		b := f.Bound
		name := f.Label
		if f.Level == grid.Grid {
			name = basemap.ShortName(f.Name) // the map's 第1网格 is 枫华园社区第1网格 in a list
		}
		out = append(out, Place{Name: name, Kind: string(f.Level), KindLabel: kindLabels[string(f.Level)], Code: f.Code,
			Context: strings.Join(ls.Path(f), " "), BBox: &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}})
	}
	sites, err := a.sites(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	out = append(out, sites...)
	addrs, err := a.caseAddresses(ctx, actor, q)
	if err != nil {
		return nil, err
	}
	out = append(out, addrs...)
	if len(out) < MaxPlaces {
		out = append(out, a.geocode(ctx, ls, q)...)
	}
	return out[:min(len(out), MaxPlaces)], nil
}

// assessors see the assessment's sites (package assessment's mayAssess).
var assessors = []access.Role{access.Inspector, access.Leader, access.Admin}

func (a *Service) sites(ctx context.Context, actor *access.Principal, q string) ([]Place, error) {
	if actor == nil || (!actor.System && !slices.Contains(assessors, actor.User.Role)) {
		return nil, nil
	}
	var regions []string
	if !actor.System && actor.User.Scope != "" {
		regions = []string{actor.User.Scope}
	}
	sites, err := a.DB.FindSites(ctx, q, regions, maxSites)
	if err != nil {
		return nil, err
	}
	var out []Place
	for _, s := range sites {
		if !actor.Covers(s.RegionPath) {
			continue
		}
		out = append(out, Place{Name: s.Name, Kind: "site", KindLabel: kindLabels["site"], Code: s.Code, Context: s.Address,
			Point: &[2]float64{s.Lon, s.Lat}})
	}
	return out, nil
}

// caseAddresses finds recent cases by address: for staff, those their case list shows; for
// anyone else, those of public categories that are not sensitive (whose places the public map
// blurs), and not rejected.
func (a *Service) caseAddresses(ctx context.Context, actor *access.Principal, q string) ([]Place, error) {
	f := store.CaseFilter{From: a.Now().Add(-caseWindow)}
	staff := actor != nil && (actor.System || actor.User.Role != access.Resident)
	if staff && a.cases.ScopeFilter(actor, &f) != nil {
		staff, f = false, store.CaseFilter{From: f.From} // no scope of their own: what the public finds
	}
	limit := maxCases
	var public map[string]workflow.Category
	if !staff {
		cats, err := a.DB.Categories(ctx, true)
		if err != nil {
			return nil, err
		}
		public = map[string]workflow.Category{}
		for _, c := range cats {
			if !c.Sensitive {
				public[string(c.Kind)+":"+c.Code] = c
			}
		}
		limit = 10 * maxCases // some found may be of categories the public does not see
	}
	found, err := a.DB.CaseAddresses(ctx, f, q, limit)
	if err != nil {
		return nil, err
	}
	var out []Place
	seen := map[string]bool{}
	for _, c := range found {
		if public != nil {
			if _, ok := public[c.Kind+":"+c.Category]; !ok || c.Status == string(workflow.Rejected) {
				continue
			}
		}
		if seen[c.Address] {
			continue // one place, however many reports there
		}
		seen[c.Address] = true
		out = append(out, Place{Name: c.Address, Kind: "case", KindLabel: kindLabels["case"], Context: c.Ticket, Point: &[2]float64{c.Lon, c.Lat}})
		if len(out) == maxCases {
			break
		}
	}
	return out, nil
}

// geocode asks 天地图 when it is configured with a key; a failure is logged and leaves the
// offline answers alone.
func (a *Service) geocode(ctx context.Context, ls *basemap.Layers, q string) []Place {
	cfg, _, err := a.Tiles(ctx)
	if err != nil || cfg.Provider != basemap.Tianditu || cfg.Key == "" {
		return nil
	}
	within, ok := ls.Bound()
	if !ok {
		return nil
	}
	hits, err := basemap.Geocoder{Key: cfg.Key, API: a.GeocoderAPI}.Search(ctx, q, within.Pad(0.05), maxGeo)
	if err != nil {
		a.Log.WarnContext(ctx, "天地图 place search failed", "err", err)
		return nil
	}
	var out []Place
	for _, h := range hits {
		// What comes from outside is shown as text: only if it is text.
		if !textcheck.Valid(h.Name) || !textcheck.Valid(h.Address) || len(h.Name) > 300 || len(h.Address) > 300 {
			continue
		}
		out = append(out, Place{Name: h.Name, Kind: "geocoder", KindLabel: kindLabels["geocoder"], Context: h.Address, Point: &[2]float64{h.At[0], h.At[1]}})
	}
	return out
}
