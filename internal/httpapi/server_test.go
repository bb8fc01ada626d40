package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpapi"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestBadBodiesAreRefusedAndChangeNothing(t *testing.T) {
	huge := `{"username": "` + strings.Repeat("a", 1<<20) + `"}`
	cases := []struct {
		name        string
		body        string
		contentType string
		status      int
		code        string
		mention     string // the message must name this
	}{
		{"malformed JSON is malformed_json", `{bad`, "", 400, "malformed_json", ""},
		{"a field of the wrong type is wrong_type naming the field", `{"username": 5}`, "", 400, "wrong_type", `"username"`},
		{"an empty body is malformed_json", ``, "", 400, "malformed_json", ""},
		{"two JSON values are malformed_json", `{"username": "a"} {"username": "b"}`, "", 400, "malformed_json", ""},
		{"a JSON array is malformed_json", `[1, 2]`, "", 400, "malformed_json", ""},
		{"a body over 1 MiB is too_large", huge, "", 413, "too_large", ""},
		{"a text/plain body is unsupported_media_type", `{"username": "a"}`, "text/plain", 400, "unsupported_media_type", ""},
		{"missing fields are invalid", `{}`, "", 422, "invalid", ""},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		endpoints := []struct {
			path   string
			caller *client
		}{
			{"/api/v1/auth/login", ts.anonymous()},
			{"/api/v1/users", ts.signedIn(t, "admin")},
		}
		for _, ep := range endpoints {
			for _, tc := range cases {
				t.Run("POST "+ep.path+": "+tc.name, func(t *testing.T) {
					before := ts.snapshot(t)
					r := ep.caller.do(t, "POST", ep.path, tc.body, "Content-Type", tc.contentType)
					msg := wantError(t, r, tc.status, tc.code)
					if !strings.Contains(msg, tc.mention) {
						t.Errorf("message: got %q, want it to mention %s", msg, tc.mention)
					}
					if r.sessionCookie() != nil {
						t.Errorf("a refused request set a session cookie")
					}
					ts.wantUnchanged(t, before)
				})
			}
		}
	})
}

// userList is what GET /api/v1/users returns, reduced to usernames.
func userList(t *testing.T, c *client) []string {
	t.Helper()
	r := c.do(t, "GET", "/api/v1/users", nil)
	wantStatus(t, r, http.StatusOK)
	var users []access.User
	r.decode(t, &users)
	names := []string{}
	for _, u := range users {
		names = append(names, u.Username)
	}
	return names
}

func TestAdminsActOnlyInsideTheirScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		if _, err := ts.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{
			Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: "shanyang-password",
		}); err != nil {
			t.Fatalf("add scoped admin: %v", err)
		}
		scoped := ts.anonymous()
		wantStatus(t, scoped.login(t, "shanyang-admin", "shanyang-password"), http.StatusOK)
		newUser := func(username, scope string) people.NewUser {
			return people.NewUser{Username: username, Role: "gridworker", Scope: scope, Password: "a-good-password"}
		}

		refusals := []struct {
			name   string
			caller *client
			method string
			body   any
			status int
			code   string
		}{
			{"a district admin cannot add a user in another district", scoped, "POST", newUser("jiefang-worker", "410802"), 403, "forbidden"},
			{"a district admin cannot add a user for the whole city", scoped, "POST", newUser("city-worker", "4108"), 403, "forbidden"},
			{"an operator cannot add users", ts.signedIn(t, "operator"), "POST", newUser("sy-worker", "410811001"), 403, "forbidden"},
			{"an anonymous caller cannot add users", ts.anonymous(), "POST", newUser("sy-worker", "410811001"), 401, "unauthorized"},
			{"an operator cannot list users", ts.signedIn(t, "operator"), "GET", nil, 403, "forbidden"},
			{"an anonymous caller cannot list users", ts.anonymous(), "GET", nil, 401, "unauthorized"},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				before := ts.snapshot(t)
				wantError(t, tc.caller.do(t, tc.method, "/api/v1/users", tc.body), tc.status, tc.code)
				ts.wantUnchanged(t, before)
			})
		}

		t.Run("a district admin adds a user inside the district", func(t *testing.T) {
			r := scoped.do(t, "POST", "/api/v1/users", newUser("sy-worker", "410811001"))
			wantStatus(t, r, http.StatusCreated)
			var u access.User
			r.decode(t, &u)
			if u.Username != "sy-worker" || u.Scope != "410811001" || u.ID <= 0 {
				t.Errorf("created user: got %+v, want sy-worker scoped to 410811001 with an id", u)
			}
		})
		t.Run("a district admin lists only the users inside the district", func(t *testing.T) {
			if got, want := userList(t, scoped), []string{"shanyang-admin", "sy-worker"}; !slices.Equal(got, want) {
				t.Errorf("users: got %v, want %v", got, want)
			}
		})
		t.Run("the city admin lists everyone", func(t *testing.T) {
			got := userList(t, ts.signedIn(t, "admin"))
			for _, want := range []string{"admin", "operator", "handler", "resident", "shanyang-admin", "sy-worker"} {
				if !slices.Contains(got, want) {
					t.Errorf("users: got %v, want it to include %s", got, want)
				}
			}
		})
	})
}

func TestUnknownPathsAndMethodsAnswerInTheErrorShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		for _, tc := range []struct {
			name, method, path string
			status             int
			code               string
			allow              []string
		}{
			{"an unknown API path is not_found", "GET", "/api/v1/no-such-thing", 404, "not_found", nil},
			{"an unknown API version is not_found", "GET", "/api/v2/me", 404, "not_found", nil},
			{"PUT on /me is method_not_allowed", "PUT", "/api/v1/me", 405, "method_not_allowed", []string{"GET"}},
			{"DELETE on /users is method_not_allowed", "DELETE", "/api/v1/users", 405, "method_not_allowed", []string{"GET", "POST"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := ts.anonymous().do(t, tc.method, tc.path, nil)
				wantError(t, r, tc.status, tc.code)
				allow := r.Header.Get("Allow")
				for _, m := range tc.allow {
					if !strings.Contains(allow, m) {
						t.Errorf("Allow: got %q, want it to contain %s", allow, m)
					}
				}
			})
		}
	})
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Run("/healthz answers ok with the version", func(t *testing.T) {
			r := newServer(t, db).anonymous().do(t, "GET", "/healthz", nil)
			wantStatus(t, r, http.StatusOK)
			var body map[string]string
			r.decode(t, &body)
			if body["status"] != "ok" || body["version"] != "test" {
				t.Errorf("/healthz: got %v, want status ok, version test", body)
			}
		})

		for _, tc := range []struct {
			name   string
			ready  error
			status int
			code   string
		}{
			{"/readyz answers 200 when ready", nil, 200, ""},
			{"/readyz answers 503 when a dependency is unavailable", errs.E(errs.Unavailable, "schema is behind"), 503, "unavailable"},
			{"/readyz hides an unclassified failure as internal", errors.New("dial tcp 10.0.0.5:5432: connection refused"), 500, "internal"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ts := newServer(t, db, func(c *server.Config) {
					c.Ready = func(context.Context) error { return tc.ready }
				})
				r := ts.anonymous().do(t, "GET", "/readyz", nil)
				if tc.ready == nil {
					wantStatus(t, r, http.StatusOK)
					return
				}
				wantError(t, r, tc.status, tc.code)
				if strings.Contains(string(r.Body), "10.0.0.5") {
					t.Errorf("/readyz shows an internal detail: %s", r.Body)
				}
			})
		}

		t.Run("/metrics counts requests by route pattern", func(t *testing.T) {
			ts := newServer(t, db)
			wantStatus(t, ts.anonymous().do(t, "GET", "/healthz", nil), http.StatusOK)
			getMe(t, ts.signedIn(t, "operator"))
			r := ts.anonymous().do(t, "GET", "/metrics", nil)
			wantStatus(t, r, http.StatusOK)
			for _, want := range []string{
				`citygrid_http_requests_total{route="GET /healthz",status="200"} 1`,
				`citygrid_http_requests_total{route="POST /api/v1/auth/login",status="200"} 1`,
				`citygrid_http_requests_total{route="GET /api/v1/me",status="200"} 1`,
			} {
				if !strings.Contains(string(r.Body), want) {
					t.Errorf("/metrics lacks %s; its request counters are:\n%s", want, grepLines(string(r.Body), "citygrid_http_requests_total{"))
				}
			}
		})
	})
}

func grepLines(s, substr string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

func TestRequestIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
		for _, tc := range []struct {
			name, sent string
			echoed     bool
		}{
			{"a sane id is echoed", "req-42_a.B", true},
			{"an id of 64 characters is echoed", strings.Repeat("x", 64), true},
			{"a missing id is generated", "", false},
			{"an id of 200 characters is replaced", strings.Repeat("x", 200), false},
			{"an id with spaces is replaced", "id with spaces", false},
			{"an id with a header-injection attempt is replaced", "abc\" onload=\"x", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got := ts.anonymous().do(t, "GET", "/healthz", nil, "X-Request-Id", tc.sent).Header.Get("X-Request-Id")
				if tc.echoed && got != tc.sent {
					t.Errorf("X-Request-Id: got %q, want %q echoed", got, tc.sent)
				}
				if !tc.echoed && !generated.MatchString(got) {
					t.Errorf("X-Request-Id: got %q, want a fresh 16-hex-digit id in place of %q", got, tc.sent)
				}
			})
		}

		t.Run("the audit record of a sign-in carries its request id", func(t *testing.T) {
			r := ts.anonymous().login(t, "leader", demo.Password, "X-Request-Id", "login-req-7")
			wantStatus(t, r, http.StatusOK)
			logins := auditRecords(t, db, "auth.login")
			if len(logins) == 0 {
				t.Fatal("no auth.login audit record")
			}
			last := logins[len(logins)-1]
			if last.RequestID != "login-req-7" || last.Target != "user:leader" {
				t.Errorf("last auth.login record: got request id %q target %q, want login-req-7 for user:leader", last.RequestID, last.Target)
			}
		})
	})
}

func TestInternalErrorsAreLoggedButNotShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		token, _, err := ts.App.People.CreateToken(t.Context(), access.SystemPrincipal("test"), "admin", "ops")
		if err != nil {
			t.Fatalf("create token: %v", err)
		}
		callers := []struct {
			name   string
			caller *client
		}{
			{"a bearer-authenticated admin", ts.bearer(token)},
			{"a signed-in admin", ts.signedIn(t, "admin")},
		}
		if err := db.Close(); err != nil {
			t.Fatalf("close db: %v", err)
		}
		for _, tc := range callers {
			t.Run(tc.name+" sees no detail once the database is gone", func(t *testing.T) {
				r := tc.caller.do(t, "GET", "/api/v1/users", nil)
				if r.Status < 500 {
					t.Fatalf("status: got %d, want a 5xx (body %s)", r.Status, r.Body)
				}
				var body struct {
					Error struct{ Code, Message string } `json:"error"`
				}
				r.decode(t, &body)
				if c := body.Error.Code; c != "internal" && c != "unavailable" {
					t.Errorf("error code: got %q, want internal or unavailable (body %s)", c, r.Body)
				}
				for _, leak := range []string{"sql", "closed", "pgx"} {
					if strings.Contains(strings.ToLower(string(r.Body)), leak) {
						t.Errorf("body shows %q: %s", leak, r.Body)
					}
				}
				id := r.Header.Get("X-Request-Id")
				if logs := ts.Logs.String(); !strings.Contains(logs, "request_id="+id) || !strings.Contains(logs, "database is closed") {
					t.Errorf("the cause was not logged with request id %s:\n%s", id, logs)
				}
			})
		}
	})
}

func TestTheOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	srv := httpapi.New(httpapi.Config{Logger: quiet}) // the document needs no database
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	r := (&testServer{URL: hs.URL}).anonymous().do(t, "GET", "/api/v1/openapi.json", nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.decode(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: got %q, want 3.1.0", doc.OpenAPI)
	}

	routes := map[[2]string]bool{}
	for _, rt := range srv.RouteList() {
		method, path := strings.ToLower(rt[0]), strings.TrimPrefix(rt[1], "/api/v1")
		routes[[2]string{method, path}] = true
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("the document lacks %s %s (route %s %s)", method, path, rt[0], rt[1])
		}
	}
	if len(routes) == 0 {
		t.Fatal("the server registers no routes")
	}
	httpMethods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for path, item := range doc.Paths {
		for method := range item {
			if slices.Contains(httpMethods, method) && !routes[[2]string{method, path}] {
				t.Errorf("the document describes %s %s, which the server does not serve", method, path)
			}
		}
	}
}
