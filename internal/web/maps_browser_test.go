package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
)

// requests records every URL the person's page asks for, to prove nothing leaves the machine.
type requests struct {
	mu   sync.Mutex
	urls []string
}

func (p *person) recordRequests() *requests {
	p.t.Helper()
	rec := &requests{}
	if err := chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			rec.mu.Lock()
			rec.urls = append(rec.urls, e.Request.URL)
			rec.mu.Unlock()
		}
	}); err != nil {
		p.t.Fatalf("%s: listen to the network: %v", p.name, err)
	}
	return rec
}

// elsewhere returns the requests that went anywhere but the site.
func (r *requests) elsewhere(site string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, u := range r.urls {
		if !strings.HasPrefix(u, site+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			out = append(out, u)
		}
	}
	return out
}

func (r *requests) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

func (r *requests) count(part string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, u := range r.urls {
		if strings.Contains(u, part) {
			n++
		}
	}
	return n
}

// noPosition takes the person's position away: refused (the permission denied) or, with
// refused false, unavailable (no fix, as indoors or on a desktop without location).
func (p *person) noPosition(site string, refused bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	setting := cdpbrowser.PermissionSettingGranted
	if refused {
		setting = cdpbrowser.PermissionSettingDenied
	}
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "geolocation"}, Setting: setting,
		Origin: site, BrowserContextID: chromedp.FromContext(p.ctx).BrowserContextID}); err != nil {
		p.t.Fatalf("%s: set the geolocation permission: %v", p.name, err)
	}
	if !refused { // no latitude or longitude: "position unavailable"
		if _, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{}); err != nil {
			p.t.Fatalf("%s: take the position away: %v", p.name, err)
		}
	}
}

// labels returns the base layer's names of a level that the page shows (not hidden as
// overlapping another).
func (p *person) labels(level string) []string {
	p.t.Helper()
	return eval[[]string](p, `Array.from(document.querySelectorAll('.cg-label-`+level+` span'))
		.filter(s => s.parentElement.style.visibility !== 'hidden').map(s => s.textContent)`)
}

// TestAResidentWithoutGPSFindsTheirCommunityByName: on a 360 px phone that refuses to say
// where it is, the report form says so at once and offers the search box; the resident types
// the community's name, the map goes there and shows the outlines with their names on a light
// ground, and a tap places the report in the community's grid. Nothing is fetched from
// anywhere but the site (no tiles are configured).
func TestAResidentWithoutGPSFindsTheirCommunityByName(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	for _, refused := range []bool{true, false} {
		name, why := "refused", "denied"
		if !refused {
			name, why = "unavailable", "unavailable"
		}
		t.Run(name, func(t *testing.T) {
			phone := b.person(t, "resident-"+name, true)
			net := phone.recordRequests()
			phone.noPosition(s.URL, refused)
			start := time.Now()
			phone.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("no-location")))
			said := time.Since(start)
			t.Logf("no position (%s): said after %v", name, said.Round(time.Millisecond))
			// Generous for a loaded machine: what matters is that it is said at all instead of
			// waiting on a position forever (the form's own wait is 5 s).
			if said > 15*time.Second {
				t.Errorf("the form said there is no position after %v; want within a few seconds", said)
			}
			if got := eval[string](phone, `document.getElementById('no-location').dataset.why`); got != why {
				t.Errorf("the form says why as %q, want %q", got, why)
			}
			if msg := phone.text("#no-location"); !strings.Contains(msg, "搜索框") {
				t.Errorf("the message %q does not offer the search box", msg)
			}
			phone.until(`document.getElementById('map').dataset.basemap === 'ready'`, 10*time.Second)
			phone.shot("no-position")
			// The search box, through the button that offers it.
			phone.do(chromedp.Click(chromedp.ID("find-place")))
			if !eval[bool](phone, `document.activeElement && document.activeElement.closest('.cg-search') !== null`) {
				t.Errorf("the find-a-place button does not take the resident to the search box")
			}
			phone.do(chromedp.SendKeys(chromedp.CSS(`.cg-search input`), "枫华园"), chromedp.WaitVisible(chromedp.CSS(`.cg-result`)))
			first := phone.text(`.cg-result`)
			if !strings.Contains(first, "枫华园社区") || !strings.Contains(first, "社区") || !strings.Contains(first, "解放区") {
				t.Errorf("the first place found for 枫华园 is %q, want 枫华园社区 in 解放区", first)
			}
			phone.shot("search-results")
			phone.do(chromedp.Click(chromedp.CSS(`.cg-result`)))
			phone.until(`(() => { const m = document.getElementById('map').citygridMap; return m.getZoom() >= 13 &&
				document.getElementById('map').dataset.basemap === 'ready'; })()`, 10*time.Second)
			phone.until(`Array.from(document.querySelectorAll('.cg-label-community span')).some(s => s.textContent === '枫华园社区' && s.parentElement.style.visibility !== 'hidden')`, 10*time.Second)
			t.Logf("labels after the search: communities %v, grids %v", phone.labels("community"), phone.labels("grid"))
			if got := phone.text("#where"); !strings.Contains(got, "点击地图") {
				t.Errorf("after the search the form says %q; want it to ask for a tap on the map", got)
			}
			// A readable map: a light ground, the outlines drawn (a canvas in the base pane).
			if bg := eval[string](phone, `getComputedStyle(document.getElementById('map')).backgroundColor`); bg != "rgb(241, 238, 232)" {
				t.Errorf("the map's ground is %s, want the light rgb(241, 238, 232)", bg)
			}
			if !eval[bool](phone, `!!document.querySelector('#map .leaflet-cgBase-pane canvas')`) {
				t.Errorf("no outlines drawn in the base layer's pane")
			}
			phone.fitsPhone("/report")
			phone.shot("found-fenghuayuan")
			// A tap where the community's name is (its label sits inside its outline) places
			// the report there.
			type xy struct{ X, Y float64 }
			at := eval[xy](phone, `(() => { const s = Array.from(document.querySelectorAll('.cg-label-community span')).find(s => s.textContent === '枫华园社区');
				const r = s.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
			phone.do(chromedp.MouseClickXY(at.X, at.Y))
			phone.until(`document.getElementById('lon').value !== '' && /枫华园/.test(document.getElementById('where').textContent)`, 10*time.Second)
			if out := net.elsewhere(s.URL); len(out) > 0 {
				t.Errorf("the page fetched from outside the site: %v", out)
			}
			phone.noConsoleErrors()
		})
	}
}

// TestThePublicMapShowsOutlinesAndTheGridsUpClose: on a 1366 px screen the public map shows
// the subdistricts by name; close up, the unit grids are fetched for the view only and drawn
// with their names; nothing comes from outside the site.
func TestThePublicMapShowsOutlinesAndTheGridsUpClose(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	visitor := b.person(t, "visitor", false)
	visitor.width(wideWidth, false)
	net := visitor.recordRequests()
	visitor.do(chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.ID("public-map")))
	visitor.until(`document.getElementById('public-map').dataset.basemap === 'ready'`, 10*time.Second)
	zoom := eval[float64](visitor, `document.getElementById('public-map').citygridMap.getZoom()`)
	subs := visitor.labels("subdistrict")
	t.Logf("the public map at zoom %v names subdistricts %v", zoom, subs)
	if len(subs) == 0 {
		t.Errorf("the public map names no subdistrict at zoom %v", zoom)
	}
	if n := net.count("level=grid"); n > 0 {
		t.Errorf("the grids were fetched %d times before the map came close", n)
	}
	visitor.shot("public-map-1366")
	// Close up in 民生街道: its grids, for the view only.
	visitor.do(chromedp.SendKeys(chromedp.CSS(`.cg-search input`), "枫华园社区第1网格"), chromedp.WaitVisible(chromedp.CSS(`.cg-result`)))
	visitor.do(chromedp.Click(chromedp.CSS(`.cg-result`)))
	// The search result flies the map to the grid; zoom in only once that flight has ended, or
	// it lands afterwards at its own zoom (15, where grids are drawn without names).
	visitor.until(`(() => { const m = document.getElementById('public-map').citygridMap;
		if (m._animatingZoom || (m._panAnim && m._panAnim._inProgress) || m._flyToFrame) { return false; }
		if (m.getZoom() !== 16) { m.setZoom(16, {animate: false}); return false; }
		return true; })()`, 10*time.Second)
	visitor.until(`document.getElementById('public-map').citygridMap.getZoom() === 16 && document.getElementById('public-map').dataset.basemap === 'ready' && [...document.querySelectorAll('.cg-label-grid')].some(l => l.style.visibility !== 'hidden' && l.textContent)`, 20*time.Second)
	grids := visitor.labels("grid")
	t.Logf("at zoom 16: %d grid requests, grids named %v, communities %v", net.count("level=grid"), grids, visitor.labels("community"))
	if len(grids) == 0 || !strings.HasPrefix(grids[0], "第") {
		t.Errorf("close up the grids are named %v, want 第N网格", grids)
	}
	for _, u := range net.all() {
		if strings.Contains(u, "level=grid") && !strings.Contains(u, "bbox=") {
			t.Errorf("the grids were fetched without a box: %s", u)
		}
	}
	visitor.shot("public-map-grids")
	if out := net.elsewhere(s.URL); len(out) > 0 {
		t.Errorf("the page fetched from outside the site: %v", out)
	}
	visitor.noConsoleErrors()
}

// onePixel is a transparent 1×1 PNG: a tile server's answer.
var onePixel = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
	0x42, 0x60, 0x82}

// TestMapsDrawInTheTilesCoordinateSystem: the browser's conversions are the server's (the same
// numbers to 1e-9°, both ways, in and out of China); with GCJ-02 tiles (高德's system) a WGS-84
// point is drawn where those tiles show it, not ~500 m off, and a tap where the tiles show a
// place gives the report that place in WGS-84. The tiles come from the configured server only,
// which the page's Content-Security-Policy lets in.
func TestMapsDrawInTheTilesCoordinateSystem(t *testing.T) {
	s := newSite(t)
	var tileHits atomic.Int64
	tiles := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tileHits.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(onePixel)
	}))
	t.Cleanup(tiles.Close)
	if err := s.App.Maps.PutTiles(t.Context(), access.SystemPrincipal("test"),
		basemap.TileConfig{Provider: basemap.XYZ, URL: tiles.URL + "/{z}/{x}/{y}.png", CRS: crs.GCJ02}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	phone := b.person(t, "resident", true)
	net := phone.recordRequests()
	phone.noPosition(s.URL, true)
	phone.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.CSS(`#map[data-basemap=ready]`)))
	if got := eval[string](phone, `document.getElementById('map').dataset.crs`); got != "gcj02" {
		t.Fatalf("the map draws in %q, want gcj02", got)
	}

	// The conversions, against the server's.
	type pair [2]float64
	points := []pair{{113.2418, 35.2159}, {116.3975, 39.9087}, {121.4737, 31.2304}, {87.6168, 43.8256}, {139.6917, 35.6895}, {-0.1276, 51.5072}}
	for _, p := range points {
		got := eval[[]pair](phone, fmt.Sprintf(`(() => { const c = window.citygridCRS, x = %v, y = %v; return [
			c.wgs84ToGcj02(x, y), c.gcj02ToWgs84(x, y), c.gcj02ToBd09(x, y), c.bd09ToGcj02(x, y),
			c.convert('wgs84', 'bd09', x, y), c.convert('bd09', 'wgs84', x, y)]; })()`, p[0], p[1]))
		want := []pair{}
		for _, f := range []func(float64, float64) (float64, float64){crs.WGS84ToGCJ02, crs.GCJ02ToWGS84, crs.GCJ02ToBD09, crs.BD09ToGCJ02, crs.WGS84ToBD09, crs.BD09ToWGS84} {
			x, y := f(p[0], p[1])
			want = append(want, pair{x, y})
		}
		for i := range want {
			if math.Abs(got[i][0]-want[i][0]) > 1e-9 || math.Abs(got[i][1]-want[i][1]) > 1e-9 {
				t.Errorf("conversion %d of %v: the browser says %v, the server %v", i, p, got[i], want[i])
			}
		}
		back := eval[pair](phone, fmt.Sprintf(`(() => { const c = window.citygridCRS, g = c.wgs84ToGcj02(%v, %v); return c.gcj02ToWgs84(g[0], g[1]); })()`, p[0], p[1]))
		if math.Abs(back[0]-p[0]) > 1e-9 || math.Abs(back[1]-p[1]) > 1e-9 {
			t.Errorf("%v to GCJ-02 and back in the browser is %v", p, back)
		}
	}

	// Drawing: a WGS-84 point lands on the pixel where GCJ-02 tiles show it.
	wgs := pair{113.2418, 35.2159}
	gx, gy := crs.WGS84ToGCJ02(wgs[0], wgs[1])
	type px struct{ X, Y, PlainX, PlainY float64 }
	at := eval[px](phone, fmt.Sprintf(`(() => { const m = document.getElementById('map').citygridMap;
		const p = m.project(L.latLng(%v, %v), 18), q = L.CRS.EPSG3857.latLngToPoint(L.latLng(%v, %v), 18), plain = L.CRS.EPSG3857.latLngToPoint(L.latLng(%v, %v), 18);
		return {X: p.x - q.x, Y: p.y - q.y, PlainX: plain.x - q.x, PlainY: plain.y - q.y}; })()`, wgs[1], wgs[0], gy, gx, wgs[1], wgs[0]))
	t.Logf("at zoom 18 the point is %.3f, %.3f px from where the tiles show it (%.0f, %.0f px without the conversion)", at.X, at.Y, at.PlainX, at.PlainY)
	if math.Abs(at.X) > 0.01 || math.Abs(at.Y) > 0.01 {
		t.Errorf("a WGS-84 point is drawn %.2f, %.2f px from where the GCJ-02 tiles show it", at.X, at.Y)
	}
	if math.Hypot(at.PlainX, at.PlainY) < 100 {
		t.Errorf("without the conversion the point would be only %.0f, %.0f px off: the test shows nothing", at.PlainX, at.PlainY)
	}

	// A tap where the tiles show the place: the report gets the place in WGS-84.
	type xy struct{ X, Y float64 }
	tap := eval[xy](phone, fmt.Sprintf(`(() => { const el = document.getElementById('map'), m = el.citygridMap;
		el.scrollIntoView({block: 'center'});
		m.setView(L.latLng(%v, %v), 18, {animate: false});
		const q = L.CRS.EPSG3857.latLngToPoint(L.latLng(%v, %v), 18), o = m.getPixelOrigin(), pane = m._getMapPanePos(), r = el.getBoundingClientRect();
		return {X: r.left + q.x - o.x + pane.x, Y: r.top + q.y - o.y + pane.y}; })()`, wgs[1], wgs[0], gy, gx))
	phone.do(chromedp.MouseClickXY(tap.X, tap.Y))
	phone.until(`document.getElementById('lon').value !== ''`, 5*time.Second)
	got := eval[pair](phone, `[+document.getElementById('lon').value, +document.getElementById('lat').value]`)
	// A CSS pixel at zoom 18 is about 0.5 m: 1e-5° is two pixels.
	if math.Abs(got[0]-wgs[0]) > 1e-5 || math.Abs(got[1]-wgs[1]) > 1e-5 {
		t.Errorf("a tap where the tiles show %v gave the report %v", wgs, got)
	}
	phone.until(`document.getElementById('map').dataset.basemap === 'ready'`, 10*time.Second)
	phone.shot("gcj02-tiles")
	if tileHits.Load() == 0 {
		t.Errorf("no tile was fetched from the configured server")
	}
	for _, u := range net.elsewhere(s.URL) {
		if !strings.HasPrefix(u, tiles.URL+"/") {
			t.Errorf("the page fetched from neither the site nor the tile server: %s", u)
		}
	}
	phone.noConsoleErrors() // the tiles were let in by the page's Content-Security-Policy
}
