package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
)

// MetricsMode says who may read /metrics.
type MetricsMode string

// The modes. Metrics tell a reader how busy the server is, which routes fail and how the
// process fares: harmless on a private network, worth a lock on a public one.
const (
	MetricsOpen  MetricsMode = "open"  // anyone who reaches the server (the default)
	MetricsOff   MetricsMode = "off"   // not served: 404
	MetricsToken MetricsMode = "token" // only with Authorization: Bearer <Config.MetricsToken>
)

// MinMetricsTokenLen is the shortest metrics token accepted: it is compared, not throttled, so
// it must be too long to guess.
const MinMetricsTokenLen = 32

// checkMetrics checks the metrics settings of a Config.
func checkMetrics(mode MetricsMode, token string) error {
	switch mode {
	case "", MetricsOpen, MetricsOff:
		return nil
	case MetricsToken:
		if len(token) < MinMetricsTokenLen || strings.ContainsAny(token, " \t\r\n") {
			return fmt.Errorf("server: a metrics token needs at least %d characters and no white space", MinMetricsTokenLen)
		}
		return nil
	}
	return fmt.Errorf("server: metrics mode must be open, off or token, not %q", mode)
}

// metricsGate serves GET /metrics itself, ahead of the principal resolution (whose bearer
// tokens are users', not the scraper's), and hands every other request on.
func (s *Server) metricsGate(next http.Handler) http.Handler {
	metrics := promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		httpx.NoteRoute(r, "GET /metrics")
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			httpx.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on /metrics")
			return
		case s.cfg.Metrics == MetricsOff:
			httpx.WriteError(w, http.StatusNotFound, string(errs.NotFound), "no such endpoint: /metrics")
			return
		case s.cfg.Metrics == MetricsToken:
			scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			got := sha256.Sum256([]byte(strings.TrimSpace(token)))
			// Hashes of equal length compared in constant time: neither the token's length nor
			// its prefix shows in the timing.
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="citygrid-metrics"`)
				httpx.WriteError(w, http.StatusUnauthorized, string(errs.Unauthorized), "/metrics wants the metrics bearer token")
				return
			}
		}
		metrics.ServeHTTP(w, r)
	})
}
