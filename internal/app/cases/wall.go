package cases

import (
	"context"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// wallPoints caps the cases the wall screen's map carries: a city's open cases are a few
// thousand; beyond the cap the newest are kept and the counts still cover them all.
const wallPoints = 5000

// Wall is the command centre's wall screen (大屏) of a viewer's scope: every open case on the
// map by its light, the overdue ones by stage, and the open ones by street and by category.
type Wall struct {
	Points    []WallPoint `json:"points"`
	Truncated bool        `json:"truncated"`
	Open      int         `json:"open"`
	// Today is the day's figures from the evaluation aggregates: reported, registered,
	// dispatched, handled (counts) and on_time_handle_rate (nil: nothing was due yet).
	Today          map[string]*float64 `json:"today"`
	OverdueByStage []WallCount         `json:"overdue_by_stage"`
	ByStreet       []WallCount         `json:"by_street"`
	ByCategory     []WallCount         `json:"by_category"`
	At             time.Time           `json:"at"`
}

// WallPoint is an open case on the wall's map.
type WallPoint struct {
	ID           int64           `json:"id"`
	Ticket       string          `json:"ticket"`
	CategoryName string          `json:"category_name"`
	Status       workflow.Status `json:"status"`
	Lon          float64         `json:"lon"`
	Lat          float64         `json:"lat"`
	Light        worktime.Light  `json:"light,omitempty"`
}

// WallCount is one bar of a breakdown: a code, its name and its count, largest first.
type WallCount struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Wall returns the wall screen's figures for the viewer's scope; staff only.
func (a *Service) Wall(ctx context.Context, viewer *access.Principal) (Wall, error) {
	if !kernel.IsStaff(viewer) {
		return Wall{}, errs.Refuse(errs.Forbidden, "staff_only", nil, "the wall screen is for staff")
	}
	var f store.CaseFilter
	if err := a.scopeFilter(viewer, &f); err != nil {
		return Wall{}, err
	}
	now := a.Now()
	facts, err := a.DB.WallFacts(ctx, store.StatsScope{Regions: f.Regions, Department: f.Department, Now: now}, wallPoints)
	if err != nil {
		return Wall{}, err
	}
	cats, err := a.categoryNames(ctx)
	if err != nil {
		return Wall{}, err
	}
	out := Wall{Truncated: facts.Truncated, At: now, Points: make([]WallPoint, 0, len(facts.Points))}
	for _, p := range facts.Points {
		out.Points = append(out.Points, WallPoint{ID: p.ID, Ticket: p.Ticket, CategoryName: cats[p.Kind+":"+p.Category], Status: p.Status,
			Lon: p.Lon, Lat: p.Lat, Light: p.Light})
	}
	for _, n := range facts.OpenByCategory {
		out.Open += n
	}
	for _, s := range []workflow.Stage{workflow.StageAccept, workflow.StageDispatch, workflow.StageSign, workflow.StageHandle, workflow.StageVerify} {
		if n := facts.OverdueByStage[string(s)]; n > 0 {
			out.OverdueByStage = append(out.OverdueByStage, WallCount{Key: string(s), Count: n})
		}
	}
	for code, n := range facts.OpenByStreet {
		name := code
		if path, err := a.PathOf(ctx, code); err == nil && len(path) > 0 {
			name = path[len(path)-1].Name
		}
		out.ByStreet = append(out.ByStreet, WallCount{Key: code, Name: name, Count: n})
	}
	for key, n := range facts.OpenByCategory {
		out.ByCategory = append(out.ByCategory, WallCount{Key: key, Name: cats[key], Count: n})
	}
	largestFirst(out.ByStreet)
	largestFirst(out.ByCategory)
	if out.Today, err = a.today(ctx, viewer, now); err != nil {
		return Wall{}, err
	}
	return out, nil
}

// today reads the day's figures of the viewer's scope from the evaluation aggregates.
func (a *Service) today(ctx context.Context, viewer *access.Principal, now time.Time) (map[string]*float64, error) {
	group, err := a.evalGroup(ctx, viewer)
	if err != nil {
		return nil, err
	}
	day := now.In(worktime.China).Format(time.DateOnly)
	tr, err := eval.New(a.Core).Trend(ctx, viewer, eval.TrendQuery{Query: eval.Query{From: day, To: day, Group: group}, Every: "day"})
	if err != nil {
		return nil, err
	}
	out := map[string]*float64{}
	for _, k := range []string{"reported", "registered", "dispatched", "handled"} {
		v := 0.0
		if len(tr.Points) > 0 {
			v = tr.Points[0].Counts.Get(k)
		}
		out[k] = &v
	}
	out["on_time_handle_rate"] = nil
	if len(tr.Points) > 0 {
		out["on_time_handle_rate"] = tr.Points[0].Rates.Get("on_time_handle_rate")
	}
	return out, nil
}

func largestFirst(cs []WallCount) {
	slices.SortFunc(cs, func(a, b WallCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
}
