// Package httpapi serves citygrid's REST API under /api/v1 and the operational endpoints
// (/healthz, /readyz, /metrics). Handlers decode, call one use case of package app, and encode;
// every error is classified by package errs and mapped to a status here, in one place.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/open311"
)

// Config wires a Server.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// Ready reports whether the server can serve: the database answers and its schema matches.
	Ready func(context.Context) error
	// SecureCookies marks session cookies Secure even when TLS ends at a proxy in front.
	SecureCookies bool
	// MaxBodyBytes caps a JSON request body; default 1 MiB.
	MaxBodyBytes int64
	// Version is reported by /healthz.
	Version string
	// Web serves every path outside /api, /healthz, /readyz and /metrics; nil for none.
	Web http.Handler
}

// Server is the HTTP front of citygrid.
type Server struct {
	cfg     Config
	app     *app.App
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
	handler http.Handler
	// streams closes when the server shuts down, ending event streams, which never go idle
	// and would hold a graceful shutdown until its deadline.
	streams   chan struct{}
	closeOnce sync.Once
}

// StopStreams ends every event stream, now and later; serve calls it when shutting down.
func (s *Server) StopStreams() { s.closeOnce.Do(func() { close(s.streams) }) }

// New returns a Server ready to serve.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, app: cfg.App, log: cfg.Logger, mux: http.NewServeMux(), metrics: newMetrics(), streams: make(chan struct{})}
	for _, rt := range s.routes() {
		s.mux.Handle(rt.method+" "+rt.path, rt.handler)
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	s.mux.Handle(open311.Prefix, open311.New(open311.Config{App: cfg.App, Logger: cfg.Logger}))

	cop := http.NewCrossOriginProtection()
	// Open311 authenticates by api_key in the form, never by cookie: nothing for a forged
	// cross-site request to ride on, and browser-based Open311 clients must be able to post.
	cop.AddInsecureBypassPattern(open311.Prefix)
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, http.StatusForbidden, "cross_origin", "cross-origin request refused")
	}))
	var h http.Handler = http.HandlerFunc(s.route)
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.recoverPanics(h)
	h = s.observe(h)
	s.handler = s.withRequestID(h)
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route sends API and operational paths through the API mux, answering unknown API paths and
// methods in the API's error shape rather than the mux's plain text, and everything else to
// the web pages.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	// Middleware above hands the mux a copy of the request, so r.Pattern set by the mux never
	// reaches the metrics: pass the pattern back through the writer instead.
	if sw, ok := w.(*statusWriter); ok {
		sw.route = pattern
	}
	if pattern == "" && s.cfg.Web != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
		s.cfg.Web.ServeHTTP(w, r)
		return
	}
	if pattern == "" && strings.HasPrefix(r.URL.Path, "/api/") {
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

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics makes a registry per server, not the process-global default, so servers (and
// tests) never share counters.
func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "citygrid_http_requests_total", Help: "HTTP requests served, by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "citygrid_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12),
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
