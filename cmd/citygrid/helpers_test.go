package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/testkit"
)

// cliTimeout bounds one in-process command: a serve that wrongly starts instead of refusing is
// stopped by it (and then fails its test by returning 0).
const cliTimeout = 30 * time.Second

// serveTimeout bounds how long a server may take to start listening or to shut down.
const serveTimeout = 90 * time.Second // generous: a demo seed under -race on a busy 2-core machine

// getenvFrom returns a getenv that sees only env, never the real environment.
func getenvFrom(env map[string]string) func(string) string {
	return func(key string) string { return env[key] }
}

// runCLI runs the program in-process with the given standard input and environment.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, getenvFrom(env), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustRun runs the program and fails the test unless it exits 0; it returns stdout.
func mustRun(t *testing.T, stdin string, env map[string]string, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, stdin, env, args...)
	if code != exitOK {
		t.Fatalf("citygrid %s: exit code %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

var listeningLine = regexp.MustCompile(`(?m)^citygrid listening on (http://\S+)$`)

// server is a running `citygrid serve` or `citygrid demo`.
type server struct {
	url    string
	stdout *testkit.SyncBuffer
	stderr *testkit.SyncBuffer
}

// startServe runs a serving command (serve or demo) in the background and returns its base URL
// once it is listening. When the test ends the server is cancelled and must exit 0.
func startServe(t *testing.T, args ...string) (baseURL string) {
	t.Helper()
	return startServer(t, nil, args...).url
}

// startServer is startServe with an environment, returning the server's output too.
func startServer(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, args, getenvFrom(env), strings.NewReader(""), s.stdout, s.stderr)
	}()
	stop := func() (int, bool) {
		cancel()
		select {
		case code := <-done:
			return code, true
		case <-time.After(serveTimeout):
			return 0, false
		}
	}

	deadline := time.NewTimer(serveTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if m := listeningLine.FindStringSubmatch(s.stdout.String()); m != nil {
			s.url = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("citygrid %s exited with code %d before listening\nstdout:\n%s\nstderr:\n%s",
				strings.Join(args, " "), code, s.stdout, s.stderr)
		case <-deadline.C:
			stop()
			t.Fatalf("citygrid %s did not print %q within %v\nstdout:\n%s\nstderr:\n%s",
				strings.Join(args, " "), "citygrid listening on http://…", serveTimeout, s.stdout, s.stderr)
		case <-tick.C:
		}
	}

	t.Cleanup(func() {
		code, ok := stop()
		switch {
		case !ok:
			t.Errorf("citygrid %s did not return within %v of its context ending", strings.Join(args, " "), serveTimeout)
		case code != exitOK:
			t.Errorf("citygrid %s: exit code %d after graceful shutdown, want 0\nstderr:\n%s", strings.Join(args, " "), code, s.stderr)
		}
	})
	return s
}

// waitForOutput waits until the server's stdout contains want and returns the stdout.
func (s *server) waitForOutput(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(serveTimeout)
	for {
		out := s.stdout.String()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("stdout never contained %q; got:\n%s", want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// migrate brings the database at dsn to the current schema through the CLI.
func migrate(t *testing.T, dsn string) {
	t.Helper()
	out := mustRun(t, "", nil, "migrate", "--db", dsn)
	if !strings.HasPrefix(out, "schema at version ") {
		t.Fatalf("migrate: stdout = %q, want it to start with %q", out, "schema at version ")
	}
}

// seedDemo seeds the demo city into a migrated database directly through the store, with the
// cheapest bcrypt cost, for either engine.
func seedDemo(t *testing.T, dsn string) {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	defer db.Close()
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
		t.Fatalf("seed demo city: %v", err)
	}
}

// engineOf returns the engine a DSN names.
func engineOf(t *testing.T, dsn string) store.Engine {
	t.Helper()
	target, err := store.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("parse DSN %q: %v", dsn, err)
	}
	return target.Engine
}

// listedUser is the part of `user list --json` the tests read.
type listedUser struct {
	Username   string `json:"username"`
	Role       string `json:"role"`
	Scope      string `json:"scope"`
	Department string `json:"department"`
	Disabled   bool   `json:"disabled"`
}

// listUsers runs `user list --json` and returns its raw output and the users in it.
func listUsers(t *testing.T, dsn string) (string, []listedUser) {
	t.Helper()
	out := mustRun(t, "", nil, "user", "list", "--db", dsn, "--json")
	var users []listedUser
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("user list --json: %v\noutput:\n%s", err, out)
	}
	return out, users
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// meResponse is the part of GET /api/v1/me the tests read.
type meResponse struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	Via      string `json:"via"`
}

// getMe calls GET /api/v1/me, letting auth add credentials, and returns the status and body.
func getMe(t *testing.T, baseURL string, auth func(*http.Request)) (int, meResponse, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/api/v1/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != nil {
		auth(req)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/v1/me: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var me meResponse
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, &me); err != nil {
			t.Fatalf("GET /api/v1/me: decode %q: %v", body, err)
		}
	}
	return resp.StatusCode, me, string(body)
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func withCookies(cookies []*http.Cookie) func(*http.Request) {
	return func(r *http.Request) {
		for _, c := range cookies {
			r.AddCookie(c)
		}
	}
}

// login signs in through POST /api/v1/auth/login and returns the session cookies it set.
func login(t *testing.T, baseURL, username, password string) []*http.Cookie {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, baseURL+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST /api/v1/auth/login as %s: %v", username, err)
	}
	defer resp.Body.Close()
	respBody, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/auth/login as %s: status %d, want 200; body %s", username, resp.StatusCode, respBody)
	}
	var cookies []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) == 0 {
		t.Fatalf("POST /api/v1/auth/login as %s: no session cookie in the response (Set-Cookie: %q)", username, resp.Header.Values("Set-Cookie"))
	}
	return cookies
}

// getStatus returns the status of a GET of path.
func getStatus(t *testing.T, baseURL, path string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
