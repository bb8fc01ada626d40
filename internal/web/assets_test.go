package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssetsAreServedByContentHash(t *testing.T) {
	as, err := loadAssets(fstest.MapFS{
		"app.js":           {Data: []byte(strings.Repeat("console.log('citygrid');\n", 50))},
		"lib/style.css":    {Data: []byte(`.a{background:url(img/x.png)} .b{background:url("data:image/png;base64,AA")} .c{behavior:url(#default#VML)}`)},
		"lib/img/x.png":    {Data: []byte("\x89PNG fake")},
		"lib/SOURCE.md":    {Data: []byte("not served")},
		"lib/LICENSE":      {Data: []byte("not served")},
		"lib/LICENSE-more": {Data: []byte("not served")},
	}, map[string][]string{"both.js": {"app.js", "app.js"}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/{hash}/{name...}", as)
	get := func(url, acceptEncoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", url, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec
	}
	js, err := as.url("app.js")
	if err != nil {
		t.Fatal(err)
	}
	png, _ := as.url("lib/img/x.png")
	css, _ := as.url("lib/style.css")

	t.Run("the hashed URL is cached for a year and gzipped when asked", func(t *testing.T) {
		rec := get(js, "gzip, deflate, br")
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Fatalf("got %d %v", rec.Code, rec.Header())
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !bytes.HasPrefix(body, []byte("console.log")) {
			t.Errorf("body %q", body[:20])
		}
	})
	t.Run("without gzip in Accept-Encoding the bytes come plain", func(t *testing.T) {
		for _, ae := range []string{"", "identity", "gzip;q=0"} {
			rec := get(js, ae)
			if rec.Header().Get("Content-Encoding") != "" || !strings.HasPrefix(rec.Body.String(), "console.log") {
				t.Errorf("Accept-Encoding %q: got %v", ae, rec.Header())
			}
		}
	})
	t.Run("a bundle is its parts in order", func(t *testing.T) {
		u, err := as.url("both.js")
		if err != nil {
			t.Fatal(err)
		}
		if body := get(u, "").Body.String(); strings.Count(body, "console.log('citygrid')") != 100 {
			t.Errorf("bundle has %d lines of its parts, want 100", strings.Count(body, "console.log('citygrid')"))
		}
	})
	t.Run("a stale hash still gets the file, uncached", func(t *testing.T) {
		rec := get("/static/000000000000/app.js", "")
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
			t.Errorf("got %d %v", rec.Code, rec.Header())
		}
	})
	t.Run("unknown files, licences and notes are not served", func(t *testing.T) {
		for _, name := range []string{"nope.js", "lib/SOURCE.md", "lib/LICENSE", "lib/LICENSE-more"} {
			if rec := get("/static/x/"+name, ""); rec.Code != 404 {
				t.Errorf("%s: got %d", name, rec.Code)
			}
			if _, err := as.url(name); err == nil {
				t.Errorf("url(%s) gave no error", name)
			}
		}
	})
	t.Run("stylesheets point at the hashed URLs of their images", func(t *testing.T) {
		body := get(css, "").Body.String()
		if !strings.Contains(body, "url("+png+")") || !strings.Contains(body, `url("data:image/png;base64,AA")`) || !strings.Contains(body, "url(#default#VML)") {
			t.Errorf("css = %s", body)
		}
	})
	t.Run("a stylesheet naming a missing file is refused at load", func(t *testing.T) {
		_, err := loadAssets(fstest.MapFS{"a.css": {Data: []byte(`.x{background:url(gone.png)}`)}}, nil)
		if err == nil || !strings.Contains(err.Error(), "gone.png") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestEmbeddedAssetsLoad(t *testing.T) {
	as, err := loadAssets(mustSub(staticFiles, "static"), pageBundles)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vendor/htmx/htmx.min.js", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/echarts/echarts.common.min.js", "favicon.svg", "report-page.js", "sw.js"} {
		if _, err := as.url(name); err != nil {
			t.Error(err)
		}
	}
}
