package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestBadCommandLinesExitWithUsageCode(t *testing.T) {
	t.Parallel()
	// Commands that get past their flags would open this database, never one in the working
	// directory.
	db := "sqlite:" + filepath.Join(t.TempDir(), "citygrid.db")
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantStderr string // a substring stderr must contain
		oneLine    bool   // stderr must be exactly one line
	}{
		{name: "no arguments at all", args: nil, wantStderr: "usage: citygrid"},
		{name: "an unknown command", args: []string{"frobnicate"}, wantStderr: `unknown command "frobnicate"`},
		{name: "an unknown DSN kind", args: []string{"serve", "--db", "mysql://x", "--addr", "127.0.0.1:0"}, wantStderr: "mysql://x", oneLine: true},
		{name: "an unknown DSN kind in migrate", args: []string{"migrate", "--db", "mysql://x"}, wantStderr: "mysql://x", oneLine: true},
		{name: "a sqlite DSN without a path", args: []string{"migrate", "--db", "sqlite:"}, wantStderr: "sqlite:", oneLine: true},
		{name: "a sqlite DSN with options", args: []string{"migrate", "--db", "sqlite:x.db?mode=ro"}, wantStderr: "sqlite:", oneLine: true},
		{name: "a postgres DSN without a host", args: []string{"user", "list", "--db", "postgres://"}, wantStderr: "postgres://", oneLine: true},
		{name: "a postgres DSN with an impossible port", args: []string{"migrate", "--db", "postgres://u@127.0.0.1:99999/db"}, wantStderr: "127.0.0.1:99999", oneLine: true},
		{name: "a postgres DSN with an unknown sslmode", args: []string{"migrate", "--db", "postgres://u@127.0.0.1:5432/db?sslmode=bogus"}, wantStderr: "sslmode", oneLine: true},
		{name: "user add without --password-stdin", args: []string{"user", "add", "--db", db, "--username", "u1", "--role", "admin"}, wantStderr: "--password-stdin"},
		{name: "user add with no password on stdin", args: []string{"user", "add", "--db", db, "--username", "u1", "--role", "admin", "--password-stdin"}, wantStderr: "password"},
		{name: "user add without --username", stdin: "s3cret-pass\n", args: []string{"user", "add", "--db", db, "--role", "admin", "--password-stdin"}, wantStderr: "--username"},
		{name: "an unknown flag", args: []string{"migrate", "--db", db, "--no-such-flag"}, wantStderr: "no-such-flag"},
		{name: "a stray argument", args: []string{"migrate", "--db", db, "extra"}, wantStderr: `unexpected argument "extra"`},
		{name: "user without a subcommand", args: []string{"user"}, wantStderr: "subcommand"},
		{name: "user with an unknown subcommand", args: []string{"user", "frobnicate"}, wantStderr: `"frobnicate"`},
		{name: "token create without --username", args: []string{"token", "create", "--db", db}, wantStderr: "--username"},
		{name: "token revoke without --id or --token", args: []string{"token", "revoke", "--db", db}, wantStderr: "--token"},
		{name: "audit without a subcommand", args: []string{"audit"}, wantStderr: "subcommand"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" exits 2", func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.stdin, nil, tt.args...)
			if code != exitUsage {
				t.Errorf("citygrid %s: exit code %d, want %d\nstderr:\n%s", strings.Join(tt.args, " "), code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
			if tt.oneLine && (strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n")) {
				t.Errorf("stderr = %q, want exactly one line", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	t.Run("version prints citygrid and a version", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "", nil, "version")
		if code != exitOK {
			t.Fatalf("exit code %d, want 0; stderr %q", code, stderr)
		}
		if !strings.HasPrefix(stdout, "citygrid ") || strings.Count(stdout, "\n") != 1 || len(strings.TrimSpace(stdout)) <= len("citygrid") {
			t.Errorf("stdout = %q, want one line %q", stdout, "citygrid VERSION")
		}
	})
	t.Run("help lists the commands and exits 0", func(t *testing.T) {
		code, _, stderr := runCLI(t, "", nil, "help")
		if code != exitOK {
			t.Fatalf("exit code %d, want 0", code)
		}
		for _, cmd := range []string{"serve", "demo", "migrate", "user", "token", "audit", "version"} {
			if !strings.Contains(stderr, "  "+cmd+" ") {
				t.Errorf("help does not list %q:\n%s", cmd, stderr)
			}
		}
	})
	t.Run("a command's -h exits 0", func(t *testing.T) {
		code, _, stderr := runCLI(t, "", nil, "serve", "-h")
		if code != exitOK {
			t.Fatalf("exit code %d, want 0", code)
		}
		if !strings.Contains(stderr, "-addr") {
			t.Errorf("serve -h does not describe --addr:\n%s", stderr)
		}
	})
}
