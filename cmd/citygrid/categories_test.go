package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestCategoriesFromTheConsole(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", nil, "migrate", "--db", dsn)
		if !strings.Contains(out, "national category dictionary GB/T 47678.5-2026 (403 categories)") {
			t.Fatalf("migrate did not load the national dictionary: %q", out)
		}
		if !strings.Contains(out, "added the local category matter 10999 不确定/其他") {
			t.Errorf("migrate did not add 不确定/其他: %q", out)
		}
		if out := mustRun(t, "", nil, "migrate", "--db", dsn); strings.Contains(out, "dictionary") || strings.Contains(out, "10999") {
			t.Errorf("a second migrate loaded the dictionary again: %q", out)
		}
		count := func() int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM categories`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		local := write("local.csv", "kind,code,major_code,major_name,name,filing_condition\n"+
			"matter,99001,99,本地事项类,共享单车乱停放,占用盲道或消防通道\n"+
			"matter,09009,09,街面秩序类,机动车乱停放,占用人行道\n")
		out = mustRun(t, "", nil, "import", "categories", "--db", dsn, local)
		if !strings.Contains(out, "1 new, 1 updated, 1 local") {
			t.Errorf("import report = %q", out)
		}
		if n := count(); n != 405 {
			t.Errorf("categories after import = %d, want 405 (403 national, 不确定/其他, 1 local)", n)
		}
		bad := write("bad.csv", "kind,code,major_code,major_name,name\nmatter,9901,99,本地,x\nmatter,99003,99,本地,y\n")
		code, _, stderr := runCLI(t, "", nil, "import", "categories", "--db", dsn, bad)
		if code != 2 || !strings.Contains(stderr, "line 2") {
			t.Errorf("bad CSV: exit %d, stderr %q; want 2 naming line 2", code, stderr)
		}
		if n := count(); n != 405 {
			t.Errorf("a refused import changed the dictionary: %d categories", n)
		}
	})
}

func TestDepartmentsAndRulesFromTheConsole(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		count := func(table string) int {
			var n int
			if err := storetest.Raw(t, dsn).QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		depts := write("departments.csv", "code,name,level,region_code\n410802-JJ,解放区交警大队,district,410802\n")
		if out := mustRun(t, "", nil, "import", "departments", "--db", dsn, depts); !strings.Contains(out, "imported 1 departments") {
			t.Errorf("import departments: %q", out)
		}
		rules := write("rules.csv", "order,category_kind,category,region,from,to,department,co_departments,auto\n"+
			"1,matter,09009,410802,,,410802-JJ,410802-CGJ,true\n"+
			"2,,06,410802,22:00,06:00,410802-HW,,false\n")
		if out := mustRun(t, "", nil, "import", "rules", "--db", dsn, rules); !strings.Contains(out, "now has 2 rules") {
			t.Errorf("import rules: %q", out)
		}
		deptsBefore, rulesBefore := count("departments"), count("dispatch_rules")
		for _, bad := range []struct{ what, file, want string }{
			{"departments", write("d-bad.csv", "code,name,level,region_code\nX,某局,province,4108\n"), "line 2"},
			{"departments", write("d-region.csv", "code,name,level,region_code\nX,某局,district,999999\n"), "does not exist"},
			{"rules", write("r-dept.csv", "department,category\nNOPE,09009\n"), "NOPE does not exist"},
			{"rules", write("r-time.csv", "department,from,to\n410802-JJ,8am,18:00\n"), "line 2"},
			{"rules", write("r-nocol.csv", "category\n09009\n"), `no "department" column`},
		} {
			code, _, stderr := runCLI(t, "", nil, "import", bad.what, "--db", dsn, bad.file)
			if code != 2 || !strings.Contains(stderr, bad.want) {
				t.Errorf("import %s %s: exit %d, stderr %q; want 2 and %q", bad.what, filepath.Base(bad.file), code, stderr, bad.want)
			}
		}
		if count("departments") != deptsBefore || count("dispatch_rules") != rulesBefore {
			t.Errorf("refused imports changed the tables")
		}
	})
}
