package basemap

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
)

// Provider names where a map's tiles come from.
type Provider string

// The providers. None draws only the offline base layer: nothing leaves the machine.
const (
	None     Provider = "none"
	Tianditu Provider = "tianditu" // 天地图: a key; WGS-84 (CGCS2000) web Mercator, vec_w + cva_w
	AMap     Provider = "amap"     // 高德: GCJ-02
	XYZ      Provider = "xyz"      // any {z}/{x}/{y} template, its coordinate system declared
)

// Providers lists them in the order a form offers them.
var Providers = []Provider{None, Tianditu, AMap, XYZ}

// TileConfig is a city's choice of tiles under its maps.
type TileConfig struct {
	Provider Provider   `json:"provider"`
	Key      string     `json:"key,omitempty"` // 天地图's browser key (tk); also its geocoder's
	URL      string     `json:"url,omitempty"` // XYZ only
	CRS      crs.System `json:"crs,omitempty"` // XYZ only; the presets know theirs
}

// keyPattern is what a 天地图 key looks like (32 hexadecimal digits today); a little wider,
// and nothing that could break out of a URL.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9]{8,64}$`)

// placeholder finds {…} in a template: Leaflet fails on any it does not know.
var placeholder = regexp.MustCompile(`\{[^}]*\}`)

// Normalize checks a configuration and returns it in its canonical form: the provider's own
// coordinate system, no fields it does not use. A refusal names the field (bad_map_setting).
func (c TileConfig) Normalize() (TileConfig, error) {
	bad := func(field, format string, args ...any) (TileConfig, error) {
		return TileConfig{}, errs.Refuse(errs.Invalid, "bad_map_setting", errs.Params{"field": field}, format, args...)
	}
	switch c.Provider {
	case "", None:
		return TileConfig{Provider: None}, nil
	case Tianditu:
		if !keyPattern.MatchString(c.Key) {
			return bad("key", "天地图 needs its key (tk): letters and digits, as the 天地图 console shows it")
		}
		return TileConfig{Provider: Tianditu, Key: c.Key, CRS: crs.WGS84}, nil
	case AMap:
		return TileConfig{Provider: AMap, CRS: crs.GCJ02}, nil
	case XYZ:
		// As a tile's address will be, once Leaflet fills the placeholders in.
		u, err := url.Parse(strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{r}", "").Replace(c.URL))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
			return bad("url", "the tile URL must be an http(s) address such as https://{s}.tiles.example.cn/{z}/{x}/{y}.png, not %q", c.URL)
		}
		for _, v := range []string{"{z}", "{x}", "{y}"} {
			if !strings.Contains(c.URL, v) {
				return bad("url", "the tile URL must hold {z}, {x} and {y}, not %q", c.URL)
			}
		}
		for _, p := range placeholder.FindAllString(c.URL, -1) {
			if p != "{z}" && p != "{x}" && p != "{y}" && p != "{s}" && p != "{r}" {
				return bad("url", "the tile URL may hold {s}, {z}, {x}, {y} and {r} only, not %s", p)
			}
		}
		if strings.ContainsAny(c.URL, "\"'<> \\`") {
			return bad("url", "the tile URL holds a character a URL cannot: %q", c.URL)
		}
		sys, err := crs.Parse(string(c.CRS))
		if err != nil {
			return bad("crs", "the coordinate system must be wgs84, gcj02 or bd09, not %q", c.CRS)
		}
		return TileConfig{Provider: XYZ, URL: c.URL, CRS: sys}, nil
	}
	return bad("provider", "the tiles must be none, tianditu, amap or xyz, not %q", c.Provider)
}

// TileLayer is one layer of tiles as the browser draws it (Leaflet's tileLayer).
type TileLayer struct {
	URL         string `json:"url"`
	Subdomains  string `json:"subdomains,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	MaxZoom     int    `json:"max_zoom"`
}

// Tiles is what a page's map needs to draw the configured tiles: the layers, bottom first, and
// the coordinate system they are drawn in, which every point is converted to on the way in
// and from on the way out.
type Tiles struct {
	Provider Provider    `json:"provider"`
	CRS      crs.System  `json:"crs"`
	Layers   []TileLayer `json:"layers"`
}

// tiandituLayer is a 天地图 WMTS layer in web Mercator (_w), as XYZ.
func tiandituLayer(layer, key string) TileLayer {
	return TileLayer{
		URL: "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=" + layer +
			"&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + url.QueryEscape(key),
		Subdomains: "01234567", Attribution: "天地图", MaxZoom: 18,
	}
}

// Client is what the pages are given: nil when no tiles are configured.
func (c TileConfig) Client() *Tiles {
	switch c.Provider {
	case Tianditu:
		// The vector map (vec) and its annotation (cva: Chinese labels) above it.
		return &Tiles{Provider: Tianditu, CRS: crs.WGS84, Layers: []TileLayer{tiandituLayer("vec", c.Key), tiandituLayer("cva", c.Key)}}
	case AMap:
		return &Tiles{Provider: AMap, CRS: crs.GCJ02, Layers: []TileLayer{{
			URL:        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
			Subdomains: "1234", Attribution: "高德地图", MaxZoom: 18}}}
	case XYZ:
		l := TileLayer{URL: c.URL, MaxZoom: 19}
		if strings.Contains(c.URL, "{s}") {
			l.Subdomains = "abc"
		}
		if u, err := url.Parse(strings.NewReplacer("{s}.", "", "{s}", "").Replace(c.URL)); err == nil {
			l.Attribution = u.Host
		}
		return &Tiles{Provider: XYZ, CRS: c.CRS, Layers: []TileLayer{l}}
	}
	return nil
}

// ImageSources are the origins the tiles come from, for a page's Content-Security-Policy
// (img-src): a {s} subdomain becomes *.
func (t *Tiles) ImageSources() []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, l := range t.Layers {
		scheme, rest, ok := strings.Cut(l.URL, "://")
		if !ok {
			continue
		}
		host, _, _ := strings.Cut(rest, "/")
		host, _, _ = strings.Cut(host, "?")
		if i := strings.Index(host, "{s}"); i >= 0 {
			// t{s}.tianditu.gov.cn or {s}.tile.example: the whole first label varies.
			if dot := strings.IndexByte(host, '.'); dot > i {
				host = "*" + host[dot:]
			}
		}
		src := scheme + "://" + host
		if !strings.Contains(strings.Join(out, " "), src) {
			out = append(out, src)
		}
	}
	return out
}

// String describes a configuration for logs and the audit trail, without its key.
func (c TileConfig) String() string {
	switch c.Provider {
	case XYZ:
		return fmt.Sprintf("xyz %s (%s)", c.URL, c.CRS)
	case Tianditu:
		return "tianditu (key set)"
	}
	return string(c.Provider)
}
