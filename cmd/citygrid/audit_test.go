package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

// seededDSN returns a fresh database of the engine, migrated through the CLI and seeded with
// the demo city, whose audit trail has a record for every region, department and user.
func seededDSN(t *testing.T, dsn string) string {
	t.Helper()
	migrate(t, dsn)
	seedDemo(t, dsn)
	return dsn
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		engine := engineOf(t, dsn)

		t.Run("an intact trail verifies", func(t *testing.T) {
			seededDSN(t, dsn)
			out := mustRun(t, "", nil, "audit", "verify", "--db", dsn)
			if !strings.Contains(out, "intact") {
				t.Errorf("stdout = %q, want it to say the trail is intact", out)
			}
		})

		tampers := []struct {
			name string
			sql  string // %d is the last record's seq
			want string // stderr must contain it; %d is the last record's seq
		}{
			{"an edited record is named", `UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`, "audit record 3"},
			{"a deleted record in the middle is named", `DELETE FROM audit_log WHERE seq = 4`, "audit record 4"},
			{"a deleted last record is caught", `DELETE FROM audit_log WHERE seq = %d`, "audit record %d"},
		}
		for _, tt := range tampers {
			t.Run(tt.name, func(t *testing.T) {
				dsn := seededDSN(t, storetest.DSN(t, engine))
				raw := storetest.Raw(t, dsn)
				var last int64
				if err := raw.QueryRowContext(t.Context(), `SELECT MAX(seq) FROM audit_log`).Scan(&last); err != nil {
					t.Fatalf("read the last seq: %v", err)
				}
				if last < 5 {
					t.Fatalf("seeded trail has %d records; the test needs at least 5", last)
				}
				query, want := tt.sql, tt.want
				if strings.Contains(query, "%d") {
					query = fmt.Sprintf(query, last)
				}
				if strings.Contains(want, "%d") {
					want = fmt.Sprintf(want, last)
				}
				res, err := raw.ExecContext(t.Context(), query)
				if err != nil {
					t.Fatalf("tamper: %v", err)
				}
				if n, _ := res.RowsAffected(); n != 1 {
					t.Fatalf("tamper touched %d rows, want 1", n)
				}

				code, stdout, stderr := runCLI(t, "", nil, "audit", "verify", "--db", dsn)
				if code != exitError {
					t.Errorf("exit code %d, want %d", code, exitError)
				}
				if !strings.Contains(stderr, want+":") {
					t.Errorf("stderr = %q, want it to name %q", stderr, want)
				}
				if strings.Contains(stdout, "intact") {
					t.Errorf("stdout = %q, want no claim that the trail is intact", stdout)
				}
			})
		}
	})
}
