package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// exportedFeature is one feature of `export regions`.
type exportedFeature struct {
	Type       string `json:"type"`
	Properties struct {
		Code       string `json:"code"`
		Name       string `json:"name"`
		Level      string `json:"level"`
		ParentCode string `json:"parent_code"`
		AreaClass  string `json:"area_class"`
	} `json:"properties"`
	Geometry json.RawMessage `json:"geometry"`
}

// exportedRegions runs `export regions --region CODE` and returns its raw output and features.
func exportedRegions(t *testing.T, dsn, region string) (string, []exportedFeature) {
	t.Helper()
	out := mustRun(t, "", nil, "export", "regions", "--db", dsn, "--region", region)
	var fc struct {
		Type     string            `json:"type"`
		Features []exportedFeature `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil || fc.Type != "FeatureCollection" {
		t.Fatalf("export regions --region %s is not a FeatureCollection (%v):\n%s", region, err, out)
	}
	return out, fc.Features
}

func exportedCodes(fs []exportedFeature) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Properties.Code)
	}
	return out
}

// wantSameExport fails the test when the export of region differs from before.
func wantSameExport(t *testing.T, dsn, region, before string) {
	t.Helper()
	if after, _ := exportedRegions(t, dsn, region); after != before {
		t.Errorf("stored regions changed:\ngot\n%s\nwant\n%s", after, before)
	}
}

// writeFile writes content to name in a fresh temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// feature is a GeoJSON feature for a region; geometry is raw GeoJSON, "" for null.
func feature(code, name, level, parent, geometry string) string {
	props := map[string]string{"code": code, "name": name, "level": level}
	if parent != "" {
		props["parent_code"] = parent
	}
	p, _ := json.Marshal(props)
	if geometry == "" {
		geometry = "null"
	}
	return fmt.Sprintf(`{"type": "Feature", "properties": %s, "geometry": %s}`, p, geometry)
}

func collection(features ...string) string {
	return `{"type": "FeatureCollection", "features": [` + "\n" + strings.Join(features, ",\n") + "\n]}\n"
}

// polygon is a GeoJSON Polygon of one ring.
func polygon(ring ...[2]float64) string {
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
	return string(b)
}

// square is the closed ring of the box [lon0, lon1] × [lat0, lat1], anticlockwise.
func square(lon0, lat0, lon1, lat1 float64) [][2]float64 {
	return [][2]float64{{lon0, lat0}, {lon1, lat0}, {lon1, lat1}, {lon0, lat1}, {lon0, lat0}}
}

// The tests here are not parallel with the package's other tests, only their engines with each
// other: they finish before the parallel tests (the demo's timed start among them) begin, so as
// not to load the machine under them.

func TestImportRegions(t *testing.T) {
	outer := square(120.0, 30.0, 120.02, 30.02)
	inner := square(120.005, 30.005, 120.01, 30.01)
	city := feature("9901", "测试市", "city", "", "")
	renamedCity := feature("9901", "改名市", "city", "", "") // what a partial write of a bad file would show
	district := feature("990101", "测试区", "district", "9901", polygon(outer...))
	subdistrict := feature("990101001", "测试街道", "subdistrict", "990101", polygon(inner...))
	good := writeFile(t, "good.geojson", collection(city, district, subdistrict))

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		migrate(t, dsn)
		importArgs := func(args ...string) []string {
			return append([]string{"import", "regions", "--db", dsn}, args...)
		}

		t.Run("a new city, district and subdistrict are imported", func(t *testing.T) {
			out := mustRun(t, "", nil, importArgs(good)...)
			if !strings.Contains(out, "imported 3 regions (3 new, 0 updated); 0 errors") {
				t.Errorf("report: got\n%s\nwant it to say 3 imported, 3 new, 0 errors", out)
			}
		})

		t.Run("export regions gives the three back with their geometry", func(t *testing.T) {
			_, fs := exportedRegions(t, dsn, "9901")
			if want := []string{"9901", "990101", "990101001"}; !slices.Equal(exportedCodes(fs), want) {
				t.Fatalf("exported codes: got %v, want %v", exportedCodes(fs), want)
			}
			wantLevels := []string{"city", "district", "subdistrict"}
			wantParents := []string{"", "9901", "990101"}
			wantRings := [][][2]float64{nil, outer, inner}
			for i, f := range fs {
				p := f.Properties
				if f.Type != "Feature" || p.Level != wantLevels[i] || p.ParentCode != wantParents[i] || p.AreaClass != "B" {
					t.Errorf("feature %d: got %s %+v, want a %s under %q of class B", i, f.Type, p, wantLevels[i], wantParents[i])
				}
				if wantRings[i] == nil {
					if string(f.Geometry) != "null" {
						t.Errorf("%s: geometry %s, want null", p.Code, f.Geometry)
					}
					continue
				}
				var g struct {
					Type        string         `json:"type"`
					Coordinates [][][2]float64 `json:"coordinates"`
				}
				if err := json.Unmarshal(f.Geometry, &g); err != nil || g.Type != "Polygon" || len(g.Coordinates) != 1 || !slices.Equal(g.Coordinates[0], wantRings[i]) {
					t.Errorf("%s: geometry %s, want the Polygon %v (%v)", p.Code, f.Geometry, wantRings[i], err)
				}
			}
		})

		imported, _ := exportedRegions(t, dsn, "9901")

		t.Run("importing the same file again updates the three in place", func(t *testing.T) {
			out := mustRun(t, "", nil, importArgs("--json", good)...)
			var report struct {
				Read, New, Updated int
				Written            bool
				Problems           []grid.Problem
			}
			if err := json.Unmarshal([]byte(out), &report); err != nil {
				t.Fatalf("--json report: %v\n%s", err, out)
			}
			if report.Read != 3 || report.New != 0 || report.Updated != 3 || !report.Written {
				t.Errorf("report: got %+v, want read 3, new 0, updated 3, written", report)
			}
			for _, p := range report.Problems {
				if !p.Warning {
					t.Errorf("problem reported as an error: %v", p)
				}
			}
			wantSameExport(t, dsn, "9901", imported)
		})

		t.Run("a dry run of a new file reports and writes nothing", func(t *testing.T) {
			file := writeFile(t, "community.geojson", collection(renamedCity,
				feature("990101001001", "测试社区居民委员会", "community", "990101001", "")))
			out := mustRun(t, "", nil, importArgs("--dry-run", file)...)
			if !strings.Contains(out, "would import (dry run) 2 regions (1 new, 1 updated)") {
				t.Errorf("report: got\n%s\nwant it to say it would import 2 regions, 1 new", out)
			}
			wantSameExport(t, dsn, "9901", imported)
		})

		bad := []struct {
			name     string
			file     string // the file's content
			args     []string
			mentions []string // the report on stdout (or, for a file-level error, stderr) names these
		}{
			{"a file that is not JSON", "this is not JSON\n", nil, []string{"read GeoJSON"}},
			{"a GeoJSON Feature instead of a FeatureCollection", district, nil, []string{"not a FeatureCollection"}},
			{"a duplicate code", collection(renamedCity, district, subdistrict, feature("990101001", "又一个街道", "subdistrict", "990101", "")),
				nil, []string{"feature 3", "region 990101001", "duplicate code (first at feature 2)"}},
			{"a missing parent", collection(renamedCity, feature("990102001", "孤儿街道", "subdistrict", "990102", "")),
				nil, []string{"feature 1", "region 990102001", "parent 990102 does not exist"}},
			{"a community directly under a district", collection(renamedCity, feature("990101002001", "越级社区", "community", "990101", "")),
				nil, []string{"feature 1", "region 990101002001", "a community cannot sit under a district"}},
			{"a code not extending its parent's", collection(renamedCity, feature("990201002", "错码街道", "subdistrict", "990101", "")),
				nil, []string{"feature 1", "region 990201002", "does not start with its parent's code 990101"}},
			{"an unclosed ring", collection(renamedCity, feature("990101002", "开口街道", "subdistrict", "990101",
				polygon([2]float64{120.011, 30.011}, [2]float64{120.015, 30.011}, [2]float64{120.015, 30.015}, [2]float64{120.011, 30.015}))),
				nil, []string{"feature 1", "region 990101002", "ring 0: is not closed"}},
			{"a ring of 3 points", collection(renamedCity, feature("990101002", "三点街道", "subdistrict", "990101",
				polygon([2]float64{120.011, 30.011}, [2]float64{120.015, 30.011}, [2]float64{120.011, 30.011}))),
				nil, []string{"feature 1", "region 990101002", "has 3 points"}},
			{"a bow-tie ring that crosses itself", collection(renamedCity, feature("990101002", "蝴蝶街道", "subdistrict", "990101",
				polygon([2]float64{120.011, 30.011}, [2]float64{120.015, 30.015}, [2]float64{120.015, 30.011}, [2]float64{120.011, 30.015}, [2]float64{120.011, 30.011}))),
				nil, []string{"feature 1", "region 990101002", "crosses itself"}},
			{"a Point geometry", collection(renamedCity, feature("990101002", "点街道", "subdistrict", "990101", `{"type": "Point", "coordinates": [120.012, 30.012]}`)),
				nil, []string{"feature 1", "region 990101002", "Point is not supported"}},
			{"a longitude of 200", collection(renamedCity, feature("990101002", "越界街道", "subdistrict", "990101", polygon(square(200, 30.011, 200.004, 30.015)...))),
				nil, []string{"feature 1", "region 990101002", "not a valid longitude/latitude"}},
			{"an unknown level", collection(renamedCity, feature("990101002", "怪街道", "street", "990101", "")),
				nil, []string{"feature 1", "region 990101002", `level "street"`}},
			{"an unknown coordinate system (--crs bogus)", collection(renamedCity, district, subdistrict),
				[]string{"--crs", "bogus"}, []string{"bogus"}},
		}
		for _, tc := range bad {
			t.Run(tc.name+" exits 2 and writes nothing", func(t *testing.T) {
				file := writeFile(t, "bad.geojson", tc.file)
				code, stdout, stderr := runCLI(t, "", nil, importArgs(append(tc.args, file)...)...)
				if code != exitUsage {
					t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
				}
				for _, m := range tc.mentions {
					if !strings.Contains(stdout+stderr, m) {
						t.Errorf("output does not mention %q\nstdout:\n%s\nstderr:\n%s", m, stdout, stderr)
					}
				}
				if stdout != "" && !strings.Contains(stdout, "nothing written: ") {
					t.Errorf("stdout does not say nothing was written:\n%s", stdout)
				}
				wantSameExport(t, dsn, "9901", imported)
			})
		}

		t.Run("an in-file parent whose own code is too long is reported, not a crash", func(t *testing.T) {
			file := writeFile(t, "bad.geojson", collection(renamedCity,
				feature("9901011111", "长码区", "district", "9901", ""),
				feature("990101002", "街道", "subdistrict", "9901011111", "")))
			var code int
			var stdout, stderr string
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("import regions panicked: %v", p)
					}
				}()
				code, stdout, stderr = runCLI(t, "", nil, importArgs(file)...)
			}()
			if code != exitUsage || !strings.Contains(stdout, "feature 1") {
				t.Errorf("exit code %d, want %d naming feature 1\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
			}
			wantSameExport(t, dsn, "9901", imported)
		})

		t.Run("--crs gcj02 stores the boundary converted to WGS-84", func(t *testing.T) {
			gcj := square(120.03, 30.0, 120.04, 30.01)
			file := writeFile(t, "gcj.geojson", collection(feature("990102", "火星区", "district", "9901", polygon(gcj...))))
			mustRun(t, "", nil, importArgs("--crs", "gcj02", file)...)
			_, fs := exportedRegions(t, dsn, "990102")
			if len(fs) != 1 {
				t.Fatalf("exported %v, want 990102 alone", exportedCodes(fs))
			}
			var g struct {
				Coordinates [][][2]float64 `json:"coordinates"`
			}
			if err := json.Unmarshal(fs[0].Geometry, &g); err != nil || len(g.Coordinates) != 1 || len(g.Coordinates[0]) != len(gcj) {
				t.Fatalf("geometry %s (%v)", fs[0].Geometry, err)
			}
			for i, p := range g.Coordinates[0] {
				lon, lat := crs.GCJ02ToWGS84(gcj[i][0], gcj[i][1])
				if math.Abs(p[0]-lon) > 1e-9 || math.Abs(p[1]-lat) > 1e-9 {
					t.Errorf("vertex %d: stored %v, want %v converted from GCJ-02 to (%v, %v)", i, p, gcj[i], lon, lat)
				}
			}
		})
	})
}

const (
	streetsHeader  = "code,name,areaCode,provinceCode,cityCode\n"
	villagesHeader = "code,name,streetCode,provinceCode,cityCode,areaCode\n"
)

func TestImportDivisions(t *testing.T) {
	streets := writeFile(t, "streets.csv", streetsHeader+"410811099,测试街道,410811,41,4108\n")
	villages := writeFile(t, "villages.csv", villagesHeader+
		"410811099001,甲社区居民委员会,410811099,41,4108,410811\n"+
		"410811099201,乙村民委员会,410811099,41,4108,410811\n")

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		migrate(t, dsn)
		seedDemo(t, dsn)
		shanyang, _ := exportedRegions(t, dsn, "410811")
		importArgs := func(args ...string) []string {
			return append([]string{"import", "divisions", "--db", dsn}, args...)
		}

		t.Run("--prefix of another city imports nothing", func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", nil, importArgs("--prefix", "4199", streets, villages)...)
			if code != exitOK || !strings.Contains(stdout, "0 regions (0 new, 0 updated)") {
				t.Errorf("exit code %d, stdout %q, stderr %q; want 0 and a report of 0 regions", code, stdout, stderr)
			}
			wantSameExport(t, dsn, "410811", shanyang)
		})

		t.Run("a village whose street is missing exits 2 naming its line and writes nothing", func(t *testing.T) {
			orphans := writeFile(t, "villages.csv", villagesHeader+
				"410811099001,甲社区居民委员会,410811099,41,4108,410811\n"+
				"410811098001,丙社区居民委员会,410811098,41,4108,410811\n")
			code, stdout, stderr := runCLI(t, "", nil, importArgs(streets, orphans)...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			for _, m := range []string{"villages.csv line 3", "region 410811098001", "parent 410811098 does not exist", "nothing written"} {
				if !strings.Contains(stdout, m) {
					t.Errorf("stdout does not mention %q:\n%s", m, stdout)
				}
			}
			wantSameExport(t, dsn, "410811", shanyang)
		})

		t.Run("a street and two villages are imported under 山阳区", func(t *testing.T) {
			out := mustRun(t, "", nil, importArgs("--prefix", "4108", streets, villages)...)
			if !strings.Contains(out, "imported 3 regions (3 new, 0 updated); 0 errors") {
				t.Errorf("report: got\n%s\nwant 3 imported, 3 new", out)
			}
			_, fs := exportedRegions(t, dsn, "410811099")
			type row struct{ code, name, level, parent, class string }
			var got []row
			for _, f := range fs {
				p := f.Properties
				got = append(got, row{p.Code, p.Name, p.Level, p.ParentCode, p.AreaClass})
			}
			want := []row{
				{"410811099", "测试街道", "subdistrict", "410811", "B"},
				{"410811099001", "甲社区居民委员会", "community", "410811099", "B"},
				{"410811099201", "乙村民委员会", "community", "410811099", "C"},
			}
			if !slices.Equal(got, want) {
				t.Errorf("imported regions:\ngot  %v\nwant %v", got, want)
			}
		})
	})
}

func TestGridsGenerate(t *testing.T) {
	// A district of about 1 km × 1 km at latitude 30; its subdistrict and community have no shape.
	const lat0, lon0 = 30.0, 120.0
	dLat := 1000 / 111_320.0
	dLon := dLat / math.Cos((lat0+dLat/2)*math.Pi/180)
	file := writeFile(t, "district.geojson", collection(
		feature("9901", "测试市", "city", "", ""),
		feature("990101", "测试区", "district", "9901", polygon(square(lon0, lat0, lon0+dLon, lat0+dLat)...)),
		feature("990101001", "测试街道", "subdistrict", "990101", ""),
		feature("990101001001", "测试社区居民委员会", "community", "990101001", ""),
	))

	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		migrate(t, dsn)
		mustRun(t, "", nil, "import", "regions", "--db", dsn, file)
		generate := func(args ...string) []string {
			return append([]string{"grids", "generate", "--db", dsn}, args...)
		}

		refusals := []struct {
			name string
			args []string
			exit int
		}{
			{"an unknown region fails", []string{"--region", "990199"}, exitError},
			{"a region without geometry exits 2", []string{"--region", "9901"}, exitUsage},
			{"a cell area of 50 m² exits 2", []string{"--region", "990101", "--cell-area", "50"}, exitUsage},
			{"no --region exits 2", nil, exitUsage},
		}
		for _, tc := range refusals {
			t.Run(tc.name+" and writes nothing", func(t *testing.T) {
				before, _ := exportedRegions(t, dsn, "9901")
				code, stdout, stderr := runCLI(t, "", nil, generate(tc.args...)...)
				if code != tc.exit {
					t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.exit, stdout, stderr)
				}
				wantSameExport(t, dsn, "9901", before)
			})
		}

		t.Run("the community is covered with about four grids of 250,000 m²", func(t *testing.T) {
			out := mustRun(t, "", nil, generate("--region", "990101", "--cell-area", "250000")...)
			if !strings.Contains(out, "shaped 2 regions") {
				t.Errorf("stdout = %q, want it to say 2 regions were shaped", out)
			}
			_, fs := exportedRegions(t, dsn, "990101001001")
			if len(fs) == 0 || fs[0].Properties.Code != "990101001001" || string(fs[0].Geometry) == "null" {
				t.Fatalf("the community was not given a shape: %v", exportedCodes(fs))
			}
			grids := fs[1:]
			if n := len(grids); n < 3 || n > 9 {
				t.Errorf("got %d grids %v, want about 4", n, exportedCodes(grids))
			}
			if !strings.Contains(out, fmt.Sprintf("created %d unit grids under 990101", len(grids))) {
				t.Errorf("stdout = %q, want it to count %d grids", out, len(grids))
			}
			for i, g := range grids {
				p := g.Properties
				if want := fmt.Sprintf("990101001001%03d", i+1); p.Code != want || p.Level != "grid" || p.ParentCode != "990101001001" {
					t.Errorf("grid %d: got %s (%s under %s), want %s, a grid under 990101001001", i, p.Code, p.Level, p.ParentCode, want)
				}
				if want := fmt.Sprintf("测试社区第%d网格", i+1); p.Name != want {
					t.Errorf("grid %s: name %q, want %q", p.Code, p.Name, want)
				}
				geom, err := grid.DecodeGeometry(g.Geometry)
				if err != nil {
					t.Errorf("grid %s: geometry %s: %v", p.Code, g.Geometry, err)
					continue
				}
				if msgs := grid.CheckGeometry(geom); len(msgs) > 0 {
					t.Errorf("grid %s: unsound geometry: %v", p.Code, msgs)
				}
			}
		})

		t.Run("generating again creates no grids", func(t *testing.T) {
			before, _ := exportedRegions(t, dsn, "9901")
			out := mustRun(t, "", nil, generate("--region", "990101", "--cell-area", "250000")...)
			if !strings.Contains(out, "shaped 0 regions and created 0 unit grids") {
				t.Errorf("stdout = %q, want it to say nothing was created", out)
			}
			wantSameExport(t, dsn, "9901", before)
		})
	})
}

func TestGridMembersFromTheConsole(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Parallel()
		migrate(t, dsn)
		seedDemo(t, dsn)
		members := func(verb string, args ...string) []string {
			return append([]string{"grids", "members", verb, "--db", dsn, "--grid", demo.GridWorkerGrid}, args...)
		}
		list := func(t *testing.T) string {
			t.Helper()
			return mustRun(t, "", nil, members("list")...)
		}
		const worker = "worker\tgridworker\n"

		t.Run("the demo grid lists its grid worker", func(t *testing.T) {
			if got := list(t); got != worker {
				t.Errorf("list = %q, want %q", got, worker)
			}
		})

		t.Run("the demo leader is added as leader and listed first", func(t *testing.T) {
			want := "leader\tleader\n" + worker
			if got := mustRun(t, "", nil, members("add", "--username", "leader", "--role", "leader")...); got != want {
				t.Errorf("add printed %q, want %q", got, want)
			}
			if got := list(t); got != want {
				t.Errorf("list = %q, want %q", got, want)
			}
		})

		refusals := []struct {
			name string
			args []string
			exit int
		}{
			{"an operator cannot be added as a worker", members("add", "--username", "operator", "--role", "worker"), exitUsage},
			{"the role boss exits 2", members("add", "--username", "operator", "--role", "boss"), exitUsage},
			{"an unknown user exits 2", members("add", "--username", "nobody", "--role", "leader"), exitUsage},
			{"a community is not a grid", []string{"grids", "members", "add", "--db", dsn, "--grid", "410802001001", "--username", "leader", "--role", "leader"}, exitUsage},
			{"add without --username exits 2", members("add"), exitUsage},
			{"an unknown verb exits 2", members("promote", "--username", "leader"), exitUsage},
			{"removing a user who is not a member fails", members("remove", "--username", "operator"), exitError},
		}
		before := list(t)
		for _, tc := range refusals {
			t.Run(tc.name+" and changes nothing", func(t *testing.T) {
				code, stdout, stderr := runCLI(t, "", nil, tc.args...)
				if code != tc.exit {
					t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.exit, stdout, stderr)
				}
				if stdout != "" {
					t.Errorf("stdout = %q, want nothing", stdout)
				}
				if got := list(t); got != before {
					t.Errorf("members changed: got %q, want %q", got, before)
				}
			})
		}

		t.Run("removing the leader leaves the worker", func(t *testing.T) {
			if got := mustRun(t, "", nil, members("remove", "--username", "leader")...); got != worker {
				t.Errorf("remove printed %q, want %q", got, worker)
			}
			if got := list(t); got != worker {
				t.Errorf("list = %q, want %q", got, worker)
			}
		})
	})
}

// TestExportedDemoCityImportsAgain: the demo city's generated regions are sound by
// construction, so its export imports again with no error, with or without --repair. (Cut by
// orb/clip, 19 of the small demo's regions had zero-width bridges between their pieces.)
func TestExportedDemoCityImportsAgain(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		seedDemo(t, dsn)
		out, features := exportedRegions(t, dsn, "4108")
		if len(features) < 250 {
			t.Fatalf("exported %d regions, want the small demo's 291", len(features))
		}
		file := writeFile(t, "demo.geojson", out)
		for _, extra := range [][]string{nil, {"--repair"}} {
			args := append([]string{"import", "regions", "--db", dsn, "--dry-run"}, extra...)
			code, stdout, stderr := runCLI(t, "", nil, append(args, file)...)
			if code != 0 || !strings.Contains(stdout, " 0 errors") {
				t.Errorf("import %v: exit %d, want 0 errors:\n%s%s", extra, code, stdout, stderr)
			}
			for _, line := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(line, "error") {
					t.Errorf("import %v: %s", extra, line)
				}
			}
		}
		wantSameExport(t, dsn, "4108", out)
	})
}
