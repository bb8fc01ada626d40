package cases

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// DashboardDays is how many days of intake a dashboard charts: a quarter, the period a
// centre compares against (the same season last month, a holiday's trough).
const DashboardDays = 91

// Dashboard is the command centre's picture of the cases in a viewer's scope.
type Dashboard struct {
	store.CaseStats
	Newest []DashboardCase `json:"newest"`
	// DepartmentNames names the departments of OverdueByDepartment, for the chart's labels.
	DepartmentNames map[string]string `json:"department_names"`
	Head            int64             `json:"head"` // the outbox id the figures include: live updates follow from it
}

// DashboardCase is a case as the dashboard's list and map show it.
type DashboardCase struct {
	ID           int64           `json:"id"`
	Ticket       string          `json:"ticket"`
	Status       workflow.Status `json:"status"`
	CategoryName string          `json:"category_name"`
	Grid         string          `json:"grid"`
	Lon          float64         `json:"lon"`
	Lat          float64         `json:"lat"`
	// Geometry is the line or area drawn, simplified to about a metre (the dashboard's map
	// shows a whole district); only the dashboard's list carries it, not live changes.
	Geometry  json.RawMessage `json:"geometry,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Dashboard returns the figures and newest cases in the viewer's scope; staff only.
func (a *Service) Dashboard(ctx context.Context, viewer *access.Principal, newest int) (Dashboard, error) {
	if !kernel.IsStaff(viewer) {
		return Dashboard{}, errs.Refuse(errs.Forbidden, "staff_only", nil, "the dashboard is for staff")
	}
	now := a.Now()
	var f store.CaseFilter
	if err := a.scopeFilter(viewer, &f); err != nil {
		return Dashboard{}, err
	}
	head, err := a.DB.OutboxHead(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	stats, err := a.DB.CaseStats(ctx, store.StatsScope{Regions: f.Regions, Department: f.Department, Now: now})
	if err != nil {
		return Dashboard{}, err
	}
	if stats.IntakeByDay, err = a.intakeByDay(ctx, viewer, now); err != nil {
		return Dashboard{}, err
	}
	f.Limit, f.Now = newest, now
	recs, _, err := a.DB.ListCases(ctx, f)
	if err != nil {
		return Dashboard{}, err
	}
	names, err := a.categoryNames(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	depts, err := a.RefDepartments(ctx)
	if err != nil {
		return Dashboard{}, err
	}
	out := Dashboard{CaseStats: stats, Head: head, Newest: make([]DashboardCase, 0, len(recs)), DepartmentNames: map[string]string{}}
	for _, d := range depts {
		if _, ok := stats.OverdueByDepartment[d.Code]; ok {
			out.DepartmentNames[d.Code] = d.Name
		}
	}
	for _, r := range recs {
		c := dashboardCase(r, names)
		if r.Geometry != nil {
			c.Geometry, _ = grid.EncodeGeometry(simplify.DouglasPeucker(dashboardTolerance).Simplify(orb.Clone(r.Geometry)))
		}
		out.Newest = append(out.Newest, c)
	}
	return out, nil
}

// intakeByDay counts the reports of each of the last DashboardDays days (China time) in the
// viewer's scope from the evaluation aggregates, kept by each report: a read of one row per
// day and group, however many cases the city holds.
func (a *Service) intakeByDay(ctx context.Context, viewer *access.Principal, now time.Time) (map[string]int, error) {
	today := now.In(worktime.China)
	since := time.Date(today.Year(), today.Month(), today.Day()-DashboardDays+1, 0, 0, 0, 0, worktime.China)
	group, err := a.evalGroup(ctx, viewer)
	if err != nil {
		return nil, err
	}
	tr, err := eval.New(a.Core).Trend(ctx, viewer, eval.TrendQuery{Query: eval.Query{From: since.Format(time.DateOnly),
		To: today.Format(time.DateOnly), Group: group}, Every: "day"})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, DashboardDays)
	for _, p := range tr.Points {
		out[p.From] = int(p.Counts.Get("reported"))
	}
	// Every day of the chart, quiet ones too.
	for d := since; !d.After(now); d = d.AddDate(0, 0, 1) {
		if key := d.Format(time.DateOnly); out[key] == 0 {
			out[key] = 0
		}
	}
	return out, nil
}

// evalGroup is the grouping whose rows, added up, are the viewer's whole scope: districts for
// the city (or a district), the scope's own level, a handler's department, a grid worker's grids.
func (a *Service) evalGroup(ctx context.Context, viewer *access.Principal) (string, error) {
	switch {
	case viewer.User.Role == access.Handler:
		return eval.KindDepartment, nil
	case viewer.User.Scope != "" && !viewer.System:
		path, err := a.PathOf(ctx, viewer.User.Scope)
		if err != nil {
			return "", err
		}
		if l := path[len(path)-1].Level; l != grid.City {
			return string(l), nil
		}
	case viewer.User.Role == access.GridWorker:
		return eval.KindGrid, nil
	}
	return eval.KindDistrict, nil
}

// dashboardTolerance is how far, in degrees (about a metre), a drawn line or area may be
// simplified for the dashboard's map.
const dashboardTolerance = 1e-5

func dashboardCase(r store.CaseRecord, names map[string]string) DashboardCase {
	return DashboardCase{ID: r.ID, Ticket: r.Ticket, Status: r.State.Status, CategoryName: names[string(r.State.Kind)+":"+r.State.Category],
		Grid: r.State.Grid(), Lon: r.Lon, Lat: r.Lat, CreatedAt: r.CreatedAt}
}

func (a *Service) categoryNames(ctx context.Context) (map[string]string, error) {
	cats, err := a.DB.Categories(ctx, false)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(cats))
	for _, c := range cats {
		names[string(c.Kind)+":"+c.Code] = c.Name
	}
	return names, nil
}

// CaseChange is one committed change to a case, as live views receive it.
type CaseChange struct {
	Seq    int64  `json:"seq"`
	Action string `json:"action"`
	DashboardCase
}

// CaseChanges returns the changes after seq to cases the viewer may see (at most limit
// messages are read) and the seq to continue from, which passes changes the viewer may not see.
func (a *Service) CaseChanges(ctx context.Context, viewer *access.Principal, after int64, limit int) ([]CaseChange, int64, error) {
	if viewer == nil {
		return nil, after, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	msgs, err := a.DB.OutboxAfter(ctx, after, "case.", limit)
	if err != nil {
		return nil, after, err
	}
	var (
		out   []CaseChange
		names map[string]string
	)
	for _, m := range msgs {
		after = m.ID
		var p struct {
			Ticket string `json:"ticket"`
		}
		if json.Unmarshal([]byte(m.Payload), &p) != nil || p.Ticket == "" {
			continue
		}
		rec, err := a.DB.CaseByTicket(ctx, p.Ticket)
		if errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return nil, after, err
		}
		if !a.canSee(viewer, rec) {
			continue
		}
		if names == nil {
			if names, err = a.categoryNames(ctx); err != nil {
				return nil, after, err
			}
		}
		out = append(out, CaseChange{Seq: m.ID, Action: strings.TrimPrefix(m.Topic, "case."), DashboardCase: dashboardCase(rec, names)})
	}
	return out, after, nil
}

// ChangesHead is the seq of the newest change: a live view that starts now follows from it.
func (a *Service) ChangesHead(ctx context.Context) (int64, error) { return a.DB.OutboxHead(ctx) }
