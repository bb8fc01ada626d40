package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/open311"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/testkit"
	"github.com/citygrid/citygrid/internal/web"
)

// front serves a front door over an empty migrated SQLite database; opts adjust its Config.
func front(t *testing.T, opts ...func(*server.Config)) (*server.Server, string, *testkit.SyncBuffer) {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	logs := &testkit.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: log})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	cfg := server.Config{App: a, Logger: log, Version: "test", Web: &web.Config{}}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs.URL, logs
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, u string, body io.Reader, header ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

// errorCode is the code of a JSON error answer, or "" when the body is not one.
func errorCode(body string) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func TestEachPathGoesToItsAdapter(t *testing.T) {
	_, base, _ := front(t)
	for _, tc := range []struct {
		name, path string
		status     int
		want       string // in the body, or the Location of a redirect
	}{
		{"the API serves its document", "/api/v1/openapi.json", 200, `"openapi"`},
		{"an unknown API path answers in the API's error shape", "/api/v1/no-such-thing", 404, `"not_found"`},
		{"Open311 serves discovery", "/open311/v2/discovery.json", 200, `"endpoints"`},
		{"an unknown Open311 resource answers in Open311's shape", "/open311/v2/nothing.json", 404, `"description"`},
		{"the pages serve the rest", "/favicon.ico", http.StatusMovedPermanently, "/static/"},
		{"an unknown page is the pages' 404", "/no-such-page", 404, "<html"},
		{"health is the front door's", "/healthz", 200, `"version":"test"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, "GET", base+tc.path, nil)
			got := a.body + a.header.Get("Location")
			if a.status != tc.status || !strings.Contains(got, tc.want) {
				t.Errorf("GET %s: %d %.200q, want %d with %q", tc.path, a.status, got, tc.status, tc.want)
			}
		})
	}
	t.Run("without pages, other paths are 404", func(t *testing.T) {
		_, base, _ := front(t, func(c *server.Config) { c.Web = nil })
		if a := do(t, "GET", base+"/favicon.ico", nil); a.status != http.StatusNotFound {
			t.Errorf("GET /favicon.ico with no pages: %d, want 404", a.status)
		}
	})
}

func TestOpen311DiscoveryNamesThePublicURL(t *testing.T) {
	for _, tc := range []struct{ name, base, want string }{
		{"behind a TLS proxy, the configured public URL", "https://grid.example.gov.cn", `"url":"https://grid.example.gov.cn/open311/v2"`},
		{"without one, the request's own address", "", `"url":"http://127.0.0.1:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, base, _ := front(t, func(c *server.Config) { c.Open311 = open311.Config{BaseURL: tc.base} })
			if a := do(t, "GET", base+"/open311/v2/discovery.json", nil); a.status != 200 || !strings.Contains(a.body, tc.want) {
				t.Errorf("discovery: %d %s, want %s", a.status, a.body, tc.want)
			}
		})
	}
}

func TestMetricsLabelEachAdapterByRoute(t *testing.T) {
	_, base, _ := front(t)
	for _, p := range []string{"/api/v1/openapi.json", "/open311/v2/discovery.json", "/favicon.ico", "/healthz"} {
		do(t, "GET", base+p, nil)
	}
	a := do(t, "GET", base+"/metrics", nil)
	for _, want := range []string{
		`citygrid_http_requests_total{route="GET /api/v1/openapi.json",status="200"} 1`,
		`citygrid_http_requests_total{route="/open311/v2/",status="200"} 1`,
		`citygrid_http_requests_total{route="unmatched",status="301"} 1`,
		`citygrid_http_requests_total{route="GET /healthz",status="200"} 1`,
	} {
		if !strings.Contains(a.body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestCrossOriginWritesAreRefusedExceptOpen311s(t *testing.T) {
	_, base, _ := front(t)
	cross := []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example", "Content-Type", "application/x-www-form-urlencoded"}
	for _, path := range []string{"/api/v1/auth/login", "/login"} {
		if a := do(t, "POST", base+path, strings.NewReader("username=a&password=b"), cross...); a.status != http.StatusForbidden || errorCode(a.body) != "cross_origin" {
			t.Errorf("cross-site POST %s: %d %s, want 403 cross_origin", path, a.status, a.body)
		}
	}
	form := url.Values{"service_code": {"matter-01001"}, "lat": {"35.2"}, "long": {"113.2"}}
	a := do(t, "POST", base+"/open311/v2/requests.json", strings.NewReader(form.Encode()), cross...)
	if errorCode(a.body) == "cross_origin" || !strings.Contains(a.body, "api_key") {
		t.Errorf("cross-site Open311 POST: %d %s, want Open311's own answer about the api_key", a.status, a.body)
	}
}

func TestAPanicIsA500InTheErrorShapeAndLogged(t *testing.T) {
	_, base, logs := front(t, func(c *server.Config) {
		c.Ready = func(context.Context) error { panic("the database driver panicked") }
	})
	a := do(t, "GET", base+"/readyz", nil, "X-Request-Id", "panic-1")
	if a.status != http.StatusInternalServerError || errorCode(a.body) != "internal" || strings.Contains(a.body, "driver") {
		t.Errorf("GET /readyz that panics: %d %s, want 500 internal with no detail", a.status, a.body)
	}
	if l := logs.String(); !strings.Contains(l, "the database driver panicked") || !strings.Contains(l, "request_id=panic-1") {
		t.Errorf("the panic was not logged with its request id:\n%s", l)
	}
}

func TestAMalformedAuthorizationIsRefusedBeforeAnyAdapter(t *testing.T) {
	_, base, _ := front(t)
	for _, path := range []string{"/api/v1/me", "/tasks"} {
		a := do(t, "GET", base+path, nil, "Authorization", "Basic dXNlcjpwdw==")
		if a.status != http.StatusUnauthorized || errorCode(a.body) != "unauthorized" || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("GET %s with Basic auth: %d %s, want 401 unauthorized with a challenge", path, a.status, a.body)
		}
	}
}

func TestStopStreamsMayBeCalledTwice(t *testing.T) {
	s, _, _ := front(t)
	s.StopStreams()
	s.StopStreams()
}

// /readyz stays ready but says, in its detail, when the public holidays the calendar knows end
// within 90 days: the calendar must never fall back to Monday–Friday unnoticed.
func TestReadyzWarnsBeforeTheHolidaysEnd(t *testing.T) {
	for _, tt := range []struct {
		at   time.Time
		want []string
	}{
		{time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC), nil},
		{time.Date(2027, 11, 1, 9, 0, 0, 0, time.UTC), []string{"holidays_ending"}},
	} {
		db := storetest.Open(t, store.SQLite)
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.DiscardHandler), Clock: func() time.Time { return tt.at }})
		if err != nil {
			t.Fatal(err)
		}
		s, err := server.New(server.Config{App: a, Logger: slog.New(slog.DiscardHandler), Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(s)
		t.Cleanup(hs.Close)
		got := do(t, "GET", hs.URL+"/readyz", nil)
		var body struct {
			Status   string `json:"status"`
			Warnings []struct {
				Code    string         `json:"code"`
				Message string         `json:"message"`
				Params  map[string]any `json:"params"`
			} `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(got.body), &body); err != nil || got.status != http.StatusOK || body.Status != "ready" || body.Warnings == nil {
			t.Fatalf("at %s: /readyz %d %s, want 200 ready with a warnings list", tt.at, got.status, got.body)
		}
		var codes []string
		for _, w := range body.Warnings {
			codes = append(codes, w.Code)
			if w.Params["known_until"] != "2027-12-31" || !strings.Contains(w.Message, "2027-12-31") {
				t.Errorf("at %s: warning %+v does not say when the holidays end", tt.at, w)
			}
		}
		if !slices.Equal(codes, tt.want) {
			t.Errorf("at %s: warnings %v, want %v", tt.at, codes, tt.want)
		}
	}
}
