package httpapi

import (
	_ "embed"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

// route is one API endpoint. The table is the single list of endpoints: the mux is built from
// it and a test holds the OpenAPI document to it.
type route struct {
	method, path string
	handler      http.Handler
}

func (s *Handler) routes() []route {
	return []route{
		{"GET", "/api/v1/openapi.json", http.HandlerFunc(s.openAPI)},
		{"POST", "/api/v1/auth/login", http.HandlerFunc(s.login)},
		{"POST", "/api/v1/auth/logout", s.signedIn(s.logout)},
		{"GET", "/api/v1/me", s.signedIn(s.me)},
		{"GET", "/api/v1/users", s.signedIn(s.listUsers)},
		{"POST", "/api/v1/users", s.signedIn(s.addUser)},
		{"PATCH", "/api/v1/users/{username}", s.signedIn(s.updateUser)},
		{"POST", "/api/v1/tokens", s.signedIn(s.createToken)},
		{"DELETE", "/api/v1/tokens/{id}", s.signedIn(s.revokeToken)},
		{"POST", "/api/v1/attachments", http.HandlerFunc(s.uploadAttachment)},
		{"GET", "/api/v1/attachments/{id}", http.HandlerFunc(s.getAttachment)},
		{"POST", "/api/v1/cases", http.HandlerFunc(s.reportCase)},
		{"GET", "/api/v1/cases", s.signedIn(s.listCases)},
		{"GET", "/api/v1/cases/{id}", http.HandlerFunc(s.getCase)},
		{"POST", "/api/v1/cases/{id}/actions", http.HandlerFunc(s.actOnCase)},
		{"POST", "/api/v1/cases/urge", s.signedIn(s.urgeCases)},
		{"POST", "/api/v1/follows", http.HandlerFunc(s.follow)},
		{"GET", "/api/v1/views", s.signedIn(s.listViews)},
		{"POST", "/api/v1/views", s.signedIn(s.saveView)},
		{"DELETE", "/api/v1/views/{id}", s.signedIn(s.deleteView)},
		{"GET", "/api/v1/categories", http.HandlerFunc(s.listCategories)},
		{"GET", "/api/v1/departments", http.HandlerFunc(s.listDepartments)},
		{"GET", "/api/v1/rules", s.signedIn(s.listRules)},
		{"GET", "/api/v1/route", s.signedIn(s.suggestRoute)},
		{"GET", "/api/v1/dispatch/rules/test", s.signedIn(s.testRules)},
		{"GET", "/api/v1/events", s.signedIn(s.events)},
		{"GET", "/api/v1/locate", http.HandlerFunc(s.locate)},
		{"GET", "/api/v1/regions", http.HandlerFunc(s.listRegions)},
		{"GET", "/api/v1/basemap", http.HandlerFunc(s.baseMap)},
		{"GET", "/api/v1/places", http.HandlerFunc(s.places)},
		{"GET", "/api/v1/map/tiles", s.signedIn(s.getMapTiles)},
		{"PUT", "/api/v1/map/tiles", s.signedIn(s.putMapTiles)},
		{"GET", "/api/v1/regions/{code}", http.HandlerFunc(s.getRegion)},
		{"GET", "/api/v1/regions/{code}/members", s.signedIn(s.listMembers)},
		{"PUT", "/api/v1/regions/{code}/members/{username}", s.signedIn(s.putMember)},
		{"DELETE", "/api/v1/regions/{code}/members/{username}", s.signedIn(s.deleteMember)},
		{"GET", "/api/v1/time-limits", s.signedIn(s.listTimeLimits)},
		{"PUT", "/api/v1/time-limits", s.signedIn(s.putTimeLimits)},
		{"GET", "/api/v1/calendar/overrides", s.signedIn(s.listCalendarOverrides)},
		{"PUT", "/api/v1/calendar/overrides/{date}", s.signedIn(s.putCalendarOverride)},
		{"DELETE", "/api/v1/calendar/overrides/{date}", s.signedIn(s.deleteCalendarOverride)},
		{"GET", "/api/v1/calendar/office-hours", s.signedIn(s.getOfficeHours)},
		{"PUT", "/api/v1/calendar/office-hours", s.signedIn(s.putOfficeHours)},
		{"GET", "/api/v1/notifications", s.signedIn(s.listNotifications)},
		{"POST", "/api/v1/notifications/read", s.signedIn(s.readNotifications)},
		{"GET", "/api/v1/webhooks", s.signedIn(s.listWebhooks)},
		{"POST", "/api/v1/webhooks", s.signedIn(s.addWebhook)},
		{"DELETE", "/api/v1/webhooks/{id}", s.signedIn(s.disableWebhook)},
		{"GET", "/api/v1/deliveries", s.signedIn(s.listDeliveries)},
		{"GET", "/api/v1/stats", s.signedIn(s.stats)},
		{"GET", "/api/v1/stats/trend", s.signedIn(s.statsTrend)},
		{"GET", "/api/v1/eval/weights", s.signedIn(s.getEvalWeights)},
		{"PUT", "/api/v1/eval/weights", s.signedIn(s.putEvalWeights)},
		{"GET", "/api/v1/sites", s.signedIn(s.listSites)},
		{"POST", "/api/v1/sites", s.signedIn(s.addSite)},
		{"GET", "/api/v1/assessment/standards", s.signedIn(s.listStandards)},
		{"GET", "/api/v1/assessment/rounds", s.signedIn(s.listRounds)},
		{"POST", "/api/v1/assessment/rounds", s.signedIn(s.createRound)},
		{"GET", "/api/v1/assessment/rounds/{id}", s.signedIn(s.getRound)},
		{"GET", "/api/v1/assessment/rounds/{id}/results", s.signedIn(s.roundResults)},
		{"GET", "/api/v1/assessment/trend", s.signedIn(s.roundsTrend)},
		{"GET", "/api/v1/assessment/inspections/{id}", s.signedIn(s.getInspection)},
		{"PUT", "/api/v1/assessment/inspections/{id}/items/{code}", s.signedIn(s.markItem)},
		{"POST", "/api/v1/assessment/inspections/{id}/submit", s.signedIn(s.submitInspection)},
		{"GET", "/api/v1/assessment/tasks", s.signedIn(s.assessmentTasks)},
		{"POST", "/api/v1/assessment/reinspections/{case}", s.signedIn(s.reinspect)},
		{"GET", "/api/v1/campaigns", s.signedIn(s.listCampaigns)},
		{"POST", "/api/v1/campaigns", s.signedIn(s.createCampaign)},
		{"GET", "/api/v1/campaigns/{id}", s.campaign(s.getCampaign)},
		{"GET", "/api/v1/campaigns/{id}/targets", s.campaign(s.listTargets)},
		{"POST", "/api/v1/campaigns/{id}/targets", s.campaign(s.addTargets)},
		{"GET", "/api/v1/campaigns/{id}/targets/{tid}", s.campaign(s.getTarget)},
		{"POST", "/api/v1/campaigns/{id}/targets/{tid}/actions", s.campaign(s.actOnTarget)},
		{"GET", "/api/v1/campaigns/{id}/progress", s.campaign(s.campaignProgress)},
		{"GET", "/api/v1/campaigns/{id}/burndown", s.campaign(s.campaignBurndown)},
		{"POST", "/api/v1/exports", s.signedIn(s.startExport)},
		{"GET", "/api/v1/exports/{id}", s.signedIn(s.getExport)},
		{"GET", "/api/v1/exports/{id}/file", s.signedIn(s.getExportFile)},
	}
}

//go:embed openapi.json
var openAPIDoc []byte

func (s *Handler) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Username == "" || in.Password == "" {
		s.fail(w, r, errs.E(errs.Invalid, "username and password are required"))
		return
	}
	sess, err := s.app.People.Login(r.Context(), in.Username, in.Password, httpx.ClientAddr(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	httpx.SetSession(w, r, s.cfg.SecureCookies, sess.Secret, sess.ExpiresAt)
	writeJSON(w, http.StatusOK, map[string]any{"user": sess.User, "expires_at": sess.ExpiresAt})
}

func (s *Handler) logout(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if p.Via == "session" {
		if secret := httpx.SessionSecret(r); secret != "" {
			if err := s.app.People.Logout(r.Context(), p, secret); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	httpx.ClearSession(w, r, s.cfg.SecureCookies)
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	access.User
	Via       string        `json:"via"`
	ScopePath []grid.Region `json:"scope_path"`
}

func (s *Handler) me(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	out := meResponse{User: p.User, Via: p.Via, ScopePath: []grid.Region{}}
	if p.User.Scope != "" {
		path, err := s.app.Regions.RegionPath(r.Context(), p.User.Scope)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.ScopePath = path
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Handler) listUsers(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	users, err := s.app.People.ListUsers(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, users)
}

func (s *Handler) addUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in people.NewUser
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.app.People.AddUser(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// updateUser changes a user's display name, role, scope and department, all four given.
func (s *Handler) updateUser(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in people.UserChange
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.app.People.UpdateUser(r.Context(), p, r.PathValue("username"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

type tokenRequest struct {
	Name     string `json:"name"`
	Username string `json:"username"` // whose token; default the caller
}

type tokenResponse struct {
	ID        int64     `json:"id"`
	Token     string    `json:"token"`
	Name      string    `json:"name"`
	Username  string    `json:"username"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Handler) createToken(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in tokenRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Username == "" {
		in.Username = p.User.Username
	}
	secret, tok, err := s.app.People.CreateToken(r.Context(), p, in.Username, in.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenResponse{ID: tok.ID, Token: secret, Name: tok.Name, Username: tok.Username, CreatedAt: tok.CreatedAt})
}

func (s *Handler) revokeToken(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, errs.E(errs.NotFound, "token %q not found", r.PathValue("id")))
		return
	}
	if err := s.app.People.RevokeToken(r.Context(), p, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) listCategories(w http.ResponseWriter, r *http.Request) {
	cats, err := s.app.Settings.Categories(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if kind := r.URL.Query().Get("kind"); kind != "" {
		k, err := workflow.ParseCategoryKind(kind)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cats = slices.DeleteFunc(cats, func(c workflow.Category) bool { return c.Kind != k })
	}
	writeJSON(w, http.StatusOK, cats)
}
