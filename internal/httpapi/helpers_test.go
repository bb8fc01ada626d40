package httpapi_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/testkit"
)

// testServer is a real citygrid API over a real database seeded with the demo city.
type testServer struct {
	URL  string
	App  *app.App
	DB   *store.DB
	Logs *testkit.SyncBuffer // what the server logged
	// Server is the front door serving the API, for tests that call its methods (StopStreams).
	Server *server.Server

	admin *client // signed in as the demo admin on first use, for snapshots
}

// newServer seeds the demo city into db and serves the API over it. opts adjust the server's
// Config before it starts.
func newServer(t *testing.T, db *store.DB, opts ...func(*server.Config)) *testServer {
	t.Helper()
	return newServerWith(t, db, app.Options{}, opts...)
}

// newServerWith is newServer with the use cases' options: a fixed clock, cheap bcrypt, a quiet
// log and a temporary attachments directory unless set.
func newServerWith(t *testing.T, db *store.DB, ao app.Options, opts ...func(*server.Config)) *testServer {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second) // a fixed clock, near enough to real time for cookie expiry
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ao.Clock == nil {
		ao.Clock = func() time.Time { return now }
	}
	if ao.BcryptCost == 0 {
		ao.BcryptCost = bcrypt.MinCost
	}
	if ao.Logger == nil {
		ao.Logger = quiet
	}
	if ao.Blobs == nil {
		ao.Blobs = blobs
	}
	a, err := app.New(db, ao)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := demo.Seed(t.Context(), a, demo.Options{}); err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	ts := serve(t, a, opts...)
	ts.DB = db
	return ts
}

// photo uploads a small generated PNG (different for each seed) and returns its attachment id.
func (ts *testServer) photo(t *testing.T, seed uint8) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	img.Set(0, 0, color.RGBA{seed, 1, 2, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	att, err := ts.App.Cases.UploadPhoto(t.Context(), nil, b.Bytes())
	if err != nil {
		t.Fatalf("upload a photo: %v", err)
	}
	return att.ID
}

// serve starts an httptest server for the API over a, behind the front door as serve wires it,, closed when t ends.
func serve(t *testing.T, a *app.App, opts ...func(*server.Config)) *testServer {
	t.Helper()
	logs := &testkit.SyncBuffer{}
	cfg := server.Config{App: a, Logger: slog.New(slog.NewTextHandler(logs, nil)), Version: "test"}
	for _, o := range opts {
		o(&cfg)
	}
	api, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &testServer{URL: srv.URL, App: a, Logs: logs, Server: api}
}

var quiet = slog.New(slog.DiscardHandler)

// client is one caller: a browser with its own cookie jar, or an integration with a bearer token.
type client struct {
	base string
	hc   *http.Client
	auth string // the Authorization header, if any
}

// anonymous returns a fresh caller with an empty cookie jar.
func (ts *testServer) anonymous() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err)
	}
	return &client{base: ts.URL, hc: &http.Client{Jar: jar, Timeout: time.Minute}}
}

// withAuth returns a caller that sends this Authorization header and keeps no cookies.
func (ts *testServer) withAuth(authorization string) *client {
	return &client{base: ts.URL, hc: &http.Client{Timeout: time.Minute}, auth: authorization}
}

// bearer returns a caller authenticating with an API token.
func (ts *testServer) bearer(token string) *client { return ts.withAuth("Bearer " + token) }

// signedIn returns a browser signed in as a demo user.
func (ts *testServer) signedIn(t *testing.T, username string) *client {
	t.Helper()
	c := ts.anonymous()
	wantStatus(t, c.login(t, username, demo.Password), http.StatusOK)
	return c
}

// response is what the server answered, read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// do sends a request. body is nil for none, a string for raw bytes, or a value to marshal as
// JSON; a body is sent as application/json unless header (name, value pairs) says otherwise,
// and an empty value removes a header.
func (c *client) do(t *testing.T, method, path string, body any, header ...string) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("marshal request body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, rd)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (c *client) login(t *testing.T, username, password string, header ...string) *response {
	t.Helper()
	return c.do(t, "POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, header...)
}

// sessionCookie returns the session cookie the server set in r, or nil.
func (r *response) sessionCookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "citygrid_session" {
			return c
		}
	}
	return nil
}

// decode unmarshals the body into v.
func (r *response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode response %d %s: %v", r.Status, r.Body, err)
	}
}

func wantStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status: got %d, want %d (body %s)", r.Status, want, r.Body)
	}
}

// wantError checks that r is the API's error shape, {"error": {"code", "message"}}, with this
// status and code, and returns the message.
func wantError(t *testing.T, r *response, status int, code string) string {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	var body struct {
		Error *struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Reason  string         `json:"reason"` // additive: a refusal's finer key
			Params  map[string]any `json:"params"` // additive: its facts by name
		} `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error == nil {
		t.Fatalf("body is not the error shape: %s (%v)", r.Body, err)
	}
	if body.Error.Code != code {
		t.Errorf("error code: got %q, want %q (body %s)", body.Error.Code, code, r.Body)
	}
	if body.Error.Message == "" {
		t.Errorf("error message is empty: %s", r.Body)
	}
	return body.Error.Message
}

// snapshot is the stored data a refused request must not change: the user list as the demo
// admin sees it through the API, and the length of the audit trail.
type snapshot struct {
	users string
	audit int64
}

func (ts *testServer) snapshot(t *testing.T) snapshot {
	t.Helper()
	if ts.admin == nil {
		ts.admin = ts.signedIn(t, "admin")
	}
	r := ts.admin.do(t, "GET", "/api/v1/users", nil)
	wantStatus(t, r, http.StatusOK)
	n, err := ts.App.VerifyAudit(t.Context())
	if err != nil {
		t.Fatalf("verify audit: %v", err)
	}
	return snapshot{users: string(r.Body), audit: n}
}

func (ts *testServer) wantUnchanged(t *testing.T, before snapshot) {
	t.Helper()
	after := ts.snapshot(t)
	if after.users != before.users {
		t.Errorf("users changed:\ngot  %s\nwant %s", after.users, before.users)
	}
	if after.audit != before.audit {
		t.Errorf("audit records: got %d, want %d", after.audit, before.audit)
	}
}

// auditRecords returns the audit records with this action, oldest first.
func auditRecords(t *testing.T, db *store.DB, action string) []audit.Record {
	t.Helper()
	var out []audit.Record
	err := db.EachAudit(t.Context(), func(r audit.Record) error {
		if r.Action == action {
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read audit trail: %v", err)
	}
	return out
}
