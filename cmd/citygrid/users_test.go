package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

// Every console command that opens the app hashes once at bcrypt's default cost, which takes
// most of a second under the race detector: these tests count their commands.

const ops2Password = "s3cret-pass"

func TestUsersAndTokensFromTheConsole(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		migrate(t, dsn)
		seedDemo(t, dsn)
		raw := storetest.Raw(t, dsn)
		// usernames reads the users straight from the database, for checking that a refused
		// command changed nothing without running another command.
		usernames := func(t *testing.T) string {
			t.Helper()
			rows, err := raw.QueryContext(t.Context(), `SELECT username, role, disabled FROM users ORDER BY username`)
			if err != nil {
				t.Fatalf("read users: %v", err)
			}
			defer rows.Close()
			var b strings.Builder
			for rows.Next() {
				var name, role string
				var disabled bool
				if err := rows.Scan(&name, &role, &disabled); err != nil {
					t.Fatalf("read users: %v", err)
				}
				b.WriteString(name + "/" + role)
				if disabled {
					b.WriteString("/disabled")
				}
				b.WriteString(" ")
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("read users: %v", err)
			}
			return b.String()
		}

		addOps2 := []string{"user", "add", "--db", dsn, "--username", "ops2", "--role", "operator", "--scope", "410802", "--password-stdin"}
		t.Run("user add creates an operator scoped to a region", func(t *testing.T) {
			out := mustRun(t, ops2Password+"\n", nil, addOps2...)
			if want := "added user ops2 (operator)\n"; out != want {
				t.Errorf("stdout = %q, want %q", out, want)
			}
		})

		before := usernames(t)
		if !strings.Contains(before, "ops2/operator ") {
			t.Fatalf("users after user add = %s, want ops2 among them", before)
		}
		t.Run("adding the same username again fails and changes nothing", func(t *testing.T) {
			code, _, stderr := runCLI(t, "another-pass\n", nil, addOps2...)
			if code == exitOK {
				t.Errorf("exit code 0, want non-zero")
			}
			if !strings.Contains(stderr, "ops2") {
				t.Errorf("stderr = %q, want it to name ops2", stderr)
			}
			if after := usernames(t); after != before {
				t.Errorf("users changed:\ngot  %s\nwant %s", after, before)
			}
		})

		invalid := []struct {
			name, wantStderr string
			args             []string
		}{
			{"an unknown role", "role", []string{"--username", "x1", "--role", "wizard", "--scope", "410802"}},
			{"an operator without a scope", "scope", []string{"--username", "x2", "--role", "operator"}},
			{"a scope naming no region", "999999", []string{"--username", "x3", "--role", "operator", "--scope", "999999"}},
		}
		for _, tt := range invalid {
			t.Run("user add with "+tt.name+" exits 2 and changes nothing", func(t *testing.T) {
				args := append([]string{"user", "add", "--db", dsn, "--password-stdin"}, tt.args...)
				code, stdout, stderr := runCLI(t, ops2Password+"\n", nil, args...)
				if code != exitUsage {
					t.Errorf("exit code %d, want %d; stderr %q", code, exitUsage, stderr)
				}
				if !strings.Contains(stderr, tt.wantStderr) {
					t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
				}
				if stdout != "" {
					t.Errorf("stdout = %q, want nothing", stdout)
				}
				if after := usernames(t); after != before {
					t.Errorf("users changed:\ngot  %s\nwant %s", after, before)
				}
			})
		}

		t.Run("user list --json has the documented fields", func(t *testing.T) {
			out, users := listUsers(t, dsn)
			var raw []map[string]any
			if err := json.Unmarshal([]byte(out), &raw); err != nil {
				t.Fatalf("decode: %v\n%s", err, out)
			}
			if want := len(demo.Logins()) + 1; len(raw) != want {
				t.Errorf("got %d users, want %d (the demo users and ops2)", len(raw), want)
			}
			for _, u := range raw {
				for _, field := range []string{"username", "role", "scope", "department", "disabled"} {
					if _, ok := u[field]; !ok {
						t.Errorf("user %v has no %q field", u["username"], field)
					}
				}
			}
			want := listedUser{Username: "ops2", Role: "operator", Scope: "410802"}
			if got := findUser(users, "ops2"); got != want {
				t.Errorf("ops2 listed as %+v, want %+v", got, want)
			}
			handler := listedUser{Username: "handler", Role: "handler", Department: "410802-CGJ"}
			if got := findUser(users, "handler"); got != handler {
				t.Errorf("handler listed as %+v, want %+v", got, handler)
			}
		})

		code, tokenOut, stderr := runCLI(t, "", nil, "token", "create", "--db", dsn, "--username", "ops2")
		if code != exitOK {
			t.Fatalf("token create: exit code %d, want 0; stderr %q", code, stderr)
		}
		t.Run("token create prints one line holding only the token", func(t *testing.T) {
			if !strings.HasPrefix(tokenOut, "cgt_") || strings.Count(tokenOut, "\n") != 1 || !strings.HasSuffix(tokenOut, "\n") ||
				strings.ContainsAny(strings.TrimSuffix(tokenOut, "\n"), " \t\r") {
				t.Errorf("stdout = %q, want exactly one line cgt_…", tokenOut)
			}
		})
		token := strings.TrimSpace(tokenOut)

		url := startServe(t, "serve", "--db", dsn, "--addr", "127.0.0.1:0")

		t.Run("the server knows the token's user", func(t *testing.T) {
			status, me, body := getMe(t, url, bearer(token))
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/me with the token: status %d, want 200; body %s", status, body)
			}
			want := meResponse{Username: "ops2", Role: "operator", Scope: "410802", Via: "token"}
			if me != want {
				t.Errorf("GET /api/v1/me = %+v, want %+v", me, want)
			}
		})

		var session []*http.Cookie
		t.Run("the new user signs in with the password from stdin", func(t *testing.T) {
			session = login(t, url, "ops2", ops2Password)
			status, me, body := getMe(t, url, withCookies(session))
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/me with the session: status %d, want 200; body %s", status, body)
			}
			want := meResponse{Username: "ops2", Role: "operator", Scope: "410802", Via: "session"}
			if me != want {
				t.Errorf("GET /api/v1/me = %+v, want %+v", me, want)
			}
		})

		t.Run("user disable locks the user out of the running server", func(t *testing.T) {
			if out := mustRun(t, "", nil, "user", "disable", "--db", dsn, "--username", "ops2"); out != "user ops2 disabled\n" {
				t.Errorf("user disable: stdout = %q, want %q", out, "user ops2 disabled\n")
			}
			if status, _, body := getMe(t, url, bearer(token)); status != http.StatusUnauthorized {
				t.Errorf("token of a disabled user: status %d, want 401; body %s", status, body)
			}
			if session != nil {
				if status, _, body := getMe(t, url, withCookies(session)); status != http.StatusUnauthorized {
					t.Errorf("session of a disabled user: status %d, want 401; body %s", status, body)
				}
			}
			if got := usernames(t); !strings.Contains(got, "ops2/operator/disabled ") {
				t.Errorf("users = %s, want ops2 disabled", got)
			}
		})

		// The demo dispatcher is another, enabled user.
		t.Run("token revoke ends an enabled user's token", func(t *testing.T) {
			other := strings.TrimSpace(mustRun(t, "", nil, "token", "create", "--db", dsn, "--username", "dispatcher"))
			if status, me, body := getMe(t, url, bearer(other)); status != http.StatusOK || me.Username != "dispatcher" {
				t.Fatalf("before revoking: status %d, user %q; want 200 and dispatcher; body %s", status, me.Username, body)
			}
			if out := mustRun(t, "", nil, "token", "revoke", "--db", dsn, "--token", other); out != "token revoked\n" {
				t.Errorf("token revoke: stdout = %q, want %q", out, "token revoked\n")
			}
			if status, _, body := getMe(t, url, bearer(other)); status != http.StatusUnauthorized {
				t.Errorf("after revoking: status %d, want 401; body %s", status, body)
			}
		})
	})
}

func findUser(users []listedUser, username string) listedUser {
	for _, u := range users {
		if u.Username == username {
			return u
		}
	}
	return listedUser{}
}
