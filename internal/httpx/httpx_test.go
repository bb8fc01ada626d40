package httpx_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
)

func TestEveryKindHasOneStatus(t *testing.T) {
	for k, want := range map[errs.Kind]int{
		errs.BadRequest: 400, errs.Invalid: 422, errs.Unauthorized: 401, errs.Forbidden: 403,
		errs.NotFound: 404, errs.Conflict: 409, errs.TooLarge: 413, errs.TooMany: 429,
		errs.Unavailable: 503, errs.Internal: 500,
	} {
		if got := httpx.StatusOf(k); got != want {
			t.Errorf("%s: %d, want %d", k, got, want)
		}
	}
}

func TestFailHidesInternalErrorsAndSaysWhenToRetry(t *testing.T) {
	w := httptest.NewRecorder()
	var logs strings.Builder
	r := httptest.NewRequest("GET", "/x", nil)
	httpx.Fail(w, r, slog.New(slog.NewTextHandler(&logs, nil)), fmt.Errorf("dial tcp 10.0.0.5:5432: connection refused"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "10.0.0.5") || !strings.Contains(logs.String(), "10.0.0.5") {
		t.Errorf("internal: %d %s, logged %q; want 500 without the detail, logged with it", w.Code, w.Body, logs.String())
	}
	w = httptest.NewRecorder()
	httpx.Fail(w, r, slog.New(slog.DiscardHandler), errs.Throttled(90*time.Second, "slow down"))
	if w.Code != 429 || w.Header().Get("Retry-After") != "90" {
		t.Errorf("too many: %d, Retry-After %q; want 429 and 90", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestTheSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		name        string
		tls, secure bool
		wantSecure  bool
	}{
		{"plain HTTP", false, false, false},
		{"TLS here", true, false, true},
		{"TLS at a proxy in front", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/login", nil)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			httpx.SetSession(w, r, tc.secure, "s3cret", time.Now().Add(time.Hour))
			c := w.Result().Cookies()[0]
			if c.Name != httpx.SessionCookie || c.Value != "s3cret" || !c.HttpOnly || c.Secure != tc.wantSecure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("set: %+v", c)
			}
			back := httptest.NewRequest("GET", "/", nil)
			back.AddCookie(c)
			if got := httpx.SessionSecret(back); got != "s3cret" {
				t.Errorf("read back %q", got)
			}
			w = httptest.NewRecorder()
			httpx.ClearSession(w, r, tc.secure)
			if c := w.Result().Cookies()[0]; c.MaxAge >= 0 || c.Value != "" || c.Secure != tc.wantSecure {
				t.Errorf("clear: %+v", c)
			}
		})
	}
	if got := httpx.SessionSecret(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("no cookie: %q", got)
	}
}

func TestNoteRouteFillsTheFrontDoorsSlot(t *testing.T) {
	ctx, slot := httpx.WithRouteSlot(context.Background())
	r := httptest.NewRequest("GET", "/api/v1/me", nil).WithContext(ctx)
	httpx.NoteRoute(r.WithContext(r.Context()), "GET /api/v1/me")
	if *slot != "GET /api/v1/me" {
		t.Errorf("slot %q", *slot)
	}
	httpx.NoteRoute(httptest.NewRequest("GET", "/", nil), "GET /") // no slot: nothing happens
}
