package main

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

// eval rebuild recounts the aggregates of a database and says how many cases it counted; the
// aggregates it writes are the ones the cases' steps kept (internal/app/eval holds them equal).
func TestEvalRebuild(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		seededDSN(t, dsn)
		raw := storetest.Raw(t, dsn)
		if _, err := raw.Exec(`INSERT INTO eval_daily (kind, key, district, day, reported) VALUES ('grid', 'bogus', '410802', 20260101, 99)`); err != nil {
			t.Fatal(err)
		}
		out := mustRun(t, "", nil, "eval", "rebuild", "--db", dsn)
		if !strings.Contains(out, "rebuilt from 0 cases") {
			t.Errorf("stdout = %q, want the count of cases", out)
		}
		var n int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM eval_daily`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d aggregate rows after rebuilding from no cases, want 0", n)
		}
		if code, _, stderr := runCLI(t, "", nil, "eval", "rebuild", "--db", "nosuch://x"); code == 0 || !strings.Contains(stderr, "nosuch") {
			t.Errorf("eval rebuild with a bad --db: exit %d, stderr %q", code, stderr)
		}
	})
}
