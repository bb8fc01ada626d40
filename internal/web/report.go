package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/vocab"
	"github.com/citygrid/citygrid/internal/workflow"
)

// pickerSize is how many categories the picker offers at once: enough to scroll on a phone.
const pickerSize = 30

type reportBody struct {
	Form      url.Values
	Picker    categoryPicker
	PhotoIDs  []string // photos already uploaded by an earlier, refused submission
	AfterIDs  []string // and the after-photos of a self-handling (自行处置)
	Anonymous bool
	Staff     bool
	// GridWorker may handle a problem on the spot and report it closed (自行处置).
	GridWorker bool
	Map        mapData
}

// categoryPicker is what the category picker offers. A resident (or the anonymous public) sees
// the common problems by group with their icons, or what a search found named as residents say
// it, and always 不确定/其他; staff see the dictionary under its names and codes.
type categoryPicker struct {
	Resident bool
	Query    string
	Chosen   string        // kind:code
	Groups   []vocab.Group // a resident's common problems, before any search
	Hits     []vocab.Hit   // what a search found (staff: the dictionary's first when none), the chosen first
	Unsure   *vocab.Hit    // 不确定/其他, for a resident
	// Searched says a search was made (and Hits is what it found, perhaps nothing).
	Searched bool
}

// reportForm is the phone report form: the place from the browser's geolocation (a marker to
// drag, the grid drawn around it), photos from the camera, a category picked by name or code.
func (h *Handler) reportForm(w http.ResponseWriter, r *http.Request) {
	h.showReport(w, r, http.StatusOK, url.Values{}, nil, nil, "")
}

func (h *Handler) showReport(w http.ResponseWriter, r *http.Request, status int, form url.Values, photoIDs, afterIDs []string, problem string) {
	if r.Method == http.MethodPost && r.Header.Get("X-Citygrid-Draft") != "" {
		// The page's script sent it (maybe from the offline queue): it shows the reason itself.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": problem})
		return
	}
	p := access.FromContext(r.Context())
	q := r.URL.Query().Get("q")
	picker, err := h.pickCategories(r, p, q, form.Get("category"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := reportBody{Form: form, Picker: picker, PhotoIDs: photoIDs, AfterIDs: afterIDs, Anonymous: p == nil,
		Staff: p != nil && p.User.Role != access.Resident, GridWorker: p != nil && p.User.Role == access.GridWorker,
		Map: mapData{Base: h.mapBase(r)}}
	body.Map.Lon, body.Map.Lat = h.startPoint(r, p)
	h.render(w, r, status, "report.html", &page{Title: h.cat.T(h.lang(r), "report.title"), Error: problem, Body: body,
		// Leaflet is not among them: the page's script fetches it once the form is usable, which
		// works without the map (the budget in budget_test.go).
		Scripts: []string{"report-page.js"}})
}

// startPoint is where the map opens before the browser knows where it is: the viewer's grid or
// scope, else the middle of the first district with a boundary.
func (h *Handler) startPoint(r *http.Request, p *access.Principal) (lon, lat float64) {
	ctx := r.Context()
	var codes []string
	if p != nil {
		codes = append(codes, p.Grids...)
		if p.User.Scope != "" {
			codes = append(codes, p.User.Scope)
		}
	}
	for _, code := range codes {
		if reg, err := h.app.Regions.Region(ctx, code, true); err == nil && reg.Geometry != nil {
			if pt, ok := grid.PointInside(reg.Geometry); ok {
				return pt[0], pt[1]
			}
		}
	}
	roots, err := h.app.Regions.RegionChildren(ctx, "", false)
	if err != nil || len(roots) == 0 {
		return 0, 0
	}
	kids, err := h.app.Regions.RegionChildren(ctx, roots[0].Code, true)
	if err != nil {
		return 0, 0
	}
	for _, k := range kids {
		if pt, ok := grid.PointInside(k.Geometry); ok {
			return pt[0], pt[1]
		}
	}
	return 0, 0
}

// pickCategories readies the category picker for the viewer: a resident's common problems or
// search (by names, residents' words and pinyin), staff's dictionary; the chosen one (kind:code)
// stays offered whatever the search.
func (h *Handler) pickCategories(r *http.Request, p *access.Principal, q, chosen string) (categoryPicker, error) {
	all, err := h.app.Settings.Categories(r.Context(), p)
	if err != nil {
		return categoryPicker{}, err
	}
	resident := p == nil || p.User.Role == access.Resident
	ix := h.vocab.Index(all, resident)
	out := categoryPicker{Resident: resident, Query: q, Chosen: chosen, Searched: strings.TrimSpace(q) != ""}
	switch {
	case out.Searched:
		out.Hits = ix.Search(q, pickerSize)
	case resident:
		out.Groups = ix.Common()
	default:
		out.Hits = ix.All(pickerSize)
	}
	if resident {
		if u, ok := ix.Unsure(); ok {
			out.Unsure = &u
		}
	}
	if c, ok := ix.Find(chosen); ok && !out.offers(chosen) {
		out.Hits = append([]vocab.Hit{c}, out.Hits...)
	}
	return out, nil
}

// offers says whether the picker already offers the category key.
func (c categoryPicker) offers(key string) bool {
	if c.Unsure != nil && c.Unsure.Key() == key {
		return true
	}
	for _, h := range c.Hits {
		if h.Key() == key {
			return true
		}
	}
	for _, g := range c.Groups {
		for _, p := range g.Problems {
			if p.Key() == key {
				return true
			}
		}
	}
	return false
}

// categoryPickerList answers the picker's search as it is typed (categories.js swaps the list
// in place).
func (h *Handler) categoryPickerList(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	picker, err := h.pickCategories(r, p, r.URL.Query().Get("q"), r.URL.Query().Get("category"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.render(w, r, http.StatusOK, "category-picker", &page{Body: picker})
}

// where answers the report map as the marker moves: which grid the point lies in, with its
// outline, or why it lies in none.
func (h *Handler) where(w http.ResponseWriter, r *http.Request) {
	l := h.lang(r)
	lon, err1 := strconv.ParseFloat(r.URL.Query().Get("lon"), 64)
	lat, err2 := strconv.ParseFloat(r.URL.Query().Get("lat"), 64)
	out := map[string]any{}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := errors.Join(err1, err2); err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		out["error"] = h.cat.T(l, "report.where.bad")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	loc, err := h.app.Regions.Locate(r.Context(), lon, lat, crs.WGS84)
	if err != nil || loc.Region.Level != grid.Grid {
		out["error"] = h.cat.T(l, "report.where.outside")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	names := make([]string, 0, len(loc.Path))
	for _, ref := range loc.Path[1:] {
		names = append(names, ref.Name)
	}
	out["code"], out["name"], out["path"] = loc.Region.Code, loc.Region.Name, strings.Join(names, " › ")
	if reg, err := h.app.Regions.Region(r.Context(), loc.Region.Code, true); err == nil && reg.Geometry != nil {
		if b, err := grid.EncodeGeometry(reg.Geometry); err == nil {
			out["geometry"] = json.RawMessage(b)
		}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// report takes the form: photos are uploaded first (and kept on a refusal, so nothing is sent
// twice or lost), then the report goes through the same use case as the API's. A grid worker
// may report a problem handled on the spot (自行处置: what was done and a photo after), which
// is born closed. The public lands on the ticket's tracking page; staff on the case itself,
// where its next steps are.
func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		h.errorPage(w, r, 0, formError(err))
		return
	}
	f := r.PostForm
	photoIDs, afterIDs := f["photo_ids"], f["after_photo_ids"]
	uploaded, err := h.uploadPhotos(r, p, "photos")
	if err != nil {
		h.showReport(w, r, statusOf(err), f, photoIDs, afterIDs, h.problem(r, err))
		return
	}
	photoIDs = append(photoIDs, uploaded...)
	selfHandle := f.Get("action") == string(workflow.SelfHandle)
	if selfHandle {
		after, err := h.uploadPhotos(r, p, "after_photos")
		if err != nil {
			h.showReport(w, r, statusOf(err), f, photoIDs, afterIDs, h.problem(r, err))
			return
		}
		afterIDs = append(afterIDs, after...)
	}
	in := cases.NewCase{Description: f.Get("description"), Address: f.Get("address"), CRS: "wgs84",
		Urgency: workflow.Urgency(f.Get("urgency")), Photos: photoIDs}
	if selfHandle {
		// The photos before come first, those after the fix last, as the timeline shows them.
		in.Action, in.Result, in.Photos = string(workflow.SelfHandle), f.Get("result"), append(slices.Clone(photoIDs), afterIDs...)
	}
	kind, code, _ := strings.Cut(f.Get("category"), ":")
	in.CategoryKind, in.Category = workflow.CategoryKind(kind), code
	in.Contact.Name, in.Contact.Phone = f.Get("contact_name"), f.Get("contact_phone")
	// A line or area drawn on the map takes the place of the point (the marker's last place).
	if g := strings.TrimSpace(f.Get("geometry")); g != "" {
		in.Geometry = json.RawMessage(g)
	} else {
		if lon, err := strconv.ParseFloat(f.Get("lon"), 64); err == nil {
			in.Lon = &lon
		}
		if lat, err := strconv.ParseFloat(f.Get("lat"), 64); err == nil {
			in.Lat = &lat
		}
	}
	l := h.lang(r)
	var problem string
	switch {
	case in.Category == "":
		problem = h.cat.T(l, "report.need.category")
	case in.Geometry == nil && (in.Lon == nil || in.Lat == nil):
		problem = h.cat.T(l, "report.need.place")
	case selfHandle && strings.TrimSpace(in.Result) == "":
		problem = h.cat.T(l, "report.need.result")
	case selfHandle && len(afterIDs) == 0:
		problem = h.cat.T(l, "report.need.after")
	case f.Get("email") != "":
		if _, err := follow.CheckAddress(f.Get("email")); err != nil {
			problem = h.problem(r, err) // checked first, so that a mistyped address files nothing
		}
	}
	if problem != "" {
		h.showReport(w, r, http.StatusUnprocessableEntity, f, photoIDs, afterIDs, problem)
		return
	}
	out, err := h.app.Cases.Report(r.Context(), p, in)
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showReport(w, r, statusOf(err), f, photoIDs, afterIDs, h.problem(r, err))
		return
	}
	next := "/track/" + out.Ticket
	followed := ""
	if email := f.Get("email"); email != "" {
		// The reporter's address follows the report once it confirms by the mailed link.
		followed = "follow=sent"
		if err := h.app.Follow.FollowCase(r.Context(), p, out.Ticket, email, true); err != nil {
			h.log.InfoContext(r.Context(), "follow at report refused", "ticket", out.Ticket, "err", err, "request_id", audit.RequestID(r.Context()))
			followed = "follow=failed"
		}
	}
	if p != nil && p.User.Role != access.Resident {
		if _, err := h.app.Cases.Case(r.Context(), p, out.ID); err == nil {
			next = "/cases/" + strconv.FormatInt(out.ID, 10) // staff go on from the case itself
		}
	}
	if r.Header.Get("X-Citygrid-Draft") != "" {
		// The offline queue sends drafts in the background and wants the ticket, not a page.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		to := next
		if followed != "" {
			to += "?" + followed
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ticket": out.Ticket, "url": to})
		return
	}
	if followed != "" {
		followed = "&" + followed
	}
	http.Redirect(w, r, next+"?new=1"+followed, http.StatusSeeOther)
}
