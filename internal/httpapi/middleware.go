package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
)

// withRequestID gives every request an id, taken from X-Request-Id when a proxy set a sane
// one, echoed in the response and carried into logs and audit records.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(audit.WithRequestID(r.Context(), id)))
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
	route  string // the matched route pattern, set by Server.route
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

// observe logs each request once and counts it in the metrics, labelled by route pattern (not
// raw path, which would explode the label space).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := sw.route
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(elapsed.Seconds())
		s.log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "route", route,
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
				s.writeError(w, r, http.StatusInternalServerError, string(errs.Internal), "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "citygrid_session"

// SessionCookie names the browser session cookie; the web pages set it when someone signs in.
const SessionCookie = sessionCookie

// authenticate resolves who is calling: a bearer token (a bad one is refused at once) or a
// session cookie (a stale one just leaves the caller anonymous).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var (
			p   *access.Principal
			err error
		)
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citygrid"`)
				s.writeError(w, r, http.StatusUnauthorized, string(errs.Unauthorized), "Authorization must be: Bearer <token>")
				return
			}
			if p, err = s.app.People.AuthenticateToken(r.Context(), strings.TrimSpace(token)); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citygrid", error="invalid_token"`)
				s.fail(w, r, err)
				return
			}
		} else if c, cerr := r.Cookie(sessionCookie); cerr == nil && c.Value != "" {
			p, err = s.app.People.AuthenticateSession(r.Context(), c.Value)
			if err != nil && !errs.Is(err, errs.Unauthorized) {
				s.fail(w, r, err)
				return
			}
		}
		if p != nil {
			r = r.WithContext(access.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// principal returns the caller, or nil when anonymous.
func principal(r *http.Request) *access.Principal { return access.FromContext(r.Context()) }

// signedIn wraps a handler that needs a caller; anonymous callers get 401.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *access.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		if p == nil {
			s.writeError(w, r, http.StatusUnauthorized, string(errs.Unauthorized), "sign in first")
			return
		}
		h(w, r, p)
	})
}
