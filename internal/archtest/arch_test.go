// Package archtest holds the layering rule of STYLE.md to the code: domain packages speak the
// city's words and import neither SQL nor HTTP.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/citygrid/citygrid/internal/"

// domain packages may use only the standard library and each other (and small pure libraries).
// File readers that lean on a format library (hotline's Excel reader pulls net/http in through
// excelize) sit at the edge and are not listed.
var domain = []string{"errs", "access", "audit", "grid", "workflow", "crs", "worktime", "regionio", "photo", "patrol"}

var forbidden = []string{"database/sql", "net/http", module + "store", module + "httpapi", module + "app", module + "web"}

func TestDomainPackagesImportNoSQLOrHTTP(t *testing.T) {
	for _, pkg := range domain {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			deps := strings.Fields(string(out))
			if len(deps) < 2 {
				t.Fatalf("go list returned %q: expected the package and its dependencies", out)
			}
			for _, d := range deps {
				for _, f := range forbidden {
					if d == f {
						t.Errorf("%s depends on %s", pkg, f)
					}
				}
			}
		})
	}
}
