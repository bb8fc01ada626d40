package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// baseMapBody is an answer of GET /api/v1/basemap.
type baseMapBody struct {
	Type      string `json:"type"`
	Level     string `json:"level"`
	Epoch     int64  `json:"epoch"`
	Truncated bool   `json:"truncated"`
	Features  []struct {
		ID         string `json:"id"`
		Properties struct {
			Name  string     `json:"name"`
			Label string     `json:"label"`
			At    [2]float64 `json:"at"`
		} `json:"properties"`
		Geometry struct {
			Type string `json:"type"`
		} `json:"geometry"`
	} `json:"features"`
}

func (b baseMapBody) labels() map[string]string {
	out := map[string]string{}
	for _, f := range b.Features {
		out[f.ID] = f.Properties.Label
	}
	return out
}

// TestTheBaseMapIsPublicCompactAndCacheable: anyone gets the outlines and names of a level,
// with short names to draw; an unchanged base layer answers 304 to its ETag; gzip is used when
// the client takes it; the unit grids only come by box; bad boxes and levels are refused.
func TestTheBaseMapIsPublicCompactAndCacheable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		get := func(path string, header ...string) (*response, baseMapBody) {
			t.Helper()
			r := anon.do(t, "GET", path, nil, header...)
			var b baseMapBody
			if r.Status == http.StatusOK {
				r.decode(t, &b)
			}
			return r, b
		}
		r, districts := get("/api/v1/basemap?level=district")
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); ct != "application/geo+json" {
			t.Errorf("Content-Type %q", ct)
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "public") || !strings.Contains(cc, "max-age") {
			t.Errorf("Cache-Control %q: want public and a max-age", cc)
		}
		if l := districts.labels(); districts.Type != "FeatureCollection" || l["410802"] != "解放区" || l["410811"] != "山阳区" || len(l) != 2 {
			t.Errorf("districts: %s", r.Body)
		}
		tag := r.Header.Get("ETag")
		if tag == "" {
			t.Fatal("no ETag")
		}
		wantStatus(t, anon.do(t, "GET", "/api/v1/basemap?level=district", nil, "If-None-Match", tag), http.StatusNotModified)

		// Compressed when asked for, and much smaller for it.
		z := anon.do(t, "GET", "/api/v1/basemap?level=community", nil, "Accept-Encoding", "gzip")
		wantStatus(t, z, http.StatusOK)
		if z.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", z.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(z.Body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var communities baseMapBody
		if err := json.Unmarshal(plain, &communities); err != nil {
			t.Fatal(err)
		}
		t.Logf("the test city's communities: %d outlines, %d bytes, %d gzipped", len(communities.Features), len(plain), len(z.Body))
		if got := communities.labels()["410802001001"]; got != "枫华园社区" {
			t.Errorf("枫华园社区居民委员会 is drawn as %q, want 枫华园社区", got)
		}
		if len(z.Body)*3 > len(plain) {
			t.Errorf("gzipped %d of %d bytes", len(z.Body), len(plain))
		}
		_, subs := get("/api/v1/basemap?level=subdistrict")
		if got := subs.labels()["410802001"]; got != "民生街道" {
			t.Errorf("the subdistrict 410802001 is drawn as %q", got)
		}

		// The unit grids: only by box, only those meeting it, named within their community.
		wantError(t, anon.do(t, "GET", "/api/v1/basemap?level=grid", nil), 422, "invalid")
		fenghua := regionGeometry(t, anon, demo.GridWorkerGrid).Bound()
		box := url.QueryEscape(strings.Join([]string{ftoa(fenghua.Min[0]), ftoa(fenghua.Min[1]), ftoa(fenghua.Max[0]), ftoa(fenghua.Max[1])}, ","))
		r, grids := get("/api/v1/basemap?level=grid&bbox=" + box)
		wantStatus(t, r, http.StatusOK)
		if got := grids.labels()[demo.GridWorkerGrid]; got != "第1网格" || grids.Truncated {
			t.Errorf("the grids in 枫华园社区第1网格's box: %s", r.Body)
		}
		_, all := get("/api/v1/basemap?level=grid&bbox=-180,-90,180,90")
		if len(all.Features) <= len(grids.Features) || len(all.Features) > basemap.MaxGrids {
			t.Errorf("the whole world's grids: %d (the box's %d)", len(all.Features), len(grids.Features))
		}

		before := ts.snapshot(t)
		for _, tc := range []struct {
			name, query string
			status      int
			code        string
		}{
			{"no level", "bbox=1,2,3,4", 400, "missing_parameter"},
			{"an unknown level", "level=province", 422, "invalid"},
			{"a box of three numbers", "level=grid&bbox=113,35,114", 400, "bad_bbox"},
			{"a box of words", "level=grid&bbox=west,south,east,north", 400, "wrong_type"},
			{"a box turned over", "level=grid&bbox=114,35,113,36", 422, "invalid"},
			{"a box off the globe", "level=grid&bbox=113,35,114,91", 422, "invalid"},
			{"a box of NaN", "level=grid&bbox=NaN,35,114,36", 422, "invalid"},
			{"a box of infinity", "level=grid&bbox=113,35,Inf,36", 422, "invalid"},
			{"NUL in the level", "level=grid%00", 400, "bad_text"},
			{"invalid UTF-8 in the box", "level=grid&bbox=%FF%FE", 400, "bad_text"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, anon.do(t, "GET", "/api/v1/basemap?"+tc.query, nil), tc.status, tc.code)
			})
		}
		ts.wantUnchanged(t, before)

		// A changed region changes the ETag: no browser keeps an old outline.
		if err := ts.App.Regions.PutRegions(t.Context(), access.SystemPrincipal("test"), []grid.Region{{Code: "410802001001", Name: "枫华园社区居民委员会（新）",
			Level: grid.Community, ParentCode: "410802001", AreaClass: grid.AreaGeneral, Geometry: regionGeometry(t, anon, "410802001001")}}); err != nil {
			t.Fatal(err)
		}
		waitForEpoch(t, func() bool {
			r := anon.do(t, "GET", "/api/v1/basemap?level=district", nil, "If-None-Match", tag)
			return r.Status == http.StatusOK && r.Header.Get("ETag") != tag
		})
	})
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// firstGrid is the first unit grid under a region.
func firstGrid(t *testing.T, ts *testServer, under string) string {
	t.Helper()
	for r, err := range ts.App.Regions.Regions(t.Context(), under) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Level == grid.Grid && r.Geometry != nil {
			return r.Code
		}
	}
	t.Fatalf("no grid under %s", under)
	return ""
}

// waitForEpoch waits for the base layer to see a region change: a server checks the region
// epoch at most once a second.
func waitForEpoch(t *testing.T, changed func() bool) {
	t.Helper()
	for range 40 {
		if changed() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the base layer never saw the change")
}

// TestAHugeBoxGetsAtMostTheCapOfGrids: a city of thousands of unit grids; a box around the
// world at grid level answers the cap, marked truncated, not the whole city.
func TestAHugeBoxGetsAtMostTheCapOfGrids(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		city := grid.SyntheticCity(3_000, 1)
		if err := db.PutRegions(t.Context(), city); err != nil {
			t.Fatal(err)
		}
		a, err := app.New(db, app.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		ts := serve(t, a)
		r := ts.anonymous().do(t, "GET", "/api/v1/basemap?level=grid&bbox=-180,-90,180,90", nil, "Accept-Encoding", "gzip")
		wantStatus(t, r, http.StatusOK)
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		var b baseMapBody
		if err := json.NewDecoder(zr).Decode(&b); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, reg := range city {
			if reg.Level == grid.Grid {
				n++
			}
		}
		t.Logf("a box around the world at grid level: %d of the city's %d grids, %d bytes gzipped", len(b.Features), n, len(r.Body))
		if len(b.Features) != basemap.MaxGrids || !b.Truncated || n <= basemap.MaxGrids {
			t.Errorf("got %d grids (truncated %v) of %d; want the cap of %d, truncated", len(b.Features), b.Truncated, n, basemap.MaxGrids)
		}
	})
}

// placeBody is one answer of GET /api/v1/places.
type placeBody struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	KindLabel string    `json:"kind_label"`
	Context   string    `json:"context"`
	Code      string    `json:"code"`
	BBox      []float64 `json:"bbox"`
	Point     []float64 `json:"point"`
}

func findPlaces(t *testing.T, c *client, q string) []placeBody {
	t.Helper()
	r := c.do(t, "GET", "/api/v1/places?q="+url.QueryEscape(q), nil)
	wantStatus(t, r, http.StatusOK)
	var out []placeBody
	r.decode(t, &out)
	if len(out) > 20 {
		t.Errorf("%d places for %q, at most 20", len(out), q)
	}
	return out
}

func kinds(ps []placeBody) map[string]int {
	out := map[string]int{}
	for _, p := range ps {
		out[p.Kind]++
	}
	return out
}

// TestFindingAPlaceByName: anyone finds regions by name, 枫华园 first as 枫华园社区; the
// public finds the addresses of recent public reports but not of sensitive or non-public
// categories, which staff find within their scope; sites only for those who assess them;
// wildcards match themselves; hostile and overlong text is refused and changes nothing.
func TestFindingAPlaceByName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := assessmentServer(t, db)
		anon := ts.anonymous()
		got := findPlaces(t, anon, "枫华园")
		if len(got) == 0 || got[0].Name != "枫华园社区" || got[0].Kind != "community" || got[0].KindLabel != "社区" ||
			got[0].Context != "解放区 民生街道" || len(got[0].BBox) != 4 || got[0].BBox[0] >= got[0].BBox[2] {
			t.Fatalf("枫华园 finds %+v first, want 枫华园社区 with its box", got)
		}
		if got := findPlaces(t, anon, "民生街道"); len(got) == 0 || got[0].Kind != "subdistrict" || got[0].KindLabel != "街道" {
			t.Errorf("民生街道 finds %+v", got)
		}
		if got := findPlaces(t, anon, "第1网格"); kinds(got)["grid"] == 0 || !strings.HasSuffix(got[0].Name, "第1网格") || len(got) > 20 {
			t.Errorf("第1网格 finds %+v", got)
		}

		// Reports: a public one, one of a sensitive category, one of a category the public
		// does not see, one in the other district.
		system := access.SystemPrincipal("test")
		cats, err := ts.App.Settings.Categories(t.Context(), system)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cats {
			switch {
			case c.Kind == "matter" && c.Code == "06010":
				c.Sensitive = true
			case c.Kind == "matter" && c.Code == "06001":
				c.Public = false
			default:
				continue
			}
			if _, err := ts.App.Settings.ImportCategories(t.Context(), system, []workflow.Category{c}); err != nil {
				t.Fatal(err)
			}
		}
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		fileCase(t, anon, reportAt(p, map[string]any{"address": "民主路 1 号"}))
		fileCase(t, anon, reportAt(p, map[string]any{"address": "幸福路 8 号 王女士家门口", "category": "06010"}))
		q := casePoint(t, anon, firstGrid(t, ts, shanyangDistrict), 0.0005)
		for _, at := range []struct {
			p       [2]float64
			address string
		}{{p, "和平路 3 号"}, {q, "和平路 5 号"}} { // the public cannot report these: the centre files them
			if _, err := ts.App.Cases.Report(t.Context(), system, cases.NewCase{CategoryKind: "matter", Category: "06001", Description: "私搭乱建",
				Lon: &at.p[0], Lat: &at.p[1], Address: at.address}); err != nil {
				t.Fatal(err)
			}
		}

		if got := findPlaces(t, anon, "民主路"); kinds(got)["case"] != 1 || got[len(got)-1].Name != "民主路 1 号" || len(got[len(got)-1].Point) != 2 {
			t.Errorf("民主路 finds %+v, want the public report's address with its point", got)
		}
		resident := ts.signedIn(t, "resident")
		for who, c := range map[string]*client{"anonymous": anon, "a resident": resident} {
			if got := findPlaces(t, c, "幸福路"); len(got) != 0 {
				t.Errorf("%s finds the sensitive report's address: %+v", who, got)
			}
			if got := findPlaces(t, c, "和平路"); len(got) != 0 {
				t.Errorf("%s finds a non-public report's address: %+v", who, got)
			}
		}
		if got := findPlaces(t, ts.signedIn(t, "operator"), "和平路"); len(got) != 1 || got[0].Name != "和平路 3 号" {
			t.Errorf("解放区's operator finds %+v, want 和平路 3 号 only (和平路 5 号 is in 山阳区)", got)
		}
		if got := findPlaces(t, ts.signedIn(t, "admin"), "和平路"); len(got) != 2 {
			t.Errorf("the city's admin finds %+v, want both", got)
		}

		// Sites: for those who assess them.
		leader := ts.signedIn(t, "leader")
		wantStatus(t, leader.do(t, "POST", "/api/v1/sites", map[string]any{"code": "JF-9", "site_type": "market", "name": "人民公园菜市场", "lon": p[0], "lat": p[1]}), http.StatusCreated)
		if got := findPlaces(t, ts.signedIn(t, "inspector"), "菜市场"); len(got) != 1 || got[0].Kind != "site" || got[0].KindLabel != "测评点位" {
			t.Errorf("the inspector finds %+v, want the site", got)
		}
		for who, c := range map[string]*client{"anonymous": anon, "a resident": resident, "the operator": ts.signedIn(t, "operator"),
			"山阳区's inspector": ts.signedIn(t, "shanyang.inspector")} {
			if got := findPlaces(t, c, "菜市场"); len(got) != 0 {
				t.Errorf("%s finds a site: %+v", who, got)
			}
		}

		// Wildcards are letters here, not patterns.
		fileCase(t, anon, reportAt(p, map[string]any{"address": "五一路 50%折扣店门前"}))
		for _, w := range []string{"%", "50%"} {
			if got := findPlaces(t, anon, w); len(got) != 1 || got[0].Name != "五一路 50%折扣店门前" {
				t.Errorf("%q finds %+v, want the address with a %% in it only", w, got)
			}
		}
		for _, w := range []string{"_", "%%", "民%路", `\`} {
			if got := findPlaces(t, anon, w); len(got) != 0 {
				t.Errorf("%q finds %+v", w, got)
			}
		}
		if got := findPlaces(t, anon, ""); len(got) != 0 {
			t.Errorf("nothing finds %+v", got)
		}
		findPlaces(t, anon, strings.Repeat("枫", 50))

		before := ts.snapshot(t)
		for _, tc := range []struct {
			name, query string
			status      int
			code        string
		}{
			{"no q", "", 400, "missing_parameter"},
			{"51 characters", "q=" + url.QueryEscape(strings.Repeat("枫", 51)), 422, "invalid"},
			{"NUL", "q=%E6%9E%AB%00", 400, "bad_text"},
			{"invalid UTF-8", "q=%FF%FE", 400, "bad_text"},
			{"a lone surrogate's bytes", "q=%ED%A0%80", 400, "bad_text"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, anon.do(t, "GET", "/api/v1/places?"+tc.query, nil), tc.status, tc.code)
			})
		}
		ts.wantUnchanged(t, before)
	})
}

// TestTheMapTilesAreTheCityAdminsChoice: only an unscoped admin reads and sets the tiles; each
// preset is checked, the key is never shown back and kept when left out, and the audit trail
// names the choice without the key. Set by the environment, they cannot be changed here.
func TestTheMapTilesAreTheCityAdminsChoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		admin := ts.signedIn(t, "admin")
		wantStatus(t, admin.do(t, "POST", "/api/v1/users", map[string]any{"username": "jfadmin", "role": "admin", "scope": "410802", "password": "a long enough password"}), http.StatusCreated)
		type tiles struct {
			Provider string `json:"provider"`
			KeySet   bool   `json:"key_set"`
			Key      string `json:"key"`
			URL      string `json:"url"`
			CRS      string `json:"crs"`
			Source   string `json:"source"`
		}
		read := func(r *response) tiles {
			t.Helper()
			wantStatus(t, r, http.StatusOK)
			var out tiles
			r.decode(t, &out)
			return out
		}
		if got := read(admin.do(t, "GET", "/api/v1/map/tiles", nil)); got.Provider != "none" || got.Source != "default" {
			t.Errorf("the default tiles: %+v", got)
		}
		key := "0123456789abcdef0123456789abcdef"
		if got := read(admin.do(t, "PUT", "/api/v1/map/tiles", map[string]any{"provider": "tianditu", "key": key})); got.Provider != "tianditu" || !got.KeySet || got.Key != "" || got.CRS != "wgs84" || got.Source != "settings" {
			t.Errorf("天地图: %+v", got)
		}
		if got := read(admin.do(t, "PUT", "/api/v1/map/tiles", map[string]any{"provider": "tianditu"})); !got.KeySet {
			t.Errorf("天地图 again without the key lost it: %+v", got)
		}
		if cfg, _, _ := ts.App.Maps.Tiles(t.Context()); cfg.Key != key {
			t.Errorf("the stored key is %q", cfg.Key)
		}
		for _, rec := range auditRecords(t, db, "map_tiles.put") {
			if strings.Contains(rec.Before+rec.After, key) {
				t.Errorf("the audit trail shows the key: %+v", rec)
			}
		}
		if n := len(auditRecords(t, db, "map_tiles.put")); n != 2 {
			t.Errorf("%d audit records of map_tiles.put, want 2", n)
		}
		if got := read(admin.do(t, "PUT", "/api/v1/map/tiles", map[string]any{"provider": "xyz", "url": "https://{s}.tiles.example.cn/{z}/{x}/{y}.png", "crs": "gcj02"})); got.CRS != "gcj02" || got.URL == "" {
			t.Errorf("xyz: %+v", got)
		}

		scoped := ts.anonymous()
		wantStatus(t, scoped.login(t, "jfadmin", "a long enough password"), http.StatusOK)
		clients := map[string]*client{"admin": admin, "anonymous": ts.anonymous(), "resident": ts.signedIn(t, "resident"),
			"operator": ts.signedIn(t, "operator"), "a scoped admin": scoped}
		before := ts.snapshot(t)
		for _, tc := range []struct {
			name, who string
			body      any
			status    int
			code      string
		}{
			{"anonymous", "anonymous", map[string]any{"provider": "amap"}, 401, "unauthorized"},
			{"a resident", "resident", map[string]any{"provider": "amap"}, 403, "forbidden"},
			{"the operator", "operator", map[string]any{"provider": "amap"}, 403, "forbidden"},
			{"a scoped admin", "a scoped admin", map[string]any{"provider": "amap"}, 403, "forbidden"},
			{"an unknown provider", "admin", map[string]any{"provider": "google"}, 422, "invalid"},
			{"天地图 with a key that is not one", "admin", map[string]any{"provider": "tianditu", "key": "<script>"}, 422, "invalid"},
			{"a URL that is no tile template", "admin", map[string]any{"provider": "xyz", "url": "javascript:alert(1)//{z}/{x}/{y}", "crs": "wgs84"}, 422, "invalid"},
			{"an unknown placeholder", "admin", map[string]any{"provider": "xyz", "url": "https://t.example/{z}/{x}/{y}/{key}.png"}, 422, "invalid"},
			{"an unknown coordinate system", "admin", map[string]any{"provider": "xyz", "url": "https://t.example/{z}/{x}/{y}.png", "crs": "mars"}, 422, "invalid"},
			{"NUL in the URL", "admin", `{"provider": "xyz", "url": "https://t.example/{z}/{x}/{y}.png\u0000"}`, 400, "bad_text"},
			{"a wrong type", "admin", `{"provider": 5}`, 400, "wrong_type"},
			{"malformed JSON", "admin", `{"provider":`, 400, "malformed_json"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, clients[tc.who].do(t, "PUT", "/api/v1/map/tiles", tc.body), tc.status, tc.code)
			})
		}
		for who, c := range clients {
			if who != "admin" {
				if r := c.do(t, "GET", "/api/v1/map/tiles", nil); r.Status != 401 && r.Status != 403 {
					t.Errorf("%s reads the tiles: %d %s", who, r.Status, r.Body)
				}
			}
		}
		ts.wantUnchanged(t, before)
		if got := read(admin.do(t, "GET", "/api/v1/map/tiles", nil)); got.Provider != "xyz" || got.CRS != "gcj02" {
			t.Errorf("after the refusals the tiles are %+v", got)
		}

		// Set by the environment: shown as such, not changed here.
		env := newServerWith(t, db, app.Options{MapTiles: &basemap.TileConfig{Provider: basemap.AMap, CRS: "gcj02"}})
		envAdmin := env.signedIn(t, "admin")
		if got := read(envAdmin.do(t, "GET", "/api/v1/map/tiles", nil)); got.Provider != "amap" || got.Source != "environment" {
			t.Errorf("the environment's tiles: %+v", got)
		}
		wantError(t, envAdmin.do(t, "PUT", "/api/v1/map/tiles", map[string]any{"provider": "none"}), 409, "conflict")
	})
}
