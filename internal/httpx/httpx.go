// Package httpx holds the few HTTP helpers every adapter (httpapi, open311, web) and the front
// door (server) share: the one mapping from an error's kind to a status, the client's address,
// the session cookie, and the JSON error shape. It knows no use case and no adapter, so each
// adapter can import it without importing another.
package httpx

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// StatusOf maps an error kind to its HTTP status: the one place where this happens. An adapter
// whose protocol knows fewer statuses (Open311) narrows the answer, never redraws it.
func StatusOf(k errs.Kind) int {
	switch k {
	case errs.BadRequest:
		return http.StatusBadRequest
	case errs.Invalid:
		return http.StatusUnprocessableEntity
	case errs.Unauthorized:
		return http.StatusUnauthorized
	case errs.Forbidden:
		return http.StatusForbidden
	case errs.NotFound:
		return http.StatusNotFound
	case errs.Conflict:
		return http.StatusConflict
	case errs.TooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.TooMany:
		return http.StatusTooManyRequests
	case errs.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Status is StatusOf the error's kind.
func Status(err error) int { return StatusOf(errs.KindOf(err)) }

// ClientAddr is the peer's IP address, for sign-in throttling and audit. Forwarded headers are
// not trusted: anyone can set them.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// SessionCookie names the browser session cookie: the API's login and the sign-in page set it,
// the front door's principal resolution reads it.
const SessionCookie = "citygrid_session"

// SessionSecret is the session cookie's value, or "" when there is none.
func SessionSecret(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// SetSession sets the session cookie. secure marks it Secure even over plain HTTP, for when
// TLS ends at a proxy in front.
func SetSession(w http.ResponseWriter, r *http.Request, secure bool, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || secure})
}

// ClearSession tells the browser to drop the session cookie.
func ClearSession(w http.ResponseWriter, r *http.Request, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || secure})
}

// WriteJSON writes v as the whole answer, never cached.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ErrorBody is the JSON error shape: {"error": {"code": …, "message": …}}, with the refusal's
// reason (when it says more than code) and its parameters.
type ErrorBody struct {
	Error struct {
		Code    string      `json:"code"`
		Message string      `json:"message"`
		Reason  string      `json:"reason,omitempty"`
		Params  errs.Params `json:"params,omitempty"`
	} `json:"error"`
}

// WriteError answers with the JSON error shape.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, message
	WriteJSON(w, status, b)
}

// Fail answers with err in the JSON error shape, in the status its kind maps to. Internal
// errors are logged with the request id and shown only as "internal error".
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	kind := errs.KindOf(err)
	if kind == errs.Internal {
		log.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", audit.RequestID(r.Context()))
	}
	code, msg := errs.Public(err)
	if after := errs.RetryAfter(err); after > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(after.Round(time.Second).Seconds())))
	}
	var b ErrorBody
	b.Error.Code, b.Error.Message = code, msg
	if reason, params := errs.Detail(err); kind != errs.Internal {
		// Additive: clients matching on code see what they always saw.
		if reason != code {
			b.Error.Reason = reason
		}
		b.Error.Params = params
	}
	WriteJSON(w, StatusOf(kind), b)
}

// CheckText refuses a request whose path or query string holds what is not text (bytes that
// are not UTF-8, or NUL), naming the place: "path" or the parameter. Each adapter calls it at its
// entry, before any handler reads a parameter; bodies are checked where they are read.
func CheckText(r *http.Request) error {
	if err := textcheck.Check("path", r.URL.Path); err != nil {
		return err
	}
	return textcheck.Values(r.URL.Query())
}

type routeKey struct{}

// WithRouteSlot returns a context carrying a slot for the route pattern that serves the
// request. The front door labels its metrics with it; the adapter's own mux, which sees only a
// copy of the request, fills it in with NoteRoute.
func WithRouteSlot(ctx context.Context) (context.Context, *string) {
	slot := new(string)
	return context.WithValue(ctx, routeKey{}, slot), slot
}

// NoteRoute records the route pattern serving r, when the front door asked for it.
func NoteRoute(r *http.Request, pattern string) {
	if slot, ok := r.Context().Value(routeKey{}).(*string); ok && pattern != "" {
		*slot = pattern
	}
}
