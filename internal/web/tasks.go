package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// queues are the statuses each role works on: its workspace opens on them.
var queues = map[access.Role][]workflow.Status{
	access.Operator:   {workflow.Reported},
	access.Leader:     {workflow.Reported, workflow.Suspended},
	access.Dispatcher: {workflow.Registered, workflow.InProgress},
	access.Handler:    {workflow.Dispatched, workflow.InProgress},
	access.GridWorker: {workflow.Reported, workflow.Handled},
}

// taskPage is one page of the workspace: a desktop's table of 50 rows, a phone's 50 cards.
const taskPage = 50

// bulkActions are what a role may do to many cases at once from its list: the steps that need
// no input (dispatch goes to each case's suggested department), and urging with its one note.
var bulkActions = map[access.Role][]workflow.Action{
	access.Operator:   {workflow.Register},
	access.Leader:     {workflow.Register, workflow.Urge}, // 督办 the overdue cases of a list, say
	access.Dispatcher: {workflow.Dispatch, workflow.Urge},
	access.Handler:    {workflow.Accept, workflow.AcceptPart}, // a co-department signs for its parts (联办)
}

// decisions are the answers to a request that the list offers in the request's row.
var decisions = []workflow.Action{workflow.ApproveExtension, workflow.DenyExtension}

// taskSorts are the orders the workspace offers: by light (worst first), by deadline, newest.
var taskSorts = []string{"light", "due", "created"}

// listParams are the workspace's own query parameters besides the status filter and its
// paging: what a saved view keeps.
var listParams = cases.ViewParams

type tasksBody struct {
	Bulk     []workflow.Action
	Filter   string // "todo", "open", "all" or a status
	Statuses []workflow.Status
	Cases    []taskRow
	Total    int            // the whole list's, over every page
	Lights   map[string]int // the whole list's lights, whatever light it is narrowed to
	// LightLinks narrow the list to a light, or widen it back from the light it shows;
	// SortLinks order it by a column.
	LightLinks, SortLinks map[string]string
	Queue                 []workflow.Status
	Patrol                *regions.PatrolDay // a grid worker's patrols today
	// Department is a handler's: cases led by another are ones it holds a part of (联办).
	Department string
	// Narrow is what a drill-down from the wall screen or a chart adds to the status filter
	// (light, region, kind and category); Said names it.
	Narrow url.Values
	Said   []string
	// Export is the list's filters as POST /api/v1/exports takes them (JSON), for the
	// "导出 Excel" button; "" when the viewer may not export.
	Export string

	// Staff get the filters, the saved views and the table; a resident's list of their own
	// reports has the status filter only.
	Staff bool
	Form  taskForm
	// The pickers' choices: names to choose from, never codes to type.
	Regions     []choice
	Categories  []choiceGroup
	Departments []choice
	Sources     []choice
	Sorts       []string
	// Query is the list's filters and sort without its page, for the links that keep them;
	// Filters is the same as JSON, for saving it as a view.
	Query   url.Values
	Filters string
	Views   []viewLink
	// Paging: this page's number and the links to the pages either side ("" at an end).
	Page       int
	Prev, Next string
	// Here is this page's query, for the actions taken from it to come back to.
	Here string
}

// taskForm is the filter form as the page took it.
type taskForm struct {
	Q, Region, Cat, Department, Source, From, To, Light, Sort string
	Overdue                                                   bool
}

// taskRow is a case as the workspace lists it, with its deadline and what waits on it in words.
type taskRow struct {
	cases.CaseSummary
	Remain string // "剩 2 小时", "超期 1 天"
	Late   bool
	// Reported and DueAt are the report's time and the deadline, short: a list has no room
	// for the year of this year's dates.
	Reported, DueAt string
	Ask             string // an extension asked, a return, a suspension: what and why
}

type choice struct{ Value, Label string }

type choiceGroup struct {
	Label   string
	Choices []choice
}

type viewLink struct {
	ID   int64
	Name string
	Href string
}

// narrowTasks reads the drill-down filters of a workspace link (light, region, kind and
// category) from q into f, refusing what it does not know, and says them in words.
func (h *Handler) narrowTasks(r *http.Request, q url.Values, f *cases.CaseFilter) (url.Values, []string, error) {
	l, names := h.lang(r), h.names(r.Context())
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
// their lights and counts, filtered, sorted and paged.
func (h *Handler) tasks(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if p.User.Role == access.Resident {
		http.Redirect(w, r, "/mine", http.StatusSeeOther) // a resident's home is their reports
		return
	}
	h.showTasks(w, r, p, http.StatusOK, r.URL.Query().Get("problem"))
}

func (h *Handler) showTasks(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, problem string) {
	q := r.URL.Query()
	filter := q.Get("status")
	queue := queues[p.User.Role]
	if filter == "" {
		filter = "open"
		if len(queue) > 0 {
			filter = "todo"
		}
	}
	f := cases.CaseFilter{Limit: taskPage}
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
	// The form's category picker names kind and code at once ("matter:09009", or a major class
	// "matter:09"); links name them apart, as the API does.
	if v := q.Get("cat"); v != "" {
		kind, code, _ := strings.Cut(v, ":")
		q.Set("kind", kind)
		q.Set("category", code)
		if kind == "" || code == "" {
			h.errorPage(w, r, 0, errs.Refuse(errs.Invalid, "bad_category", errs.Params{"category": v}, "no category %q", v))
			return
		}
	}
	narrow, said, err := h.narrowTasks(r, q, &f)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	// The rest of the filters, sort and paging, read as the API reads them.
	more, err := cases.ParseFilter(func(k string) string {
		switch k {
		case "q", "department", "source", "from", "to", "overdue", "sort", "cursor", "before":
			return strings.TrimSpace(q.Get(k))
		}
		return ""
	})
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	f.Text, f.Department, f.Source, f.From, f.To, f.Overdue = more.Text, more.Department, more.Source, more.From, more.To, more.Overdue
	f.SortByDue, f.SortByLight, f.Cursor, f.Before = more.SortByDue, more.SortByLight, more.Cursor, more.Before
	sort := q.Get("sort")
	if sort == "" {
		// A queue whose cases all run a clock opens soonest deadline first (the overdue on top),
		// along the deadline index; any other list newest first. Ordering by light sorts the
		// whole list, so it is asked for, not the default.
		sort = "created"
		if filter == "todo" && !slices.Contains(queue, workflow.Suspended) {
			sort, f.SortByDue = "due", true
		}
	}
	query := url.Values{"status": {filter}}
	for k, vs := range narrow {
		query[k] = vs
	}
	for _, k := range []string{"q", "department", "source", "from", "to", "overdue", "sort"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			query.Set(k, v)
		}
	}
	list, err := h.app.Cases.ListCases(r.Context(), p, f)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	var counts cases.CaseCounts
	if list.Next == "" && list.Prev == "" && f.Light == "" && !f.Overdue {
		// One page holds the whole list: it is its own count.
		counts.Total = int64(len(list.Cases))
		for _, c := range list.Cases {
			switch c.Light {
			case "red":
				counts.Lights.Red++
			case "yellow":
				counts.Lights.Yellow++
			case "green":
				counts.Lights.Green++
			}
		}
	} else if counts, err = h.app.Cases.CountCases(r.Context(), p, f); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	if len(f.Statuses) > 0 {
		export["status"] = strings.Join(f.Statuses, ",")
	}
	for k := range query {
		if k != "status" {
			export[k] = query.Get(k) // the list's filters and order: the file holds the list shown
		}
	}
	l := h.lang(r)
	body := tasksBody{Filter: filter, Narrow: narrow, Said: said, Statuses: workflow.Statuses, Total: int(counts.Total),
		Lights:     map[string]int{"red": int(counts.Lights.Red), "yellow": int(counts.Lights.Yellow), "green": int(counts.Lights.Green)},
		LightLinks: map[string]string{}, SortLinks: map[string]string{},
		Queue: queue, Bulk: bulkActions[p.User.Role], Staff: p.User.Role != access.Resident, Sorts: taskSorts, Query: query,
		Form: taskForm{Q: q.Get("q"), Region: narrow.Get("region"), Department: q.Get("department"), Source: q.Get("source"),
			From: q.Get("from"), To: q.Get("to"), Light: narrow.Get("light"), Sort: sort, Overdue: f.Overdue}}
	if f.Category != "" {
		body.Form.Cat = f.Kind + ":" + f.Category
	}
	for _, light := range []string{"red", "yellow", "green"} {
		v := clone(query)
		if v.Get("light") == light {
			v.Del("light")
		} else {
			v.Set("light", light)
		}
		body.LightLinks[light] = "/tasks?" + v.Encode()
	}
	for _, s := range taskSorts {
		v := clone(query)
		v.Set("sort", s)
		body.SortLinks[s] = "/tasks?" + v.Encode()
	}
	if p.User.Role == access.Handler {
		body.Department = p.User.Department
	}
	now := h.app.Cases.Now()
	names := h.names(r.Context())
	for _, c := range list.Cases {
		body.Cases = append(body.Cases, h.taskRow(l, c, now, names))
	}
	body.Page, _ = strconv.Atoi(q.Get("p"))
	if body.Page < 1 || (f.Cursor == "" && f.Before == "") {
		body.Page = 1
	}
	if list.Next != "" {
		body.Next = "/tasks?" + withPage(query, "cursor", list.Next, body.Page+1)
	}
	if list.Prev != "" {
		body.Prev = "/tasks?" + withPage(query, "before", list.Prev, max(body.Page-1, 1))
	}
	here := clone(query)
	for _, k := range []string{"cursor", "before", "p"} {
		if v := q.Get(k); v != "" {
			here.Set(k, v)
		}
	}
	body.Here = here.Encode()
	if body.Staff {
		if err := h.taskChoices(r, p, &body); err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		raw, err := json.Marshal(export)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Export = string(raw)
		saved := map[string]string{}
		for k := range query {
			saved[k] = query.Get(k)
		}
		raw, err = json.Marshal(saved)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		body.Filters = string(raw)
		views, err := h.app.Cases.Views(r.Context(), p)
		if err != nil {
			h.errorPage(w, r, 0, err)
			return
		}
		for _, v := range views {
			body.Views = append(body.Views, viewLink{ID: v.ID, Name: v.Name, Href: "/tasks?" + viewQuery(v.Filters).Encode()})
		}
	}
	pg := &page{Title: h.cat.T(l, "tasks.title"), Body: &body, Notice: q.Get("notice"), Error: problem}
	if body.Staff {
		pg.Scripts = append(pg.Scripts, "tasks-page.js")
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

func clone(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// withPage is the list's query with a paging cursor and the page number it leads to.
func withPage(query url.Values, name, cursor string, page int) string {
	v := clone(query)
	v.Set(name, cursor)
	v.Set("p", strconv.Itoa(page))
	return v.Encode()
}

// viewQuery is a saved view's filters as the workspace's query (what it keeps, nothing else).
func viewQuery(filters map[string]string) url.Values {
	v := url.Values{}
	for k, x := range filters {
		if k == "status" || slices.Contains(listParams, k) {
			v.Set(k, x)
		}
	}
	return v
}

// taskRow words a listed case's deadline and what waits on it.
func (h *Handler) taskRow(l Lang, c cases.CaseSummary, now time.Time, names namer) taskRow {
	row := taskRow{CaseSummary: c, Reported: shortTime(l, c.CreatedAt, now)}
	if c.Due != nil {
		row.DueAt = shortTime(l, *c.Due, now)
		d := c.Due.Sub(now)
		row.Late = d < 0
		key := "tasks.left"
		if row.Late {
			key, d = "tasks.late", -d
		}
		row.Remain = h.cat.T(l, key, h.span(l, d))
	}
	if pd := c.Pending; pd != nil {
		dept := names("department", pd.Department)
		switch pd.Kind {
		case cases.PendingExtension:
			row.Ask = strings.TrimSpace(h.cat.T(l, "tasks.ask.extension", dept, pd.Hours))
		case cases.PendingReturn:
			row.Ask = strings.TrimSpace(h.cat.T(l, "tasks.ask.return", dept))
		case cases.PendingSuspension:
			row.Ask = h.cat.T(l, "tasks.ask.suspension")
		}
		if pd.Reason != "" {
			row.Ask += h.cat.T(l, "tasks.ask.reason", pd.Reason)
		}
	}
	return row
}

// shortTime shows a time in China time, without the year when it is this year's.
func shortTime(l Lang, tm, now time.Time) string {
	tm = tm.In(worktime.China)
	if tm.Year() != now.In(worktime.China).Year() {
		return formatTime(l, tm)
	}
	if l == English {
		return tm.Format("2 Jan 15:04")
	}
	return tm.Format("1月2日 15:04")
}

// span words a length of time roughly, as a list needs it: minutes within the hour, hours
// within two days, days beyond.
func (h *Handler) span(l Lang, d time.Duration) string {
	switch {
	case d < time.Hour:
		return h.cat.T(l, "tasks.minutes", max(int(d/time.Minute), 1))
	case d < 48*time.Hour:
		return h.cat.T(l, "tasks.hours", int(d/time.Hour))
	}
	return h.cat.T(l, "tasks.days", int(d/(24*time.Hour)))
}

// taskChoices fills the filter form's pickers for the viewer: the streets and communities of
// their scope, the categories by class, the departments that work there, the sources.
func (h *Handler) taskChoices(r *http.Request, p *access.Principal, body *tasksBody) error {
	ctx, l := r.Context(), h.lang(r)
	if p.User.Role != access.Handler && p.User.Role != access.GridWorker {
		regs, err := h.scopeRegions(r, p.User.Scope)
		if err != nil {
			return err
		}
		body.Regions = regs
	}
	cats, err := h.app.Settings.Categories(ctx, p)
	if err != nil {
		return err
	}
	var group *choiceGroup
	for _, c := range cats {
		major := string(c.Kind) + ":" + c.MajorCode
		if group == nil || group.Choices[0].Value != major {
			body.Categories = append(body.Categories, choiceGroup{Label: h.cat.T(l, "kind."+string(c.Kind)) + " · " + c.MajorName,
				Choices: []choice{{Value: major, Label: h.cat.T(l, "tasks.cat.major", c.MajorName)}}})
			group = &body.Categories[len(body.Categories)-1]
		}
		group.Choices = append(group.Choices, choice{Value: string(c.Kind) + ":" + c.Code, Label: c.Name})
	}
	if p.User.Role != access.Handler {
		depts, err := h.app.Settings.Departments(ctx)
		if err != nil {
			return err
		}
		scope := p.User.Scope
		for _, d := range depts {
			// The departments that work in the viewer's scope: its own and those above or below.
			if scope == "" || strings.HasPrefix(scope, d.RegionCode) || strings.HasPrefix(d.RegionCode, scope) {
				body.Departments = append(body.Departments, choice{Value: d.Code, Label: d.Name})
			}
		}
	}
	for _, s := range cases.Sources() {
		body.Sources = append(body.Sources, choice{Value: s, Label: h.cat.T(l, "source."+s)})
	}
	return nil
}

// maxRegionChoices bounds the region picker: a district's streets and communities fit, a
// whole city's communities do not (its districts and streets do).
const maxRegionChoices = 400

// scopeRegions lists the regions under a scope the viewer may narrow to, a level or two down
// to the communities (unit grids are too many to pick from), each named with its parent's
// indent.
func (h *Handler) scopeRegions(r *http.Request, scope string) ([]choice, error) {
	ctx := r.Context()
	var out []choice
	var walk func(code string, depth int) error
	walk = func(code string, depth int) error {
		kids, err := h.app.Regions.RegionChildren(ctx, code, false)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if k.Level == grid.Grid || len(out) >= maxRegionChoices {
				return nil
			}
			out = append(out, choice{Value: k.Code, Label: strings.Repeat("　", depth) + k.Name})
			if depth == 0 && k.Level != grid.Community {
				if err := walk(k.Code, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(scope, 0); err != nil && !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	return out, nil
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
	q := backTo(r.PostFormValue("back"))
	q.Set("status", r.PostFormValue("status"))
	q.Set("notice", h.cat.T(l, "tasks.bulk.done", done, h.cat.T(l, "action."+string(action))))
	if len(refused) > 0 {
		q.Set("problem", h.cat.T(l, "tasks.bulk.refused", len(refused))+" "+strings.Join(refused, "; "))
	}
	http.Redirect(w, r, "/tasks?"+q.Encode(), http.StatusSeeOther)
}

// decide answers a request from its row in the list (approve or deny an extension asked),
// through the same use case as the case page, and goes back to the list where it was.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	l := h.lang(r)
	f := r.PostForm
	action := workflow.Action(f.Get("action"))
	if !slices.Contains(decisions, action) {
		h.errorPage(w, r, http.StatusUnprocessableEntity, errs.Refuse(errs.Invalid, "not_decision", errs.Params{"action": string(action)}, "%s is not a decision the list offers", action))
		return
	}
	id, err := strconv.ParseInt(f.Get("case"), 10, 64)
	if err != nil {
		h.errorPage(w, r, 0, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %q not found", f.Get("case")))
		return
	}
	var version *int
	if v, err := strconv.Atoi(f.Get("version")); err == nil {
		version = &v
	}
	in := workflow.Input{Reason: f.Get("reason")}
	if action == workflow.ApproveExtension {
		in.Hours, _ = strconv.Atoi(f.Get("hours"))
	}
	q := backTo(f.Get("back"))
	c, err := h.app.Cases.Act(r.Context(), p, id, string(action), version, in)
	switch {
	case err == nil:
		q.Set("notice", h.cat.T(l, "tasks.decided", h.cat.T(l, "action."+string(action)), c.Ticket))
	case statusOf(err) >= 500 || errs.Is(err, errs.NotFound):
		h.errorPage(w, r, 0, err)
		return
	default:
		q.Set("problem", h.problem(r, err))
	}
	http.Redirect(w, r, "/tasks?"+q.Encode(), http.StatusSeeOther)
}

// backTo is the list a form came from (its query as the page gave it), keeping only the
// workspace's own parameters.
func backTo(raw string) url.Values {
	in, _ := url.ParseQuery(raw)
	out := url.Values{}
	for k, vs := range in {
		if len(vs) > 0 && (k == "status" || k == "cursor" || k == "before" || k == "p" || slices.Contains(listParams, k)) {
			out.Set(k, vs[0])
		}
	}
	return out
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
	if len(code) == 2 {
		for _, c := range cats {
			if c.MajorCode == code && (kind == "" || string(c.Kind) == kind) {
				return c.MajorName
			}
		}
	}
	return code
}
