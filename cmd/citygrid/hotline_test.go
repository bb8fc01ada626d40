package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestImportHotline(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		p := pointInGrid(t, dsn, demo.GridWorkerGrid)
		q := pointInGrid(t, dsn, "410811001001001")
		dir := t.TempDir()
		header := "ticket,received_at,category_kind,category,description,lon,lat,crs,address,contact_name,contact_phone,urgency\n"
		row := func(ticket, category string, lon, lat float64) string {
			return fmt.Sprintf("%s,2026-11-25 09:30,matter,%s,市民来电反映,%v,%v,wgs84,某路口,李四,13900000000,normal\n", ticket, category, lon, lat)
		}
		write := func(name, body string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		cases := func() int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM cases`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Two problems, and a third call about the first one from a few metres away (并单).
		batch := write("batch.csv", header+row("12345-0001", "09009", p[0], p[1])+row("12345-0002", "06010", q[0], q[1])+
			row("12345-0003", "09009", p[0]+0.00002, p[1]))
		if out := mustRun(t, "", nil, "import", "hotline", "--db", dsn, "--dry-run", batch); !strings.Contains(out, "would import (dry run) 3 tickets") || cases() != 0 {
			t.Fatalf("dry run: %q, %d cases stored", out, cases())
		}
		out := mustRun(t, "", nil, "import", "hotline", "--db", dsn, batch)
		if !strings.Contains(out, "2 new cases, 1 merged into open cases, 0 imported before") || cases() != 2 {
			t.Fatalf("import: %q, %d cases", out, cases())
		}
		var channels int
		if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM case_channels WHERE source = 'hotline'`).Scan(&channels); err != nil || channels != 3 {
			t.Errorf("channels = %d (%v), want 3", channels, err)
		}
		// The same batch again changes nothing: imports are idempotent by the hotline's ticket.
		if out := mustRun(t, "", nil, "import", "hotline", "--db", dsn, batch); !strings.Contains(out, "0 new cases, 0 merged into open cases, 3 imported before") || cases() != 2 {
			t.Errorf("second import: %q, %d cases", out, cases())
		}
		// An Excel batch goes the same way.
		x := excelize.NewFile()
		for i, cells := range [][]any{
			{"ticket", "received_at", "category_kind", "category", "description", "lon", "lat"},
			{"12345-0004", "2026-11-25 10:00", "matter", "09001", "占道经营", q[0], q[1]},
		} {
			if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &cells); err != nil {
				t.Fatal(err)
			}
		}
		xlsx := filepath.Join(dir, "batch.xlsx")
		if err := x.SaveAs(xlsx); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "", nil, "import", "hotline", "--db", dsn, xlsx); !strings.Contains(out, "1 new cases") || cases() != 3 {
			t.Errorf("xlsx import: %q, %d cases", out, cases())
		}
		// One bad row stops the batch, named by its line, and nothing is written.
		bad := write("bad.csv", header+row("12345-0005", "09009", q[0], q[1])+row("12345-0006", "99999", q[0], q[1])+
			"12345-0007,yesterday,matter,09009,x,abc,35,wgs84,,,,\n"+row("12345-0008", "09009", 0, 0))
		code, stdout, _ := runCLI(t, "", nil, "import", "hotline", "--db", dsn, bad)
		for _, want := range []string{"line 3 (ticket 12345-0006)", "line 4 (ticket 12345-0007)", "received_at", "lon \"abc\"", "line 5 (ticket 12345-0008)", "nothing written"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("bad batch report lacks %q:\n%s", want, stdout)
			}
		}
		if code != 2 || cases() != 3 {
			t.Errorf("bad batch: exit %d, %d cases; want 2 and nothing written", code, cases())
		}
	})
}
