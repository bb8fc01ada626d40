// Package web serves citygrid's pages: the public portal, sign-in, the role workspaces, the
// case page and the phone report form. Pages are rendered on the server from html/template
// over the same use cases (package app) the API calls; templates, the message catalogue and
// the front-end libraries are embedded, so the pages work with no internet.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/vocab"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config wires the pages.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// SecureCookies marks cookies Secure even when TLS ends at a proxy in front.
	SecureCookies bool
}

// Handler serves the pages.
type Handler struct {
	cfg    Config
	app    *app.App
	log    *slog.Logger
	assets *assets
	cat    *catalogue
	pages  map[Lang]*template.Template
	mux    *http.ServeMux
	// vocab is a resident's words for categories: the common problems and the picker's search.
	vocab *vocab.Vocabulary
}

// New loads the templates, catalogue and static files once and returns the page handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	as, err := loadAssets(mustSub(staticFiles, "static"), pageBundles)
	if err != nil {
		return nil, fmt.Errorf("web assets: %w", err)
	}
	cat, err := loadCatalogue()
	if err != nil {
		return nil, fmt.Errorf("web catalogue: %w", err)
	}
	h := &Handler{cfg: cfg, app: cfg.App, log: cfg.Logger, assets: as, cat: cat, pages: map[Lang]*template.Template{}, mux: http.NewServeMux(),
		vocab: vocab.Default()}
	base, err := template.New("").Funcs(h.funcs(DefaultLang)).ParseFS(templateFiles, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web templates: %w", err)
	}
	for _, l := range Langs {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		h.pages[l] = t.Funcs(h.funcs(l))
	}
	h.routes()
	return h, nil
}

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant embedded above
	}
	return sub
}

// ServeHTTP serves a page, once the request is known to hold only text where text goes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := readForm(w, r); err != nil {
		h.refuseRequest(w, r, err)
		return
	}
	if r.MultipartForm != nil {
		// The server removes the temporary files of the request it made, not of this copy.
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	h.mux.ServeHTTP(w, r)
}

// readForm checks the path and query string and reads a posted form (urlencoded or multipart,
// up to maxForm), refusing any name or value that is not text: every page then reads checked
// values, and a page cannot forget to check. Handlers that parse the form again get it as read
// here.
func readForm(w http.ResponseWriter, r *http.Request) error {
	if err := httpx.CheckText(r); err != nil {
		return err
	}
	if r.Method != http.MethodPost {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	// ParseMultipartForm answers ErrNotMultipart for an urlencoded form and drops the error
	// of reading it (a form over the limit came out empty): such a form is read on its own.
	parse := func() error { return r.ParseMultipartForm(1 << 20) }
	if mt == "application/x-www-form-urlencoded" {
		parse = r.ParseForm
	}
	if err := parse(); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return formError(err)
	}
	return textcheck.Values(r.PostForm)
}

// refuseRequest answers a request refused before any page saw it: with the error page, or in
// JSON to the report page's script (which sends drafts from its offline queue and shows the
// reason itself).
func (h *Handler) refuseRequest(w http.ResponseWriter, r *http.Request, err error) {
	if r.Header.Get("X-Citygrid-Draft") != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOf(err))
		_ = json.NewEncoder(w).Encode(map[string]any{"error": h.problem(r, err)})
		return
	}
	h.errorPage(w, r, 0, err)
}

func (h *Handler) routes() {
	m := h.mux
	m.Handle("GET /static/{hash}/{name...}", h.assets)
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		u, _ := h.assets.url("favicon.svg")
		http.Redirect(w, r, u, http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /sw.js", h.serviceWorker)
	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET /lang/{lang}", h.switchLang)
	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.logout)
	m.HandleFunc("GET /tasks", h.signedIn(h.tasks))
	m.HandleFunc("POST /tasks/bulk", h.signedIn(h.bulk))
	m.HandleFunc("POST /tasks/decide", h.signedIn(h.decide))
	m.HandleFunc("GET /cases/{id}", h.signedIn(h.casePage))
	m.HandleFunc("POST /cases/{id}/actions", h.signedIn(h.act))
	m.HandleFunc("GET /dashboard", h.signedIn(h.dashboard))
	m.HandleFunc("GET /dashboard/data", h.signedIn(h.dashboardJSON))
	m.HandleFunc("GET /report", h.reportForm)
	m.HandleFunc("POST /report", h.report)
	m.HandleFunc("GET /report/categories", h.categoryPickerList)
	m.HandleFunc("GET /report/where", h.where)
	m.HandleFunc("GET /report/nearby", h.reportNearby)
	m.HandleFunc("POST /report/support", h.reportSupport)
	m.HandleFunc("GET /reports", h.publicReports)
	m.HandleFunc("GET /track", h.trackSearch)
	m.HandleFunc("GET /track/{ticket}", h.track)
	m.HandleFunc("POST /track/{ticket}", h.trackAct)
	h.adminRoutes()
	h.notificationRoutes()
	h.patrolRoutes()
	h.evaluationRoutes()
	h.wallRoutes()
	h.assessmentRoutes()
	h.deskRoutes()
	h.mineRoutes()
	h.followRoutes()
	h.signupRoutes()
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, r, http.StatusNotFound, errs.Refuse(errs.NotFound, "no_page", nil, "no page at %s", r.URL.Path))
	})
}

// serviceWorker serves the service worker from the top of the site, so that it may serve the
// report form; it is never cached long, so a new version takes over at once.
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	a, ok := h.assets.byName["sw.js"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(a.body)
}

// page is what every template gets: the page's own data in Body and what the layout needs.
type page struct {
	Lang    Lang
	Title   string
	Who     *access.Principal
	Path    string // this page's path and query, for the language switch to come back to
	Error   string // a refusal to show above the page
	Notice  string
	Body    any
	Scripts []string // static files to load at the end of the page
	Styles  []string
	Unread  int // the signed-in person's unread notifications, for the header
	Site    siteHead
}

// siteHead is the deployment as the header shows it: its name (the catalogue's when none is
// set), the unit that runs it and its emblem's URL.
type siteHead struct {
	Name, Unit, Emblem string
}

// render executes a page template for the request's language and writes it, compressed when
// the browser takes gzip.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.Lang = h.lang(r)
	p.Who = access.FromContext(r.Context())
	p.Path = r.URL.RequestURI()
	p.Unread = h.unread(r.Context(), p.Who)
	p.Site = siteHead{Name: h.cat.T(p.Lang, "app.name")}
	if id, err := h.app.Settings.Identity(r.Context()); err != nil {
		h.log.WarnContext(r.Context(), "read the site's identity", "err", err, "request_id", audit.RequestID(r.Context()))
	} else {
		if id.Name != "" {
			p.Site.Name = id.Name
		}
		p.Site.Unit, p.Site.Emblem = id.Unit, emblemURL(id)
	}
	// Leaflet names its zoom buttons in English: pages load it with the page's words.
	if i := slices.Index(p.Scripts, "vendor/leaflet/leaflet.js"); i >= 0 {
		p.Scripts = slices.Clone(p.Scripts)
		p.Scripts[i] = "leaflet-page.js"
	}
	var buf bytes.Buffer
	if err := h.pages[p.Lang].ExecuteTemplate(&buf, name, p); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", name, "err", err, "request_id", audit.RequestID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", h.csp(r))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", string(p.Lang))
	hd.Add("Vary", "Accept-Encoding, Accept-Language, Cookie")
	writeMaybeGzipped(w, r, status, buf.Bytes())
}

// siteName is the deployment's name as the header shows it.
func (h *Handler) siteName(r *http.Request) string {
	if id, err := h.app.Settings.Identity(r.Context()); err == nil && id.Name != "" {
		return id.Name
	}
	return h.cat.T(h.lang(r), "app.name")
}

// csp allows scripts from our own origin only (no inline script); styles may be inline because
// Leaflet and htmx set them; images may also come from the configured tile servers.
func (h *Handler) csp(r *http.Request) string {
	img := "'self' data: blob:"
	for _, src := range h.app.Maps.ClientTiles(r.Context()).ImageSources() {
		img += " " + src
	}
	return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src " + img +
		"; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
}

// errorPage shows a refusal or failure as a page, in the status its kind maps to. Internal
// errors are logged and never shown.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status == 0 {
		status = statusOf(err)
	}
	if status >= 500 {
		h.log.ErrorContext(r.Context(), "page failed", "path", r.URL.Path, "err", err, "request_id", audit.RequestID(r.Context()))
	}
	if after := errs.RetryAfter(err); after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Round(time.Second).Seconds())))
	}
	h.render(w, r, status, "error.html", &page{Title: h.cat.T(h.lang(r), fmt.Sprintf("error.%d", status)), Error: h.problem(r, err),
		Body: struct{ Status int }{status}})
}

// statusOf is the status an error's kind maps to, the same for pages as for the API.
func statusOf(err error) int { return httpx.Status(err) }

// signedIn sends anonymous visitors to the sign-in page, to come back afterwards.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, *access.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := access.FromContext(r.Context())
		if p == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r, p)
	}
}

// localPath returns next when it is a path on this site, else fallback: a sign-in link must
// not send people elsewhere.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}
