package main

import (
	"bytes"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// reportIn reports a case in each of the grids through the use cases, at the given times.
func reportIn(t *testing.T, dsn string, grids []string, at []time.Time) {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var now time.Time
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.DiscardHandler), Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range grids {
		now = at[i]
		p := apptest.PointIn(t, a, g)
		if _, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "车停在盲道上", Lon: &p[0], Lat: &p[1]}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExportCasesFromTheConsole(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		jan := func(d int) time.Time { return time.Date(2026, 1, d, 2, 0, 0, 0, time.UTC) } // 10:00 China time
		reportIn(t, dsn, []string{"410802001001001", "410811001001001", "410802001001001"}, []time.Time{jan(5), jan(6), jan(7)})
		dir := t.TempDir()

		out := mustRun(t, "", nil, "export", "cases", "--db", dsn, "--out", filepath.Join(dir, "all.xlsx"))
		if !strings.Contains(out, "all.xlsx: 3 rows") {
			t.Errorf("stdout %q", out)
		}
		f, err := excelize.OpenFile(filepath.Join(dir, "all.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("案件清单")
		f.Close()
		if len(rows) != 5 || rows[1][0] != "案件编号" || rows[2][0] != "20260107-000001" || rows[2][6] != "解放区" || rows[3][6] != "山阳区" {
			t.Errorf("all.xlsx rows %q", rows)
		}

		// As a district's leader, for two days (the second inclusive), as CSV by extension.
		mustRun(t, "", nil, "export", "cases", "--db", dsn, "--as", "leader", "--from", "2026-01-05", "--to", "2026-01-06",
			"--out", filepath.Join(dir, "mine.csv"))
		data, err := os.ReadFile(filepath.Join(dir, "mine.csv"))
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 || recs[2][0] != "20260105-000001" || !strings.Contains(recs[0][0], "范围：解放区 · 时间：2026-01-05 至 2026-01-06") {
			t.Errorf("mine.csv %q", recs)
		}

		// To standard output.
		out = mustRun(t, "", nil, "export", "cases", "--db", dsn, "--format", "csv", "--out", "-", "--region", "410811")
		if !strings.HasPrefix(out, "\uFEFF案件清单 · 范围：山阳区") || strings.Count(out, "\r\n") != 3 {
			t.Errorf("stdout %q", out)
		}

		for _, bad := range []struct {
			args []string
			code int
			says string
		}{
			{[]string{"--out", filepath.Join(dir, "x.xlsx"), "--format", "pdf"}, exitUsage, "format must be xlsx or csv"},
			{[]string{"--format", "csv"}, exitUsage, "--out is required"},
			{[]string{"--out", filepath.Join(dir, "x.xlsx"), "--status", "lost"}, exitUsage, "unknown status"},
			{[]string{"--out", filepath.Join(dir, "x.xlsx"), "--from", "5 January"}, exitUsage, "--from must be a day"},
			{[]string{"--out", filepath.Join(dir, "x.xlsx"), "--as", "leader", "--region", "410811"}, exitError, "outside your scope"},
			{[]string{"--out", filepath.Join(dir, "x.xlsx"), "--as", "nobody"}, exitError, "nobody"},
		} {
			code, _, stderr := runCLI(t, "", nil, append([]string{"export", "cases", "--db", dsn}, bad.args...)...)
			if code != bad.code || !strings.Contains(stderr, bad.says) {
				t.Errorf("%v: exit %d %q, want %d saying %q", bad.args, code, stderr, bad.code, bad.says)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "x.xlsx")); err == nil {
			t.Error("a refused export left a file")
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		// The evaluation table of the district's departments, as the leader sees it.
		stats := filepath.Join(dir, "s.xlsx")
		mustRun(t, "", nil, "export", "stats", "--db", dsn, "--out", stats, "--from", "2026-01-01", "--to", "2026-01-31", "--group", "department", "--as", "leader")
		sf, err := excelize.OpenFile(stats)
		if err != nil {
			t.Fatal(err)
		}
		defer sf.Close()
		srows, err := sf.GetRows(sf.GetSheetName(0))
		if err != nil {
			t.Fatal(err)
		}
		if rows := srows; len(rows) < 2 || !strings.Contains(rows[0][0], "专业部门综合评价 · 解放区 · 2026-01-01 至 2026-01-31") ||
			len(rows[1]) < 5 || rows[1][0] != "排名" || rows[1][2] != "名称" || rows[1][3] != "综合得分" {
			t.Errorf("the stats workbook begins %q", srows[:min(2, len(srows))])
		}
		code, _, stderr := runCLI(t, "", nil, "export", "stats", "--db", dsn, "--out", filepath.Join(dir, "bad.xlsx"), "--from", "2026-01-31", "--to", "2026-01-01")
		if code == exitOK || !strings.Contains(stderr, "before it starts") {
			t.Errorf("export stats from after to: exit %d %q, want a refusal saying the period ends before it starts", code, stderr)
		}
	})
}
