package cases

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PublicPoint is a case on the public map: what, where and how far along, and nothing about
// people. A sensitive category's place is blurred to its grid.
type PublicPoint struct {
	Ticket       string          `json:"ticket"`
	Status       workflow.Status `json:"status"`
	Phase        Phase           `json:"phase"`
	CategoryName string          `json:"category_name"`
	Lon          float64         `json:"lon"`
	Lat          float64         `json:"lat"`
	Blurred      bool            `json:"blurred,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// Phase is how far along a case is, as the public map and list tell it: three steps a
// resident tells apart at a glance, where staff follow eight statuses.
type Phase string

// The phases; a rejected case is in none (the public map and list leave it out).
const (
	Waiting Phase = "waiting" // 待受理: reported, not yet accepted
	Working Phase = "working" // 处理中: accepted and on its way (registered to handled, or suspended)
	Done    Phase = "done"    // 已办结: closed
)

// Phases lists the phases in their order.
var Phases = []Phase{Waiting, Working, Done}

// PhaseOf is the phase of a status ("" for rejected).
func PhaseOf(s workflow.Status) Phase {
	switch s {
	case workflow.Reported:
		return Waiting
	case workflow.Closed:
		return Done
	case workflow.Rejected:
		return ""
	}
	return Working
}

// statusesOf are the statuses of a phase, or of every phase when it is "".
func statusesOf(p Phase) []string {
	var out []string
	for _, s := range workflow.Statuses {
		if ph := PhaseOf(s); ph != "" && (p == "" || ph == p) {
			out = append(out, string(s))
		}
	}
	return out
}

// PublicMap returns up to limit of the newest cases reported within the window, of public
// categories only, for anyone to see.
func (a *Service) PublicMap(ctx context.Context, window time.Duration, limit int) ([]PublicPoint, error) {
	recs, _, err := a.DB.ListCases(ctx, store.CaseFilter{From: a.Now().Add(-window), Limit: limit, Now: a.Now()})
	if err != nil {
		return nil, err
	}
	cats, err := a.DB.Categories(ctx, true)
	if err != nil {
		return nil, err
	}
	public := map[string]workflow.Category{}
	for _, c := range cats {
		public[string(c.Kind)+":"+c.Code] = c
	}
	blur := blurrer{a: a}
	out := []PublicPoint{}
	for _, r := range recs {
		cat, ok := public[string(r.State.Kind)+":"+r.State.Category]
		if !ok || r.State.Status == workflow.Rejected {
			continue
		}
		p, ok, err := blur.point(ctx, r, cat)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// blurrer places cases for the public: each where it was reported, a sensitive category's at
// a point inside its grid (the same for every case of the grid, read once).
type blurrer struct {
	a     *Service
	grids map[string]gridSpot // grid → the point shown for it; absent: not read yet
}

// gridSpot is the point shown for a grid, ok false when the grid has no area to show one in.
type gridSpot struct {
	lon, lat float64
	ok       bool
}

// point is the case as the public map shows it; ok is false when a sensitive case's grid has
// no drawn area, so no place could be shown without giving the point away.
func (b *blurrer) point(ctx context.Context, r store.CaseRecord, cat workflow.Category) (PublicPoint, bool, error) {
	p := PublicPoint{Ticket: r.Ticket, Status: r.State.Status, Phase: PhaseOf(r.State.Status), CategoryName: cat.Name,
		Lon: r.Lon, Lat: r.Lat, CreatedAt: r.CreatedAt}
	if !cat.Sensitive {
		return p, true, nil
	}
	pt, err := b.gridPoint(ctx, r.State.Grid())
	if err != nil || !pt.ok {
		return PublicPoint{}, false, err
	}
	p.Lon, p.Lat, p.Blurred = pt.lon, pt.lat, true
	return p, true, nil
}

// gridPoint is the point shown for a grid's sensitive cases: inside the grid, the same for all.
func (b *blurrer) gridPoint(ctx context.Context, code string) (gridSpot, error) {
	if pt, seen := b.grids[code]; seen {
		return pt, nil
	}
	if b.grids == nil {
		b.grids = map[string]gridSpot{}
	}
	reg, err := b.a.DB.Region(ctx, code)
	if err != nil {
		return gridSpot{}, err
	}
	var pt gridSpot
	if q, ok := grid.PointInside(reg.Geometry); ok {
		pt = gridSpot{q[0], q[1], true}
	}
	b.grids[code] = pt
	return pt, nil
}

// PublicFilter selects the public list's cases: all of them, or those under an area (a
// district or subdistrict code), in a phase, of a major class ("kind:NN").
type PublicFilter struct {
	Area  string
	Phase Phase
	Class string
	// Cursor and Before page the list as store.CaseFilter's do; Limit is the page's size
	// (at most 50).
	Cursor, Before string
	Limit          int
}

// PublicItem is one case of the public list: its point on the map (blurred for a sensitive
// category), where it is by name (its grid's path below the city) and how many said me too.
type PublicItem struct {
	PublicPoint
	Place    string `json:"place"`
	Supports int    `json:"supports"`
}

// PublicPage is a page of the public list with the cursors either side ("" where none is).
type PublicPage struct {
	Items      []PublicItem
	Next, Prev string
}

var majorClass = regexp.MustCompile(`^(component|matter):[0-9]{2}$`)

// PublicList returns a page of the cases anyone may browse, newest first: those of public
// categories, not rejected, with no people and no description. A filter naming an area, a
// phase or a class there is none of is refused (invalid, unknown_filter).
func (a *Service) PublicList(ctx context.Context, f PublicFilter) (PublicPage, error) {
	unknown := errs.Refuse(errs.Invalid, "unknown_filter", nil, "no such area, phase or class")
	sf := store.CaseFilter{PublicOnly: true, Cursor: f.Cursor, Before: f.Before, Limit: min(max(f.Limit, 1), 50), Now: a.Now()}
	if f.Phase != "" && !slices.Contains(Phases, f.Phase) {
		return PublicPage{}, unknown
	}
	sf.Statuses = statusesOf(f.Phase)
	if f.Area != "" {
		if len(f.Area) > 15 { // longer than any region's code
			return PublicPage{}, unknown
		}
		path, err := a.PathOf(ctx, f.Area)
		if errs.Is(err, errs.NotFound) {
			return PublicPage{}, unknown
		} else if err != nil {
			return PublicPage{}, err
		}
		if lv := path[len(path)-1].Level; lv != grid.District && lv != grid.Subdistrict {
			return PublicPage{}, unknown
		}
		sf.Regions = []string{f.Area}
	}
	if f.Class != "" {
		if !majorClass.MatchString(f.Class) {
			return PublicPage{}, unknown
		}
		sf.Kind, sf.Category, _ = strings.Cut(f.Class, ":")
	}
	page, err := a.DB.ListCasePage(ctx, sf)
	if err != nil {
		return PublicPage{}, err
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return PublicPage{}, err
	}
	out := PublicPage{Items: []PublicItem{}, Next: page.Next, Prev: page.Prev}
	blur := blurrer{a: a}
	for _, r := range page.Cases {
		cat := cats[string(r.State.Kind)+":"+r.State.Category]
		p, ok, err := blur.point(ctx, r, cat)
		if err != nil {
			return PublicPage{}, err
		}
		if !ok {
			continue
		}
		item := PublicItem{PublicPoint: p, Supports: r.State.Counters.Supports}
		if path, err := a.PathOf(ctx, r.State.Grid()); err == nil && len(path) > 1 {
			names := make([]string, 0, len(path)-1)
			for _, ref := range path[1:] {
				names = append(names, ref.Name)
			}
			item.Place = strings.Join(names, " › ")
		}
		out.Items = append(out.Items, item)
	}
	return out, nil
}

// PublicChoices are what the public list may be filtered by: the districts with their
// subdistricts, and the major classes of the public categories.
type PublicChoices struct {
	Areas   []AreaChoice
	Classes []ClassChoice
}

// AreaChoice is a district, or a subdistrict of the district before it (Sub).
type AreaChoice struct {
	Code, Name string
	Sub        bool
}

// ClassChoice is a major class of categories: "kind:NN" and its name.
type ClassChoice struct {
	Value, Name string
	Kind        workflow.CategoryKind
}

// PublicChoices returns the public list's filters: the areas by name, the classes by kind
// then code.
func (a *Service) PublicChoices(ctx context.Context) (PublicChoices, error) {
	out := PublicChoices{}
	roots, err := a.DB.RegionChildren(ctx, "", false)
	if err != nil {
		return out, err
	}
	for _, root := range roots {
		districts, err := a.DB.RegionChildren(ctx, root.Code, false)
		if err != nil {
			return out, err
		}
		for _, d := range districts {
			out.Areas = append(out.Areas, AreaChoice{Code: d.Code, Name: d.Name})
			subs, err := a.DB.RegionChildren(ctx, d.Code, false)
			if err != nil {
				return out, err
			}
			for _, s := range subs {
				if s.Level != grid.Grid {
					out.Areas = append(out.Areas, AreaChoice{Code: s.Code, Name: s.Name, Sub: true})
				}
			}
		}
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return out, err
	}
	seen := map[string]bool{}
	for _, c := range cats {
		v := string(c.Kind) + ":" + c.MajorCode
		if c.Public && !seen[v] {
			seen[v] = true
			out.Classes = append(out.Classes, ClassChoice{Value: v, Name: c.MajorName, Kind: c.Kind})
		}
	}
	slices.SortFunc(out.Classes, func(x, y ClassChoice) int { return strings.Compare(x.Value, y.Value) })
	return out, nil
}
