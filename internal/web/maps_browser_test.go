package web_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
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
			if said > 4*time.Second {
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
	visitor.until(`(() => { const m = document.getElementById('public-map').citygridMap; m.setZoom(16); return m.getZoom() === 16; })()`, 5*time.Second)
	visitor.until(`document.getElementById('public-map').dataset.basemap === 'ready' && document.querySelectorAll('.cg-label-grid').length > 0`, 10*time.Second)
	grids := visitor.labels("grid")
	t.Logf("at zoom 16: %d grid requests, grids named %v, communities %v", net.count("level=grid"), grids, visitor.labels("community"))
	if len(grids) == 0 || !strings.HasPrefix(grids[0], "第") {
		t.Errorf("close up the grids are named %v, want 第N网格", grids)
	}
	for _, u := range net.urls {
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
