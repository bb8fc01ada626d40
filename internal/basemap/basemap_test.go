package basemap_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

func TestShortNamesLeaveTheCommitteesOff(t *testing.T) {
	for name, want := range map[string]string{
		"枫华园社区居民委员会": "枫华园社区", "前辛庄村村民委员会": "前辛庄村", "民生街道办事处": "民生街道", "民生街道": "民生街道",
		"居民委员会": "居民委员会", "解放区": "解放区",
	} {
		if got := basemap.ShortName(name); got != want {
			t.Errorf("ShortName(%q) = %q, want %q", name, got, want)
		}
	}
}

// wiggly is a square of side d degrees at (x, y) whose edges carry n points each, a little off
// the straight line: what simplification should take out.
func wiggly(x, y, d float64, n int) orb.Polygon {
	var r orb.Ring
	corners := []orb.Point{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}
	for i := 0; i < 4; i++ {
		a, b := corners[i], corners[i+1]
		for j := 0; j < n; j++ {
			f := float64(j) / float64(n)
			off := 1e-7 * float64(j%2)
			r = append(r, orb.Point{a[0] + (b[0]-a[0])*f + off, a[1] + (b[1]-a[1])*f + off})
		}
	}
	r = append(r, r[0])
	return orb.Polygon{r}
}

func city() []grid.Region {
	return []grid.Region{
		{Code: "4108", Name: "焦作市", Level: grid.City},
		{Code: "410802", Name: "解放区", Level: grid.District, ParentCode: "4108", Geometry: wiggly(113.2, 35.2, 0.1, 200)},
		{Code: "410802001", Name: "民生街道办事处", Level: grid.Subdistrict, ParentCode: "410802", Geometry: wiggly(113.2, 35.2, 0.05, 100)},
		{Code: "410802001001", Name: "枫华园社区居民委员会", Level: grid.Community, ParentCode: "410802001", Geometry: wiggly(113.2, 35.2, 0.01, 50)},
		{Code: "410802001001001", Name: "枫华园社区第1网格", Level: grid.Grid, ParentCode: "410802001001", Geometry: wiggly(113.2, 35.2, 0.002, 10)},
		{Code: "410802001001002", Name: "枫华园社区第2网格", Level: grid.Grid, ParentCode: "410802001001", Geometry: wiggly(113.202, 35.2, 0.002, 10)},
		{Code: "410802001002", Name: "民生街社区居民委员会", Level: grid.Community, ParentCode: "410802001", Geometry: wiggly(113.21, 35.2, 0.01, 50)},
		{Code: "410802001003", Name: "无界社区居民委员会", Level: grid.Community, ParentCode: "410802001"}, // known by name only
	}
}

// TestTheBaseLayerIsSimplifiedQuantisedAndLabelled: each level keeps its corners and drops the
// wiggles, writes at most its decimals, and names its regions short, a grid within its
// community; a region without an outline is not drawn.
func TestTheBaseLayerIsSimplifiedQuantisedAndLabelled(t *testing.T) {
	ls := basemap.Build(7, city())
	type fc struct {
		Level    string `json:"level"`
		Epoch    int64  `json:"epoch"`
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Name, Label string
				At          [2]float64
			} `json:"properties"`
			Geometry struct {
				Type        string             `json:"type"`
				Coordinates [][][2]json.Number `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	decimals := map[grid.Level]int{grid.District: 4, grid.Subdistrict: 4, grid.Community: 5, grid.Grid: 6}
	labels := map[string]string{}
	for _, l := range basemap.Levels {
		box := &orb.Bound{Min: orb.Point{113, 35}, Max: orb.Point{114, 36}}
		ans := ls.Query(l, box)
		var got fc
		if err := json.Unmarshal(ans.Body, &got); err != nil {
			t.Fatalf("%s: %v: %s", l, err, ans.Body)
		}
		if got.Level != string(l) || got.Epoch != 7 || len(got.Features) != ans.Count {
			t.Errorf("%s: level %q epoch %d, %d features (count %d)", l, got.Level, got.Epoch, len(got.Features), ans.Count)
		}
		for _, f := range got.Features {
			labels[f.ID] = f.Properties.Label
			ring := f.Geometry.Coordinates[0]
			if len(ring) > 12 {
				t.Errorf("%s %s keeps %d points of a wiggly square", l, f.ID, len(ring))
			}
			for _, p := range ring {
				for _, n := range p {
					if _, frac, ok := strings.Cut(string(n), "."); ok && len(frac) > decimals[l] {
						t.Errorf("%s %s writes %s: more than %d decimals", l, f.ID, n, decimals[l])
					}
				}
			}
		}
	}
	want := map[string]string{"410802": "解放区", "410802001": "民生街道", "410802001001": "枫华园社区", "410802001002": "民生街社区",
		"410802001001001": "第1网格", "410802001001002": "第2网格"}
	for code, label := range want {
		if labels[code] != label {
			t.Errorf("%s is labelled %q, want %q", code, labels[code], label)
		}
	}
	if _, ok := labels["410802001003"]; ok || len(labels) != len(want) {
		t.Errorf("labels %v", labels)
	}
}

func TestOnlyTheGridsInTheBoxAndAtMostTheCap(t *testing.T) {
	regions := grid.SyntheticCity(3_000, 1)
	ls := basemap.Build(1, regions)
	world := &orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	if ans := ls.Query(grid.Grid, world); ans.Count != basemap.MaxGrids || !ans.Truncated {
		t.Errorf("the world holds %d grids (truncated %v), want the cap %d", ans.Count, ans.Truncated, basemap.MaxGrids)
	}
	small := &orb.Bound{Min: orb.Point{113.24, 35.24}, Max: orb.Point{113.245, 35.245}}
	ans := ls.Query(grid.Grid, small)
	n := 0
	for _, r := range regions {
		if r.Level == grid.Grid && r.Geometry.Bound().Intersects(*small) {
			n++
		}
	}
	if ans.Count != n || ans.Truncated || n == 0 {
		t.Errorf("the small box holds %d grids, the answer %d", n, ans.Count)
	}
	if ls.Query(grid.Grid, &orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}).Count != 0 {
		t.Errorf("grids far from the city")
	}
}

// TestFindingRegionsByName: the exact name first, then those starting with it, then the rest;
// larger regions before smaller.
func TestFindingRegionsByName(t *testing.T) {
	ls := basemap.Build(1, city())
	var got []string
	for _, f := range ls.Find("枫华园", 10) {
		got = append(got, f.Code)
	}
	if strings.Join(got, " ") != "410802001001 410802001001001 410802001001002" {
		t.Errorf("枫华园 finds %v", got)
	}
	if f := ls.Find("民生街社区", 10); len(f) != 1 || f[0].Code != "410802001002" {
		t.Errorf("民生街社区 finds %v", f)
	}
	if f := ls.Find("民生", 10); len(f) != 2 || f[0].Code != "410802001" {
		t.Errorf("民生 finds %v first", f)
	}
	if f := ls.Find("社区", 2); len(f) != 2 {
		t.Errorf("a limit of 2 gives %d", len(f))
	}
	if path := ls.Path(ls.Find("枫华园", 1)[0]); strings.Join(path, " ") != "解放区 民生街道" {
		t.Errorf("枫华园社区's path is %v", path)
	}
}

func TestTileConfigurations(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		in      basemap.TileConfig
		crs     crs.System
		sources []string
		bad     string // the field refused
	}{
		{in: basemap.TileConfig{}, crs: ""},
		{in: basemap.TileConfig{Provider: basemap.Tianditu, Key: key}, crs: crs.WGS84, sources: []string{"https://*.tianditu.gov.cn"}},
		{in: basemap.TileConfig{Provider: basemap.AMap, CRS: crs.WGS84}, crs: crs.GCJ02, sources: []string{"https://*.is.autonavi.com"}},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://{s}.tiles.example.cn/{z}/{x}/{y}{r}.png", CRS: "BD09"}, crs: crs.BD09, sources: []string{"https://*.tiles.example.cn"}},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "http://127.0.0.1:8081/t/{z}/{x}/{y}.png"}, crs: crs.WGS84, sources: []string{"http://127.0.0.1:8081"}},
		{in: basemap.TileConfig{Provider: basemap.Tianditu}, bad: "key"},
		{in: basemap.TileConfig{Provider: basemap.Tianditu, Key: "abc&tk=x"}, bad: "key"},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://t.example/{z}/{x}.png"}, bad: "url"},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "ftp://t.example/{z}/{x}/{y}.png"}, bad: "url"},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://t.example/{z}/{x}/{y}.png?k={key}"}, bad: "url"},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: `https://t.example/{z}/{x}/{y}.png"onload="x`}, bad: "url"},
		{in: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://t.example/{z}/{x}/{y}.png", CRS: "mars"}, bad: "crs"},
		{in: basemap.TileConfig{Provider: "osm"}, bad: "provider"},
	} {
		got, err := tc.in.Normalize()
		if tc.bad != "" {
			_, params := errs.Detail(err)
			if err == nil || params["field"] != tc.bad {
				t.Errorf("%+v: %+v, %v; want the %s refused", tc.in, got, err, tc.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.in, err)
			continue
		}
		client := got.Client()
		if (client == nil) != (got.Provider == basemap.None) {
			t.Errorf("%+v: client %+v", tc.in, client)
		}
		if client != nil && client.CRS != tc.crs {
			t.Errorf("%+v draws in %s, want %s", tc.in, client.CRS, tc.crs)
		}
		if s := strings.Join(client.ImageSources(), " "); s != strings.Join(tc.sources, " ") {
			t.Errorf("%+v: image sources %q, want %q", tc.in, s, tc.sources)
		}
		if strings.Contains(got.String(), key) {
			t.Errorf("String() shows the key: %s", got)
		}
	}
	td := basemap.TileConfig{Provider: basemap.Tianditu, Key: key}.Client()
	if len(td.Layers) != 2 || !strings.Contains(td.Layers[0].URL, "/vec_w/") || !strings.Contains(td.Layers[1].URL, "/cva_w/") || !strings.Contains(td.Layers[0].URL, "tk="+key) {
		t.Errorf("天地图's layers: %+v", td.Layers)
	}
}

// TestTheGeocoderAsksTiandituWithinTheCity: the place search's request names the text and the
// city's box; its answer's places come back in order, those without a position left out.
func TestTheGeocoderAsksTiandituWithinTheCity(t *testing.T) {
	var asked atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.Query())
		_, _ = w.Write([]byte(`{"resultType":1,"count":3,"pois":[
			{"name":"焦作市人民公园","address":"解放中路","lonlat":"113.2361,35.2172"},
			{"name":"没有位置","address":"","lonlat":""},
			{"name":"焦作站","address":"站前路","lonlat":"113.2461 35.2012"}],"status":{"infocode":1000}}`))
	}))
	defer srv.Close()
	hits, err := basemap.Geocoder{Key: "k123456789", API: srv.URL}.Search(t.Context(), "公园", orb.Bound{Min: orb.Point{112.5, 34.8}, Max: orb.Point{113.7, 35.5}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Name != "焦作市人民公园" || hits[0].At != (orb.Point{113.2361, 35.2172}) || hits[1].At != (orb.Point{113.2461, 35.2012}) {
		t.Errorf("hits %+v", hits)
	}
	q := asked.Load().(url.Values)
	var post map[string]any
	if err := json.Unmarshal([]byte(q["postStr"][0]), &post); err != nil {
		t.Fatal(err)
	}
	if post["keyWord"] != "公园" || post["mapBound"] != "112.500000,34.800000,113.700000,35.500000" || q["tk"][0] != "k123456789" || q["type"][0] != "query" {
		t.Errorf("asked %v with %v", q, post)
	}
	// A failing service is an error, not an empty answer.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	defer down.Close()
	if _, err := (basemap.Geocoder{Key: "k", API: down.URL}).Search(t.Context(), "x", orb.Bound{}, 5); err == nil {
		t.Errorf("a 403 from 天地图 is no error")
	}
}
