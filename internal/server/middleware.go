package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
)

// withRequestID gives every request an id, taken from X-Request-Id when a proxy set a sane
// one, echoed in the response and carried into logs and audit records; the client's address
// goes along, for what the use cases limit per address.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ctx := audit.WithClientAddr(audit.WithRequestID(r.Context(), id), httpx.ClientAddr(r))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c == '.' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer (flushing for server-sent events).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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

// observe logs each request once and counts it in the metrics, labelled by route pattern (not
// raw path, which would explode the label space). The middleware below hands the muxes copies
// of the request, so the pattern comes back through a slot in the context.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		ctx, route := httpx.WithRouteSlot(r.Context())
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		label := *route
		if label == "" {
			label = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(label, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(label).Observe(elapsed.Seconds())
		s.log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "route", label,
			"status", sw.status, "duration_ms", float64(elapsed.Microseconds())/1000, "request_id", audit.RequestID(r.Context()))
	})
}

// recoverPanics turns a panicking handler into a logged 500; the caller sees no detail.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic serving request", "panic", fmt.Sprint(v),
					"stack", string(debug.Stack()), "request_id", audit.RequestID(r.Context()))
				httpx.WriteError(w, http.StatusInternalServerError, string(errs.Internal), "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves who is calling: a bearer token (a bad one is refused at once) or a
// session cookie (a stale one just leaves the caller anonymous).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			p     *access.Principal
			err   error
			again httpx.Recheck
		)
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citygrid"`)
				httpx.WriteError(w, http.StatusUnauthorized, string(errs.Unauthorized), "Authorization must be: Bearer <token>")
				return
			}
			token = strings.TrimSpace(token)
			if p, err = s.app.People.AuthenticateToken(r.Context(), token); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citygrid", error="invalid_token"`)
				httpx.Fail(w, r, s.log, err)
				return
			}
			again = func(ctx context.Context) (*access.Principal, error) {
				return s.app.People.AuthenticateToken(ctx, token)
			}
		} else if secret := httpx.SessionSecret(r); secret != "" {
			p, err = s.app.People.AuthenticateSession(r.Context(), secret)
			if err != nil && !errs.Is(err, errs.Unauthorized) {
				httpx.Fail(w, r, s.log, err)
				return
			}
			again = func(ctx context.Context) (*access.Principal, error) {
				return s.app.People.AuthenticateSession(ctx, secret)
			}
		}
		if p != nil {
			r = r.WithContext(httpx.WithRecheck(access.WithPrincipal(r.Context(), p), again))
		}
		next.ServeHTTP(w, r)
	})
}
