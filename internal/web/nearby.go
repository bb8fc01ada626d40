package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

// "See what is already reported": the report form shows the open reports around its point
// (GET /report/nearby) and lets a resident say "me too" to one instead of filing the same
// problem again (POST /report/support); the public list (GET /reports) browses the reports
// anyone may see, by area, phase and class, on a map and in pages.

// nearbyCase is a nearby report as the form's script draws it: the case with its words.
type nearbyCase struct {
	cases.NearbyCase
	StatusName string `json:"status_name"`
	Reported   string `json:"reported"`
	Thumbnail  string `json:"thumbnail,omitempty"`
}

// categoryKey is a category as the form names it: kind:code.
var categoryKey = regexp.MustCompile(`^(component|matter):[0-9]{5}$`)

// nearbyQuery is what the nearby search is asked: a WGS-84 point and maybe a category.
type nearbyQuery struct {
	lon, lat float64
	kind     workflow.CategoryKind
	code     string
}

// parseNearby reads the nearby search's query: lon and lat, a point on the globe, and an
// optional category as kind:code. problem is the message key of what is wrong, or "".
func parseNearby(v url.Values) (q nearbyQuery, problem string) {
	var err1, err2 error
	q.lon, err1 = strconv.ParseFloat(v.Get("lon"), 64)
	q.lat, err2 = strconv.ParseFloat(v.Get("lat"), 64)
	// NaN compares false with everything: the bounds are written so that it fails them.
	if err1 != nil || err2 != nil || !(math.Abs(q.lon) <= 180) || !(math.Abs(q.lat) <= 90) {
		return nearbyQuery{}, "report.where.bad"
	}
	if c := v.Get("category"); c != "" {
		if !categoryKey.MatchString(c) {
			return nearbyQuery{}, "nearby.category.bad"
		}
		kind, code, _ := strings.Cut(c, ":")
		q.kind, q.code = workflow.CategoryKind(kind), code
	}
	return q, ""
}

// reportNearby answers the report form as its point or category changes: the open reports
// within cases.NearbyRadiusM (sensitive ones by grid), the chosen category's first.
func (h *Handler) reportNearby(w http.ResponseWriter, r *http.Request) {
	l := h.lang(r)
	w.Header().Set("Cache-Control", "no-store")
	q, problem := parseNearby(r.URL.Query())
	if problem != "" {
		writeJSONError(w, http.StatusUnprocessableEntity, h.cat.T(l, problem))
		return
	}
	found, err := h.app.Cases.NearbyOpen(r.Context(), q.lon, q.lat, q.kind, q.code)
	if err != nil {
		if statusOf(err) >= 500 {
			h.log.ErrorContext(r.Context(), "nearby reports", "err", err)
		}
		writeJSONError(w, statusOf(err), h.problem(r, err))
		return
	}
	out := make([]nearbyCase, 0, len(found))
	for _, c := range found {
		n := nearbyCase{NearbyCase: c, StatusName: h.cat.T(l, "status."+string(c.Status)), Reported: formatTime(l, c.CreatedAt)}
		if c.Photo != "" {
			n.Thumbnail = "/api/v1/attachments/" + url.PathEscape(c.Photo) + "?variant=thumbnail"
		}
		out = append(out, n)
	}
	css, err := h.assets.url("public.css")
	if err != nil {
		h.log.ErrorContext(r.Context(), "nearby reports", "err", err)
	}
	said := map[string]string{}
	for _, k := range nearbyWords {
		said[k] = h.cat.T(l, "nearby."+k)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"radius_m": cases.NearbyRadiusM, "cases": out, "words": said, "css": css})
}

// nearbyWords are the words the form's script says the reports with (the nearby.* messages):
// they come with the answer, so the form's first load carries none of them.
var nearbyWords = []string{"heading", "here", "ask", "support", "distance", "blurred", "supports", "reported", "track", "failed", "photo", "other", "note"}

// reportSupport is "me too" from the report form: the same use case as the tracking page's
// (an anonymous visitor counted once per device, a signed-in one once per person), answered
// in JSON so the form stays as it was, to report something else.
func (h *Handler) reportSupport(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	l := h.lang(r)
	fail := func(err error) {
		if statusOf(err) >= 500 {
			h.log.ErrorContext(r.Context(), "support from the report form", "err", err)
		}
		writeJSONError(w, statusOf(err), h.problem(r, err))
	}
	c, err := h.app.Cases.Track(r.Context(), p, r.PostFormValue("ticket"), httpx.ClientAddr(r))
	if err != nil {
		fail(err)
		return
	}
	var in workflow.Input
	if p == nil {
		in.Supporter = h.deviceID(w, r)
	}
	v, err := h.app.Cases.Act(r.Context(), p, c.ID(), string(workflow.Support), nil, in)
	if err != nil {
		fail(err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ticket": c.Ticket, "supports": v.Counters.Supports, "url": "/track/" + c.Ticket,
		"message": h.cat.T(l, "nearby.supported", c.Ticket, v.Counters.Supports)})
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// publicListSize is how many reports a page of the public list shows.
const publicListSize = 20

type reportsBody struct {
	Filter  cases.PublicFilter
	Choices cases.PublicChoices
	Page    cases.PublicPage
	Phases  []cases.Phase
	Map     publicMap
	// Prev and Next are the neighbouring pages' addresses, "" where there is none.
	Prev, Next string
}

// publicReports is the public list: the reports of public categories, newest first, filtered
// by area (a district or subdistrict, by name), phase and major class, a page at a time on a
// map coloured by phase and in a list linking to each report's tracking page.
func (h *Handler) publicReports(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := cases.PublicFilter{Area: q.Get("area"), Phase: cases.Phase(q.Get("phase")), Class: q.Get("class"),
		Cursor: q.Get("after"), Before: q.Get("before"), Limit: publicListSize}
	list, err := h.app.Cases.PublicList(r.Context(), f)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	choices, err := h.app.Cases.PublicChoices(r.Context())
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l := h.lang(r)
	body := reportsBody{Filter: f, Choices: choices, Page: list, Phases: cases.Phases,
		Map: publicMap{Cases: []cases.PublicPoint{}, Base: h.mapBase(r), Statuses: map[workflow.Status]string{}, Blurred: h.cat.T(l, "home.map.blurred")}}
	body.Map.Lon, body.Map.Lat = h.startPoint(r, access.FromContext(r.Context()))
	for _, s := range workflow.Statuses {
		body.Map.Statuses[s] = h.cat.T(l, "status."+string(s))
	}
	for _, it := range list.Items {
		body.Map.Cases = append(body.Map.Cases, it.PublicPoint)
	}
	keep := url.Values{}
	for name, v := range map[string]string{"area": f.Area, "phase": string(f.Phase), "class": f.Class} {
		if v != "" {
			keep.Set(name, v)
		}
	}
	link := func(name, cursor string) string {
		if cursor == "" {
			return ""
		}
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		v.Set(name, cursor)
		return "/reports?" + v.Encode()
	}
	body.Prev, body.Next = link("before", list.Prev), link("after", list.Next)
	h.render(w, r, http.StatusOK, "reports.html", &page{Title: h.cat.T(l, "reports.title"), Body: body,
		Styles: []string{"vendor/leaflet/leaflet.css", "public.css"}, Scripts: []string{"vendor/leaflet/leaflet.js", "map.js", "portal.js"}})
}
