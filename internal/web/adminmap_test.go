package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/demo"
)

// publicMapBase is the "base" the portal's map is given: the tiles and the search box's words.
func publicMapBase(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="public-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no public map data on the portal")
	}
	return m[1]
}

// TestTheCityAdminChoosesTheMapTiles: the city's admin sets 天地图 with its key on the map card;
// every map is then given its two layers and the pages let their images in; the key is never
// shown back. Anyone else is refused, and so are bytes that are not text, with nothing changed.
func TestTheCityAdminChoosesTheMapTiles(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	if _, err := s.App.People.AddUser(t.Context(), system, people.NewUser{Username: "jfadmin", Role: "admin", Scope: "410802", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	status, h, body := s.visitor(t).do("GET", "/", nil)
	if status != http.StatusOK || strings.Contains(h.Get("Content-Security-Policy"), "tianditu") || !strings.Contains(publicMapBase(t, body), `"tiles":null`) {
		t.Fatalf("by default: %d, CSP %q, map %s", status, h.Get("Content-Security-Policy"), publicMapBase(t, body))
	}
	admin := s.visitor(t)
	admin.signIn("admin")
	if status, _, body := admin.do("GET", "/admin/map", nil); status != http.StatusOK || !strings.Contains(body, `id="map-form"`) || !strings.Contains(body, "天地图") {
		t.Fatalf("the map card: %d", status)
	}
	key := "0123456789abcdef0123456789abcdef"
	if status, hd, body := admin.do("POST", "/admin/map", url.Values{"provider": {"tianditu"}, "key": {key}}); status != http.StatusSeeOther {
		t.Fatalf("choosing 天地图: %d %s %s", status, hd.Get("Location"), body)
	}
	if _, _, body := admin.do("GET", "/admin/map", nil); strings.Contains(body, key) || !strings.Contains(body, "已保存；留空则保持不变") {
		t.Errorf("the card shows the key, or not that one is kept")
	}
	status, h, body = s.visitor(t).do("GET", "/", nil)
	base := publicMapBase(t, body)
	if status != http.StatusOK || !strings.Contains(h.Get("Content-Security-Policy"), "img-src 'self' data: blob: https://*.tianditu.gov.cn") ||
		!strings.Contains(base, `vec_w`) || !strings.Contains(base, `cva_w`) || !strings.Contains(base, `"crs":"wgs84"`) {
		t.Errorf("after choosing 天地图: CSP %q, map %s", h.Get("Content-Security-Policy"), base)
	}

	resident, op, scoped := s.visitor(t), s.visitor(t), s.visitor(t)
	resident.signIn("resident")
	op.signIn("operator")
	scoped.signIn("jfadmin")
	for _, tc := range []struct {
		who    string
		v      *visitor
		form   url.Values
		status int
	}{
		{"a resident", resident, url.Values{"provider": {"amap"}}, http.StatusForbidden},
		{"the operator", op, url.Values{"provider": {"amap"}}, http.StatusForbidden},
		{"a scoped admin", scoped, url.Values{"provider": {"amap"}}, http.StatusForbidden},
		{"signed out", s.visitor(t), url.Values{"provider": {"amap"}}, http.StatusSeeOther},
		{"NUL in the address", admin, url.Values{"provider": {"xyz"}, "url": {"https://t.example/{z}/{x}/{y}.png\x00"}}, http.StatusBadRequest},
		{"invalid UTF-8", admin, url.Values{"provider": {"xyz"}, "url": {"https://t.example/\xff/{z}/{x}/{y}.png"}}, http.StatusBadRequest},
		{"no placeholders", admin, url.Values{"provider": {"xyz"}, "url": {"https://t.example/tiles.png"}, "crs": {"wgs84"}}, http.StatusUnprocessableEntity},
		{"an unknown provider", admin, url.Values{"provider": {"google"}}, http.StatusUnprocessableEntity},
	} {
		status, hd, body := tc.v.do("POST", "/admin/map", tc.form)
		if status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.who, status, tc.status, hd.Get("Location"))
		}
		if status == http.StatusUnprocessableEntity && !strings.Contains(body, "地图瓦片设置有误") {
			t.Errorf("%s: the refusal is not said in words: %s", tc.who, regexp.MustCompile(`(?s)id="problem">(.*?)<`).FindString(body))
		}
	}
	if cfg, _, err := s.App.Maps.Tiles(t.Context()); err != nil || cfg != (basemap.TileConfig{Provider: basemap.Tianditu, Key: key, CRS: "wgs84"}) {
		t.Errorf("after the refusals the tiles are %+v (%v)", cfg, err)
	}
	if status, _, _ := scoped.do("GET", "/admin/map", nil); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("a scoped admin opens the map card: %d", status)
	}

	// The card on a phone and on a wide screen.
	b := newBrowser(t)
	for _, phone := range []bool{true, false} {
		p := b.person(t, map[bool]string{true: "admin-phone", false: "admin-wide"}[phone], phone)
		if !phone {
			p.width(wideWidth, false)
		}
		p.signIn(s.URL, "admin")
		p.do(chromedp.Navigate(s.URL+"/admin/map"), chromedp.WaitVisible(chromedp.ID("map-form")))
		if phone {
			p.fitsPhone("/admin/map")
		}
		p.shot("map-card")
		// The names of coordinate systems and the key's are written in Latin in Chinese too; the
		// admin's username and the webhooks' tab are not this card's.
		p.readsChinese("admin-map", []string{"tk", "WGS", "GCJ", "BD", "CGCS", "XYZ", "OpenStreetMap", "https", "http", "z", "x", "y", "s", "admin", "Webhook"})
		p.noConsoleErrors()
	}
}
