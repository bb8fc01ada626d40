package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestServeRefusesASchemaItCannotServe(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Run("a fresh database is refused, naming citygrid migrate", func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", nil, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			if code == exitOK {
				t.Fatalf("serve on an unmigrated database: exit code 0, want non-zero")
			}
			if !strings.Contains(stderr, "citygrid migrate") {
				t.Errorf("stderr = %q, want it to name %q", stderr, "citygrid migrate")
			}
			if strings.Contains(stdout, "listening") {
				t.Errorf("stdout = %q, want no listening line", stdout)
			}
		})

		migrate(t, dsn)
		t.Run("migrating twice is harmless", func(t *testing.T) {
			migrate(t, dsn)
		})

		raw := storetest.Raw(t, dsn)
		if _, err := raw.ExecContext(t.Context(), `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)`); err != nil {
			t.Fatalf("insert a newer schema version: %v", err)
		}
		t.Run("a schema newer than the binary is refused", func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", nil, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
			if code == exitOK {
				t.Fatalf("serve on a newer schema: exit code 0, want non-zero")
			}
			if !strings.Contains(stderr, "newer") {
				t.Errorf("stderr = %q, want it to say the schema is newer", stderr)
			}
			if strings.Contains(stdout, "listening") {
				t.Errorf("stdout = %q, want no listening line", stdout)
			}
		})
		t.Run("migrate refuses to touch a newer schema", func(t *testing.T) {
			code, _, stderr := runCLI(t, "", nil, "migrate", "--db", dsn)
			if code == exitOK {
				t.Fatalf("migrate on a newer schema: exit code 0, want non-zero")
			}
			if !strings.Contains(stderr, "newer") {
				t.Errorf("stderr = %q, want it to say the schema is newer", stderr)
			}
		})
	})
}

func TestServeTakesSettingsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "citygrid.db")

	t.Run("migrate reads CITYGRID_DB", func(t *testing.T) {
		out := mustRun(t, "", map[string]string{"CITYGRID_DB": dsn}, "migrate")
		if !strings.HasPrefix(out, "schema at version ") {
			t.Errorf("stdout = %q, want %q…", out, "schema at version ")
		}
	})

	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"CITYGRID_DB and CITYGRID_ADDR are used when no flags are given",
			map[string]string{"CITYGRID_DB": dsn, "CITYGRID_ADDR": "127.0.0.1:0"}, nil},
		{"a --db flag wins over CITYGRID_DB",
			map[string]string{"CITYGRID_DB": "mysql://bad", "CITYGRID_ADDR": "127.0.0.1:0"}, []string{"--db", dsn}},
		{"an --addr flag wins over CITYGRID_ADDR",
			map[string]string{"CITYGRID_DB": dsn, "CITYGRID_ADDR": "256.0.0.1:99999"}, []string{"--addr", "127.0.0.1:0"}},
		{"CITYGRID_DATA holds the default SQLite database",
			map[string]string{"CITYGRID_DATA": dir, "CITYGRID_ADDR": "127.0.0.1:0"}, nil},
		{"a --data flag wins over CITYGRID_DATA",
			map[string]string{"CITYGRID_DATA": filepath.Join(dir, "elsewhere"), "CITYGRID_ADDR": "127.0.0.1:0"}, []string{"--data", dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.env, append([]string{"serve"}, tt.args...)...)
			if !strings.HasPrefix(s.url, "http://127.0.0.1:") {
				t.Errorf("listening on %s, want http://127.0.0.1:PORT", s.url)
			}
			// Ready means this server's database is the migrated one: an empty one is not ready.
			for _, path := range []string{"/healthz", "/readyz"} {
				if got := getStatus(t, s.url, path); got != http.StatusOK {
					t.Errorf("GET %s: status %d, want 200", path, got)
				}
			}
		})
	}

	t.Run("a bad CITYGRID_DB with no --db flag exits 2", func(t *testing.T) {
		code, _, stderr := runCLI(t, "", map[string]string{"CITYGRID_DB": "mysql://bad", "CITYGRID_ADDR": "127.0.0.1:0"}, "serve")
		if code != exitUsage {
			t.Errorf("exit code %d, want %d; stderr %q", code, exitUsage, stderr)
		}
		if !strings.Contains(stderr, "mysql://bad") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("stderr = %q, want one line naming the DSN", stderr)
		}
	})
	t.Run("an address that cannot be listened on fails", func(t *testing.T) {
		code, _, stderr := runCLI(t, "", map[string]string{"CITYGRID_DB": dsn}, "serve", "--addr", "256.0.0.1:99999")
		if code == exitOK {
			t.Errorf("exit code 0, want non-zero")
		}
		if !strings.Contains(stderr, "listen") {
			t.Errorf("stderr = %q, want it to say it cannot listen", stderr)
		}
	})
}
