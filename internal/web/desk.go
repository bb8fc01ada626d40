package web

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/hotline"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The operator's desk (受理台): the supervision centre takes a phone call and files it with the
// caller's name and number, the place picked on the map or found by the name of its community
// or grid; and files a batch of 12345 hotline tickets after seeing what each row would become
// and every problem, all or nothing. The caller's contact is kept with the case, shown to the
// centre's staff only (the case view's rule), never on public pages or Open311.

func (h *Handler) deskRoutes() {
	m := h.mux
	m.HandleFunc("GET /desk", h.signedIn(h.deskForm))
	m.HandleFunc("POST /desk", h.signedIn(h.deskIntake))
	m.HandleFunc("GET /desk/places", h.signedIn(h.deskPlaces))
	m.HandleFunc("GET /desk/hotline", h.signedIn(h.hotlineForm))
	m.HandleFunc("POST /desk/hotline/preview", h.signedIn(h.hotlinePreview))
	m.HandleFunc("POST /desk/hotline", h.signedIn(h.hotlineFile))
}

// atDesk is who works the desk: the supervision centre's operators and shift leaders.
func atDesk(p *access.Principal) error {
	if p.User.Role == access.Operator || p.User.Role == access.Leader {
		return nil
	}
	return errs.Refuse(errs.Forbidden, "desk_only", nil, "the desk is the supervision centre's")
}

// deskSources are the channels a call comes in by.
var deskSources = []string{"phone", "hotline"}

type deskBody struct {
	Form    url.Values
	Picker  categoryPicker
	Sources []string
	Places  []regions.GridMatch
	Map     mapData
}

func (h *Handler) deskForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showDesk(w, r, p, http.StatusOK, url.Values{"source": {"phone"}}, "")
}

func (h *Handler) showDesk(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, form url.Values, problem string) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	picker, err := h.pickCategories(r, p, form.Get("q"), form.Get("category"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := deskBody{Form: form, Picker: picker, Sources: deskSources, Map: mapData{Base: h.mapBase(r)}}
	if g := form.Get("grid"); g != "" {
		// The grid picked before a refusal stays picked.
		if found, err := h.app.Regions.FindGrids(r.Context(), p, g, 1); err == nil {
			body.Places = found
		}
	}
	body.Map.Lon, body.Map.Lat = h.startPoint(r, p)
	h.render(w, r, status, "desk.html", &page{Title: h.cat.T(h.lang(r), "desk.title"), Error: problem, Body: body,
		Styles:  []string{"vendor/leaflet/leaflet.css"},
		Scripts: []string{"vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", "map.js", "categories.js", "desk.js"}})
}

// deskPlaces answers the place search as it is typed: the grids whose names hold the words.
func (h *Handler) deskPlaces(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	found, err := h.app.Regions.FindGrids(r.Context(), p, r.URL.Query().Get("place"), 0)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.render(w, r, http.StatusOK, "desk-places", &page{Body: deskBody{Places: found, Form: url.Values{"place": {r.URL.Query().Get("place")}}}})
}

// phonePattern is a phone number as a caller gives it: a mobile, a landline with its area
// code, an extension; digits with the usual separators.
var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{2,22}$`)

// deskIntake files a call through the same use case as every report; the operator lands on the
// new case, where any possible duplicate waits to be merged.
func (h *Handler) deskIntake(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	f := r.PostForm
	l := h.lang(r)
	in := cases.NewCase{Description: f.Get("description"), Address: f.Get("address"), CRS: "wgs84",
		Urgency: workflow.Urgency(f.Get("urgency")), Source: f.Get("source")}
	kind, code, _ := strings.Cut(f.Get("category"), ":")
	in.CategoryKind, in.Category = workflow.CategoryKind(kind), code
	in.Contact.Name, in.Contact.Phone = strings.TrimSpace(f.Get("caller_name")), strings.TrimSpace(f.Get("caller_phone"))
	lon, errLon := strconv.ParseFloat(f.Get("lon"), 64)
	lat, errLat := strconv.ParseFloat(f.Get("lat"), 64)
	var problem string
	switch {
	case !slices.Contains(deskSources, in.Source):
		problem = h.cat.T(l, "desk.need.source")
	case in.Contact.Phone != "" && !phonePattern.MatchString(in.Contact.Phone):
		problem = h.cat.T(l, "desk.bad.phone")
	case utf8.RuneCountInString(in.Contact.Name) > 50:
		problem = h.cat.T(l, "desk.bad.name")
	case in.Category == "":
		problem = h.cat.T(l, "report.need.category")
	case strings.TrimSpace(in.Description) == "":
		problem = h.cat.T(l, "desk.need.description")
	}
	if problem == "" {
		switch g := f.Get("grid"); {
		case errLon == nil && errLat == nil:
			in.Lon, in.Lat = &lon, &lat
		case g != "":
			// Found by name: the grid's own point, the address saying the rest.
			found, err := h.app.Regions.FindGrids(r.Context(), p, g, 1)
			if err != nil || len(found) != 1 || found[0].Code != g {
				problem = h.cat.T(l, "desk.need.place")
				break
			}
			in.Lon, in.Lat = &found[0].Lon, &found[0].Lat
		default:
			problem = h.cat.T(l, "desk.need.place")
		}
	}
	if problem != "" {
		h.showDesk(w, r, p, http.StatusUnprocessableEntity, f, problem)
		return
	}
	out, err := h.app.Cases.Report(r.Context(), p, in)
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showDesk(w, r, p, statusOf(err), f, h.problem(r, err))
		return
	}
	next := "/track/" + out.Ticket // a place outside the operator's scope: another centre's case
	if _, err := h.app.Cases.Case(r.Context(), p, out.ID); err == nil {
		next = "/cases/" + strconv.FormatInt(out.ID, 10)
	}
	http.Redirect(w, r, next+"?new=1", http.StatusSeeOther)
}

// maxBatch bounds a hotline batch: thousands of tickets, far more than a day's.
const maxBatch = 2 << 20

type hotlineBody struct {
	// Name and Data (base64) carry the batch previewed, so that filing files the batch seen,
	// checked again, without a second upload.
	Name, Data        string
	Report            *cases.HotlineReport
	Lines             []hotlineLine
	Problems          []hotlineProblem
	New, Merged, Skip int
	Filed             bool
}

// hotlineLine is a ticket of the batch as the preview shows it.
type hotlineLine struct {
	hotline.Row
	CategoryName string
	Outcome      *cases.HotlineRow
	Problem      string
}

type hotlineProblem struct {
	Line   int
	Ticket string
	Why    string
}

func (h *Handler) hotlineForm(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.showHotline(w, r, http.StatusOK, hotlineBody{}, r.URL.Query().Get("notice"), "")
}

func (h *Handler) showHotline(w http.ResponseWriter, r *http.Request, status int, body hotlineBody, notice, problem string) {
	h.render(w, r, status, "hotline.html", &page{Title: h.cat.T(h.lang(r), "hotline.title"), Notice: notice, Error: problem, Body: body,
		Scripts: []string{"desk.js"}})
}

// hotlinePreview reads an uploaded batch and shows every row with what it would become, and
// every problem; nothing is written.
func (h *Handler) hotlinePreview(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["batch"]) != 1 {
		h.showHotline(w, r, http.StatusUnprocessableEntity, hotlineBody{}, "", h.cat.T(h.lang(r), "hotline.need.file"))
		return
	}
	fh := r.MultipartForm.File["batch"][0]
	if fh.Size > maxBatch {
		h.showHotline(w, r, http.StatusRequestEntityTooLarge, hotlineBody{}, "", h.cat.T(h.lang(r), "hotline.too_large", maxBatch>>20))
		return
	}
	file, err := fh.Open()
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxBatch+1))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.hotlineRun(w, r, p, path.Base(fh.Filename), data, true)
}

// hotlineFile files the batch the preview showed, all or nothing: any problem (found again
// now, against the cases as they stand) files none of it.
func (h *Handler) hotlineFile(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := atDesk(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	f := r.PostForm
	data, err := base64.StdEncoding.DecodeString(f.Get("data"))
	if err != nil || len(data) == 0 || len(data) > maxBatch {
		h.showHotline(w, r, http.StatusUnprocessableEntity, hotlineBody{}, "", h.cat.T(h.lang(r), "hotline.need.preview"))
		return
	}
	h.hotlineRun(w, r, p, path.Base(f.Get("name")), data, false)
}

// hotlineRun reads a batch and runs the import, dry or for real, and shows what it did or
// would do. A batch that cannot be read at all (no header, not a spreadsheet) is refused.
func (h *Handler) hotlineRun(w http.ResponseWriter, r *http.Request, p *access.Principal, name string, data []byte, dry bool) {
	l := h.lang(r)
	var (
		rows     []hotline.Row
		problems []hotline.Problem
		err      error
	)
	switch kindOfBatch(name, data) {
	case "xlsx":
		rows, problems, err = hotline.ReadXLSX(bytes.NewReader(data))
	case "csv":
		rows, problems, err = hotline.ReadCSV(bytes.NewReader(data))
	default:
		h.showHotline(w, r, http.StatusUnsupportedMediaType, hotlineBody{}, "", h.cat.T(l, "hotline.bad_type"))
		return
	}
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showHotline(w, r, statusOf(err), hotlineBody{}, "", h.problem(r, err))
		return
	}
	report, err := h.app.Cases.ImportHotline(r.Context(), p, rows, problems, dry)
	if err != nil && (len(report.Problems) == 0 || statusOf(err) >= 500) {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showHotline(w, r, statusOf(err), hotlineBody{}, "", h.problem(r, err))
		return
	}
	if !dry && report.Written {
		notice := h.cat.T(l, "hotline.filed", report.New, report.Merged, report.Skipped)
		http.Redirect(w, r, "/desk/hotline?notice="+url.QueryEscape(notice), http.StatusSeeOther)
		return
	}
	body := hotlineBody{Name: name, Data: base64.StdEncoding.EncodeToString(data), Report: &report}
	h.describeBatch(r, p, &body, rows)
	status, problem := http.StatusOK, ""
	if len(body.Problems) > 0 {
		problem = h.cat.T(l, "hotline.problems", len(body.Problems))
		if !dry {
			status = http.StatusUnprocessableEntity // refused: nothing was filed
		}
	}
	h.showHotline(w, r, status, body, "", problem)
}

// describeBatch lays the rows out for the preview: each ticket with its category's name and
// what it would become, and each problem in the reader's language.
func (h *Handler) describeBatch(r *http.Request, p *access.Principal, body *hotlineBody, rows []hotline.Row) {
	l, names := h.lang(r), h.names(r.Context())
	catNames := map[string]string{}
	if cats, err := h.app.Settings.Categories(r.Context(), p); err == nil {
		for _, c := range cats {
			catNames[string(c.Kind)+":"+c.Code] = c.Name
		}
	}
	outcome := map[int]*cases.HotlineRow{}
	for i := range body.Report.Rows {
		o := &body.Report.Rows[i]
		outcome[o.Line] = o
		switch o.Outcome {
		case "new":
			body.New++
		case "merge":
			body.Merged++
		case "skip":
			body.Skip++
		}
	}
	for _, pr := range body.Report.Problems {
		var why []string
		for _, f := range pr.Faults {
			if s, ok := h.cat.say(l, "err."+f.Code, f.Params, names); ok {
				why = append(why, s)
			}
		}
		if len(why) == 0 {
			why = append(why, h.cat.T(l, "hotline.row_refused"))
			if l == English {
				why = []string{pr.Reason}
			}
		}
		body.Problems = append(body.Problems, hotlineProblem{Line: pr.Line, Ticket: pr.Ticket, Why: strings.Join(why, h.cat.T(l, "list.sep"))})
	}
	for _, row := range rows {
		line := hotlineLine{Row: row, CategoryName: catNames[row.Kind+":"+row.Category], Outcome: outcome[row.Line]}
		for _, pr := range body.Problems {
			if pr.Line == row.Line {
				line.Problem = pr.Why
			}
		}
		body.Lines = append(body.Lines, line)
	}
}

// kindOfBatch tells a workbook from a CSV file by its content (a zip's signature), else by
// its name; anything else, a photo or a PDF say, is neither.
func kindOfBatch(name string, data []byte) string {
	lower := strings.ToLower(name)
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "xlsx"
	case strings.HasSuffix(lower, ".xlsx"):
		return "xlsx" // not a zip: the reader says it is not a workbook
	case strings.HasSuffix(lower, ".csv") || strings.HasSuffix(lower, ".txt") || lower == "":
		if looksBinary(data) {
			return ""
		}
		return "csv"
	}
	return ""
}

// looksBinary: a text file has no NUL in its first kilobytes (a stray NUL further on is the
// row's problem, reported by line).
func looksBinary(data []byte) bool {
	head := data[:min(len(data), 1024)]
	return bytes.IndexByte(head, 0) >= 0 && !utf8.Valid(head)
}
