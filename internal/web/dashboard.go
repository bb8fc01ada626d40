package web

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// dashboardNewest is how many of the newest cases the dashboard lists and maps.
const dashboardNewest = 30

type dashboardBody struct {
	cases.Dashboard
	Statuses []workflow.Status `json:"-"`
	Data     dashboardData     `json:"-"`
}

// dashboardData is what the dashboard's script draws and updates: the figures, the newest
// cases, and the words it needs.
type dashboardData struct {
	cases.Dashboard
	Days     []string                   `json:"days"`
	Words    map[string]string          `json:"words"`
	Statuses map[workflow.Status]string `json:"statuses"`
	Base     *mapBase                   `json:"base,omitempty"` // on the page, not in its updates
	// The viewer's area first, then the regions under it: drawn from their stored outlines.
	Areas []json.RawMessage `json:"areas,omitempty"`
	Lon   float64           `json:"lon,omitempty"`
	Lat   float64           `json:"lat,omitempty"`
}

// areas returns the outlines of the viewer's scope and of the regions directly under it (the
// city's districts for an unscoped viewer; the grids themselves for a grid worker).
func (h *Handler) areas(r *http.Request, p *access.Principal) []json.RawMessage {
	ctx := r.Context()
	codes := append([]string{}, p.Grids...)
	if p.User.Scope != "" {
		codes = append(codes, p.User.Scope)
	}
	var out []json.RawMessage
	add := func(g orb.Geometry) {
		if g == nil {
			return
		}
		if b, err := grid.EncodeGeometry(g); err == nil {
			out = append(out, b)
		}
	}
	var parent string
	switch len(codes) {
	case 0:
		roots, err := h.app.Regions.RegionChildren(ctx, "", false)
		if err != nil || len(roots) == 0 {
			return nil
		}
		parent = roots[0].Code
	case 1:
		parent = codes[0]
	}
	for _, code := range codes {
		if reg, err := h.app.Regions.Region(ctx, code, true); err == nil {
			add(reg.Geometry)
		}
	}
	if parent != "" && len(codes) <= 1 {
		if kids, err := h.app.Regions.RegionChildren(ctx, parent, true); err == nil {
			for _, k := range kids {
				add(k.Geometry)
			}
		}
	}
	return out
}

func (h *Handler) dashboardData(r *http.Request, p *access.Principal) (dashboardData, error) {
	d, err := h.app.Cases.Dashboard(r.Context(), p, dashboardNewest)
	if err != nil {
		return dashboardData{}, err
	}
	l := h.lang(r)
	out := dashboardData{Dashboard: d, Days: []string{}, Statuses: map[workflow.Status]string{},
		Words: map[string]string{"intake": h.cat.T(l, "dashboard.chart.intake"), "overdue": h.cat.T(l, "dashboard.chart.overdue"),
			"centre": h.cat.T(l, "dashboard.overdue.centre")}}
	for _, s := range workflow.Statuses {
		out.Statuses[s] = h.cat.T(l, "status."+string(s))
	}
	out.Lon, out.Lat = h.startPoint(r, p)
	for day := range d.IntakeByDay {
		out.Days = append(out.Days, day)
	}
	slices.Sort(out.Days)
	return out, nil
}

// dashboard is the command view: counts by status, overdue cases, today's intake, the newest
// cases on a map and in a list, and charts, all kept current by server-sent events.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d, err := h.dashboardData(r, p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	d.Areas = h.areas(r, p)
	h.render(w, r, http.StatusOK, "dashboard.html", &page{Title: h.cat.T(h.lang(r), "dashboard.title"),
		Body:    dashboardBody{Dashboard: d.Dashboard, Statuses: workflow.Statuses, Data: d},
		Styles:  []string{"vendor/leaflet/leaflet.css"},
		Scripts: []string{"vendor/leaflet/leaflet.js", "map.js", "vendor/echarts/echarts.common.min.js", "dashboard.js"}})
}

// dashboardJSON answers the dashboard's refresh after a live change.
func (h *Handler) dashboardJSON(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d, err := h.dashboardData(r, p)
	writeFresh(w, d, err)
}

// writeFresh answers a page script's refresh: the data as JSON, never cached, or only the
// status of the refusal (the script keeps what it shows).
func writeFresh(w http.ResponseWriter, v any, err error) {
	if err != nil {
		w.WriteHeader(statusOf(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
