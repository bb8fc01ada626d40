// Package server is citygrid's front door: it mounts the REST API (httpapi), Open311 (open311)
// and the pages (web) side by side, and runs what they share in front of them: request ids,
// metrics, panic recovery, cross-origin protection and principal resolution, plus /healthz,
// /readyz (with warnings an operator must act on) and /metrics. The adapters never see each
// other; only cmd wires a Server.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/httpapi"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/open311"
	"github.com/citygrid/citygrid/internal/web"
)

// Config wires a Server. App and Logger are handed to every adapter whose own config leaves
// them unset.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// Ready reports whether the server can serve: the database answers and its schema matches.
	Ready func(context.Context) error
	// Version is reported by /healthz.
	Version string
	// Metrics says who may read /metrics: MetricsOpen (also ""), MetricsOff or MetricsToken,
	// which wants Authorization: Bearer MetricsToken (at least MinMetricsTokenLen characters).
	Metrics      MetricsMode
	MetricsToken string

	API     httpapi.Config
	Open311 open311.Config
	// Web configures the pages; nil serves none (every path outside the API, Open311 and the
	// operational endpoints is then 404).
	Web *web.Config
}

// Server is the HTTP front of citygrid.
type Server struct {
	cfg     Config
	log     *slog.Logger
	app     *app.App
	api     *httpapi.Handler
	mux     *http.ServeMux
	metrics *metrics
	handler http.Handler
}

// New builds the adapters from their configs and the middleware around them.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := checkMetrics(cfg.Metrics, cfg.MetricsToken); err != nil {
		return nil, err
	}
	if cfg.API.App == nil {
		cfg.API.App = cfg.App
	}
	if cfg.API.Logger == nil {
		cfg.API.Logger = cfg.Logger
	}
	if cfg.Open311.App == nil {
		cfg.Open311.App = cfg.App
	}
	if cfg.Open311.Logger == nil {
		cfg.Open311.Logger = cfg.Logger
	}
	s := &Server{cfg: cfg, log: cfg.Logger, app: cfg.App, api: httpapi.New(cfg.API), mux: http.NewServeMux(), metrics: newMetrics()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle(open311.Prefix, open311.New(cfg.Open311))
	if cfg.Web != nil {
		wc := *cfg.Web
		if wc.App == nil {
			wc.App = cfg.App
		}
		if wc.Logger == nil {
			wc.Logger = cfg.Logger
		}
		pages, err := web.New(wc)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.mux.Handle("/", pages)
	}

	cop := http.NewCrossOriginProtection()
	// Open311 authenticates by api_key in the form, never by cookie: nothing for a forged
	// cross-site request to ride on, and browser-based Open311 clients must be able to post.
	cop.AddInsecureBypassPattern(open311.Prefix)
	// One-click unsubscribing (RFC 8058) is posted by mail programs from anywhere; the token in
	// the path is all it rides on, no cookie.
	cop.AddInsecureBypassPattern("POST /follow/{token}/unsubscribe")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusForbidden, "cross_origin", "cross-origin request refused")
	}))
	var h http.Handler = http.HandlerFunc(s.route)
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.metricsGate(h)
	h = s.recoverPanics(h)
	h = s.observe(h)
	s.handler = s.withRequestID(h)
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// StopStreams ends every event stream, now and later; serve registers it to run on shutdown,
// since streams never go idle and would hold a graceful shutdown until its deadline.
func (s *Server) StopStreams() { s.api.StopStreams() }

// route hands the request to the operational endpoints or the adapter whose prefix it has.
// The metrics are labelled by route pattern: the front door's own, or the one the API notes.
// The pages note none and count as "unmatched", as they always have.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	// The API takes its whole prefix itself, answering unknown paths in its own error shape;
	// routing it around the mux keeps the mux from redirecting a bare /api.
	if strings.HasPrefix(r.URL.Path, httpapi.Prefix) {
		s.api.ServeHTTP(w, r)
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "/" {
		httpx.NoteRoute(r, pattern)
	}
	h.ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// readyz answers whether the server can serve, and what an operator must see to while it does:
// the warnings (the working calendar's public holidays running out) leave it ready.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			httpx.Fail(w, r, s.log, err)
			return
		}
	}
	warnings := []settings.CalendarWarning{}
	if s.app != nil {
		ws, err := s.app.Settings.CalendarWarnings(r.Context())
		if err != nil {
			httpx.Fail(w, r, s.log, err)
			return
		}
		warnings = append(warnings, ws...)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"status": "ready", "warnings": warnings})
}
