package cases

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// NearbyRadiusM is how far around a point the report form looks for open reports, and
// NearbySize how many it shows at most.
const (
	NearbyRadiusM = 200
	NearbySize    = 10
)

// NearbyCase is an open report near where a resident is about to report one: enough to tell
// whether it is the same problem and to say "me too", and nothing about people: no reporter,
// no contact and no description (which may name them), as on the public map.
type NearbyCase struct {
	Ticket       string          `json:"ticket"`
	Status       workflow.Status `json:"status"`
	Phase        Phase           `json:"phase"`
	CategoryName string          `json:"category_name"`
	// SameCategory tells the cases of the category asked about from the rest of its class.
	SameCategory bool    `json:"same_category"`
	Lon          float64 `json:"lon"`
	Lat          float64 `json:"lat"`
	// DistanceM is how far the case lies from the point, in whole metres; nil for a blurred one.
	DistanceM *float64  `json:"distance_m,omitempty"`
	Blurred   bool      `json:"blurred,omitempty"`
	Supports  int       `json:"supports"`
	Photo     string    `json:"photo,omitempty"` // the report's first photo, for its public thumbnail
	CreatedAt time.Time `json:"created_at"`
}

// nearbyHit is a case the search found, before its record is read.
type nearbyHit struct {
	id       int64
	same     bool
	at       time.Time
	distance *float64
}

// NearbyOpen returns the open reports of public categories near a point (WGS-84), at most
// NearbySize. Given a category (kind and code), those of its major class, the category's own
// first; without, those of every public category; newest first. A case of an ordinary
// category counts when it lies within NearbyRadiusM of the point. One of a sensitive category
// counts when the point lies in its unit grid, and shows at its grid's public point with no
// distance, as on the public map: matched by distance, it would let anyone who asks around a
// few points find the place its blurring hides. Cases of non-public categories are never
// there. It refuses a point that is not a coordinate (invalid) and a category that is not a
// public one (invalid, no_category).
func (a *Service) NearbyOpen(ctx context.Context, lon, lat float64, kind workflow.CategoryKind, code string) ([]NearbyCase, error) {
	if err := crs.ValidLonLat(lon, lat); err != nil {
		return nil, errs.E(errs.Invalid, "%v", err)
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return nil, err
	}
	var chosen workflow.Category
	if code != "" {
		c, ok := cats[string(kind)+":"+code]
		if !ok || !c.Public {
			return nil, errs.Refuse(errs.Invalid, "no_category", errs.Params{"category": code}, "no public %s category %q", kind, code)
		}
		chosen = c
	}
	// The categories looked in, by kind: ordinary ones by distance, sensitive ones by grid.
	type looked struct{ plain, sensitive []string }
	byKind := map[workflow.CategoryKind]*looked{}
	for _, c := range cats {
		if !c.Public || (code != "" && (c.Kind != chosen.Kind || c.MajorCode != chosen.MajorCode)) {
			continue
		}
		l := byKind[c.Kind]
		if l == nil {
			l = &looked{}
			byKind[c.Kind] = l
		}
		if c.Sensitive {
			l.sensitive = append(l.sensitive, c.Code)
		} else {
			l.plain = append(l.plain, c.Code)
		}
	}
	dLat := NearbyRadiusM / 111_320.0
	dLon := NearbyRadiusM / (111_320 * math.Max(math.Cos(lat*math.Pi/180), 0.01))
	box := orb.Bound{Min: orb.Point{lon - dLon, lat - dLat}, Max: orb.Point{lon + dLon, lat + dLat}}
	here := orb.Point{lon, lat}
	var (
		hits     []nearbyHit
		gridCode string
		gridBox  orb.Bound
	)
	for _, k := range []workflow.CategoryKind{workflow.Component, workflow.Matter} {
		l := byKind[k]
		if l == nil {
			continue
		}
		slices.Sort(l.plain)
		near, err := a.DB.OpenCasesIn(ctx, k, l.plain, box, "")
		if err != nil {
			return nil, err
		}
		for _, c := range near {
			if d := geo.DistanceHaversine(here, orb.Point{c.Lon, c.Lat}); d <= NearbyRadiusM {
				d = math.Round(d)
				hits = append(hits, nearbyHit{id: c.ID, same: c.Category == chosen.Code && k == chosen.Kind, at: c.CreatedAt, distance: &d})
			}
		}
		if len(l.sensitive) == 0 {
			continue
		}
		if gridCode == "" {
			if gridCode, gridBox, err = a.gridAt(ctx, lon, lat); err != nil {
				return nil, err
			}
			if gridCode == "" {
				continue // outside every unit grid: no sensitive case shares the point's grid
			}
		}
		slices.Sort(l.sensitive)
		inGrid, err := a.DB.OpenCasesIn(ctx, k, l.sensitive, gridBox, gridCode)
		if err != nil {
			return nil, err
		}
		for _, c := range inGrid {
			hits = append(hits, nearbyHit{id: c.ID, same: c.Category == chosen.Code && k == chosen.Kind, at: c.CreatedAt})
		}
	}
	slices.SortFunc(hits, func(x, y nearbyHit) int {
		if x.same != y.same {
			if x.same {
				return -1
			}
			return 1
		}
		return cmp.Or(y.at.Compare(x.at), cmp.Compare(y.id, x.id))
	})
	out := []NearbyCase{}
	blur := blurrer{a: a}
	for _, h := range hits[:min(len(hits), NearbySize)] {
		rec, err := a.DB.Case(ctx, h.id)
		if err != nil {
			return nil, err
		}
		cat := cats[string(rec.State.Kind)+":"+rec.State.Category]
		p, ok, err := blur.point(ctx, rec, cat)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		n := NearbyCase{Ticket: p.Ticket, Status: p.Status, Phase: p.Phase, CategoryName: p.CategoryName, SameCategory: h.same,
			Lon: p.Lon, Lat: p.Lat, DistanceM: h.distance, Blurred: p.Blurred, Supports: rec.State.Counters.Supports, CreatedAt: p.CreatedAt}
		if !p.Blurred && len(rec.Photos) > 0 {
			n.Photo = rec.Photos[0] // a photo may show the place: none for a blurred case
		}
		out = append(out, n)
	}
	return out, nil
}

// gridAt returns the unit grid a point lies in and its bounding box, or "" outside every grid.
func (a *Service) gridAt(ctx context.Context, lon, lat float64) (string, orb.Bound, error) {
	loc, err := a.Locate(ctx, lon, lat, crs.WGS84)
	if errs.Is(err, errs.NotFound) {
		return "", orb.Bound{}, nil
	} else if err != nil {
		return "", orb.Bound{}, err
	}
	if loc.Region.Level != grid.Grid {
		return "", orb.Bound{}, nil
	}
	reg, err := a.DB.Region(ctx, loc.Region.Code)
	if err != nil {
		return "", orb.Bound{}, err
	}
	if reg.Geometry == nil {
		return "", orb.Bound{}, nil
	}
	return reg.Code, reg.Geometry.Bound(), nil
}
