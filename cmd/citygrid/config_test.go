package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
	frontdoor "github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestConfigReadsEveryVariableAndItsDefault(t *testing.T) {
	t.Parallel()
	def, err := readConfig(getenvFrom(nil))
	if err != nil {
		t.Fatalf("an empty environment: %v", err)
	}
	want := Config{Addr: defaultAddr, Data: defaultData, JobsEvery: defaultJobsEvery, MailFrom: defaultMailFrom, Metrics: frontdoor.MetricsOpen}
	if def != want {
		t.Errorf("defaults: got %+v, want %+v", def, want)
	}
	got, err := readConfig(getenvFrom(map[string]string{
		"CITYGRID_DB": "sqlite:x.db", "CITYGRID_ADDR": ":9", "CITYGRID_DATA": "/d",
		"CITYGRID_PUBLIC_URL": "https://grid.example.gov.cn/", "CITYGRID_SECURE_COOKIES": "1",
		"CITYGRID_LOG_FORMAT": "json", "CITYGRID_MAP_TILES": "xyz", "CITYGRID_MAP_URL": "https://t/{z}/{x}/{y}.png", "CITYGRID_MAP_CRS": "gcj02",
		"CITYGRID_DUPLICATE_RADIUS_M": "80", "CITYGRID_DUPLICATE_DAYS": "3", "CITYGRID_JOBS_EVERY": "0",
		"CITYGRID_SMTP": "smtp://mail.example:25", "CITYGRID_MAIL_FROM": "grid <grid@example.gov.cn>",
		"CITYGRID_METRICS": "token", "CITYGRID_METRICS_TOKEN": strings.Repeat("m", 32),
	}))
	if err != nil {
		t.Fatal(err)
	}
	want = Config{DB: "sqlite:x.db", Addr: ":9", Data: "/d", PublicURL: "https://grid.example.gov.cn", SecureCookies: true,
		LogJSON: true, MapTiles: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://t/{z}/{x}/{y}.png", CRS: crs.GCJ02}, DuplicateRadiusM: 80, DuplicateWindow: 3 * 24 * time.Hour,
		SMTP: "smtp://mail.example:25", MailFrom: "grid <grid@example.gov.cn>",
		Metrics: frontdoor.MetricsToken, MetricsToken: strings.Repeat("m", 32)}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// Every malformed setting stops every command with exit 2 and a line naming the variable,
// before anything is opened.
func TestAMalformedSettingExitsTwoNamingIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value string }{
		{"CITYGRID_PUBLIC_URL", "grid.example.gov.cn"},
		{"CITYGRID_PUBLIC_URL", "ftp://grid.example.gov.cn"},
		{"CITYGRID_PUBLIC_URL", "https://grid.example.gov.cn/?x=1"},
		{"CITYGRID_PUBLIC_URL", "https://"},
		{"CITYGRID_SECURE_COOKIES", "yes please"},
		{"CITYGRID_LOG_FORMAT", "xml"},
		{"CITYGRID_DUPLICATE_RADIUS_M", "0"},
		{"CITYGRID_DUPLICATE_DAYS", "-1"},
		{"CITYGRID_JOBS_EVERY", "often"},
		{"CITYGRID_SMTP", "mail.example:25"},
		{"CITYGRID_MAIL_FROM", "not an address"},
		{"CITYGRID_METRICS", "closed"},
		{"CITYGRID_METRICS", "token"}, // without CITYGRID_METRICS_TOKEN
		{"CITYGRID_MAP_TILES", "google"},
		{"CITYGRID_MAP_TILES", "tianditu"},                       // without CITYGRID_MAP_KEY
		{"CITYGRID_MAP_TILES", "xyz"},                            // without CITYGRID_MAP_URL
		{"CITYGRID_MAP_KEY", "0123456789abcdef0123456789abcdef"}, // without CITYGRID_MAP_TILES
		{"CITYGRID_MAP_CRS", "gcj02"},
		{"CITYGRID_TILE_URL", "ftp://tiles.example/{z}/{x}/{y}.png"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", map[string]string{tc.name: tc.value}, "migrate", "--db", "sqlite:"+filepath.Join(t.TempDir(), "x.db"))
			if code != exitUsage || !strings.Contains(stderr, tc.name) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want 2 and one line naming %s", code, stderr, tc.name)
			}
		})
	}
}

// The tiles under the maps: each preset with what it needs, the older CITYGRID_TILE_URL as an
// XYZ template in WGS-84, and a variable that needs another named with it.
func TestConfigReadsTheMapTiles(t *testing.T) {
	t.Parallel()
	key := "0123456789abcdef0123456789abcdef"
	for _, tc := range []struct {
		env  map[string]string
		want basemap.TileConfig
		bad  string // the variable the refusal names
	}{
		{env: map[string]string{"CITYGRID_MAP_TILES": "none"}, want: basemap.TileConfig{Provider: basemap.None}},
		{env: map[string]string{"CITYGRID_MAP_TILES": "tianditu", "CITYGRID_MAP_KEY": key}, want: basemap.TileConfig{Provider: basemap.Tianditu, Key: key, CRS: crs.WGS84}},
		{env: map[string]string{"CITYGRID_MAP_TILES": "amap"}, want: basemap.TileConfig{Provider: basemap.AMap, CRS: crs.GCJ02}},
		{env: map[string]string{"CITYGRID_MAP_TILES": "xyz", "CITYGRID_MAP_URL": "https://{s}.t.example/{z}/{x}/{y}.png"},
			want: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://{s}.t.example/{z}/{x}/{y}.png", CRS: crs.WGS84}},
		{env: map[string]string{"CITYGRID_TILE_URL": "https://t.example/{z}/{x}/{y}.png"},
			want: basemap.TileConfig{Provider: basemap.XYZ, URL: "https://t.example/{z}/{x}/{y}.png", CRS: crs.WGS84}},
		{env: map[string]string{"CITYGRID_MAP_TILES": "tianditu", "CITYGRID_MAP_KEY": "<script>"}, bad: "CITYGRID_MAP_KEY"},
		{env: map[string]string{"CITYGRID_MAP_TILES": "xyz", "CITYGRID_MAP_URL": "https://t.example/{z}/{x}/{y}.png", "CITYGRID_MAP_CRS": "mars"}, bad: "CITYGRID_MAP_CRS"},
		{env: map[string]string{"CITYGRID_MAP_TILES": "xyz", "CITYGRID_MAP_URL": "https://t.example/{z}/{x}/{y}/{q}.png"}, bad: "CITYGRID_MAP_URL"},
		{env: map[string]string{"CITYGRID_MAP_TILES": "amap", "CITYGRID_TILE_URL": "https://t.example/{z}/{x}/{y}.png"}, bad: "CITYGRID_TILE_URL"},
	} {
		got, err := readConfig(getenvFrom(tc.env))
		switch {
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%v: got %v, want a refusal naming %s", tc.env, err, tc.bad)
		case tc.bad == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.bad == "" && got.MapTiles != tc.want:
			t.Errorf("%v: got %+v, want %+v", tc.env, got.MapTiles, tc.want)
		}
	}
}

func TestServeNamesThePublicURLInOpen311Discovery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "citygrid.db")
	migrate(t, dsn)
	s := startServer(t, map[string]string{"CITYGRID_DB": dsn, "CITYGRID_ADDR": "127.0.0.1:0",
		"CITYGRID_PUBLIC_URL": "https://grid.example.gov.cn", "CITYGRID_JOBS_EVERY": "0"}, "serve", "--data", dir)
	res, err := http.Get(s.url + "/open311/v2/discovery.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"url":"https://grid.example.gov.cn/open311/v2"`) {
		t.Errorf("discovery: %d %s, want the endpoint at https://grid.example.gov.cn/open311/v2", res.StatusCode, body)
	}
}

// The environment's tiles reach every page's map and its Content-Security-Policy, and the map
// card cannot change them.
func TestServeDrawsTheEnvironmentsTiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "citygrid.db")
	migrate(t, dsn)
	s := startServer(t, map[string]string{"CITYGRID_DB": dsn, "CITYGRID_ADDR": "127.0.0.1:0", "CITYGRID_JOBS_EVERY": "0",
		"CITYGRID_MAP_TILES": "amap"}, "serve", "--data", dir)
	res, err := http.Get(s.url + "/report")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if csp := res.Header.Get("Content-Security-Policy"); res.StatusCode != http.StatusOK || !strings.Contains(csp, "img-src 'self' data: blob: https://*.is.autonavi.com;") ||
		!strings.Contains(string(body), `"crs":"gcj02"`) || !strings.Contains(string(body), "autonavi.com/appmaptile") {
		t.Errorf("/report with CITYGRID_MAP_TILES=amap: %d, CSP %q", res.StatusCode, csp)
	}
}

// /metrics is open by default, as it always was; CITYGRID_METRICS=off takes it away and
// CITYGRID_METRICS=token serves it only with the metrics token (a user's API token will not do).
func TestMetricsCanBeTurnedOffOrLockedWithAToken(t *testing.T) {
	secret := strings.Repeat("s3cr3t-", 6)
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		migrate(t, dsn)
		get := func(base, authorization string) int {
			t.Helper()
			req, err := http.NewRequest("GET", base+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode == http.StatusOK && !strings.Contains(string(body), "go_goroutines") {
				t.Errorf("/metrics answered 200 without the metrics")
			}
			return res.StatusCode
		}
		for _, tc := range []struct {
			mode   string
			checks map[string]int // Authorization → status
		}{
			{"", map[string]int{"": 200}},
			{"off", map[string]int{"": 404, "Bearer " + secret: 404}},
			{"token", map[string]int{"": 401, "Bearer " + secret: 200, "bearer " + secret: 200, "Bearer " + secret + "x": 401,
				"Bearer " + secret[:31]: 401, "Basic " + secret: 401, "Bearer cgt_" + strings.Repeat("A", 43): 401}},
		} {
			t.Run("CITYGRID_METRICS="+tc.mode, func(t *testing.T) {
				env := map[string]string{"CITYGRID_DB": dsn, "CITYGRID_ADDR": "127.0.0.1:0", "CITYGRID_JOBS_EVERY": "0", "CITYGRID_METRICS": tc.mode}
				if tc.mode == "token" {
					env["CITYGRID_METRICS_TOKEN"] = secret
				}
				s := startServer(t, env, "serve", "--data", t.TempDir())
				for auth, want := range tc.checks {
					if got := get(s.url, auth); got != want {
						t.Errorf("Authorization %q: got %d, want %d", auth, got, want)
					}
				}
			})
		}
	})
}
