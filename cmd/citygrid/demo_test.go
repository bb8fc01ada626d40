package main

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
)

var demoUsernames = []string{"admin", "operator", "leader", "dispatcher", "handler", "gridworker", "inspector", "inspector2", "resident"}

// printedLogins reads the logins table a demo prints: username → role.
func printedLogins(t *testing.T, out string) map[string]string {
	t.Helper()
	logins := map[string]string{}
	inTable := false
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		switch {
		case !inTable && len(fields) >= 3 && fields[0] == "username" && fields[1] == "role":
			inTable = true
		case inTable && len(fields) == 0:
			inTable = false
		case inTable && len(fields) >= 2:
			logins[fields[0]] = fields[1]
		}
	}
	if len(logins) == 0 {
		t.Fatalf("no logins table in the output:\n%s", out)
	}
	return logins
}

func TestDemo(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	dsn := sqliteIn(dir)

	t.Run("demo --seed-only seeds, prints every login and exits", func(t *testing.T) {
		out := mustRun(t, "", nil, "demo", "--seed-only", "--small", "--history", "0", "--data", dir)
		for _, u := range demoUsernames {
			if !strings.Contains(out, "  "+u+" ") {
				t.Errorf("stdout does not list user %q:\n%s", u, out)
			}
		}
		if !strings.Contains(out, demo.Password) {
			t.Errorf("stdout does not show the password %q:\n%s", demo.Password, out)
		}
		if strings.Contains(out, "listening") {
			t.Errorf("--seed-only served:\n%s", out)
		}
	})

	usernames := func() []string {
		_, users := listUsers(t, dsn)
		var got []string
		for _, u := range users {
			got = append(got, u.Username)
		}
		slices.Sort(got)
		return got
	}
	t.Run("demo --seed-only again reuses the data and exits 0", func(t *testing.T) {
		before := usernames()
		for _, u := range demoUsernames {
			if !slices.Contains(before, u) {
				t.Errorf("no user %s after seeding", u)
			}
		}
		mustRun(t, "", nil, "demo", "--seed-only", "--small", "--history", "0", "--data", dir)
		if got := usernames(); !slices.Equal(got, before) {
			t.Errorf("seeding again changed the users from %d to %d", len(before), len(got))
		}
	})

	t.Run("demo serves and every printed login signs in with its role", func(t *testing.T) {
		s := startServer(t, nil, "demo", "--small", "--history", "0", "--data", dir, "--addr", "127.0.0.1:0")
		out := s.waitForOutput(t, "/api/v1/auth/login\n")
		if !strings.Contains(out, "Open "+s.url+" ") {
			t.Errorf("stdout does not tell to open %s:\n%s", s.url, out)
		}
		if !strings.Contains(out, demo.Password) {
			t.Errorf("stdout does not show the password %q:\n%s", demo.Password, out)
		}
		logins := printedLogins(t, out)
		if len(logins) != len(demoUsernames) {
			t.Errorf("printed %d logins, want %d: %v", len(logins), len(demoUsernames), logins)
		}
		for _, want := range demo.Logins() {
			if got := logins[want.Username]; got != string(want.Role) {
				t.Errorf("printed login %s has role %q, want %q", want.Username, got, want.Role)
			}
		}
		for username, role := range logins {
			t.Run(username+" signs in", func(t *testing.T) {
				t.Parallel()
				cookies := login(t, s.url, username, demo.Password)
				status, me, body := getMe(t, s.url, withCookies(cookies))
				if status != http.StatusOK {
					t.Fatalf("GET /api/v1/me: status %d, want 200; body %s", status, body)
				}
				if me.Username != username || me.Role != role {
					t.Errorf("GET /api/v1/me = %+v, want username %s and role %s", me, username, role)
				}
			})
		}
	})
}
