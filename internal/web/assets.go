package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/httpx"
)

// asset is one static file as served: its bytes, a gzipped copy when that is smaller, and a
// content hash that makes its URL change whenever its bytes do, so browsers may cache it for a
// year.
type asset struct {
	name        string // path under static/, e.g. "vendor/leaflet/leaflet.js"
	hash        string
	contentType string
	body        []byte
	gzipped     []byte // nil when compression does not pay (images)
}

// bundles are files served as one: a phone on a slow network opens at most six connections,
// so a page's scripts should not need more requests than that. A bundle's parts keep their own
// URLs too.
var pageBundles = map[string][]string{
	"report-page.js": {"map.js", "nearby-load.js", "report.js", "drafts.js", "categories.js"},
	// Leaflet with the page's words for its buttons, in one request where Leaflet is.
	"leaflet-page.js": {"vendor/leaflet/leaflet.js", "leaflet-words.js"},
	"tasks-page.js":   {"tasks.js", "export.js"},
}

// URL is where the asset is served.
func (a *asset) URL() string { return "/static/" + a.hash + "/" + a.name }

// assets holds every embedded static file, loaded and hashed once at start-up.
type assets struct {
	byName map[string]*asset
}

// cssURL finds url(...) references in stylesheets.
var cssURL = regexp.MustCompile(`url\(\s*(['"]?)([^'")#]+)(['"]?)\s*\)`)

// loadAssets reads every file under root, and makes the bundles of them, stylesheets last so that their relative url(...)
// references can be rewritten to the hashed URLs of the files they name.
func loadAssets(root fs.FS, bundles map[string][]string) (*assets, error) {
	var names []string
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(p, ".md") && !strings.Contains(path.Base(p), "LICENSE") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(names, func(a, b string) int {
		ac, bc := strings.HasSuffix(a, ".css"), strings.HasSuffix(b, ".css")
		switch {
		case ac == bc:
			return strings.Compare(a, b)
		case ac:
			return 1
		}
		return -1
	})
	as := &assets{byName: map[string]*asset{}}
	for name := range bundles {
		names = append(names, name)
	}
	for _, name := range names {
		body, err := fs.ReadFile(root, name)
		if parts, ok := bundles[name]; ok {
			body, err = concat(root, parts)
		}
		if err != nil {
			return nil, err
		}
		if strings.HasSuffix(name, ".css") {
			if body, err = as.rewriteCSS(name, body); err != nil {
				return nil, err
			}
		}
		sum := sha256.Sum256(body)
		a := &asset{name: name, hash: hex.EncodeToString(sum[:6]), body: body,
			contentType: mime.TypeByExtension(path.Ext(name))}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		if compressible(a.contentType) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			if err := zw.Close(); err != nil {
				return nil, err
			}
			if buf.Len() < len(body) {
				a.gzipped = buf.Bytes()
			}
		}
		as.byName[name] = a
	}
	return as, nil
}

func concat(root fs.FS, parts []string) ([]byte, error) {
	var b bytes.Buffer
	for _, p := range parts {
		part, err := fs.ReadFile(root, p)
		if err != nil {
			return nil, fmt.Errorf("bundle part: %w", err)
		}
		b.Write(part)
		b.WriteString("\n;\n")
	}
	return b.Bytes(), nil
}

func compressible(contentType string) bool {
	for _, p := range []string{"text/", "application/javascript", "text/javascript", "application/json", "image/svg+xml", "application/manifest+json"} {
		if strings.HasPrefix(contentType, p) {
			return true
		}
	}
	return false
}

// rewriteCSS points a stylesheet's relative url(...) references at the hashed URLs of the
// files they name; a reference to a file that is not embedded is an error, found at start-up.
func (as *assets) rewriteCSS(name string, body []byte) ([]byte, error) {
	var missing []string
	out := cssURL.ReplaceAllFunc(body, func(m []byte) []byte {
		ref := string(cssURL.FindSubmatch(m)[2])
		if strings.HasPrefix(ref, "data:") || strings.HasPrefix(ref, "/") || strings.Contains(ref, "://") {
			return m
		}
		target, ok := as.byName[path.Join(path.Dir(name), ref)]
		if !ok {
			missing = append(missing, ref)
			return m
		}
		return []byte("url(" + target.URL() + ")")
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s refers to files that are not embedded: %s", name, strings.Join(missing, ", "))
	}
	return out, nil
}

// url returns the hashed URL of a static file; templates call it as {{asset "name"}}.
func (as *assets) url(name string) (string, error) {
	a, ok := as.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return a.URL(), nil
}

// ServeHTTP serves GET /static/{hash}/{name...}. The right hash gets a year of immutable
// caching; a stale hash (a page from before an upgrade) still gets the current file, uncached.
func (as *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := as.byName[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.PathValue("hash") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body := a.body
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

// acceptsGzip reports whether the client takes gzip (and has not refused it with q=0).
func acceptsGzip(r *http.Request) bool { return httpx.AcceptsGzip(r) }

// writeMaybeGzipped writes a rendered page, gzipped when the browser takes it and it is worth it.
func writeMaybeGzipped(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	if len(body) > 1024 && acceptsGzip(r) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = zw.Write(body)
		if zw.Close() == nil {
			w.Header().Set("Content-Encoding", "gzip")
			body = buf.Bytes()
		}
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
