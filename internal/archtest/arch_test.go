// Package archtest holds the layering to the code: domain packages speak the
// city's words and import neither SQL, HTTP nor SMTP; the adapters (REST API, Open311, pages)
// stand side by side, importing neither the store nor each other; only cmd wires the front door.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	root   = "github.com/citygrid/citygrid/"
	module = root + "internal/"
)

// domain packages may use only the standard library, each other and small pure libraries.
var domain = []string{"errs", "access", "audit", "grid", "workflow", "crs", "worktime", "regionio", "photo", "patrol", "hotline", "textcheck", "assess", "vocab", "campaign"}

// adapters turn HTTP into use cases, each for its own clients.
var adapters = []string{"httpapi", "open311", "web"}

// forbidRule: the packages of pkgs must not import any of forbidden (a path or anything below
// it), directly or, when transitive, through anything they import, except through a package
// listed in via (hotline reads Excel with excelize, which pulls net/http in for its own ends).
type forbidRule struct {
	name       string
	pkgs       []string
	transitive bool
	forbidden  []string
	via        []string
}

// importerRule: only the packages of importers may import the packages of pkgs (tests aside:
// the graph is of non-test imports).
type importerRule struct {
	name      string
	pkgs      []string
	importers []string
}

func internal(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = module + n
	}
	return out
}

var forbidRules = []forbidRule{
	{
		name:      "adapters import neither the store nor each other nor the front door",
		pkgs:      internal(adapters...),
		forbidden: internal("store", "httpapi", "open311", "web", "server"),
	},
	{
		name:       "domain packages import no SQL, HTTP or SMTP, and no outer layer",
		pkgs:       internal(domain...),
		transitive: true,
		forbidden: append([]string{"database/sql", "net/http", "net/smtp", "github.com/emersion/go-smtp",
			"github.com/jackc/pgx", "modernc.org/sqlite"},
			internal("store", "app", "httpapi", "open311", "web", "server", "httpx", "notify", "jobs")...),
		via: []string{"github.com/xuri/excelize/v2"},
	},
}

var importerRules = []importerRule{
	{
		name:      "nothing but cmd wires the front door",
		pkgs:      internal("server"),
		importers: []string{root + "cmd/citygrid"},
	},
	{
		name:      "nothing but the front door and cmd wire adapters",
		pkgs:      internal(adapters...),
		importers: append(internal("server"), root+"cmd/citygrid"),
	},
}

// graph maps each package to its non-test imports.
type graph map[string][]string

// loadGraph lists every package of the module and everything it depends on.
func loadGraph(t *testing.T) graph {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", root+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	g := graph{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			g[f[0]] = f[1:]
		}
	}
	for _, must := range []string{module + "store", module + "server", root + "cmd/citygrid"} {
		if _, ok := g[must]; !ok {
			t.Fatalf("go list did not list %s: the graph is not the module's", must)
		}
	}
	return g
}

func under(path, p string) bool { return path == p || strings.HasPrefix(path, p+"/") }

func underAny(path string, ps []string) bool {
	return slices.ContainsFunc(ps, func(p string) bool { return under(path, p) })
}

// violations lists, as "A → B" lines, where the rule is broken in g.
func (r forbidRule) violations(g graph) []string {
	var out []string
	for _, p := range r.pkgs {
		if _, ok := g[p]; !ok {
			out = append(out, p+" is not in the module any more: update the rule")
			continue
		}
		seen := map[string]bool{p: true}
		var walk func(from string, chain []string)
		walk = func(from string, chain []string) {
			for _, imp := range g[from] {
				if imp == p || seen[imp] {
					continue
				}
				seen[imp] = true
				path := append(slices.Clone(chain), imp)
				if underAny(imp, r.forbidden) {
					out = append(out, strings.Join(path, " → "))
					continue
				}
				if r.transitive && !underAny(imp, r.via) {
					walk(imp, path)
				}
			}
		}
		walk(p, []string{p})
	}
	return out
}

func (r importerRule) violations(g graph) []string {
	var out []string
	for _, from := range slices.Sorted(maps.Keys(g)) {
		if slices.Contains(r.importers, from) || slices.Contains(r.pkgs, from) {
			continue
		}
		for _, imp := range g[from] {
			if slices.Contains(r.pkgs, imp) {
				out = append(out, from+" → "+imp)
			}
		}
	}
	return out
}

type rule interface{ violations(graph) []string }

func rules() map[string]rule {
	all := map[string]rule{}
	for _, r := range forbidRules {
		all[r.name] = r
	}
	for _, r := range importerRules {
		all[r.name] = r
	}
	return all
}

func TestTheLayersHold(t *testing.T) {
	g := loadGraph(t)
	for name, r := range rules() {
		t.Run(name, func(t *testing.T) {
			for _, v := range r.violations(g) {
				t.Error(v)
			}
		})
	}
}

// TestEachRuleCatchesAViolation breaks each rule in a copy of the real graph, so a rule that
// cannot fail (a misspelt package, a wrong direction) fails here.
func TestEachRuleCatchesAViolation(t *testing.T) {
	base := loadGraph(t)
	with := func(from, to string) graph {
		g := maps.Clone(base)
		g[from] = append(slices.Clone(g[from]), to)
		return g
	}
	for _, r := range forbidRules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range r.pkgs {
				for _, f := range r.forbidden {
					if p == f {
						continue
					}
					if len(r.violations(with(p, f))) == 0 {
						t.Errorf("%s importing %s goes unnoticed", p, f)
					}
				}
			}
			if r.transitive {
				// Through a package that is not itself forbidden.
				const between = "example.com/between"
				g := with(r.pkgs[0], between)
				g[between] = []string{r.forbidden[0]}
				if len(r.violations(g)) == 0 {
					t.Errorf("%s reaching %s through %s goes unnoticed", r.pkgs[0], r.forbidden[0], between)
				}
			}
		})
	}
	for _, r := range importerRules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range r.pkgs {
				if len(r.violations(with(module+"demo", p))) == 0 {
					t.Errorf("%s importing %s goes unnoticed", module+"demo", p)
				}
			}
		})
	}
}

// envReaders are the only non-test files that may read the process environment: cmd's typed
// Config, read once and handed down, and the test helper that finds the test databases.
var envReaders = []string{"cmd/citygrid/config.go", "internal/store/storetest/storetest.go"}

// envCalls finds calls of os.Getenv, os.LookupEnv and os.Environ in the module's non-test Go
// files, as "file:line os.Name".
func envCalls(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != dir {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "os" && slices.Contains([]string{"Getenv", "LookupEnv", "Environ"}, sel.Sel.Name) {
				rel, _ := filepath.Rel(dir, path)
				out = append(out, filepath.ToSlash(rel)+":"+strconv.Itoa(fset.Position(sel.Pos()).Line)+" os."+sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

func moduleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestOnlyCmdsConfigReadsTheEnvironment(t *testing.T) {
	dir := moduleDir(t)
	calls := envCalls(t, dir)
	for _, c := range calls {
		file, _, _ := strings.Cut(c, ":")
		if !slices.Contains(envReaders, file) {
			t.Errorf("%s: read the setting in cmd/citygrid/config.go and hand it down", c)
		}
	}
	for _, f := range envReaders {
		if !slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, f+":") }) {
			t.Errorf("%s reads no environment any more (or the scan misses it): update envReaders", f)
		}
	}
}
