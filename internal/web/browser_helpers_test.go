package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// site is a real citygrid server (the API and the pages, as `citygrid serve` wires them) over a
// real SQLite database seeded with the small demo city.
type site struct {
	URL string
	App *app.App
	DB  *store.DB
}

func newSite(t *testing.T) *site { return newSiteWith(t, app.Options{}) }

// newSiteWith is newSite with options of the app's (a clock, say); the test's own cost,
// logger and photo store fill in the rest.
func newSiteWith(t *testing.T, opts app.Options) *site {
	t.Helper()
	return newSiteOnWith(t, storetest.Open(t, store.SQLite), opts)
}

// newSiteOn is newSite over a database of the caller's choice (storetest.Each's).
func newSiteOn(t *testing.T, db *store.DB) *site { return newSiteOnWith(t, db, app.Options{}) }

// newSiteOnWith is newSiteWith over a database of the caller's choice.
func newSiteOnWith(t *testing.T, db *store.DB, opts app.Options) *site {
	t.Helper()
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	opts.BcryptCost, opts.Logger, opts.Blobs = bcrypt.MinCost, quiet, blobs
	a, err := app.New(db, opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := demo.Seed(t.Context(), a, demo.Options{}); err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	srv := httptest.NewServer(newFront(t, a, quiet))
	t.Cleanup(srv.Close)
	return &site{URL: srv.URL, App: a, DB: db}
}

// chromiumPath finds the browser the tests drive: Debian's chromium, or CITYGRID_CHROMIUM.
func chromiumPath() (string, error) {
	if p := os.Getenv("CITYGRID_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium found (apt-get install -y chromium)")
}

// browser is one headless Chromium process. Each person gets a browser context of their own
// (separate cookies and storage), as if each used their own browser.
type browser struct {
	ctx       context.Context
	artifacts string
	mu        sync.Mutex
	shotCount int // screenshots are numbered across people, in the order taken
}

// newBrowser starts headless Chromium with a fresh profile, or skips the test when there is
// none (fails when CITYGRID_REQUIRE names "browser"). Under -short the browser tests skip,
// for a quick run while editing, unless CITYGRID_REQUIRE names "browser".
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if testing.Short() && !storetest.Require("browser") {
		t.Skip("a browser test: skipped under -short")
	}
	path, err := chromiumPath()
	if err != nil {
		storetest.SkipOrFail(t, "browser", err.Error())
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		storetest.SkipOrFail(t, "browser", "chromium does not start: "+err.Error())
	}
	return &browser{ctx: ctx, artifacts: artifactsDir(t)}
}

// artifactsDir is where screenshots go: $CITYGRID_ARTIFACTS, else testdata/artifacts at the
// top of the repository (ignored by git), one folder per test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CITYGRID_ARTIFACTS")
	if base == "" {
		base = filepath.Join("..", "..", "testdata", "artifacts")
	}
	dir := filepath.Join(base, "browser", regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Viewports people use.
const (
	phoneWidth, phoneHeight     = 360, 740
	desktopWidth, desktopHeight = 1280, 900
)

// person is one user at one browser: a tab in a browser context of its own.
type person struct {
	t        *testing.T
	name     string
	ctx      context.Context
	b        *browser
	mu       sync.Mutex
	problems []string // console errors and uncaught exceptions seen so far
}

// person opens a fresh browser (context) for someone, on a phone or a desktop screen.
func (b *browser) person(t *testing.T, name string, phone bool) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{t: t, name: name, ctx: ctx, b: b}
	w, h := int64(desktopWidth), int64(desktopHeight)
	opts := []chromedp.EmulateViewportOption{}
	if phone {
		w, h = phoneWidth, phoneHeight
		opts = append(opts, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	messages := chromedp.Console(ctx)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, opts...)); err != nil {
		t.Fatalf("%s: open a browser: %v", name, err)
	}
	// People in the city browse in Chinese; headless Chromium would say en-US.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatalf("%s: set the browser's language: %v", name, err)
	}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				p.mu.Lock()
				p.problems = append(p.problems, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m))
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// do runs the steps, failing the test (with a screenshot) when one fails.
func (p *person) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.doWithin(30*time.Second, steps...)
}

// doWithin is do with a longer allowance, for a step that may wait on the service worker
// while the machine is busy with other tests.
func (p *person) doWithin(d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.shot("failed")
		p.t.Fatalf("%s: %v", p.name, err)
	}
}

// text returns the visible text of the first element the CSS selector finds.
func (p *person) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.shot("failed")
		p.t.Fatalf("%s: read %s: %v", p.name, sel, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *person, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.shot("failed")
		p.t.Fatalf("%s: evaluate %s: %v", p.name, expr, err)
	}
	return v
}

// shot saves a screenshot of the whole page as the next numbered artifact.
func (p *person) shot(label string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		p.t.Logf("%s: screenshot %s: %v", p.name, label, err)
		return
	}
	p.b.mu.Lock()
	p.b.shotCount++
	n := p.b.shotCount
	p.b.mu.Unlock()
	name := fmt.Sprintf("%02d-%s-%s.png", n, p.name, label)
	if err := os.WriteFile(filepath.Join(p.b.artifacts, name), buf, 0o644); err != nil {
		p.t.Logf("save screenshot: %v", err)
	}
}

// consoleProblems returns the console errors and uncaught exceptions the page produced.
func (p *person) consoleProblems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// noConsoleErrors fails the test when the page wrote errors to its console.
func (p *person) noConsoleErrors() {
	p.t.Helper()
	if probs := p.consoleProblems(); len(probs) > 0 {
		p.t.Errorf("%s: console errors:\n%s", p.name, strings.Join(probs, "\n"))
	}
}

// mapPoint scrolls the map into view and returns where, in the window, a region drawn on it
// has its label point: where a person would tap to pick that region.
func (p *person) mapPoint(mapID, code string) (x, y float64) {
	p.t.Helper()
	p.do(chromedp.ScrollIntoView(chromedp.ID(mapID)))
	at := eval[[]float64](p, `(() => {
		const el = document.getElementById(`+strconv.Quote(mapID)+`), map = el.citygridMap;
		let pt = null;
		map.eachLayer(l => {
			if (!pt && l.feature && l.feature.id === `+strconv.Quote(code)+` && l.feature.properties.at) {
				const [lon, lat] = l.feature.properties.at, r = el.getBoundingClientRect();
				const c = map.latLngToContainerPoint([lat, lon]);
				pt = [r.left + c.x, r.top + c.y];
			}
		});
		return pt;
	})()`)
	if len(at) != 2 {
		p.shot("no-region-" + code)
		p.t.Fatalf("%s: region %s is not on the map %s", p.name, code, mapID)
	}
	return at[0], at[1]
}
