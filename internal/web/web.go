// Package web serves citygrid's pages. For now it is the front door: what citygrid is, who
// you are signed in as, and a sign-in form over the API; the role workspaces grow here.
package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/citygrid/citygrid/internal/access"
)

//go:embed templates
var templates embed.FS

//go:embed static/favicon.svg
var favicon []byte

// Handler serves the pages.
type Handler struct {
	pages *template.Template
	mux   *http.ServeMux
}

// New parses the templates once and returns the page handler.
func New() *Handler {
	h := &Handler{
		pages: template.Must(template.ParseFS(templates, "templates/*.html")),
		mux:   http.NewServeMux(),
	}
	h.mux.HandleFunc("GET /{$}", h.page("home.html"))
	h.mux.HandleFunc("GET /login", h.page("login.html"))
	h.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(favicon)
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'")
		data := struct{ Principal *access.Principal }{access.FromContext(r.Context())}
		if err := h.pages.ExecuteTemplate(w, name, data); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}
}
