package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/assessment"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The assessment of evaluation sites (测评点位) on the web: the inspector's workspace on a phone
// (today's sites nearest first, the scoring form that keeps working offline, the re-inspections
// waiting), the civilization office's rounds (create with a preview of the sample, follow each
// inspection, the results and a printable report) and a map of the sites by their last score.
// Every page calls the same use cases as the API (app.Assessment); the scoring form's script
// sends marks to small JSON endpoints here so that a refusal comes back in the page's language.

func (h *Handler) assessmentRoutes() {
	m := h.mux
	m.HandleFunc("GET /assessment", h.signedIn(h.assessWorkspace))
	m.HandleFunc("GET /assessment/inspections/{id}", h.signedIn(h.assessInspection))
	m.HandleFunc("PUT /assessment/inspections/{id}/items/{code}", h.signedIn(h.assessMark))
	m.HandleFunc("POST /assessment/inspections/{id}/submit", h.signedIn(h.assessSubmit))
	m.HandleFunc("POST /assessment/photos", h.signedIn(h.assessPhotos))
	m.HandleFunc("POST /assessment/reinspections/{case}", h.signedIn(h.assessReinspect))
	m.HandleFunc("GET /assessment/rounds", h.signedIn(h.assessRounds))
	m.HandleFunc("POST /assessment/rounds", h.signedIn(h.assessNewRound))
	m.HandleFunc("GET /assessment/rounds/{id}", h.signedIn(h.assessRound))
	m.HandleFunc("GET /assessment/map", h.signedIn(h.assessMap))
}

// isOrganizer reports whether p organizes the assessment (creates rounds): leaders and admins.
func isOrganizer(p *access.Principal) bool {
	return p.User.Role == access.Leader || p.User.Role == access.Admin
}

// score shows a score without needless decimals: 5, 4.5, 80.88.
func score(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func scorep(v *float64) string {
	if v == nil {
		return "—"
	}
	return score(*v)
}

// siteTypeNames names the site types by code.
func (h *Handler) siteTypeNames(r *http.Request, p *access.Principal) map[string]string {
	out := map[string]string{}
	if ts, err := h.app.Assessment.SiteTypes(r.Context(), p); err == nil {
		for _, t := range ts {
			out[t.Code] = t.Name
		}
	}
	return out
}

// assessTask is one site on the inspector's list.
type assessTask struct {
	assessment.Task
	TypeName string
	URL      string
}

// assessReinspection is one case a failed item became, waiting on the inspector.
type assessReinspection struct {
	assessment.Finding
	TypeName string
	What     string // the item's words
}

type assessWorkspaceBody struct {
	Tasks         []assessTask
	Reinspections []assessReinspection
	Organizer     bool
	Rounds        []assessment.RoundSummary
	Words         map[string]string
}

// assessWorkspace is the inspector's workspace: today's sites (the page's script puts the
// nearest first once the phone knows where it is) and the re-inspections waiting; organizers
// also reach their rounds and the map from here.
func (h *Handler) assessWorkspace(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx := r.Context()
	l := h.lang(r)
	tasks, err := h.app.Assessment.Tasks(ctx, p, nil, nil)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	types := h.siteTypeNames(r, p)
	body := assessWorkspaceBody{Organizer: isOrganizer(p), Words: h.assessJSWords(l)}
	for _, t := range tasks {
		switch t.Kind {
		case "inspect":
			body.Tasks = append(body.Tasks, assessTask{Task: t, TypeName: types[t.Site.SiteType], URL: fmt.Sprintf("/assessment/inspections/%d", t.Inspection.ID)})
		case "reinspect":
			ri := assessReinspection{Finding: *t.Finding, TypeName: types[t.Site.SiteType], What: t.Finding.ItemCode}
			if v, err := h.app.Assessment.Inspection(ctx, p, t.Finding.InspectionID); err == nil {
				if it, ok := v.Checklist.Item(t.Finding.ItemCode); ok {
					ri.What = it.What
				}
			}
			body.Reinspections = append(body.Reinspections, ri)
		}
	}
	if body.Organizer {
		rounds, err := h.app.Assessment.Rounds(ctx, p)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Rounds = rounds[:min(len(rounds), 5)]
	}
	h.render(w, r, http.StatusOK, "assessment.html", &page{Title: h.cat.T(l, "assess.title"), Body: body,
		Notice: r.URL.Query().Get("notice"), Error: r.URL.Query().Get("problem"),
		Styles: []string{"assessment.css"}, Scripts: []string{"assessment.js"}})
}

// assessItem is one checklist item on the scoring form, with its mark so far.
type assessItem struct {
	assess.Item
	Path     string
	Max      string
	Rule     string
	Evidence string
	Mark     *assessment.Mark
	Result   string // the mark's result in words
	Got      string // what the mark earns
	Photos   string // the mark's photos, ';'-separated, kept when the item is saved again
}

// assessCase is a case a failed item became.
type assessCase struct {
	ID     int64
	Ticket string
	Item   string
	Status string
}

type assessInspectionBody struct {
	View     assessment.InspectionView
	TypeName string
	Items    []assessItem
	Done     int
	Running  string
	Editable bool
	Score    string
	Cases    []assessCase
	Words    map[string]string // for the page's script
}

// assessWords are what the scoring form's script says, by i18n key under "assess.js.".
var assessWords = []string{"saved", "queued", "sending", "offline", "pending", "refused", "need_result", "need_photo",
	"gps_on", "gps_off", "gps_wait", "submit_queued", "submitting", "photos", "distance_m", "distance_km", "by_distance", "by_list"}

func (h *Handler) assessJSWords(l Lang) map[string]string {
	out := map[string]string{}
	for _, k := range assessWords {
		out[k] = h.cat.T(l, "assess.js."+k)
	}
	return out
}

func (h *Handler) assessInspection(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := h.lang(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.errorPage(w, r, 0, errs.Refuse(errs.NotFound, "inspection_not_found", nil, "no inspection %q", r.PathValue("id")))
		return
	}
	v, err := h.app.Assessment.Inspection(r.Context(), p, id)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := assessInspectionBody{View: v, TypeName: v.Checklist.SiteTypeName, Editable: v.Mine && v.Status == assessment.InspectionOpen}
	body.Running = "—"
	if v.Running != nil && v.Running.Percent != nil {
		body.Running = score(*v.Running.Percent) + "%"
	}
	if v.Percent != nil {
		body.Score = score(*v.Percent)
	}
	for _, it := range v.Checklist.Items {
		x := assessItem{Item: it, Max: score(it.Max), Evidence: h.cat.T(l, "assess.evidence."+string(it.Evidence))}
		x.Path = strings.Join(slices.DeleteFunc([]string{it.Level1, it.Level2, it.Level3}, func(s string) bool { return s == "" }), " › ")
		switch it.Rule {
		case assess.Deduction:
			x.Rule = h.cat.T(l, "assess.rule.deduction", score(it.Deduction))
		default:
			x.Rule = h.cat.T(l, "assess.rule."+string(it.Rule))
		}
		if m, ok := v.Marks[it.Code]; ok {
			x.Mark = &m
			x.Result = h.cat.T(l, "assess.result."+string(m.Result))
			if got, applicable := it.Score(m.Mark); applicable {
				x.Got = score(got)
			}
			x.Photos = strings.Join(m.Photos, ";")
			body.Done++
		}
		body.Items = append(body.Items, x)
	}
	for _, f := range v.Findings {
		c := assessCase{ID: f.CaseID, Ticket: f.Ticket, Item: f.ItemCode, Status: f.CaseStatus}
		if it, ok := v.Checklist.Item(f.ItemCode); ok {
			c.Item = f.ItemCode + " " + it.What
		}
		body.Cases = append(body.Cases, c)
	}
	body.Words = h.assessJSWords(l)
	h.render(w, r, http.StatusOK, "assessment-inspection.html", &page{Title: v.Site.Name + " · " + h.cat.T(l, "assess.inspection"), Body: body,
		Notice: r.URL.Query().Get("notice"), Styles: []string{"assessment.css"}, Scripts: []string{"assessment.js"}})
}

// maxMark bounds a mark's JSON: a note and photo ids, with room to spare.
const maxMark = 64 << 10

// assessJSON answers the scoring form's script: the value, or {"error": words, "code": reason}
// with the refusal's status.
func (h *Handler) assessJSON(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		status = statusOf(err)
		if status >= 500 {
			h.log.ErrorContext(r.Context(), "assessment", "path", r.URL.Path, "err", err, "request_id", audit.RequestID(r.Context()))
		}
		reason, _ := errs.Detail(err)
		if reason == "" {
			reason = string(errs.KindOf(err))
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": h.problem(r, err), "code": reason})
		return
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// assessMark takes one item's mark as the phone sends it (from its offline queue too): JSON
// assessment.MarkInput, whose "at" is the phone's time of scoring.
func (h *Handler) assessMark(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.assessJSON(w, r, 0, nil, errs.Refuse(errs.NotFound, "inspection_not_found", nil, "no inspection %q", r.PathValue("id")))
		return
	}
	var in assessment.MarkInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxMark))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = errs.Refuse(errs.TooLarge, "too_large", nil, "a mark is at most %d bytes", maxMark)
		} else {
			err = errs.Refuse(errs.BadRequest, "bad_json", nil, "the mark must be JSON {result, points, findings, note, photos, lon, lat, at}: %v", err)
		}
		h.assessJSON(w, r, 0, nil, err)
		return
	}
	v, err := h.app.Assessment.MarkItem(r.Context(), p, id, r.PathValue("code"), in)
	if err != nil {
		h.assessJSON(w, r, 0, nil, err)
		return
	}
	out := map[string]any{"item": r.PathValue("code"), "missing": v.Missing, "running": v.Running}
	h.assessJSON(w, r, http.StatusOK, out, nil)
}

// assessSubmit submits a complete inspection and answers the cases its failures became.
func (h *Handler) assessSubmit(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.assessJSON(w, r, 0, nil, errs.Refuse(errs.NotFound, "inspection_not_found", nil, "no inspection %q", r.PathValue("id")))
		return
	}
	v, err := h.app.Assessment.Submit(r.Context(), p, id)
	if err != nil {
		h.assessJSON(w, r, 0, nil, err)
		return
	}
	cs := []map[string]any{}
	for _, f := range v.Findings {
		cs = append(cs, map[string]any{"ticket": f.Ticket, "url": fmt.Sprintf("/cases/%d", f.CaseID), "item": f.ItemCode})
	}
	h.assessJSON(w, r, http.StatusOK, map[string]any{"url": fmt.Sprintf("/assessment/inspections/%d", id), "percent": v.Percent, "cases": cs}, nil)
}

// assessPhotos uploads the photos of a mark (multipart, field "photos") through the report
// form's path, and answers their ids.
func (h *Handler) assessPhotos(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ids, err := h.uploadPhotos(r, p, "photos")
	if err == nil && len(ids) == 0 {
		err = errs.Required("photos", "no photo given")
	}
	if err != nil {
		h.assessJSON(w, r, 0, nil, err)
		return
	}
	h.assessJSON(w, r, http.StatusCreated, map[string]any{"ids": ids}, nil)
}

// assessReinspect takes a re-inspection (复查) from the workspace: pass closes the case, fail
// sends it back for rework.
func (h *Handler) assessReinspect(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := h.lang(r)
	back := func(key, problem string) {
		q := url.Values{}
		if key != "" {
			q.Set("notice", h.cat.T(l, key))
		}
		if problem != "" {
			q.Set("problem", problem)
		}
		http.Redirect(w, r, "/assessment?"+q.Encode()+"#reinspections", http.StatusSeeOther)
	}
	caseID, err := strconv.ParseInt(r.PathValue("case"), 10, 64)
	if err != nil || caseID <= 0 {
		h.errorPage(w, r, 0, errs.Refuse(errs.NotFound, "finding_not_found", nil, "no case %q", r.PathValue("case")))
		return
	}
	in := assessment.Reinspection{Note: r.PostFormValue("note")}
	switch r.PostFormValue("pass") {
	case "true":
		in.Pass = new(true)
	case "false":
		in.Pass = new(false)
	default:
		back("", h.problem(r, errs.Required("pass", "say whether the site passes")))
		return
	}
	photos, err := h.uploadPhotos(r, p, "photos")
	if err == nil {
		in.Photos = photos
		_, err = h.app.Assessment.Reinspect(r.Context(), p, caseID, in)
	}
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		back("", h.problem(r, err))
		return
	}
	if *in.Pass {
		back("assess.reinspect.passed", "")
	} else {
		back("assess.reinspect.failed", "")
	}
}

// assessRegion is a region a stratum may name.
type assessRegion struct {
	Code, Name string
	Sub        bool // a subdistrict, shown under its district
}

type stratumRow struct{ Type, Region, Count string }

type assessRoundsBody struct {
	Rounds     []assessment.RoundSummary
	Trend      *roundsTrend // districts' mean scores round by round, when two or more were scored
	Organizer  bool
	Standards  []assessment.StandardView
	Types      []assessment.SiteType
	Regions    []assessRegion
	Inspectors []access.User
	Form       url.Values
	Strata     []stratumRow
	Chosen     map[string]bool // inspectors ticked
	Preview    *assessment.RoundView
	Seed       string
	TypeNames  map[string]string
	RegionName map[string]string
}

// strataRows is how many strata the form offers.
const strataRows = 6

// assessRounds lists the rounds and, for organizers, the form for a new one.
func (h *Handler) assessRounds(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	today := h.app.Cases.Now().In(worktime.China)
	form := url.Values{"starts_on": {today.Format(time.DateOnly)}, "due_on": {today.AddDate(0, 0, 6).Format(time.DateOnly)}}
	h.showRounds(w, r, p, http.StatusOK, form, nil, "")
}

func (h *Handler) showRounds(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, form url.Values, preview *assessment.RoundView, problem string) {
	ctx := r.Context()
	l := h.lang(r)
	rounds, err := h.app.Assessment.Rounds(ctx, p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := assessRoundsBody{Rounds: rounds, Organizer: isOrganizer(p), Form: form, Preview: preview, Chosen: map[string]bool{},
		TypeNames: h.siteTypeNames(r, p), RegionName: map[string]string{}}
	tr, err := h.app.Assessment.RoundsTrend(ctx, p, "", assessment.ByDistrict)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body.Trend = trendTable(tr)
	if body.Organizer {
		if body.Standards, err = h.app.Assessment.Standards(ctx, p); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		if body.Types, err = h.app.Assessment.SiteTypes(ctx, p); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		if body.Inspectors, err = h.app.Assessment.Inspectors(ctx, p); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Regions = h.strataRegions(r, p)
		for _, reg := range body.Regions {
			body.RegionName[reg.Code] = reg.Name
		}
		for i := range strataRows {
			body.Strata = append(body.Strata, stratumRow{Type: formAt(form, "stratum_type", i), Region: formAt(form, "stratum_region", i), Count: formAt(form, "stratum_count", i)})
		}
		if _, asked := form["inspectors"]; asked {
			for _, u := range form["inspectors"] {
				body.Chosen[u] = true
			}
		} else {
			for _, u := range body.Inspectors {
				body.Chosen[u.Username] = true
			}
		}
		body.Seed = form.Get("seed")
		if preview != nil && len(preview.Sample) > 0 {
			var smp assessment.Sample
			if json.Unmarshal(preview.Sample, &smp) == nil && smp.Seed != nil {
				body.Seed = strconv.FormatUint(*smp.Seed, 10)
			}
		}
	}
	h.render(w, r, status, "assessment-rounds.html", &page{Title: h.cat.T(l, "assess.rounds"), Body: body, Error: problem,
		Styles: []string{"assessment.css"}, Scripts: []string{"assessment.js"}})
}

func formAt(f url.Values, name string, i int) string {
	if v := f[name]; i < len(v) {
		return v[i]
	}
	return ""
}

// strataRegions are the districts and subdistricts within the organizer's scope, for strata.
func (h *Handler) strataRegions(r *http.Request, p *access.Principal) []assessRegion {
	ctx := r.Context()
	var out []assessRegion
	var districts []grid.Region
	if p.User.Scope != "" {
		if reg, err := h.app.Regions.Region(ctx, p.User.Scope, false); err == nil {
			switch reg.Level {
			case grid.District:
				districts = []grid.Region{reg.Region}
			case grid.Subdistrict:
				return []assessRegion{{Code: reg.Code, Name: reg.Name}}
			case grid.City:
				districts, _ = h.app.Regions.RegionChildren(ctx, reg.Code, false)
			}
		}
	} else {
		roots, _ := h.app.Regions.RegionChildren(ctx, "", false)
		for _, root := range roots {
			ds, _ := h.app.Regions.RegionChildren(ctx, root.Code, false)
			districts = append(districts, ds...)
		}
	}
	for _, d := range districts {
		out = append(out, assessRegion{Code: d.Code, Name: d.Name})
		subs, _ := h.app.Regions.RegionChildren(ctx, d.Code, false)
		for _, s := range subs {
			out = append(out, assessRegion{Code: s.Code, Name: s.Name, Sub: true})
		}
	}
	return out
}

// assessNewRound previews or creates a round from the form: a sample of strata (site type ×
// region × count) drawn with a seed, shared among the inspectors ticked.
func (h *Handler) assessNewRound(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	f := r.PostForm
	l := h.lang(r)
	in := assessment.NewRound{Name: f.Get("name"), Standard: f.Get("standard"), StartsOn: f.Get("starts_on"), DueOn: f.Get("due_on"),
		Inspectors: f["inspectors"], Sample: &assessment.Sample{}}
	if f["inspectors"] == nil {
		f["inspectors"] = []string{} // none ticked: the form shows none ticked, not all
	}
	if s := strings.TrimSpace(f.Get("seed")); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			h.showRounds(w, r, p, http.StatusUnprocessableEntity, f, nil, h.cat.T(l, "assess.bad_seed"))
			return
		}
		in.Sample.Seed = &seed
	}
	for i := range strataRows {
		typ, region, count := formAt(f, "stratum_type", i), formAt(f, "stratum_region", i), strings.TrimSpace(formAt(f, "stratum_count", i))
		if typ == "" && count == "" {
			continue // a row left blank
		}
		n, err := strconv.Atoi(count)
		if err != nil {
			h.showRounds(w, r, p, http.StatusUnprocessableEntity, f, nil, h.cat.T(l, "assess.bad_count", i+1))
			return
		}
		in.Sample.Strata = append(in.Sample.Strata, assess.Stratum{SiteType: typ, Region: region, Count: n})
	}
	if f.Get("do") == "preview" {
		v, err := h.app.Assessment.PreviewRound(r.Context(), p, in)
		if err != nil {
			h.roundRefused(w, r, p, f, err)
			return
		}
		h.showRounds(w, r, p, http.StatusOK, f, &v, "")
		return
	}
	v, err := h.app.Assessment.CreateRound(r.Context(), p, in)
	if err != nil {
		h.roundRefused(w, r, p, f, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/assessment/rounds/%d?notice=%s", v.ID, url.QueryEscape(h.cat.T(l, "assess.round.created"))), http.StatusSeeOther)
}

func (h *Handler) roundRefused(w http.ResponseWriter, r *http.Request, p *access.Principal, f url.Values, err error) {
	if statusOf(err) >= 500 {
		h.errorPage(w, r, 0, err)
		return
	}
	h.showRounds(w, r, p, statusOf(err), f, nil, h.problem(r, err))
}

// resultTable is one grouping of a round's results as the page shows it.
type resultTable struct {
	Group string
	Title string
	Rows  []resultRow
}

type resultRow struct {
	assessment.ResultRow
	Mean, Compliance, FailRate string
	TypeName                   string
}

type assessRoundBody struct {
	Round       assessment.RoundView
	RegionName  string
	Strata      string
	Inspections []roundInspection
	Tables      []resultTable
	Items       resultTable
	Mean        string
	Open        int
	Submitted   int
	Failed      int
	Printed     time.Time
}

type roundInspection struct {
	assessment.Inspection
	TypeName    string
	Subdistrict string
	Percent     string
}

// assessRound is a round's page: each inspection's state, the results by district,
// subdistrict and site type with their rankings, the most failed items, the Excel workbook,
// and a report to print (A4).
func (h *Handler) assessRound(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx := r.Context()
	l := h.lang(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.errorPage(w, r, 0, errs.Refuse(errs.NotFound, "round_not_found", nil, "no round %q", r.PathValue("id")))
		return
	}
	v, err := h.app.Assessment.Round(ctx, p, id)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	names := h.names(ctx)
	types := h.siteTypeNames(r, p)
	body := assessRoundBody{Round: v, Open: v.Counts[assessment.InspectionOpen], Submitted: v.Counts[assessment.InspectionSubmitted], Failed: v.Counts["failed_items"],
		Printed: h.app.Cases.Now()}
	if v.Region != "" {
		body.RegionName = names("region", v.Region)
	}
	var smp assessment.Sample
	if len(v.Sample) > 0 && json.Unmarshal(v.Sample, &smp) == nil {
		var parts []string
		for _, s := range smp.Strata {
			parts = append(parts, h.cat.T(l, "assess.stratum", names("region", s.Region), types[s.SiteType], s.Count))
		}
		body.Strata = strings.Join(parts, h.cat.T(l, "list.sep"))
		if smp.Seed != nil {
			body.Strata += h.cat.T(l, "assess.seed_is", strconv.FormatUint(*smp.Seed, 10))
		}
	}
	for _, x := range v.Inspections {
		body.Inspections = append(body.Inspections, roundInspection{Inspection: x, TypeName: types[x.Site.SiteType],
			Subdistrict: names("region", x.Site.Subdistrict), Percent: scorep(x.Percent)})
	}
	for _, g := range []string{assessment.ByDistrict, assessment.BySubdistrict, assessment.BySiteType, assessment.ByItem} {
		res, err := h.app.Assessment.RoundResults(ctx, p, id, g)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		if g == assessment.ByDistrict {
			body.Mean = scorep(res.MeanScore)
		}
		t := resultTable{Group: g, Title: h.cat.T(l, "assess.by."+g)}
		for _, row := range res.Rows {
			if g == assessment.ByItem && (row.Failed == 0 || len(t.Rows) >= 10) {
				continue // the most failed items, at most ten
			}
			t.Rows = append(t.Rows, resultRow{ResultRow: row, Mean: scorep(row.MeanScore), Compliance: scorep(row.Compliance),
				FailRate: scorep(row.FailRate), TypeName: types[row.SiteType]})
		}
		if g == assessment.ByItem {
			body.Items = t
		} else {
			body.Tables = append(body.Tables, t)
		}
	}
	h.render(w, r, http.StatusOK, "assessment-round.html", &page{Title: v.Name, Body: body, Notice: r.URL.Query().Get("notice"),
		Styles: []string{"assessment.css"}, Scripts: []string{"assessment.js"}})
}

// mapSite is a site on the map, as its script draws it.
type mapSite struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Lon        float64  `json:"lon"`
	Lat        float64  `json:"lat"`
	Percent    *float64 `json:"percent"`
	Failed     int      `json:"failed"`
	At         string   `json:"at,omitempty"`
	Inspection int64    `json:"inspection,omitempty"`
	Round      int64    `json:"round,omitempty"`
}

type assessMapBody struct {
	Sites  []mapSite         `json:"sites"`
	Base   *mapBase          `json:"base"`
	Words  map[string]string `json:"words"`
	Types  map[string]string `json:"types"`
	Scored int               `json:"-"`
	// The viewer's area and the regions under it, drawn for a sense of place on a blank map.
	Areas []json.RawMessage `json:"areas,omitempty"`
}

// assessMap is the map of sites coloured by their last score.
func (h *Handler) assessMap(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := h.lang(r)
	sites, err := h.app.Assessment.SiteScores(r.Context(), p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := assessMapBody{Sites: []mapSite{}, Base: h.mapBase(r), Words: map[string]string{}, Types: h.siteTypeNames(r, p), Areas: h.areas(r, p)}
	for _, s := range sites {
		m := mapSite{Code: s.Code, Name: s.Name, Type: s.SiteType, Lon: s.Lon, Lat: s.Lat}
		if s.Last != nil {
			m.Percent, m.Failed, m.Inspection, m.Round = s.Last.Percent, s.Last.Failed, s.Last.InspectionID, s.Last.RoundID
			m.At = formatTime(l, s.Last.SubmittedAt)
			body.Scored++
		}
		body.Sites = append(body.Sites, m)
	}
	for _, k := range []string{"score", "unscored", "failed", "open", "at"} {
		body.Words[k] = h.cat.T(l, "assess.map."+k)
	}
	h.render(w, r, http.StatusOK, "assessment-map.html", &page{Title: h.cat.T(l, "assess.map"), Body: body,
		Styles:  []string{"vendor/leaflet/leaflet.css", "assessment.css"},
		Scripts: []string{"vendor/leaflet/leaflet.js", "map.js", "assessment.js"}})
}

// roundsTrend is the trend over rounds as a table: a row per district, a column per round.
type roundsTrend struct {
	Rounds []assessment.TrendPoint
	Rows   []trendRow
}

type trendRow struct {
	Name   string
	Scores []string // "—" where the round scored no site of the district
}

func trendTable(t assessment.Trend) *roundsTrend {
	if len(t.Rounds) < 2 {
		return nil
	}
	out := &roundsTrend{Rounds: t.Rounds}
	at := map[string]int{}
	for i, p := range t.Rounds {
		for _, row := range p.Rows {
			j, ok := at[row.Code]
			if !ok {
				j = len(out.Rows)
				at[row.Code] = j
				out.Rows = append(out.Rows, trendRow{Name: row.Name, Scores: slices.Repeat([]string{"—"}, len(t.Rounds))})
			}
			if row.MeanScore != nil {
				out.Rows[j].Scores[i] = strconv.FormatFloat(*row.MeanScore, 'f', 1, 64)
			}
		}
	}
	return out
}
