package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The evaluation page (综合评价): rankings of departments, regions and people by the indicators
// of GET /api/v1/stats, drilled down from a district to the cases behind a number, printed as
// the weekly 通报 and exported to Excel. The page's script draws from the API, so what it shows
// is what any tool reading the API gets.

// evalGroups are the page's tabs, in order.
var evalGroups = []string{"department", "district", "subdistrict", "community", "grid", "person"}

// evalRoles are the roles a people's ranking may be limited to.
var evalRoles = []access.Role{access.GridWorker, access.Operator, access.Dispatcher, access.Handler, access.Leader}

// evalPeriod is a named period of China-time dates, To inclusive.
type evalPeriod struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// evalPeriods are the periods a centre reports on, as of now: this and last week (Monday to
// Sunday), month and quarter.
func evalPeriods(now time.Time) []evalPeriod {
	d := now.In(worktime.China)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, worktime.China)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	month := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, worktime.China)
	quarter := time.Date(d.Year(), time.Month((int(d.Month())-1)/3*3+1), 1, 0, 0, 0, 0, worktime.China)
	f := func(t time.Time) string { return t.Format(time.DateOnly) }
	return []evalPeriod{
		{Key: "this_week", From: f(monday), To: f(day)},
		{Key: "last_week", From: f(monday.AddDate(0, 0, -7)), To: f(monday.AddDate(0, 0, -1))},
		{Key: "this_month", From: f(month), To: f(day)},
		{Key: "last_month", From: f(month.AddDate(0, -1, 0)), To: f(month.AddDate(0, 0, -1))},
		{Key: "this_quarter", From: f(quarter), To: f(day)},
		{Key: "last_quarter", From: f(quarter.AddDate(0, -3, 0)), To: f(quarter.AddDate(0, 0, -1))},
	}
}

// evalData is what the page's script needs: the periods, the tabs, the words and the viewer's
// starting point.
type evalData struct {
	Periods []evalPeriod      `json:"periods"`
	Groups  map[string]string `json:"groups"`
	Order   []string          `json:"order"`
	Roles   map[string]string `json:"roles"`
	Words   map[string]string `json:"words"`
	Labels  map[string]string `json:"labels"` // count and rate keys → names
	Keys    []string          `json:"keys"`   // the count and rate keys in the indicators' order
	Rates   []string          `json:"rates"`  // which of them are rates
	Scope   string            `json:"scope"`  // the viewer's region, "" for the whole city
	// ScopeName names it, or the city for a viewer of the whole city.
	ScopeName string `json:"scope_name"`
	Title     string `json:"title"` // the deployment's name for the 通报's heading
	// Errors words the refusals the page's queries may meet, by reason ({param} filled by the
	// script), so that no English reaches a Chinese page.
	Errors map[string]string `json:"errors"`
}

// evalRefusals are the reasons the statistics and export endpoints give for a query.
var evalRefusals = []string{"group_outside_scope", "group_above_within", "outside_scope", "bad_region", "bad_value", "wrong_type",
	"required", "staff_only", "throttled", "not_available", "not_ready", "too_many_exports", "exports_unavailable", "no_region"}

// evalWords are the page's own words, by i18n key under "evaluation.".
var evalWords = []string{"period", "custom", "from", "to", "show", "all", "key_only", "rank", "name", "score", "grade",
	"chart.rank", "chart.trend", "drill", "cases", "cases.overdue", "cases.none", "cases.more", "export", "exporting",
	"download", "print", "bulletin", "none", "loading", "failed", "back", "card", "role", "trend.total", "whole", "due"}

func (h *Handler) evaluationRoutes() {
	h.mux.HandleFunc("GET /evaluation", h.signedIn(h.evaluation))
}

// evaluation serves the page; staff only (a resident has nothing to rank).
func (h *Handler) evaluation(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if p.User.Role == access.Resident {
		h.errorPage(w, r, 0, errs.Refuse(errs.Forbidden, "staff_only", nil, "the evaluation is for staff"))
		return
	}
	l := h.lang(r)
	// Only the groupings the viewer may rank are tabs, so the page never opens on a refusal
	// (a grid worker ranks grids and people, not the city's departments).
	order, err := h.app.Eval.Groups(r.Context(), p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	d := evalData{Periods: evalPeriods(h.app.Cases.Now()), Groups: map[string]string{}, Order: order, Roles: map[string]string{},
		Words: map[string]string{}, Labels: map[string]string{}, Keys: slices.Concat(eval.CountKeys, eval.RateKeys), Rates: eval.RateKeys, Scope: p.User.Scope, Title: h.siteName(r), Errors: map[string]string{}}
	for _, reason := range evalRefusals {
		if h.cat.has(l, "err."+reason) {
			d.Errors[reason] = h.cat.T(l, "err."+reason)
		}
	}
	if p.User.Scope != "" {
		d.ScopeName = h.names(r.Context())("region", p.User.Scope)
	} else if roots, err := h.app.Regions.RegionChildren(r.Context(), "", false); err == nil && len(roots) == 1 {
		d.ScopeName = roots[0].Name
	}
	for i := range d.Periods {
		d.Periods[i].Name = h.cat.T(l, "evaluation.period."+d.Periods[i].Key)
	}
	for _, g := range evalGroups {
		d.Groups[g] = h.cat.T(l, "evaluation.group."+g)
	}
	for _, role := range evalRoles {
		d.Roles[string(role)] = h.cat.T(l, "role."+string(role))
	}
	for _, k := range evalWords {
		d.Words[k] = h.cat.T(l, "evaluation."+k)
	}
	for _, k := range d.Keys {
		d.Labels[k] = h.cat.T(l, "evaluation.key."+k)
	}
	h.render(w, r, http.StatusOK, "evaluation.html", &page{Title: h.cat.T(l, "evaluation.title"), Body: d,
		Scripts: []string{"vendor/echarts/echarts.common.min.js", "evaluation.js"}})
}
