package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// ref is a region as a path or a list names it.
type ref struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// location is the body of GET /api/v1/locate.
type location struct {
	Region ref        `json:"region"`
	Path   []ref      `json:"path"`
	Grid   *ref       `json:"grid"`
	WGS84  [2]float64 `json:"wgs84"`
}

// regionBody is a region as GET /api/v1/regions[/{code}] shows it.
type regionBody struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Level      string          `json:"level"`
	ParentCode string          `json:"parent_code"`
	AreaClass  string          `json:"area_class"`
	Geometry   json.RawMessage `json:"geometry"`
	Path       []ref           `json:"path"`
	Children   []ref           `json:"children"`
}

// member is one entry of a grid's member list.
type member struct {
	GridCode string `json:"grid_code"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

func refCodes(rs []ref) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

// demoGridPath is the path from the root to the demo grid worker's grid.
var demoGridPath = []string{"4108", "410802", "410802001", "410802001001", demo.GridWorkerGrid}

// regionGeometry reads a region's geometry through GET /api/v1/regions/{code}?geometry=1.
func regionGeometry(t *testing.T, c *client, code string) orb.Geometry {
	t.Helper()
	r := c.do(t, "GET", "/api/v1/regions/"+code+"?geometry=1", nil)
	wantStatus(t, r, http.StatusOK)
	var body regionBody
	r.decode(t, &body)
	if len(body.Geometry) == 0 {
		t.Fatalf("region %s has no geometry: %s", code, r.Body)
	}
	g, err := grid.DecodeGeometry(body.Geometry)
	if err != nil {
		t.Fatalf("region %s: decode geometry: %v", code, err)
	}
	return g
}

func contains(g orb.Geometry, p orb.Point) bool {
	switch g := g.(type) {
	case orb.Polygon:
		return planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		return planar.MultiPolygonContains(g, p)
	}
	return false
}

// pointWellInside returns a point of g that lies at least margin degrees inside it (the points
// margin away in the four directions are inside too), so that converting it to another
// coordinate system and back cannot carry it across an edge. Points are drawn at random, with a
// fixed seed, from g's bounding box.
func pointWellInside(t *testing.T, g orb.Geometry, margin float64) orb.Point {
	t.Helper()
	b := g.Bound()
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		p := orb.Point{b.Min[0] + rnd.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rnd.Float64()*(b.Max[1]-b.Min[1])}
		ok := contains(g, p)
		for _, d := range [][2]float64{{margin, 0}, {-margin, 0}, {0, margin}, {0, -margin}} {
			ok = ok && contains(g, orb.Point{p[0] + d[0], p[1] + d[1]})
		}
		if ok {
			return p
		}
	}
	t.Fatalf("no point %v° inside the geometry with bounds %v", margin, b)
	return orb.Point{}
}

func locatePath(lon, lat float64, system string) string {
	path := fmt.Sprintf("/api/v1/locate?lon=%.10f&lat=%.10f", lon, lat)
	if system != "" {
		path += "&crs=" + system
	}
	return path
}

func TestLocate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		inGrid := pointWellInside(t, regionGeometry(t, anon, demo.GridWorkerGrid), 0.0005)

		gcjLon, gcjLat := crs.WGS84ToGCJ02(inGrid[0], inGrid[1])
		bdLon, bdLat := crs.WGS84ToBD09(inGrid[0], inGrid[1])
		found := []struct {
			name     string
			lon, lat float64
			crs      string
		}{
			{"an anonymous caller finds the grid of a WGS-84 point", inGrid[0], inGrid[1], ""},
			{"crs=wgs84 is the default spelled out", inGrid[0], inGrid[1], "wgs84"},
			{"the same point in GCJ-02 finds the same grid", gcjLon, gcjLat, "gcj02"},
			{"the same point in BD-09 finds the same grid", bdLon, bdLat, "bd09"},
			{"the system name is read without regard to case", gcjLon, gcjLat, "GCJ02"},
		}
		for _, tc := range found {
			t.Run(tc.name, func(t *testing.T) {
				r := anon.do(t, "GET", locatePath(tc.lon, tc.lat, tc.crs), nil)
				wantStatus(t, r, http.StatusOK)
				var loc location
				r.decode(t, &loc)
				if loc.Region.Code != demo.GridWorkerGrid || loc.Region.Level != "grid" {
					t.Errorf("region: got %+v, want grid %s", loc.Region, demo.GridWorkerGrid)
				}
				if loc.Grid == nil || loc.Grid.Code != demo.GridWorkerGrid {
					t.Errorf("grid: got %+v, want %s", loc.Grid, demo.GridWorkerGrid)
				}
				if got := refCodes(loc.Path); !slices.Equal(got, demoGridPath) {
					t.Errorf("path: got %v, want %v", got, demoGridPath)
				}
				// The answer carries the point as stored: the caller's point converted back to WGS-84.
				if d := max(abs(loc.WGS84[0]-inGrid[0]), abs(loc.WGS84[1]-inGrid[1])); d > 1e-6 {
					t.Errorf("wgs84: got %v, want %v (off by %g°)", loc.WGS84, inGrid, d)
				}
			})
		}

		t.Run("a point far from the city is outside_area", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", "/api/v1/locate?lon=0&lat=0", nil), http.StatusNotFound, "outside_area")
		})

		refused := []struct {
			name   string
			query  string
			status int
			code   string
		}{
			{"a missing lon is missing_parameter", "lat=35.3", 400, "missing_parameter"},
			{"a missing lat is missing_parameter", "lon=113.2", 400, "missing_parameter"},
			{"an empty lon is missing_parameter", "lon=&lat=35.3", 400, "missing_parameter"},
			{"lon=abc is wrong_type", "lon=abc&lat=35.3", 400, "wrong_type"},
			{"lat=1,5 is wrong_type", "lon=113.2&lat=1,5", 400, "wrong_type"},
			{"lat=91 is off the globe", "lon=113.2&lat=91", 422, "invalid"},
			{"lon=-180.5 is off the globe", "lon=-180.5&lat=35.3", 422, "invalid"},
			{"lon=NaN is not a number on the globe", "lon=NaN&lat=35.3", 422, "invalid"},
			{"lat=NaN is not a number on the globe", "lon=113.2&lat=NaN", 422, "invalid"},
			{"lon=Inf is not a finite number", "lon=Inf&lat=35.3", 422, "invalid"},
			{"lat=-Infinity is not a finite number", "lon=113.2&lat=-Infinity", 422, "invalid"},
			{"an unknown coordinate system is refused", "lon=113.2&lat=35.3&crs=epsg4326", 422, "invalid"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, anon.do(t, "GET", "/api/v1/locate?"+tc.query, nil), tc.status, tc.code)
			})
		}
	})
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func TestRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		list := func(t *testing.T, query string) []regionBody {
			t.Helper()
			r := anon.do(t, "GET", "/api/v1/regions"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var out []regionBody
			r.decode(t, &out)
			return out
		}
		codesOf := func(rs []regionBody) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.Code)
			}
			return out
		}

		t.Run("without a parent the list is the city", func(t *testing.T) {
			got := list(t, "")
			if !slices.Equal(codesOf(got), []string{"4108"}) {
				t.Fatalf("roots: got %v, want [4108]", codesOf(got))
			}
			if got[0].Name != "焦作市" || got[0].Level != "city" || got[0].Geometry != nil {
				t.Errorf("root: got %+v, want 焦作市, a city, no geometry", got[0])
			}
		})

		t.Run("the city's children are its two districts in code order", func(t *testing.T) {
			got := list(t, "?parent=4108")
			if want := []string{"410802", "410811"}; !slices.Equal(codesOf(got), want) {
				t.Fatalf("children of 4108: got %v, want %v", codesOf(got), want)
			}
			for _, r := range got {
				if r.Level != "district" || r.ParentCode != "4108" || r.Geometry != nil {
					t.Errorf("district %s: got level %q parent %q geometry %.40s, want a district under 4108 without geometry",
						r.Code, r.Level, r.ParentCode, r.Geometry)
				}
			}
		})

		t.Run("geometry=1 adds the districts' boundaries to the list", func(t *testing.T) {
			for _, r := range list(t, "?parent=4108&geometry=1") {
				wantPolygon(t, r.Code, r.Geometry)
			}
		})

		t.Run("a district shows its name, path and children but no geometry", func(t *testing.T) {
			r := anon.do(t, "GET", "/api/v1/regions/410802", nil)
			wantStatus(t, r, http.StatusOK)
			var got regionBody
			r.decode(t, &got)
			if got.Name != "解放区" || got.Level != "district" || got.ParentCode != "4108" {
				t.Errorf("region: got %s %s %s, want 解放区, a district under 4108", got.Name, got.Level, got.ParentCode)
			}
			if want := []string{"4108", "410802"}; !slices.Equal(refCodes(got.Path), want) {
				t.Errorf("path: got %v, want %v", refCodes(got.Path), want)
			}
			if len(got.Children) == 0 {
				t.Errorf("children: got none, want its subdistricts")
			}
			for _, k := range got.Children {
				if k.Level != "subdistrict" || len(k.Code) != 9 || k.Code[:6] != "410802" {
					t.Errorf("child %+v is not a subdistrict of 410802", k)
				}
			}
			if got.Geometry != nil {
				t.Errorf("geometry shown without geometry=1: %.80s", got.Geometry)
			}
		})

		t.Run("geometry=1 adds the district's boundary", func(t *testing.T) {
			for _, q := range []string{"?geometry=1", "?geometry=true"} {
				r := anon.do(t, "GET", "/api/v1/regions/410802"+q, nil)
				wantStatus(t, r, http.StatusOK)
				var got regionBody
				r.decode(t, &got)
				wantPolygon(t, "410802"+q, got.Geometry)
			}
		})

		t.Run("a unit grid has no children", func(t *testing.T) {
			r := anon.do(t, "GET", "/api/v1/regions/"+demo.GridWorkerGrid, nil)
			wantStatus(t, r, http.StatusOK)
			var got map[string]json.RawMessage
			r.decode(t, &got)
			if kids := got["children"]; string(kids) != "[]" {
				t.Errorf("children: got %s, want []", kids)
			}
			if want := demoGridPath; !slices.Equal(pathCodes(t, got["path"]), want) {
				t.Errorf("path: got %s, want %v", got["path"], want)
			}
		})

		t.Run("an unknown region is not_found", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", "/api/v1/regions/999999", nil), http.StatusNotFound, "not_found")
		})
		t.Run("the children of an unknown parent are not_found", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", "/api/v1/regions?parent=999", nil), http.StatusNotFound, "not_found")
		})
	})
}

func pathCodes(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var path []ref
	if err := json.Unmarshal(raw, &path); err != nil {
		t.Fatalf("path %s: %v", raw, err)
	}
	return refCodes(path)
}

// wantPolygon checks that raw is a GeoJSON Polygon or MultiPolygon.
func wantPolygon(t *testing.T, what string, raw json.RawMessage) {
	t.Helper()
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || (g.Type != "Polygon" && g.Type != "MultiPolygon") || len(g.Coordinates) == 0 {
		t.Errorf("%s: geometry %.80s is not a GeoJSON Polygon or MultiPolygon (%v)", what, raw, err)
	}
}

func TestGridMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		const scopedPassword = "shanyang-password"
		if _, err := ts.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{
			Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: scopedPassword,
		}); err != nil {
			t.Fatalf("add scoped admin: %v", err)
		}
		admin := ts.signedIn(t, "admin")
		operator := ts.signedIn(t, "operator")
		anon := ts.anonymous()
		scoped := ts.anonymous()
		wantStatus(t, scoped.login(t, "shanyang-admin", scopedPassword), http.StatusOK)
		shanyangGrid := firstGridUnder(t, anon, "410811")

		membersPath := "/api/v1/regions/" + demo.GridWorkerGrid + "/members"
		members := func(t *testing.T) []member {
			t.Helper()
			r := admin.do(t, "GET", membersPath, nil)
			wantStatus(t, r, http.StatusOK)
			var out []member
			r.decode(t, &out)
			return out
		}
		worker := member{GridCode: demo.GridWorkerGrid, Username: "gridworker", Role: "worker"}
		leader := member{GridCode: demo.GridWorkerGrid, Username: "leader", Role: "leader"}

		t.Run("the demo grid's only member is its grid worker", func(t *testing.T) {
			if got := members(t); !slices.Equal(got, []member{worker}) {
				t.Errorf("members: got %+v, want %+v", got, []member{worker})
			}
		})

		refusals := []struct {
			name   string
			caller *client
			method string
			path   string
			body   any
			status int
			code   string
		}{
			{"an operator cannot add a leader", operator, "PUT", membersPath + "/leader", map[string]string{"role": "leader"}, 403, "forbidden"},
			{"an anonymous caller cannot add a leader", anon, "PUT", membersPath + "/leader", map[string]string{"role": "leader"}, 401, "unauthorized"},
			{"an anonymous caller cannot list members", anon, "GET", membersPath, nil, 401, "unauthorized"},
			{"an anonymous caller cannot remove a member", anon, "DELETE", membersPath + "/gridworker", nil, 401, "unauthorized"},
			{"an operator cannot remove a member", operator, "DELETE", membersPath + "/gridworker", nil, 403, "forbidden"},
			{"a community is not a unit grid", admin, "PUT", "/api/v1/regions/410802001001/members/leader", map[string]string{"role": "leader"}, 422, "invalid"},
			{"a subdistrict is not a unit grid", admin, "PUT", "/api/v1/regions/410802001/members/leader", map[string]string{"role": "leader"}, 422, "invalid"},
			{"an unknown grid is not_found", admin, "PUT", "/api/v1/regions/410802001001999/members/leader", map[string]string{"role": "leader"}, 404, "not_found"},
			{"the role boss is invalid", admin, "PUT", membersPath + "/leader", map[string]string{"role": "boss"}, 422, "invalid"},
			{"an empty role is invalid", admin, "PUT", membersPath + "/leader", map[string]string{}, 422, "invalid"},
			{"an unknown user is invalid", admin, "PUT", membersPath + "/nobody", map[string]string{"role": "leader"}, 422, "invalid"},
			{"a worker must have the gridworker role", admin, "PUT", membersPath + "/operator", map[string]string{"role": "worker"}, 422, "invalid"},
			{"a resident cannot lead a grid", admin, "PUT", membersPath + "/resident", map[string]string{"role": "leader"}, 422, "invalid"},
			{"an admin of 山阳区 cannot add to a grid in 解放区", scoped, "PUT", membersPath + "/leader", map[string]string{"role": "leader"}, 403, "forbidden"},
			{"an admin of 山阳区 cannot remove from a grid in 解放区", scoped, "DELETE", membersPath + "/gridworker", nil, 403, "forbidden"},
			{"an admin of 山阳区 cannot list a grid in 解放区", scoped, "GET", membersPath, nil, 403, "forbidden"},
			{"malformed JSON is malformed_json", admin, "PUT", membersPath + "/leader", `{"role":`, 400, "malformed_json"},
			{"a role of the wrong type is wrong_type", admin, "PUT", membersPath + "/leader", `{"role": 1}`, 400, "wrong_type"},
			{"removing someone who is not a member is not_found", admin, "DELETE", membersPath + "/leader", nil, 404, "not_found"},
			{"removing an unknown user is not_found", admin, "DELETE", membersPath + "/nobody", nil, 404, "not_found"},
		}
		for _, tc := range refusals {
			t.Run(tc.name+" and nothing changes", func(t *testing.T) {
				before, beforeMembers := ts.snapshot(t), members(t)
				wantError(t, tc.caller.do(t, tc.method, tc.path, tc.body), tc.status, tc.code)
				ts.wantUnchanged(t, before)
				if got := members(t); !slices.Equal(got, beforeMembers) {
					t.Errorf("members changed: got %+v, want %+v", got, beforeMembers)
				}
			})
		}

		t.Run("an admin of 山阳区 manages a grid in 山阳区 with its own staff", func(t *testing.T) {
			if _, err := ts.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{
				Username: "shanyang-leader", Role: "leader", Scope: "410811", Password: scopedPassword,
			}); err != nil {
				t.Fatalf("add a leader of 山阳区: %v", err)
			}
			path := "/api/v1/regions/" + shanyangGrid + "/members"
			r := scoped.do(t, "PUT", path+"/shanyang-leader", map[string]string{"role": "leader"})
			wantStatus(t, r, http.StatusOK)
			wantStatus(t, scoped.do(t, "DELETE", path+"/shanyang-leader", nil), http.StatusNoContent)
		})

		t.Run("an admin adds a leader, who is listed first", func(t *testing.T) {
			before := ts.snapshot(t)
			r := admin.do(t, "PUT", membersPath+"/leader", map[string]string{"role": "leader"})
			wantStatus(t, r, http.StatusOK)
			var got []member
			r.decode(t, &got)
			want := []member{leader, worker}
			if !slices.Equal(got, want) {
				t.Errorf("PUT answer: got %+v, want %+v", got, want)
			}
			if got := members(t); !slices.Equal(got, want) {
				t.Errorf("members: got %+v, want %+v", got, want)
			}
			if after := ts.snapshot(t); after.audit != before.audit+1 {
				t.Errorf("audit records: got %d, want %d", after.audit, before.audit+1)
			}
			recs := auditRecords(t, ts.DB, "grid.member.put")
			if last := recs[len(recs)-1]; last.Actor != "admin" || last.Target != "region:"+demo.GridWorkerGrid {
				t.Errorf("audit record: got actor %q target %q, want admin and region:%s", last.Actor, last.Target, demo.GridWorkerGrid)
			}
		})

		t.Run("putting the same member again changes nothing but is answered", func(t *testing.T) {
			r := admin.do(t, "PUT", membersPath+"/leader", map[string]string{"role": "leader"})
			wantStatus(t, r, http.StatusOK)
			if got := members(t); !slices.Equal(got, []member{leader, worker}) {
				t.Errorf("members: got %+v", got)
			}
		})

		t.Run("the grid worker sees the members of its own grid", func(t *testing.T) {
			gw := ts.signedIn(t, "gridworker")
			r := gw.do(t, "GET", membersPath, nil)
			wantStatus(t, r, http.StatusOK)
			var got []member
			r.decode(t, &got)
			if !slices.Equal(got, []member{leader, worker}) {
				t.Errorf("members: got %+v", got)
			}
			wantError(t, gw.do(t, "GET", "/api/v1/regions/"+shanyangGrid+"/members", nil), http.StatusForbidden, "forbidden")
		})

		t.Run("an operator of 解放区 sees members of grids there but not in 山阳区", func(t *testing.T) {
			r := operator.do(t, "GET", membersPath, nil)
			wantStatus(t, r, http.StatusOK)
			var got []member
			r.decode(t, &got)
			if !slices.Equal(got, []member{leader, worker}) {
				t.Errorf("members: got %+v", got)
			}
			wantError(t, operator.do(t, "GET", "/api/v1/regions/"+shanyangGrid+"/members", nil), http.StatusForbidden, "forbidden")
		})

		t.Run("a resident cannot see grid members", func(t *testing.T) {
			wantError(t, ts.signedIn(t, "resident").do(t, "GET", membersPath, nil), http.StatusForbidden, "forbidden")
		})

		t.Run("an admin removes the leader, and removing again is not_found", func(t *testing.T) {
			r := admin.do(t, "DELETE", membersPath+"/leader", nil)
			wantStatus(t, r, http.StatusNoContent)
			if len(r.Body) != 0 {
				t.Errorf("204 with a body: %s", r.Body)
			}
			if got := members(t); !slices.Equal(got, []member{worker}) {
				t.Errorf("members: got %+v, want %+v", got, []member{worker})
			}
			before := ts.snapshot(t)
			wantError(t, admin.do(t, "DELETE", membersPath+"/leader", nil), http.StatusNotFound, "not_found")
			ts.wantUnchanged(t, before)
		})
	})
}

// firstGridUnder walks the region tree through the API to the first unit grid under code.
func firstGridUnder(t *testing.T, c *client, code string) string {
	t.Helper()
	for len(code) < 15 {
		r := c.do(t, "GET", "/api/v1/regions?parent="+code, nil)
		wantStatus(t, r, http.StatusOK)
		var kids []regionBody
		r.decode(t, &kids)
		if len(kids) == 0 {
			t.Fatalf("region %s has no children", code)
		}
		code = kids[0].Code
	}
	return code
}

// TestLocateSeesAnotherProcessesImport runs two app instances (two server processes, as far as
// the locate index knows) on one PostgreSQL database: a region imported through one is found
// through the other within a few seconds. PostgreSQL only: SQLite is one process's database.
func TestLocateSeesAnotherProcessesImport(t *testing.T) {
	ctx := t.Context()
	dsn := storetest.DSN(t, store.Postgres)
	openApp := func(t *testing.T, migrate bool) *app.App {
		t.Helper()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: quiet})
		if err != nil {
			t.Fatalf("app.New: %v", err)
		}
		if migrate {
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
		}
		return a
	}
	app1 := openApp(t, true)
	if err := demo.Seed(ctx, app1, demo.Options{}); err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	app2 := openApp(t, false)
	second := serve(t, app2).anonymous()

	// A small square east of the demo districts, where nothing is yet. (A new grid inside an
	// existing community would lose to the community's generated grids, which cover it and
	// have smaller codes.) It comes as a whole new branch, district to grid, all one square.
	square := orb.Polygon{{{113.50, 35.20}, {113.51, 35.20}, {113.51, 35.21}, {113.50, 35.21}, {113.50, 35.20}}}
	inSquare := orb.Point{113.505, 35.205}
	newRegions := []grid.Incoming{
		{Region: grid.Region{Code: "410899", Name: "测试区", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaGeneral, Geometry: square}},
		{Region: grid.Region{Code: "410899001", Name: "测试街道", Level: grid.Subdistrict, ParentCode: "410899", AreaClass: grid.AreaGeneral, Geometry: square}},
		{Region: grid.Region{Code: "410899001001", Name: "测试社区居民委员会", Level: grid.Community, ParentCode: "410899001", AreaClass: grid.AreaGeneral, Geometry: square}},
		{Region: grid.Region{Code: "410899001001001", Name: "测试社区第1网格", Level: grid.Grid, ParentCode: "410899001001", AreaClass: grid.AreaGeneral, Geometry: square}},
	}
	for i := range newRegions {
		newRegions[i].Where = fmt.Sprintf("region %d", i)
	}

	t.Run("the second process locates the demo grid and not yet the new square", func(t *testing.T) {
		inGrid := pointWellInside(t, regionGeometry(t, second, demo.GridWorkerGrid), 0)
		r := second.do(t, "GET", locatePath(inGrid[0], inGrid[1], ""), nil)
		wantStatus(t, r, http.StatusOK)
		var loc location
		r.decode(t, &loc)
		if loc.Region.Code != demo.GridWorkerGrid {
			t.Errorf("located %s, want %s", loc.Region.Code, demo.GridWorkerGrid)
		}
		wantError(t, second.do(t, "GET", locatePath(inSquare[0], inSquare[1], ""), nil), http.StatusNotFound, "outside_area")
	})

	t.Run("a grid imported through the first process is found through the second within seconds", func(t *testing.T) {
		report, err := app1.Regions.ImportRegions(ctx, access.SystemPrincipal("test"), newRegions, nil, false)
		if err != nil || !report.Written || report.New != len(newRegions) {
			t.Fatalf("import: %v, report %+v", err, report)
		}
		start := time.Now()
		deadline := start.Add(5 * time.Second)
		for {
			r := second.do(t, "GET", locatePath(inSquare[0], inSquare[1], ""), nil)
			if r.Status == http.StatusOK {
				var loc location
				r.decode(t, &loc)
				want := []string{"4108", "410899", "410899001", "410899001001", "410899001001001"}
				if got := refCodes(loc.Path); !slices.Equal(got, want) || loc.Grid == nil {
					t.Errorf("located path %v grid %+v, want %v with a grid", got, loc.Grid, want)
				}
				t.Logf("found after %v", time.Since(start).Round(time.Millisecond))
				return
			}
			wantError(t, r, http.StatusNotFound, "outside_area")
			if time.Now().After(deadline) {
				t.Fatalf("the second process still does not find the imported grid %v after the import", time.Since(start))
			}
			select {
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})

	t.Run("the first process, which imported, finds the new grid at once", func(t *testing.T) {
		loc, err := app1.Regions.Locate(ctx, inSquare[0], inSquare[1], crs.WGS84)
		if err != nil || loc.Region.Code != "410899001001001" {
			t.Errorf("Locate: got %+v, %v; want 410899001001001", loc.Region, err)
		}
	})
}
