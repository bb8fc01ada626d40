package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The time limits and the calendar are edited from the console: all or nothing, with the bad
// line named; webhooks are added, listed and disabled.
func TestSettingsFromTheConsole(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", nil, "migrate", "--db", dsn)
		if !strings.Contains(out, "default time limits") {
			t.Fatalf("migrate did not load the default time limits: %q", out)
		}
		count := func(table string) int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		defaults := count("time_limits")
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		bad := write("bad.csv", "stage,category_kind,category_code,urgency,area_class,limit,unit\nhandle,*,*,normal,*,3,work_day\nhandle,*,*,urgent,*,4,hours\n")
		code, _, stderr := runCLI(t, "", nil, "import", "timelimits", "--db", dsn, bad)
		if code != 2 || !strings.Contains(stderr, "line 3") {
			t.Errorf("bad time limits: exit %d, stderr %q; want 2 naming line 3", code, stderr)
		}
		if n := count("time_limits"); n != defaults {
			t.Errorf("a refused import changed the table: %d rows, want %d", n, defaults)
		}
		good := write("limits.csv", "stage,category_kind,category_code,urgency,area_class,limit,unit,source\nhandle,*,*,normal,*,3,work_day,ours\nhandle,*,*,urgent,*,4,work_hour,ours\n")
		if out := mustRun(t, "", nil, "import", "timelimits", "--db", dsn, good); !strings.Contains(out, "2 rows") {
			t.Errorf("import timelimits: %q", out)
		}
		badCal := write("badcal.csv", "date,working,note\n2026-10-09,false,城市日\n2026-13-01,true,\n")
		if code, _, stderr := runCLI(t, "", nil, "import", "calendar", "--db", dsn, badCal); code != 2 || !strings.Contains(stderr, "line 3") {
			t.Errorf("bad calendar: exit %d, stderr %q", code, stderr)
		}
		if n := count("calendar_overrides"); n != 0 {
			t.Errorf("a refused calendar import stored %d rows", n)
		}
		cal := write("cal.csv", "date,working,note\n2026-10-09,false,城市日\n2026-10-10,true,调休\n")
		if out := mustRun(t, "", nil, "import", "calendar", "--db", dsn, cal); !strings.Contains(out, "set 2 calendar overrides") {
			t.Errorf("import calendar: %q", out)
		}
		if code, _, stderr := runCLI(t, "", nil, "webhook", "add", "--db", dsn, "--name", "x", "--url", "ftp://nowhere"); code != 2 || !strings.Contains(stderr, "http") {
			t.Errorf("bad webhook: exit %d, stderr %q", code, stderr)
		}
		out = mustRun(t, "", nil, "webhook", "add", "--db", dsn, "--name", "brain", "--url", "https://brain.example/hook", "--topics", "case.*")
		if !strings.Contains(out, "secret (shown once): whsec_") {
			t.Errorf("webhook add: %q", out)
		}
		if out := mustRun(t, "", nil, "webhook", "list", "--db", dsn); !strings.Contains(out, "brain") || strings.Contains(out, "whsec_") {
			t.Errorf("webhook list: %q", out)
		}
		for env, val := range map[string]string{"CITYGRID_DUPLICATE_RADIUS_M": "fifty", "CITYGRID_DUPLICATE_DAYS": "0", "CITYGRID_SMTP": "mail.example:25"} {
			code, _, stderr := runCLI(t, "", map[string]string{env: val}, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--data", t.TempDir())
			if code != 2 || !strings.Contains(stderr, env[len("CITYGRID_"):]) && !strings.Contains(stderr, "smtp://") {
				t.Errorf("serve with %s=%s: exit %d, stderr %q; want 2 naming it", env, val, code, stderr)
			}
		}
		mustRun(t, "", nil, "webhook", "disable", "--db", dsn, "1")
		if code, _, _ := runCLI(t, "", nil, "webhook", "disable", "--db", dsn, "1"); code != 1 {
			t.Errorf("disabling twice: exit %d, want 1", code)
		}
	})
}
