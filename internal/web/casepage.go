package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/workflow"
)

// mapData is what a page's map draws: a point, the grid around it, and what every map has.
type mapData struct {
	Lon      float64         `json:"lon"`
	Lat      float64         `json:"lat"`
	Grid     json.RawMessage `json:"grid,omitempty"`  // GeoJSON geometry of the unit grid
	Shape    json.RawMessage `json:"shape,omitempty"` // the line or area reported, when not a point
	GridName string          `json:"grid_name,omitempty"`
	Base     *mapBase        `json:"base"`
}

type timelineEntry struct {
	At     time.Time
	Actor  string
	Action workflow.Action
	From   workflow.Status
	To     workflow.Status
	Event  string // what happened, in the reader's language
	Note   string // what the actor wrote (note, reason, result), as written
	Photos []string
}

// blockedChoice is an action the viewer's role takes that this case does not admit now, with
// the reason in the reader's language.
type blockedChoice struct {
	Action workflow.Action
	Why    string
}

type caseBody struct {
	Case        cases.CaseView
	Timeline    []timelineEntry
	Choices     []cases.ActionChoice
	Blocked     []blockedChoice
	Holder      string // the holder's name: a department's or a region's, else its code
	Department  string // the lead department's name, then the co-departments
	Departments []workflow.Department
	Suggested   string
	Map         mapData
	Staff       bool // sees internal fields (contacts, reporter, channels)
	// Codes: staff read a region's code beside its name (a grid's, a centre's), as they quote
	// it on the phone; a department's code is the system's, not theirs, and is not shown.
	Codes bool
	// Duplicates are open cases this report may repeat, for the centre to merge it into one
	// (the reject-as-duplicate action) while it awaits acceptance; Merge says the viewer may.
	Duplicates []cases.Duplicate
	Merge      bool
	// Check is who an on-site check (核实) would reach, when the viewer may ask for one.
	Check *cases.CheckOffer
	// Parts are the co-departments' parts (联办), each with the step the viewer may take on it
	// there: a co-department signs for and reports its own, the lead reports for an open one.
	Parts []partRow
	// Classify is the category picker of the register form, when the viewer may register:
	// to correct the category, or to give one to a report of 不确定/其他 (Unsure).
	Classify *classifyForm
}

type classifyForm struct {
	Unsure bool
	Picker categoryPicker
}

// partRow is a co-department's part as the case page shows it; the times are nil when unset.
type partRow struct {
	cases.PartView
	Name                                   string
	Mine                                   bool // the viewer's department's part
	SignBy, HandleBy, SignedOn, ReportedOn *time.Time
	// Act is what the viewer may do on this part now ("" for nothing), and ActID names its
	// form's elements, unique on the page.
	Act   workflow.Action
	ActID string
}

// partRows names the parts, marks the viewer's own, and puts each allowed part action on the
// part it concerns.
func partRows(v cases.CaseView, p *access.Principal, allowed []workflow.Action, names namer) []partRow {
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	var out []partRow
	for _, pv := range v.Parts {
		r := partRow{PartView: pv, Name: names("department", pv.Department),
			Mine:   p.User.Role == access.Handler && p.User.Department == pv.Department,
			SignBy: at(pv.SignDue), HandleBy: at(pv.HandleDue), SignedOn: at(pv.SignedAt), ReportedOn: at(pv.ReportedAt)}
		switch {
		case r.Mine && slices.Contains(allowed, workflow.AcceptPart):
			r.Act, r.ActID = workflow.AcceptPart, string(workflow.AcceptPart)
		case r.Mine && slices.Contains(allowed, workflow.ReportPart):
			r.Act, r.ActID = workflow.ReportPart, string(workflow.ReportPart)
		case !r.Mine && pv.Open() && p.User.Department == v.Department && slices.Contains(allowed, workflow.ReportPart):
			r.Act, r.ActID = workflow.ReportPart, string(workflow.ReportPart)+"-"+pv.Department
		}
		out = append(out, r)
	}
	return out
}

func caseID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %q not found", v)
	}
	return id, nil
}

// casePage shows a case to those who may see it (others get 404: existence stays private):
// its place and grid on a map, photos, the timeline, deadlines with the light, and a form for
// each action the viewer may take now, with the reason for those it may not.
func (h *Handler) casePage(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if h.residentCase(w, r, p) {
		return
	}
	h.showCase(w, r, p, http.StatusOK, "")
}

// timeline words a case's events in the reader's language: the event from its code and
// params, and apart from it what the actor wrote. Events older than codes show their note.
func (h *Handler) timeline(l Lang, events []cases.CaseEvent, names namer, people map[string]string) []timelineEntry {
	var out []timelineEntry
	for _, e := range events {
		var in workflow.Input
		_ = json.Unmarshal([]byte(e.Input), &in) // old events may carry no input
		te := timelineEntry{At: e.At, Actor: h.actorName(l, e.Actor, people), Action: workflow.Action(e.Action),
			From: workflow.Status(e.From), To: workflow.Status(e.To), Photos: in.Photos}
		var params errs.Params
		_ = json.Unmarshal(e.Params, &params)
		if text, ok := h.cat.say(l, "event."+e.Code, params, names); ok && e.Code != "" {
			te.Event = text
			te.Note = firstNonBlank(in.Note, in.Reason, in.Result)
			if e.Code == "reported" || e.Code == "self_handled" {
				te.Note = in.Result // the description shows above the timeline
			}
			if e.Code == "urged" {
				te.Note = "" // the event says it: 督办：<note>
			}
		} else {
			te.Note = e.Note
		}
		out = append(out, te)
	}
	return out
}

// actorName shows who acted: a person by their display name (their username when they have
// none), the public and the system in words.
func (h *Handler) actorName(l Lang, actor string, people map[string]string) string {
	switch {
	case actor == "":
		return h.cat.T(l, "actor.staff") // a resident's view of their report names no staff
	case actor == "anonymous":
		return h.cat.T(l, "actor.anonymous")
	case strings.HasPrefix(actor, "system:"):
		return h.cat.T(l, "actor.system")
	}
	if n := people[actor]; n != "" {
		return n
	}
	return actor
}

func (h *Handler) showCase(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, problem string) {
	id, err := caseID(r)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	ctx := r.Context()
	c, err := h.app.Cases.Case(ctx, p, id)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	choices, err := h.app.Cases.ActionChoices(ctx, p, id)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	staff := p.User.Role != access.Resident
	if staff {
		// "Me too" is the public's voice; staff act on a case instead.
		choices = slices.DeleteFunc(choices, func(c cases.ActionChoice) bool { return c.Action == workflow.Support })
	}
	l, names := h.lang(r), h.names(ctx)
	body := caseBody{Case: c, Choices: choices, Staff: c.Contact != nil || c.Reporter != "",
		Map: mapData{Lon: c.Lon, Lat: c.Lat, Shape: c.Geometry, GridName: c.Grid.Name, Base: h.mapBase(r)}}
	for _, ch := range choices {
		if !ch.Allowed {
			body.Blocked = append(body.Blocked, blockedChoice{Action: ch.Action, Why: h.choiceWhy(l, ch, names)})
		}
	}
	var people map[string]string
	if c.Names != nil {
		body.Holder, people = c.Names.Holder, c.Names.People
	}
	if c.Department != "" {
		body.Department = h.cat.param(l, "co_departments", append([]string{c.Department}, c.CoDepartments...), names)
	}
	body.Codes = staff
	if staff && c.Status == workflow.Reported {
		if body.Duplicates, err = h.app.Cases.PossibleDuplicates(ctx, p, id); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Merge = slices.Contains(c.Allowed, workflow.Reject)
	}
	scripts := []string{"vendor/leaflet/leaflet.js", "map.js"}
	if slices.Contains(c.Allowed, workflow.Register) {
		picker, err := h.pickCategories(r, p, "", "")
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Classify = &classifyForm{Unsure: workflow.IsUnclassified(c.Category.Kind, c.Category.Code), Picker: picker}
		scripts = append(scripts, "categories.js")
	}
	if slices.Contains(c.Allowed, workflow.RequestCheck) {
		offer, err := h.app.Cases.CheckWorkers(ctx, p, id)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Check = &offer
	}
	if g, err := h.app.Regions.Region(ctx, c.Grid.Code, true); err == nil && g.Geometry != nil {
		if b, err := grid.EncodeGeometry(g.Geometry); err == nil {
			body.Map.Grid = b
		}
	}
	body.Timeline = h.timeline(l, c.Timeline, names, people)
	body.Parts = partRows(c, p, c.Allowed, names)
	// The part steps are offered on the parts themselves, not among the case's actions.
	body.Choices = slices.DeleteFunc(body.Choices, func(ch cases.ActionChoice) bool {
		return ch.Allowed && (ch.Action == workflow.AcceptPart || ch.Action == workflow.ReportPart)
	})
	if slices.ContainsFunc(choices, func(ch cases.ActionChoice) bool { return ch.Action == workflow.Dispatch && ch.Allowed }) {
		if body.Departments, err = h.app.Settings.Departments(ctx); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		if rt, err := h.app.Cases.Route(ctx, p, c.Category.Kind, c.Category.Code, c.Lon, c.Lat, crs.WGS84, c.UpdatedAt); err == nil {
			body.Suggested = rt.Department
		}
	}
	var notice string
	if r.URL.Query().Get("new") == "1" {
		notice = h.cat.T(l, "case.new", c.Ticket) // a reporter among staff lands here
	}
	h.render(w, r, status, "case.html", &page{Title: c.Ticket, Error: problem, Notice: notice, Body: body,
		Styles: []string{"vendor/leaflet/leaflet.css"}, Scripts: scripts})
}

// maxForm bounds an action or report form: a few phone photos.
const maxForm = 5*photo.MaxBytes + 1<<20

// act answers an action form. A refusal shows the case again with the reason, having changed
// nothing; success goes back to the case (or to the workspace when the viewer may no longer
// see it).
func (h *Handler) act(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := caseID(r)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		h.errorPage(w, r, 0, formError(err))
		return
	}
	photos, err := h.uploadPhotos(r, p, "photos")
	if err != nil {
		h.showCase(w, r, p, statusOf(err), h.problem(r, err))
		return
	}
	f := r.PostForm
	in := workflow.Input{Note: f.Get("note"), Reason: f.Get("reason"), Result: f.Get("result"),
		Department: f.Get("department"), MergedInto: strings.TrimSpace(f.Get("merged_into")), RejectReason: f.Get("reject_reason"),
		Kind: workflow.CategoryKind(f.Get("kind")), Category: strings.TrimSpace(f.Get("category")), Urgency: workflow.Urgency(f.Get("urgency")),
		Photos: append(f["photo_ids"], photos...)}
	if kind, code, ok := strings.Cut(in.Category, ":"); ok {
		in.Kind, in.Category = workflow.CategoryKind(kind), code // the picker posts kind:code
	}
	for _, d := range f["co_departments"] {
		if d != "" && d != in.Department {
			in.CoDepartments = append(in.CoDepartments, d)
		}
	}
	for name, dst := range map[string]**bool{"pass": &in.Pass, "found": &in.Found} {
		if v := f.Get(name); v != "" {
			b := v == "yes"
			*dst = &b
		}
	}
	for name, dst := range map[string]*int{"hours": &in.Hours, "rating": &in.Rating} {
		if v := f.Get(name); v != "" {
			*dst, _ = strconv.Atoi(v)
		}
	}
	var version *int
	if v, err := strconv.Atoi(f.Get("version")); err == nil {
		version = &v
	}
	act := h.app.Cases.Act
	if worker := f.Get("worker"); worker != "" && f.Get("action") == string(workflow.RequestCheck) {
		// The grid has no worker: one of the community's covers it for this check (代管).
		act = func(ctx context.Context, p *access.Principal, id int64, _ string, version *int, in workflow.Input) (cases.CaseView, error) {
			return h.app.Cases.RequestCheckBy(ctx, p, id, version, worker, in)
		}
	}
	if _, err := act(r.Context(), p, id, f.Get("action"), version, in); err != nil {
		if statusOf(err) >= 500 || errs.Is(err, errs.NotFound) {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showCase(w, r, p, statusOf(err), h.problem(r, err))
		return
	}
	if _, err := h.app.Cases.Case(r.Context(), p, id); err != nil {
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, r.URL.Path[:len(r.URL.Path)-len("/actions")]+"?done="+f.Get("action"), http.StatusSeeOther)
}

// uploadPhotos stores the photos of a form field through the use case and returns their ids.
func (h *Handler) uploadPhotos(r *http.Request, p *access.Principal, field string) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var ids []string
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size == 0 {
			continue // an empty file input still sends a part
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		att, err := h.app.Cases.UploadPhoto(r.Context(), p, data)
		if err != nil {
			return nil, err
		}
		ids = append(ids, att.ID)
	}
	return ids, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > photo.MaxBytes {
		return nil, errs.Refuse(errs.TooLarge, "photo_too_large", errs.Params{"mb": photo.MaxBytes >> 20}, "%s is larger than %d MB", fh.Filename, photo.MaxBytes>>20)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, photo.MaxBytes+1))
}

func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.Refuse(errs.TooLarge, "form_too_large", errs.Params{"mb": maxForm >> 20}, "the form is larger than %d MB", maxForm>>20)
	}
	return errs.Refuse(errs.BadRequest, "unreadable_form", nil, "unreadable form: %v", err)
}

// problem is what a refusal shows on a page: its reason in the reader's language.
func (h *Handler) problem(r *http.Request, err error) string {
	return h.refusal(h.lang(r), err, h.names(r.Context()))
}

// choiceWhy says why an action is not open now. A refusal of the action by the viewer's role or
// scope says so in general words: the case page is no place to explain the role table.
func (h *Handler) choiceWhy(l Lang, c cases.ActionChoice, names namer) string {
	if c.Code == string(errs.Forbidden) && !h.cat.has(l, "err."+c.Reason) {
		return h.cat.T(l, "why.forbidden")
	}
	// The page lists what the viewer may do, so a shorter why (no list of what is open) fits.
	for _, key := range []string{"why." + c.Reason, "err." + c.Reason} {
		if s, ok := h.cat.say(l, key, c.Params, names); ok {
			return s
		}
	}
	if l == English {
		return c.Why
	}
	return h.cat.T(l, "error.409")
}

func firstNonBlank(xs ...string) string {
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
