// Package httpapi serves citygrid's REST API under /api/v1. Handlers decode, call one use case
// of package app, and encode; every error is classified by package errs and mapped to a status
// by package httpx. The front door (package server) mounts it beside Open311 and the pages and
// runs the shared middleware (request ids, metrics, recovery, CSRF, principal resolution).
package httpapi

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/httpx"
)

// Prefix is the path under which the API answers.
const Prefix = "/api/"

// Config wires the API.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// SecureCookies marks session cookies Secure even when TLS ends at a proxy in front.
	SecureCookies bool
	// MaxBodyBytes caps a JSON request body; default 1 MiB.
	MaxBodyBytes int64
	// EventsRecheck is how often an event stream proves its caller again (the session or
	// token it came with) and ends once the user is disabled or the credential gone; default
	// and most 30 s.
	EventsRecheck time.Duration
}

// Handler serves the REST API.
type Handler struct {
	cfg Config
	app *app.App
	log *slog.Logger
	mux *http.ServeMux
	// streams closes when the server shuts down, ending event streams, which never go idle
	// and would hold a graceful shutdown until its deadline.
	streams   chan struct{}
	closeOnce sync.Once
}

// StopStreams ends every event stream, now and later; the front door calls it on shutdown.
func (s *Handler) StopStreams() { s.closeOnce.Do(func() { close(s.streams) }) }

// New returns the API ready to serve.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.EventsRecheck <= 0 || cfg.EventsRecheck > maxEventsRecheck {
		cfg.EventsRecheck = maxEventsRecheck
	}
	s := &Handler{cfg: cfg, app: cfg.App, log: cfg.Logger, mux: http.NewServeMux(), streams: make(chan struct{})}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.path, rt.handler)
	}
	return s
}

// ServeHTTP serves one API request, answering unknown paths and methods in the API's error
// shape rather than the mux's plain text.
func (s *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	httpx.NoteRoute(r, pattern)
	if err := httpx.CheckText(r); err != nil {
		s.fail(w, r, err)
		return
	}
	if pattern == "" {
		probe := &headerProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			s.writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path)
			return
		}
		s.writeError(w, r, http.StatusNotFound, "not_found", "no such endpoint: "+r.URL.Path)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// headerProbe records what the mux's own 404/405 handler would answer, writing nothing.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }
