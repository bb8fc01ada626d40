package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The admin pages: users and roles, departments, categories, dispatch rules, regions and grid
// members. Every change goes through the use cases, which check the admin's rights and scope
// and write the audit record; the pages only show and collect.

type adminBody struct {
	Section     string
	Users       []access.User
	Roles       []access.Role
	Departments []workflow.Department
	Rules       []workflow.Rule
	Categories  []workflow.Category
	Query       string
	Region      regions.RegionView
	Children    []grid.Region
	Members     []regions.GridMember
	Sections    []adminSection
	Settings    settingsBody
}

func (h *Handler) adminRoutes() {
	m := h.mux
	m.HandleFunc("GET /admin", h.signedIn(func(w http.ResponseWriter, r *http.Request, p *access.Principal) {
		http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /admin/{section}", h.signedIn(h.admin))
	m.HandleFunc("POST /admin/users", h.signedIn(h.adminAddUser))
	m.HandleFunc("POST /admin/users/{username}/disabled", h.signedIn(h.adminDisableUser))
	m.HandleFunc("POST /admin/departments", h.signedIn(h.adminPutDepartment))
	m.HandleFunc("POST /admin/categories", h.signedIn(h.adminPutCategory))
	m.HandleFunc("POST /admin/regions/{code}/members", h.signedIn(h.adminPutMember))
	m.HandleFunc("POST /admin/regions/{code}/members/{username}/remove", h.signedIn(h.adminRemoveMember))
	h.settingsRoutes()
}

// admin shows one section; people other than admins are told they may not.
func (h *Handler) admin(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showAdmin(w, r, p, http.StatusOK, r.PathValue("section"), "")
}

func (h *Handler) showAdmin(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, section, problem string) {
	if !p.IsAdmin() {
		h.errorPage(w, r, 0, errs.Refuse(errs.Forbidden, "admins_only", nil, "the admin pages are for admins"))
		return
	}
	ctx := r.Context()
	body := adminBody{Section: section, Roles: access.Roles, Query: r.URL.Query().Get("q"), Sections: adminSections(p)}
	var err error
	switch section {
	case "users":
		body.Users, err = h.app.People.ListUsers(ctx, p)
		if err == nil {
			body.Departments, err = h.app.Settings.Departments(ctx)
		}
	case "departments":
		body.Departments, err = h.app.Settings.Departments(ctx)
	case "rules":
		body.Rules, err = h.app.Settings.Rules(ctx, p)
	case "categories":
		var all []workflow.Category
		all, err = h.app.Settings.Categories(ctx, p)
		for _, c := range all {
			if body.Query == "" || strings.Contains(c.Name, body.Query) || strings.HasPrefix(c.Code, body.Query) {
				body.Categories = append(body.Categories, c)
			}
		}
	case "regions":
		code := r.URL.Query().Get("code")
		if code == "" {
			if p.User.Scope != "" {
				code = p.User.Scope
			} else if roots, e := h.app.Regions.RegionChildren(ctx, "", false); e == nil && len(roots) > 0 {
				code = roots[0].Code
			}
		}
		if body.Region, err = h.app.Regions.Region(ctx, code, false); err == nil {
			body.Children, err = h.app.Regions.RegionChildren(ctx, code, false)
		}
		if err == nil && body.Region.Level == grid.Grid {
			body.Members, err = h.app.Regions.GridMembers(ctx, p, code)
		}
	default:
		var posted url.Values
		if r.Method == http.MethodPost {
			posted = r.PostForm
		}
		err = h.settingsSection(ctx, p, section, posted, &body.Settings)
	}
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.render(w, r, status, "admin.html", &page{Title: h.cat.T(h.lang(r), "admin."+strings.ReplaceAll(section, "-", "_")), Body: body, Error: problem,
		Notice: r.URL.Query().Get("notice")})
}

// adminDone goes back to a section with a notice, or shows it again with the refusal.
func (h *Handler) adminDone(w http.ResponseWriter, r *http.Request, p *access.Principal, section, back string, err error) {
	if err != nil {
		if statusOf(err) >= 500 {
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

func (h *Handler) adminAddUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	_ = r.ParseForm() // a bad body leaves the form empty, which AddUser refuses by name
	f := r.PostForm
	_, err := h.app.People.AddUser(r.Context(), p, people.NewUser{Username: strings.TrimSpace(f.Get("username")), DisplayName: f.Get("display_name"),
		Role: f.Get("role"), Scope: strings.TrimSpace(f.Get("scope")), Department: f.Get("department"), Password: f.Get("password")})
	h.adminDone(w, r, p, "users", "", err)
}

func (h *Handler) adminDisableUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	_, err := h.app.People.SetDisabled(r.Context(), p, r.PathValue("username"), r.PostFormValue("disabled") == "1")
	h.adminDone(w, r, p, "users", "", err)
}

func (h *Handler) adminPutDepartment(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	d := workflow.Department{Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Level: grid.Level(r.PostFormValue("level")), RegionCode: strings.TrimSpace(r.PostFormValue("region_code"))}
	h.adminDone(w, r, p, "departments", "", h.app.Settings.PutDepartments(r.Context(), p, []workflow.Department{d}))
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
		h.adminDone(w, r, p, "categories", "/admin/categories?q="+url.QueryEscape(c.Code)+"&", err)
		return
	}
	h.adminDone(w, r, p, "categories", "", errs.E(errs.Invalid, "no category %q", key))
}

func (h *Handler) adminPutMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	code := r.PathValue("code")
	r.URL.RawQuery = "code=" + url.QueryEscape(code) // a refusal shows this grid again
	err := h.app.Regions.PutGridMember(r.Context(), p, code, strings.TrimSpace(r.PostFormValue("username")), r.PostFormValue("role"))
	h.adminDone(w, r, p, "regions", "/admin/regions?code="+url.QueryEscape(code)+"&", err)
}

func (h *Handler) adminRemoveMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	code := r.PathValue("code")
	r.URL.RawQuery = "code=" + url.QueryEscape(code)
	err := h.app.Regions.RemoveGridMember(r.Context(), p, code, r.PathValue("username"))
	h.adminDone(w, r, p, "regions", "/admin/regions?code="+url.QueryEscape(code)+"&", err)
}
