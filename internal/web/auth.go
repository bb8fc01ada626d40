package web

import (
	"net/http"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

// home is the public portal: report a problem, track a ticket; signed-in staff also get their
// workspace.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	points, err := h.app.Cases.PublicMap(r.Context(), publicMapWindow, publicMapSize)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l := h.lang(r)
	body := homeBody{Map: publicMap{Cases: points, Base: h.mapBase(r), Statuses: map[workflow.Status]string{}, Blurred: h.cat.T(l, "home.map.blurred")}}
	body.Map.Lon, body.Map.Lat = h.startPoint(r, access.FromContext(r.Context()))
	for _, s := range workflow.Statuses {
		body.Map.Statuses[s] = h.cat.T(l, "status."+string(s))
	}
	h.render(w, r, http.StatusOK, "home.html", &page{Title: h.cat.T(l, "home.title"), Body: body,
		Styles: []string{"vendor/leaflet/leaflet.css", "public.css"}, Scripts: []string{"vendor/leaflet/leaflet.js", "map.js", "portal.js"}})
}

// The public map shows the newest cases of the last 30 days.
const (
	publicMapWindow = 30 * 24 * time.Hour
	publicMapSize   = 200
)

type homeBody struct{ Map publicMap }

// publicMap is what the portal's map draws: no people, sensitive places blurred to the grid.
type publicMap struct {
	Cases    []cases.PublicPoint        `json:"cases"`
	Lon      float64                    `json:"lon"`
	Lat      float64                    `json:"lat"`
	Base     *mapBase                   `json:"base"`
	Statuses map[workflow.Status]string `json:"statuses"`
	Blurred  string                     `json:"blurred"`
}

type loginBody struct {
	Username string
	Next     string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login.html", &page{Title: h.cat.T(h.lang(r), "login.title"),
		Body: loginBody{Next: localPath(r.URL.Query().Get("next"), "")}})
}

// login answers the sign-in form: it opens a session (the same cookie the API reads) and goes
// where the visitor was heading, or to their workspace.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	l := h.lang(r)
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	body := loginBody{Username: username, Next: localPath(r.PostFormValue("next"), "")}
	if username == "" || password == "" {
		h.render(w, r, http.StatusUnprocessableEntity, "login.html", &page{Title: h.cat.T(l, "login.title"), Error: h.cat.T(l, "login.required"), Body: body})
		return
	}
	sess, err := h.app.People.Login(r.Context(), username, password, httpx.ClientAddr(r))
	if err != nil {
		msg := h.cat.T(l, "login.failed")
		switch errs.KindOf(err) {
		case errs.TooMany:
			msg = h.cat.T(l, "login.throttled")
		case errs.Unauthorized: // a disabled account too: it is answered as a wrong password
		default:
			h.errorPage(w, r, 0, err)
			return
		}
		h.render(w, r, statusOf(err), "login.html", &page{Title: h.cat.T(l, "login.title"), Error: msg, Body: body})
		return
	}
	httpx.SetSession(w, r, h.cfg.SecureCookies, sess.Secret, sess.ExpiresAt)
	next := "/tasks"
	if sess.User.Role == access.Resident {
		next = "/mine"
	}
	if sess.User.Role == access.Inspector {
		next = "/assessment" // an inspector's work is the assessment's sites
	}
	http.Redirect(w, r, localPath(body.Next, next), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if p := access.FromContext(r.Context()); p != nil && p.Via == "session" {
		if secret := httpx.SessionSecret(r); secret != "" {
			if err := h.app.People.Logout(r.Context(), p, secret); err != nil {
				h.errorPage(w, r, 0, err)
				return
			}
		}
	}
	httpx.ClearSession(w, r, h.cfg.SecureCookies)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
