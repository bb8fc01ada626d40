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

func TestImportChecklistAndSites(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		dir := t.TempDir()
		write := func(name, body string) string {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}
		count := func(table string) int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		header := "standard,standard_name,edition,year,site_type,site_type_name,code,level1,level2,level3,item,max_score,rule,deduction,evidence,category_kind,category\n"
		good := header + "city-2026,本市测评标准,2026版,2026,market,农贸市场,M01,卫生管理,,,公示齐全,5,pass_fail,,photo,matter,09020\n" +
			"city-2026,,,,market,,M02,卫生管理,,,垃圾满溢每处扣1分,4,deduction,1,photo,matter,06042\n"
		bad := good + "city-2026,,,,market,,M03,卫生管理,,,x,200,pass_fail,,photo,matter,09020\n" +
			"city-2026,,,,market,,M04,卫生管理,,,x,2,pass_fail,,photo,matter,99999\n"
		code, out, errOut := runCLI(t, "", nil, "import", "checklist", "--db", dsn, write("bad.csv", bad))
		if code == exitOK || !strings.Contains(out+errOut, "line 4: max_score 200") || count("assess_checklists") != 0 {
			t.Fatalf("a bad checklist: exit %d, %q %q, %d checklists stored", code, out, errOut, count("assess_checklists"))
		}
		// An unknown category is caught against the dictionary, and nothing is stored either.
		code, out, errOut = runCLI(t, "", nil, "import", "checklist", "--db", dsn, write("cat.csv", good+"city-2026,,,,market,,M04,卫生管理,,,x,2,pass_fail,,photo,matter,99999\n"))
		if code == exitOK || !strings.Contains(out+errOut, "item M04: no matter category 99999") || count("assess_checklists") != 0 {
			t.Fatalf("an unknown category: exit %d, %q %q", code, out, errOut)
		}
		if out := mustRun(t, "", nil, "import", "checklist", "--db", dsn, write("good.csv", good)); !strings.Contains(out, "city-2026/market (农贸市场): version 1, 2 items") {
			t.Errorf("import: %q", out)
		}
		// The same items from Excel make no new version.
		x := excelize.NewFile()
		for i, line := range strings.Split(strings.TrimSpace(good), "\n") {
			cells := strings.Split(line, ",")
			row := make([]any, len(cells))
			for j, c := range cells {
				row[j] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		xlsx := filepath.Join(dir, "same.xlsx")
		if err := x.SaveAs(xlsx); err != nil {
			t.Fatal(err)
		}
		if out := mustRun(t, "", nil, "import", "checklist", "--db", dsn, xlsx); !strings.Contains(out, "0 checklists new or changed, 1 unchanged") {
			t.Errorf("the same checklist from Excel: %q", out)
		}

		p := pointInGrid(t, dsn, demo.GridWorkerGrid)
		sites := "code,site_type,name,address,lon,lat,crs,department,contact\n" +
			fmt.Sprintf("JF-001,market,枫华园农贸市场,民主南路,%v,%v,wgs84,410802-CGJ,张三\n", p[0], p[1])
		badSites := sites + "JF-002,market,远方,,100,30,,,\nJF-003,school,学校,,113.2,35.2,,,\n"
		code, out, errOut = runCLI(t, "", nil, "import", "sites", "--db", dsn, write("bad-sites.csv", badSites))
		if code == exitOK || !strings.Contains(out+errOut, "line 3: (100, 30) is outside the managed area") ||
			!strings.Contains(out+errOut, "line 4: site type \"school\" has no checklist") || count("assess_sites") != 0 {
			t.Fatalf("bad sites: exit %d, %q %q, %d stored", code, out, errOut, count("assess_sites"))
		}
		if out := mustRun(t, "", nil, "import", "sites", "--db", dsn, write("sites.csv", sites)); !strings.Contains(out, "1 new, 0 updated") {
			t.Errorf("sites: %q", out)
		}
		var grid string
		if err := storetest.Raw(t, dsn).QueryRow(`SELECT grid_code FROM assess_sites WHERE code = 'JF-001'`).Scan(&grid); err != nil || grid != demo.GridWorkerGrid {
			t.Errorf("the site is located to %q (%v), want %s", grid, err, demo.GridWorkerGrid)
		}
	})
}
