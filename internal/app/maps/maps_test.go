package maps_test

import (
	"bytes"
	"compress/gzip"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func seeded(t *testing.T, opts demo.Options) *app.App {
	t.Helper()
	a, err := app.New(storetest.Open(t, store.SQLite), app.Options{BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(t.Context(), a, opts); err != nil {
		t.Fatal(err)
	}
	return a
}

func gzipped(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Len()
}

// The budget of issue #16: the whole demo city's base layer as a first view fetches it, at
// most 300 KB. A first view fetches districts and subdistricts whole and communities by tile
// (a wide screen at the first zoom that draws them, up to the whole city); unit grids come only
// by tile from zoom 15 on.
const demoBaseLayerBudget = 300 * 1024

func TestTheDemoCityBaseLayerIsWithinItsBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the full demo city (24,000 grids): skipped under -short")
	}
	a := seeded(t, demo.Options{Full: true})
	start := time.Now()
	ls, err := a.Maps.Layers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the full demo city's base layer drawn in %v", time.Since(start).Round(time.Millisecond))
	total := 0
	for _, l := range []grid.Level{grid.District, grid.Subdistrict, grid.Community} {
		ans, err := a.Maps.BaseMap(t.Context(), l, nil)
		if err != nil {
			t.Fatal(err)
		}
		z := len(ans.Gzipped())
		total += z
		t.Logf("%s: %d outlines, %d bytes, %d gzipped", l, ans.Count, len(ans.Body), z)
	}
	t.Logf("districts, subdistricts and every community of the city: %d bytes gzipped (budget %d)", total, demoBaseLayerBudget)
	if total > demoBaseLayerBudget {
		t.Errorf("the demo city's base layer is %d bytes gzipped, budget %d", total, demoBaseLayerBudget)
	}
	// The densest tile of unit grids (0.02°, as static/map.js asks for them) in the urban districts.
	b, _ := ls.Bound()
	most, mostN := 0, 0
	for x := 113.10; x < b.Max[0]; x += 0.02 {
		for y := 35.14; y < 35.32; y += 0.02 {
			box := orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + 0.02, y + 0.02}}
			ans, err := a.Maps.BaseMap(t.Context(), grid.Grid, &box)
			if err != nil {
				t.Fatal(err)
			}
			if z := gzipped(ans.Body); z > most {
				most, mostN = z, ans.Count
			}
		}
	}
	t.Logf("the densest tile of unit grids: %d grids, %d bytes gzipped", mostN, most)
	if mostN >= basemap.MaxGrids || most > 64*1024 {
		t.Errorf("a tile of unit grids holds %d grids in %d bytes", mostN, most)
	}
}

// TestPlacesAskTiandituOnlyWhenConfigured: with the default tiles no place search leaves the
// machine; with 天地图 and its key its places come after the offline ones, what is not text in
// them left out; a failing 天地图 leaves the offline answers alone.
func TestPlacesAskTiandituOnlyWhenConfigured(t *testing.T) {
	a := seeded(t, demo.Options{})
	var calls atomic.Int64
	failing := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"pois":[{"name":"枫华园小区","address":"民主南路","lonlat":"113.2401,35.2101"},
			{"name":"bad\u0000name","address":"","lonlat":"113.2,35.2"}]}`))
	}))
	defer srv.Close()
	a.Maps.GeocoderAPI = srv.URL
	got, err := a.Maps.Places(t.Context(), nil, "枫华园")
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 0 {
		t.Fatalf("the default configuration asked a geocoder")
	}
	offline := len(got)
	system := access.SystemPrincipal("test")
	if err := a.Maps.PutTiles(t.Context(), system, basemap.TileConfig{Provider: basemap.Tianditu, Key: "0123456789abcdef0123456789abcdef"}); err != nil {
		t.Fatal(err)
	}
	got, err = a.Maps.Places(t.Context(), nil, "枫华园")
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 || len(got) != offline+1 || got[len(got)-1].Kind != "geocoder" || got[len(got)-1].Name != "枫华园小区" ||
		got[len(got)-1].KindLabel != "天地图" || *got[len(got)-1].Point != [2]float64{113.2401, 35.2101} {
		t.Errorf("with 天地图: %d calls, %+v", calls.Load(), got)
	}
	failing.Store(true)
	got, err = a.Maps.Places(t.Context(), nil, "枫华园")
	if err != nil || len(got) != offline {
		t.Errorf("with 天地图 down: %v, %d places (offline %d)", err, len(got), offline)
	}
}
