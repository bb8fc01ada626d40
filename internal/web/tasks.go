package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// queues are the statuses each role works on: its workspace opens on them.
var queues = map[access.Role][]workflow.Status{
	access.Operator:   {workflow.Reported},
	access.Leader:     {workflow.Reported, workflow.Suspended},
	access.Dispatcher: {workflow.Registered, workflow.InProgress},
	access.Handler:    {workflow.Dispatched, workflow.InProgress},
	access.GridWorker: {workflow.Reported, workflow.Handled},
}

// taskList caps one workspace page; the counts say when there is more.
const taskList = 100

// bulkActions are what a role may do to many cases at once from its list: the steps that need
// no input (dispatch goes to each case's suggested department), and urging with its one note.
var bulkActions = map[access.Role][]workflow.Action{
	access.Operator:   {workflow.Register},
	access.Leader:     {workflow.Register, workflow.Urge}, // 督办 the overdue cases of a list, say
	access.Dispatcher: {workflow.Dispatch, workflow.Urge},
	access.Handler:    {workflow.Accept, workflow.AcceptPart}, // a co-department signs for its parts (联办)
}

type tasksBody struct {
	Bulk     []workflow.Action
	Filter   string // "todo", "open", "all" or a status
	Statuses []workflow.Status
	Cases    []cases.CaseSummary
	More     bool
	Lights   map[string]int
	ByStatus map[workflow.Status]int
	Queue    []workflow.Status
	Patrol   *regions.PatrolDay // a grid worker's patrols today
	// Department is a handler's: cases led by another are ones it holds a part of (联办).
	Department string
	// Narrow is what a drill-down from the wall screen or a chart adds to the status filter
	// (light, region, kind and category), kept across filter changes; Said names it.
	Narrow url.Values
	Said   []string
	// Export is the list's filters as POST /api/v1/exports takes them (JSON), for the
	// "导出 Excel" button; "" when the viewer may not export.
	Export string
}

// narrowTasks reads the drill-down filters of a workspace link into f, refusing what it does
// not know, and says them in words.
func (h *Handler) narrowTasks(r *http.Request, f *cases.CaseFilter) (url.Values, []string, error) {
	q, l, names := r.URL.Query(), h.lang(r), h.names(r.Context())
	keep, said := url.Values{}, []string{}
	if v := q.Get("light"); v != "" {
		if v != "red" && v != "yellow" && v != "green" {
			return nil, nil, errs.Refuse(errs.Invalid, "bad_light", errs.Params{"light": v}, "light must be red, yellow or green, not %q", v)
		}
		f.Light = v
		keep.Set("light", v)
		said = append(said, h.cat.T(l, "light."+v))
	}
	if v := q.Get("region"); v != "" {
		if !isCode(v) {
			return nil, nil, errs.Refuse(errs.Invalid, "bad_region", errs.Params{"region": v}, "no region %q", v)
		}
		f.Regions = []string{v}
		keep.Set("region", v)
		said = append(said, names("region", v))
	}
	if v := q.Get("category"); v != "" {
		kind := q.Get("kind")
		if _, err := workflow.ParseCategoryKind(kind); !isCode(v) || (kind != "" && err != nil) {
			return nil, nil, errs.Refuse(errs.Invalid, "bad_category", errs.Params{"category": v}, "no category %q", v)
		}
		f.Category, f.Kind = v, kind
		keep.Set("category", v)
		if kind != "" {
			keep.Set("kind", kind)
		}
		said = append(said, h.categoryName(r, kind, v))
	}
	return keep, said, nil
}

// isCode: region and category codes are digits (a region code may carry a letter suffix in
// some cities), short.
func isCode(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// tasks is the role workspace: the cases in the viewer's scope that wait on the role, with
// their lights and counts, filtered by status.
func (h *Handler) tasks(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showTasks(w, r, p, http.StatusOK, r.URL.Query().Get("problem"))
}

func (h *Handler) showTasks(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, problem string) {
	filter := r.URL.Query().Get("status")
	queue := queues[p.User.Role]
	if filter == "" {
		filter = "open"
		if len(queue) > 0 {
			filter = "todo"
		}
	}
	f := cases.CaseFilter{Limit: taskList}
	export := map[string]string{} // the same list as an export's filters
	switch filter {
	case "todo":
		for _, s := range queue {
			f.Statuses = append(f.Statuses, string(s))
		}
		if p.User.Role == access.GridWorker {
			f.HolderKind = string(workflow.HolderGridWorker) // checks and verifications sent to the grid
			export["holder"] = f.HolderKind
		}
		// A co-department's part waits on it until reported (联办).
		f.OpenPartsOnly = p.User.Role == access.Handler
	case "open":
		for _, s := range workflow.Statuses {
			if !s.Terminal() {
				f.Statuses = append(f.Statuses, string(s))
			}
		}
	case "all":
	default:
		s, err := workflow.ParseStatus(filter)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		f.Statuses = []string{string(s)}
	}
	narrow, said, err := h.narrowTasks(r, &f)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	list, err := h.app.Cases.ListCases(r.Context(), p, f)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	if len(f.Statuses) > 0 {
		export["status"] = strings.Join(f.Statuses, ",")
	}
	for k := range narrow {
		export[k] = narrow.Get(k) // the drill-down's filters too: the file holds the list shown
	}
	body := tasksBody{Filter: filter, Narrow: narrow, Said: said, Statuses: workflow.Statuses, Cases: list.Cases, More: list.Next != "",
		Lights: map[string]int{}, ByStatus: map[workflow.Status]int{}, Queue: queue, Bulk: bulkActions[p.User.Role]}
	if p.User.Role == access.Handler {
		body.Department = p.User.Department
	}
	if p.User.Role != access.Resident {
		raw, err := json.Marshal(export)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Export = string(raw)
	}
	for _, c := range list.Cases {
		if c.Light != "" {
			body.Lights[string(c.Light)]++
		}
		body.ByStatus[c.Status]++
	}
	// Most urgent first: red, then yellow, then the rest, each newest first as listed.
	rank := map[string]int{"red": 0, "yellow": 1, "green": 2, "": 3}
	slices.SortStableFunc(body.Cases, func(a, b cases.CaseSummary) int { return rank[string(a.Light)] - rank[string(b.Light)] })
	pg := &page{Title: h.cat.T(h.lang(r), "tasks.title"), Body: &body, Notice: r.URL.Query().Get("notice"), Error: problem}
	if body.Export != "" {
		pg.Scripts = append(pg.Scripts, "export.js")
	}
	if p.User.Role == access.GridWorker {
		day, err := h.app.Regions.MyPatrols(r.Context(), p)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Patrol = &day
		if day.Running != nil {
			pg.Scripts = append(pg.Scripts, "patrol.js") // keeps the track while the page is open
		}
	}
	h.render(w, r, status, "tasks.html", pg)
}

// bulk takes one action on every ticked case of the workspace, each through the same use case
// (and so each checked for role, scope and state on its own), and reports what was done and
// what was refused, and why.
func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := h.lang(r)
	action := workflow.Action(r.PostFormValue("action"))
	if !slices.Contains(bulkActions[p.User.Role], action) {
		h.errorPage(w, r, http.StatusUnprocessableEntity, errs.Refuse(errs.Invalid, "not_bulk", errs.Params{"action": string(action)}, "%s cannot be done in bulk", action))
		return
	}
	var in workflow.Input
	if action == workflow.Urge {
		in.Note = r.PostFormValue("note") // every holder reads the same why
	}
	var done int
	var refused []string
	for _, v := range r.PostForm["case"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		if _, err := h.app.Cases.Act(r.Context(), p, id, string(action), nil, in); err != nil {
			if statusOf(err) >= 500 {
				h.errorPage(w, r, 0, err)
				return
			}
			refused = append(refused, "#"+v+": "+h.problem(r, err))
			continue
		}
		done++
	}
	q := url.Values{"status": {r.PostFormValue("status")}, "notice": {h.cat.T(l, "tasks.bulk.done", done, h.cat.T(l, "action."+string(action)))}}
	if len(refused) > 0 {
		q.Set("problem", h.cat.T(l, "tasks.bulk.refused", len(refused))+" "+strings.Join(refused, "; "))
	}
	http.Redirect(w, r, "/tasks?"+q.Encode(), http.StatusSeeOther)
}

// categoryName names a category for a filter line: of the given kind, or of either kind.
func (h *Handler) categoryName(r *http.Request, kind, code string) string {
	cats, err := h.app.Settings.Categories(r.Context(), access.FromContext(r.Context()))
	if err != nil {
		return code
	}
	for _, c := range cats {
		if c.Code == code && (kind == "" || string(c.Kind) == kind) {
			return c.Name
		}
	}
	return code
}
