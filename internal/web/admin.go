package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The admin pages: users and roles, departments, categories, dispatch rules, regions and grid
// members, and (settings.go) the city-wide settings. Every change goes through the use cases,
// which check the admin's rights and scope and write the audit record; the pages only show and
// collect, and offer a scoped admin only what lies inside their scope.

type adminBody struct {
	Section  string
	Sections []adminSection
	CityWide bool // an unscoped admin, who edits the city-wide tables
	Users    usersBody
	Depts    deptsBody
	Rules    rulesBody
	Cats     catsBody
	Regions  regionsBody
	Settings settingsBody
	Site     siteBody
}

// pickOption is one choice of a picker: the value posted, its label and a secondary line
// (the code, the place it belongs to).
type pickOption struct {
	V string `json:"v"`
	L string `json:"l"`
	S string `json:"s,omitempty"`
}

// picker is a search box that chooses a value by name: from the options of JSON scripts on the
// page (Options, their ids) or from the server as one types (Src).
type picker struct {
	ID, Name     string
	Value, Label string // the value chosen now and its label
	Src          string
	Options      string
	Any          string // the label of choosing nothing; "" when a choice is needed
	Required     string // what to say when nothing is chosen
	Placeholder  string
}

// pager is one page of a long list, with links to its neighbours.
type pager struct {
	Page, Pages, Total int
	Prev, Next         string
}

// paginate cuts total items into pages of size and links page's neighbours (path with the
// query q and the page number).
func paginate(total, page, size int, path string, q url.Values) (p pager, from, to int) {
	p.Total, p.Pages = total, max(1, (total+size-1)/size)
	p.Page = min(max(page, 1), p.Pages)
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && k != "notice" {
				v[k] = vs
			}
		}
		v.Set("page", strconv.Itoa(n))
		return path + "?" + v.Encode()
	}
	if p.Page > 1 {
		p.Prev = link(p.Page - 1)
	}
	if p.Page < p.Pages {
		p.Next = link(p.Page + 1)
	}
	from = (p.Page - 1) * size
	return p, min(from, total), min(from+size, total)
}

func (h *Handler) adminRoutes() {
	m := h.mux
	m.HandleFunc("GET /admin", h.signedIn(func(w http.ResponseWriter, r *http.Request, p *access.Principal) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /admin/{section}", h.signedIn(h.admin))
	m.HandleFunc("GET /admin/users/{username}", h.signedIn(h.adminUser))
	m.HandleFunc("POST /admin/users", h.signedIn(h.adminAddUser))
	m.HandleFunc("POST /admin/users/{username}", h.signedIn(h.adminUpdateUser))
	m.HandleFunc("POST /admin/users/{username}/password", h.signedIn(h.adminResetPassword))
	m.HandleFunc("POST /admin/users/{username}/disabled", h.signedIn(h.adminDisableUser))
	m.HandleFunc("POST /admin/departments", h.signedIn(h.adminPutDepartment))
	m.HandleFunc("POST /admin/categories", h.signedIn(h.adminPutCategory))
	m.HandleFunc("POST /admin/regions/{code}/members", h.signedIn(h.adminPutMember))
	m.HandleFunc("POST /admin/regions/{code}/members/{username}/remove", h.signedIn(h.adminRemoveMember))
	m.HandleFunc("GET /admin/pick/regions", h.signedIn(h.pickRegions))
	m.HandleFunc("GET /admin/pick/users", h.signedIn(h.pickUsers))
	h.rulesRoutes()
	h.settingsRoutes()
}

// admin shows one section; people other than admins are told they may not.
func (h *Handler) admin(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showAdmin(w, r, p, http.StatusOK, r.PathValue("section"), "")
}

func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showAdmin(w, r, p, http.StatusOK, "user", "")
}

func adminsOnly() error {
	return errs.Refuse(errs.Forbidden, "admins_only", nil, "the admin pages are for admins")
}

func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, section, problem string) {
	if !p.IsAdmin() {
		h.errorPage(w, r, 0, adminsOnly())
		return
	}
	ctx := r.Context()
	body := adminBody{Section: section, Sections: adminSections(p), CityWide: p.System || p.User.Scope == ""}
	var posted url.Values
	if r.Method == http.MethodPost {
		posted = r.PostForm
	}
	var err error
	switch section {
	case "users", "user":
		err = h.usersSection(ctx, r, p, section == "user", posted, &body.Users)
	case "departments":
		err = h.deptsSection(ctx, r, p, posted, &body.Depts)
	case "rules":
		err = h.rulesSection(ctx, r, p, posted, &body.Rules)
	case "categories":
		err = h.catsSection(ctx, r, p, &body.Cats)
	case "regions":
		err = h.regionsSection(ctx, r, p, posted, &body.Regions)
	case "site":
		err = h.siteSection(ctx, h.lang(r), p, posted, &body.Site)
	default:
		err = h.settingsSection(ctx, h.lang(r), p, section, posted, &body.Settings)
	}
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	title := "admin." + strings.ReplaceAll(section, "-", "_")
	if section == "user" {
		title = "admin.user.edit"
	}
	pg := &page{Title: h.cat.T(h.lang(r), title), Body: body, Error: problem,
		Notice: r.URL.Query().Get("notice"), Scripts: []string{"picker.js", "admin.js"}}
	if body.Regions.Map != nil {
		pg.Styles = []string{"vendor/leaflet/leaflet.css"}
		pg.Scripts = []string{"vendor/leaflet/leaflet.js", "map.js", "picker.js", "admin.js"}
	}
	h.render(w, r, status, "admin.html", pg)
}

// adminDone goes back to a page with a notice, or shows the section again with the refusal.
func (h *Handler) adminDone(w http.ResponseWriter, r *http.Request, p *access.Principal, section, back string, err error) {
	if err != nil {
		// A refusal of who one is (or a failure) is no form to correct: only the reason is shown.
		if status := statusOf(err); status >= 500 || status == http.StatusForbidden {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showAdmin(w, r, p, statusOf(err), section, h.problem(r, err))
		return
	}
	if back == "" {
		back = "/admin/" + section + "?"
	}
	http.Redirect(w, r, back+"notice="+url.QueryEscape(h.cat.T(h.lang(r), "admin.saved")), http.StatusSeeOther)
}

// pickedCode is the code a picker posted: its hidden value, else (a browser without scripts)
// the code in the typed text "name（code）", else the text itself.
func pickedCode(f url.Values, name string) string {
	if v := strings.TrimSpace(f.Get(name)); v != "" {
		return v
	}
	q := strings.TrimSpace(f.Get(name + "_q"))
	if m := codeInLabel.FindStringSubmatch(q); m != nil {
		return m[1]
	}
	return q
}

var codeInLabel = regexp.MustCompile(`[（(]\s*([0-9A-Za-z._:-]+)\s*[)）]\s*$`)

// regionLabel is how a picker shows a chosen region: its name with its code.
func (h *Handler) regionLabel(names namer, code string) string {
	if code == "" {
		return ""
	}
	if n := names("region", code); n != code {
		return n + "（" + code + "）"
	}
	return code
}

// Users.

// roleOrder is the roles from the least privilege to the most: a new user's role starts at the
// least the admin may give.
var roleOrder = []access.Role{access.Resident, access.Inspector, access.GridWorker, access.Handler, access.Operator,
	access.Dispatcher, access.Leader, access.Admin}

// rolesFor are the roles an admin may give: a scoped admin manages no residents (who have no
// scope).
func rolesFor(p *access.Principal) []access.Role {
	if p.System || p.User.Scope == "" {
		return roleOrder
	}
	return roleOrder[1:]
}

const usersPerPage = 50

type usersBody struct {
	Rows      []userRow
	Pager     pager
	Q, Role   string
	State     string // "", "active" or "disabled"
	Roles     []access.Role
	Depts     []pickOption
	Form      url.Values // a refused add's values
	Scope     picker     // the add form's (or the edited user's) scope
	Dept      picker
	Edit      *userRow // the user the edit page is about
	Self      bool     // the edit page is the admin's own
	NewRole   string   // the role the add form starts with
	AddFailed bool
}

type userRow struct {
	access.User
	ScopeName, DeptName string
}

func (h *Handler) usersSection(ctx context.Context, r *http.Request, p *access.Principal, edit bool, posted url.Values, b *usersBody) error {
	names := h.names(ctx)
	depts, err := h.app.Settings.ManagedDepartments(ctx, p)
	if err != nil {
		return err
	}
	for _, d := range depts {
		b.Depts = append(b.Depts, pickOption{V: d.Code, L: d.Name, S: d.Code + " · " + names("region", d.RegionCode)})
	}
	b.Roles = rolesFor(p)
	row := func(u access.User) userRow {
		ur := userRow{User: u}
		if u.Scope != "" {
			ur.ScopeName = names("region", u.Scope)
		}
		if u.Department != "" {
			ur.DeptName = names("department", u.Department)
		}
		return ur
	}
	form := posted
	if form == nil {
		form = url.Values{}
	}
	scope, dept := pickedCode(form, "scope"), pickedCode(form, "department")
	if edit {
		username := r.PathValue("username")
		all, err := h.app.People.ListUsers(ctx, p)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(u access.User) bool { return u.Username == username })
		if i < 0 {
			return errs.Refuse(errs.NotFound, "no_user", errs.Params{"username": username}, "no user %q in your scope", username)
		}
		ur := row(all[i])
		b.Edit, b.Self = &ur, !p.System && p.User.ID == ur.ID
		b.Form = url.Values{"display_name": {ur.DisplayName}, "role": {string(ur.Role)}}
		scope, dept = ur.Scope, ur.Department
		if posted != nil && posted.Has("role") {
			b.Form, scope, dept = posted, pickedCode(posted, "scope"), pickedCode(posted, "department")
		}
	} else {
		all, err := h.app.People.ListUsers(ctx, p)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		b.Q, b.Role, b.State = strings.TrimSpace(q.Get("q")), q.Get("role"), q.Get("state")
		var rows []access.User
		for _, u := range all {
			if b.Q != "" && !strings.Contains(strings.ToLower(u.Username), strings.ToLower(b.Q)) && !strings.Contains(u.DisplayName, b.Q) {
				continue
			}
			if (b.Role != "" && string(u.Role) != b.Role) || (b.State == "active" && u.Disabled) || (b.State == "disabled" && !u.Disabled) {
				continue
			}
			rows = append(rows, u)
		}
		page, _ := strconv.Atoi(q.Get("page"))
		var from, to int
		b.Pager, from, to = paginate(len(rows), page, usersPerPage, "/admin/users", q)
		for _, u := range rows[from:to] {
			b.Rows = append(b.Rows, row(u))
		}
		b.Form, b.AddFailed = form, posted != nil && posted.Has("username")
		b.NewRole = form.Get("role")
		if b.NewRole == "" {
			b.NewRole = string(b.Roles[0])
		}
	}
	b.Scope = picker{ID: "u-scope", Name: "scope", Value: scope, Label: h.regionLabel(names, scope), Src: "/admin/pick/regions",
		Any: h.cat.T(h.lang(r), "picker.none_chosen"), Placeholder: h.cat.T(h.lang(r), "picker.region")}
	b.Dept = picker{ID: "u-dept", Name: "department", Value: dept, Options: "dept-options",
		Any: h.cat.T(h.lang(r), "picker.none_chosen"), Placeholder: h.cat.T(h.lang(r), "picker.department")}
	if dept != "" {
		b.Dept.Label = names("department", dept)
	}
	return nil
}

func (h *Handler) adminAddUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	f := r.PostForm
	_, err := h.app.People.AddUser(r.Context(), p, people.NewUser{Username: strings.TrimSpace(f.Get("username")), DisplayName: f.Get("display_name"),
		Role: f.Get("role"), Scope: pickedCode(f, "scope"), Department: pickedCode(f, "department"), Password: f.Get("password")})
	h.adminDone(w, r, p, "users", "", err)
}

func (h *Handler) adminUpdateUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	f := r.PostForm
	username := r.PathValue("username")
	_, err := h.app.People.UpdateUser(r.Context(), p, username, people.UserChange{DisplayName: f.Get("display_name"), Role: f.Get("role"),
		Scope: pickedCode(f, "scope"), Department: pickedCode(f, "department")})
	h.adminDone(w, r, p, "user", "/admin/users/"+url.PathEscape(username)+"?", err)
}

// adminResetPassword sets a new password for a user in the admin's scope; the user's
// sessions end and their tokens are revoked (the use case's rule).
func (h *Handler) adminResetPassword(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	username := r.PathValue("username")
	if !p.IsAdmin() {
		h.errorPage(w, r, 0, adminsOnly())
		return
	}
	err := h.app.People.SetPassword(r.Context(), p, username, r.PostFormValue("password"))
	h.adminDone(w, r, p, "user", "/admin/users/"+url.PathEscape(username)+"?", err)
}

func (h *Handler) adminDisableUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	username := r.PathValue("username")
	_, err := h.app.People.SetDisabled(r.Context(), p, username, r.PostFormValue("disabled") == "1")
	back := localPath(r.PostFormValue("back"), "/admin/users")
	if !strings.Contains(back, "?") {
		back += "?"
	} else {
		back += "&"
	}
	h.adminDone(w, r, p, "users", back, err)
}

// pickRegions answers a region picker: the regions in the admin's scope whose name holds q
// (or whose code starts with it), of the levels asked (levels=district,subdistrict).
func (h *Handler) pickRegions(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if !p.IsAdmin() {
		h.pickRefused(w, r, adminsOnly())
		return
	}
	q := r.URL.Query()
	var levels []grid.Level
	for _, l := range strings.Split(q.Get("levels"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			levels = append(levels, grid.Level(l))
		}
	}
	found, err := h.app.Regions.SearchRegions(r.Context(), p, q.Get("q"), levels, 30)
	if err != nil {
		h.pickRefused(w, r, err)
		return
	}
	l := h.lang(r)
	out := make([]pickOption, 0, len(found))
	for _, f := range found {
		var above []string
		for _, a := range f.Path[:len(f.Path)-1] {
			above = append(above, a.Name)
		}
		s := h.cat.T(l, "level."+string(f.Level)) + " " + f.Code
		if len(above) > 0 {
			s += " · " + strings.Join(above, " › ")
		}
		out = append(out, pickOption{V: f.Code, L: f.Name + "（" + f.Code + "）", S: s})
	}
	writePicks(w, out)
}

// pickUsers answers a person picker: the users in the admin's scope whose username or name
// holds q, of the role asked (role=gridworker), enabled ones only.
func (h *Handler) pickUsers(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	users, err := h.app.People.ListUsers(r.Context(), p)
	if err != nil {
		h.pickRefused(w, r, err)
		return
	}
	q := r.URL.Query()
	text, role := strings.TrimSpace(q.Get("q")), q.Get("role")
	l := h.lang(r)
	out := []pickOption{}
	for _, u := range users {
		if u.Disabled || u.Role == access.Resident || (role != "" && string(u.Role) != role) {
			continue
		}
		if text != "" && !strings.Contains(strings.ToLower(u.Username), strings.ToLower(text)) && !strings.Contains(u.DisplayName, text) {
			continue
		}
		label := personName(u)
		out = append(out, pickOption{V: u.Username, L: label, S: u.Username + " · " + h.cat.T(l, "role."+string(u.Role))})
		if len(out) == 30 {
			break
		}
	}
	writePicks(w, out)
}

// personName is how lists name a person: the display name, else the username.
func personName(u access.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}

func writePicks(w http.ResponseWriter, out []pickOption) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, out)
}

// pickRefused answers a picker's request that is refused, in JSON: the picker shows nothing.
func (h *Handler) pickRefused(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteJSON(w, statusOf(err), map[string]any{"error": h.problem(r, err)})
}

// Departments.

type deptsBody struct {
	Rows   []deptRow
	Form   url.Values
	Region picker
	Failed bool
}

type deptRow struct {
	workflow.Department
	RegionName string
}

func (h *Handler) deptsSection(ctx context.Context, r *http.Request, p *access.Principal, posted url.Values, b *deptsBody) error {
	names := h.names(ctx)
	depts, err := h.app.Settings.ManagedDepartments(ctx, p)
	if err != nil {
		return err
	}
	for _, d := range depts {
		b.Rows = append(b.Rows, deptRow{Department: d, RegionName: names("region", d.RegionCode)})
	}
	b.Form = posted
	if b.Form == nil {
		b.Form = url.Values{"level": {"district"}}
	}
	b.Failed = posted != nil
	code := pickedCode(b.Form, "region_code")
	b.Region = picker{ID: "d-region", Name: "region_code", Value: code, Label: h.regionLabel(names, code),
		Src: "/admin/pick/regions?levels=city,district,subdistrict", Required: h.cat.T(h.lang(r), "picker.required")}
	return nil
}

func (h *Handler) adminPutDepartment(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	f := r.PostForm
	d := workflow.Department{Code: strings.TrimSpace(f.Get("code")), Name: strings.TrimSpace(f.Get("name")),
		Level: grid.Level(f.Get("level")), RegionCode: pickedCode(f, "region_code")}
	h.adminDone(w, r, p, "departments", "", h.app.Settings.PutDepartments(r.Context(), p, []workflow.Department{d}))
}

// Categories.

const catsPerPage = 30

type catsBody struct {
	Rows  []workflow.Category
	Pager pager
	Q     string
	Kind  string
}

func (h *Handler) catsSection(ctx context.Context, r *http.Request, p *access.Principal, b *catsBody) error {
	all, err := h.app.Settings.Categories(ctx, p)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	b.Q, b.Kind = strings.TrimSpace(q.Get("q")), q.Get("kind")
	var rows []workflow.Category
	for _, c := range all {
		if b.Kind != "" && string(c.Kind) != b.Kind {
			continue
		}
		if b.Q == "" || strings.Contains(c.Name, b.Q) || strings.Contains(c.MajorName, b.Q) || strings.HasPrefix(c.Code, b.Q) {
			rows = append(rows, c)
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	var from, to int
	b.Pager, from, to = paginate(len(rows), page, catsPerPage, "/admin/categories", q)
	b.Rows = rows[from:to]
	return nil
}

// adminPutCategory changes a category's handling flags and conditions; its code, kind and
// name stay as the dictionary has them.
func (h *Handler) adminPutCategory(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	cats, err := h.app.Settings.Categories(r.Context(), p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	key := r.PostFormValue("key")
	for _, c := range cats {
		if string(c.Kind)+":"+c.Code != key {
			continue
		}
		c.Public, c.Sensitive = r.PostFormValue("public") == "1", r.PostFormValue("sensitive") == "1"
		c.VerificationRequired = r.PostFormValue("verification_required") == "1"
		c.FilingCondition, c.ClosingCondition = r.PostFormValue("filing_condition"), r.PostFormValue("closing_condition")
		_, err := h.app.Settings.ImportCategories(r.Context(), p, []workflow.Category{c})
		h.adminDone(w, r, p, "categories", "/admin/categories?q="+url.QueryEscape(c.Code)+"&kind="+url.QueryEscape(string(c.Kind))+"&", err)
		return
	}
	h.adminDone(w, r, p, "categories", "", errs.Refuse(errs.Invalid, "no_category", errs.Params{"category": key}, "no category %q", key))
}

// Regions and grid members.

type regionsBody struct {
	Region   regions.RegionView
	Children []childRow
	Counts   *regions.RegionCount // nil outside a scoped admin's scope
	Members  []memberRow
	Person   picker
	Role     string // a refused member's role, shown again
	Map      *regionMap
}

// regionMap is the region on a map: its outline and its children's, each with its counts, the
// children coloured by their grids without a member (static/admin.js draws it).
type regionMap struct {
	Base     *mapBase          `json:"base"`
	Region   json.RawMessage   `json:"region,omitempty"`
	Children []regionMapChild  `json:"children"`
	Words    map[string]string `json:"words"`
}

type regionMapChild struct {
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Grid    bool            `json:"grid"`
	Counted bool            `json:"counted"` // false outside a scoped admin's scope
	Grids   int             `json:"grids"`
	Members int             `json:"members"`
	Vacant  int             `json:"vacant"`
	Shape   json.RawMessage `json:"shape"`
}

type childRow struct {
	grid.Region
	Counts *regions.RegionCount
}

type memberRow struct {
	regions.GridMember
	Name string
}

func (h *Handler) regionsSection(ctx context.Context, r *http.Request, p *access.Principal, posted url.Values, b *regionsBody) error {
	code := r.URL.Query().Get("code")
	if code == "" {
		if p.User.Scope != "" && !p.System {
			code = p.User.Scope
		} else if roots, err := h.app.Regions.RegionChildren(ctx, "", false); err == nil && len(roots) > 0 {
			code = roots[0].Code
		}
	}
	var err error
	if b.Region, err = h.app.Regions.Region(ctx, code, false); err != nil {
		return err
	}
	kids, err := h.app.Regions.RegionChildren(ctx, code, false)
	if err != nil {
		return err
	}
	codes := []string{code}
	for _, k := range kids {
		codes = append(codes, k.Code)
	}
	counts, err := h.app.Regions.RegionCounts(ctx, p, codes)
	if err != nil {
		return err
	}
	known := func(code string) *regions.RegionCount {
		if n, ok := counts[code]; ok {
			return &n
		}
		return nil
	}
	b.Counts = known(code)
	for _, k := range kids {
		b.Children = append(b.Children, childRow{Region: k, Counts: known(k.Code)})
	}
	if b.Map, err = h.regionMap(r, b); err != nil {
		return err
	}
	if b.Region.Level == grid.Grid {
		ms, err := h.app.Regions.GridMembers(ctx, p, code)
		if err != nil {
			return err
		}
		users, err := h.app.People.ListUsers(ctx, p)
		if err != nil {
			return err
		}
		byName := map[string]access.User{}
		for _, u := range users {
			byName[u.Username] = u
		}
		for _, m := range ms {
			name := m.Username
			if u, ok := byName[m.Username]; ok {
				name = personName(u)
			}
			b.Members = append(b.Members, memberRow{GridMember: m, Name: name})
		}
		b.Person = picker{ID: "m-username", Name: "username", Src: "/admin/pick/users", Required: h.cat.T(h.lang(r), "picker.required"),
			Placeholder: h.cat.T(h.lang(r), "picker.person")}
		b.Role = "worker"
		if posted != nil {
			b.Person.Value = pickedCode(posted, "username")
			b.Person.Label = posted.Get("username_q")
			b.Role = posted.Get("role")
		}
	}
	return nil
}

// regionMap draws the region and its children from the base layer's outlines, which are
// already simplified for the map; a region the layer has no outline for is left off the map
// (its row in the table still counts it), and the map is left out when none has one.
func (h *Handler) regionMap(r *http.Request, b *regionsBody) (*regionMap, error) {
	ls, err := h.app.Maps.Layers(r.Context())
	if err != nil {
		return nil, err
	}
	l := h.lang(r)
	m := &regionMap{Base: h.mapBase(r), Children: []regionMapChild{}, Words: map[string]string{}}
	if f, ok := ls.Region(b.Region.Code); ok {
		m.Region = f.GeoJSON()
	}
	for _, c := range b.Children {
		f, ok := ls.Region(c.Code)
		if !ok {
			continue
		}
		child := regionMapChild{Code: c.Code, Name: c.Name, Grid: c.Level == grid.Grid, Shape: f.GeoJSON()}
		if n := c.Counts; n != nil {
			child.Counted, child.Grids, child.Members, child.Vacant = true, n.Grids, n.Members, n.Vacant
		}
		m.Children = append(m.Children, child)
	}
	if m.Region == nil && len(m.Children) == 0 {
		return nil, nil
	}
	for _, k := range []string{"grids", "members", "vacant", "none_vacant", "grid_vacant", "grid_staffed", "not_counted"} {
		m.Words[k] = h.cat.T(l, "regions.map."+k)
	}
	return m, nil
}

func (h *Handler) adminPutMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	code := r.PathValue("code")
	r.URL.RawQuery = "code=" + url.QueryEscape(code) // a refusal shows this grid again
	err := h.app.Regions.PutGridMember(r.Context(), p, code, pickedCode(r.PostForm, "username"), r.PostFormValue("role"))
	h.adminDone(w, r, p, "regions", "/admin/regions?code="+url.QueryEscape(code)+"&", err)
}

func (h *Handler) adminRemoveMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	code := r.PathValue("code")
	r.URL.RawQuery = "code=" + url.QueryEscape(code)
	err := h.app.Regions.RemoveGridMember(r.Context(), p, code, r.PathValue("username"))
	h.adminDone(w, r, p, "regions", "/admin/regions?code="+url.QueryEscape(code)+"&", err)
}
