package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// TestConsoleRefusesBadBytes: what comes in by the console (flags, imported files) is held to the
// same rule as requests: a NUL or bytes that are not UTF-8 refuse the command, naming where, and
// nothing is stored (the HTTP adapters check at their entry; these go through the use cases and
// the file readers).
func TestConsoleRefusesBadBytes(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		raw := storetest.Raw(t, dsn)
		dir := t.TempDir()
		file := func(name, body string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		hotlineHeader := "ticket,received_at,category_kind,category,description,lon,lat\n"
		p := pointInGrid(t, dsn, demo.GridWorkerGrid)
		at := fmt.Sprintf("%v,%v", p[0], p[1])
		feature := `{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "410802999", "name": "新街道%s",
			"level": "subdistrict", "parent_code": "410802"}, "geometry": null}]}`
		for _, tc := range []struct {
			name  string
			stdin string
			args  []string
			want  string // in the output
		}{
			{"user add with a display name that is not UTF-8", "a long enough password\n",
				[]string{"user", "add", "--username", "newbie", "--role", "resident", "--name", "新\xff", "--password-stdin"}, "display_name"},
			{"token create with a name that is not UTF-8", "", []string{"token", "create", "--username", "admin", "--name", "ci\xfe"}, "name"},
			{"webhook add with a name that is not UTF-8", "", []string{"webhook", "add", "--name", "h\xff", "--url", "https://example.com/h"}, "name"},
			{"a hotline CSV with a NUL in a description", "",
				[]string{"import", "hotline", file("h.csv", hotlineHeader+"12345-1,2026-11-25 09:30,matter,09009,占道\x00经营,"+at+"\n")}, "description"},
			{"a hotline CSV with bytes that are not UTF-8", "",
				[]string{"import", "hotline", file("h2.csv", hotlineHeader+"12345-2,2026-11-25 09:30,matter,09009,\xb2\xbb,"+at+"\n")}, "description"},
			{"a time-limits CSV with a NUL in a source", "",
				[]string{"import", "timelimits", file("t.csv", "stage,limit,unit,source\nhandle,1,work_day,x\x00\n")}, "column source"},
			{"a calendar CSV with a note that is not UTF-8", "",
				[]string{"import", "calendar", file("c.csv", "date,working,note\n2026-12-01,0,\xff\n")}, "column note"},
			{"a departments CSV with a NUL in a name", "",
				[]string{"import", "departments", file("d.csv", "code,name,level,region_code\n410802-X,某\x00局,district,410802\n")}, "column name"},
			{"regions GeoJSON with a NUL escape in a name", "",
				[]string{"import", "regions", file("r.geojson", strings.Replace(feature, "%s", `\u0000`, 1))}, "name holds bytes that are not text"},
			{"regions GeoJSON with bytes that are not UTF-8 in a name", "",
				[]string{"import", "regions", file("r2.geojson", strings.Replace(feature, "%s", "\xff", 1))}, "name holds bytes that are not text"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := storetest.Fingerprint(t, raw)
				args := append(append([]string{}, tc.args[:2]...), append([]string{"--db", dsn}, tc.args[2:]...)...)
				code, stdout, stderr := runCLI(t, tc.stdin, nil, args...)
				if code == exitOK || !strings.Contains(stdout+stderr, tc.want) {
					t.Errorf("exit %d, want a refusal naming %q\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
				}
				if storetest.Fingerprint(t, raw) != before {
					t.Error("the refused command changed what is stored")
				}
			})
		}
	})
}
