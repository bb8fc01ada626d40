package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/demo"
)

// fileWith writes content to a temporary file named name, for an upload.
func fileWith(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pngOf draws a w×h PNG; noisy ones do not compress.
func pngOf(t *testing.T, w, h int, noisy bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(7)
	for x := range w {
		for y := range h {
			c := color.RGBA{200, 30, 30, 255}
			if noisy {
				seed = seed*1664525 + 1013904223
				c = color.RGBA{uint8(seed), uint8(seed >> 8), uint8(seed >> 16), 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTheSiteNameUnitAndEmblemHeadEveryPage: the city's administrator names the deployment,
// its unit and its emblem in /admin/site, and every page's header (signed in or not) shows them
// instead of the program's name. Emblems are known by their bytes: a script in an SVG, a text
// called .png and an emblem too large are refused in Chinese and change nothing.
func TestTheSiteNameUnitAndEmblemHeadEveryPage(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	admin := b.person(t, "admin", false)
	admin.width(wideWidth, false)
	admin.signIn(s.URL, "admin")
	// The demo city is named already: no page says "citygrid".
	if got := admin.text("#site-name"); got != demo.SiteName {
		t.Errorf("the header says %q, want %q", got, demo.SiteName)
	}
	admin.do(chromedp.Navigate(s.URL+"/admin/site"), chromedp.WaitVisible(chromedp.ID("site-form")),
		chromedp.SetValue(chromedp.ID("s-name"), "解放区数字城管"), chromedp.SetValue(chromedp.ID("s-unit"), "解放区城市管理局"))
	admin.follow(chromedp.Click(chromedp.ID("site-go")), "#notice")
	admin.do(chromedp.SetUploadFiles(chromedp.ID("s-emblem"), []string{fileWith(t, "emblem.png", pngOf(t, 48, 48, false))}))
	admin.follow(chromedp.Click(chromedp.ID("emblem-go")), "#notice")
	admin.readsChinese("site", []string{"admin"})
	admin.shot("site")

	emblem := eval[string](admin, `document.querySelector('#brand img.emblem').getAttribute('src')`)
	for _, who := range []string{"", "operator"} {
		p := b.person(t, "visitor-"+who, true)
		if who != "" {
			p.signIn(s.URL, who)
		}
		for _, path := range []string{"/", "/login", "/report", "/tasks"} {
			if who == "" && path == "/tasks" {
				continue
			}
			p.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.ID("brand")))
			if got := p.text("#site-name") + " " + p.text("#site-unit"); got != "解放区数字城管 解放区城市管理局" {
				t.Errorf("%s on %s: the header says %q", who, path, got)
			}
			if title := eval[string](p, `document.title`); !strings.HasSuffix(title, "解放区数字城管") {
				t.Errorf("%s on %s: the title is %q", who, path, title)
			}
			p.until(`(() => { const i = document.querySelector('#brand img.emblem'); return !!i && i.complete && i.naturalWidth === 48 && i.getAttribute('src') === '`+emblem+`'; })()`, 10*time.Second)
		}
		p.fitsPhone("home")
		p.shot("header")
	}

	refusals := []struct{ name, file, content, want string }{
		{"an SVG with a script", "emblem.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "SVG 标识图含有不允许的内容（<script>）"},
		{"an SVG with a handler", "emblem.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>`, "SVG 标识图含有不允许的内容（onload）"},
		{"an SVG drawing from elsewhere", "emblem.svg", `<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>`, "SVG 标识图含有不允许的内容"},
		{"a text called .png", "emblem.png", "not an image at all", "标识图须为 PNG 或 SVG 图片"},
		{"an emblem too large", "emblem.png", string(pngOf(t, 160, 160, true)), "标识图太大，最多 64 KB"},
	}
	for _, rf := range refusals {
		admin.do(chromedp.Navigate(s.URL+"/admin/site"), chromedp.WaitVisible(chromedp.ID("emblem-form")),
			chromedp.SetUploadFiles(chromedp.ID("s-emblem"), []string{fileWith(t, rf.file, []byte(rf.content))}))
		admin.follow(chromedp.Click(chromedp.ID("emblem-go")), "#problem")
		if got := admin.text("#problem"); !strings.Contains(got, rf.want) {
			t.Errorf("%s: refused with %q, want %q", rf.name, got, rf.want)
		}
		if got := eval[string](admin, `document.querySelector('#brand img.emblem').getAttribute('src')`); got != emblem {
			t.Errorf("%s changed the emblem to %s", rf.name, got)
		}
	}
	admin.readsChinese("site-refused", []string{"admin"})
	// Removed, the header has no emblem.
	admin.do(chromedp.Navigate(s.URL+"/admin/site"), chromedp.WaitVisible(chromedp.ID("emblem-delete")))
	admin.follow(chromedp.Click(chromedp.ID("emblem-delete")), "#notice")
	if eval[bool](admin, `!!document.querySelector('#brand img')`) {
		t.Error("the removed emblem is still shown")
	}
	admin.noScriptErrors()
}

// TestTheLookOfAGovernmentProduct: the work list and the dashboard carry a legend of the
// lights and statuses in the one colour system; desktops use the width; file inputs look like
// the platform's buttons; the case page keeps why an action is closed behind one line; maps
// name their zoom buttons in the page's language.
func TestTheLookOfAGovernmentProduct(t *testing.T) {
	s := newSite(t)
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	b := newBrowser(t)
	op := b.person(t, "operator", false)
	op.width(wideWidth, false)
	op.signIn(s.URL, "operator")
	red := "rgb(220, 38, 38)"
	for _, path := range []string{"/tasks", "/dashboard"} {
		op.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.ID("legend")))
		if got := op.text("#legend"); !strings.Contains(got, "超期") || !strings.Contains(got, "临期") || !strings.Contains(got, "待受理") || !strings.Contains(got, "已结案") {
			t.Errorf("%s: the legend says %q", path, got)
		}
		if got := eval[string](op, `getComputedStyle(document.querySelector('#legend .dot.red')).backgroundColor`); got != red {
			t.Errorf("%s: the legend's red is %s, want %s", path, got, red)
		}
		if got := eval[string](op, `getComputedStyle(document.querySelector('#legend .s-reported')).backgroundColor`); got != "rgb(224, 242, 254)" {
			t.Errorf("%s: the legend's 待受理 is %s", path, got)
		}
		if w := eval[int](op, `document.querySelector('main').getBoundingClientRect().width`); w < 1200 {
			t.Errorf("%s: the page uses %d px of a 1366 px screen", path, w)
		}
	}
	op.do(chromedp.Navigate(s.URL+"/cases/"+itoa(c.ID)), chromedp.WaitVisible(chromedp.ID("case-status")),
		chromedp.WaitVisible(chromedp.CSS(".leaflet-control-zoom-in")))
	if eval[bool](op, `document.getElementById('blocked').checkVisibility()`) {
		t.Error("the reasons why actions are closed are shown under the case without being asked for")
	}
	if got := op.text("#why-not summary"); got != "为什么不能办理其他操作？" {
		t.Errorf("the why line says %q", got)
	}
	op.do(chromedp.Click(chromedp.CSS("#why-not summary")))
	if !eval[bool](op, `document.getElementById('blocked').checkVisibility()`) {
		t.Error("asking why shows nothing")
	}
	for sel, want := range map[string]string{".leaflet-control-zoom-in": "放大", ".leaflet-control-zoom-out": "缩小"} {
		if got := eval[string](op, `document.querySelector('`+sel+`').title + '|' + document.querySelector('`+sel+`').getAttribute('aria-label')`); got != want+"|"+want {
			t.Errorf("the map's %s is called %q, want %q", sel, got, want)
		}
	}
	op.noConsoleErrors()

	admin := b.person(t, "admin", false)
	admin.signIn(s.URL, "admin")
	for path, input := range map[string]string{"/admin/time-limits": "l-file", "/admin/site": "s-emblem"} {
		admin.do(chromedp.Navigate(s.URL+path), chromedp.WaitVisible(chromedp.ID(input)))
		got := eval[string](admin, `(() => { const s = getComputedStyle(document.getElementById('`+input+`'), '::file-selector-button'); return s.borderTopColor + ' ' + s.color; })()`)
		if got != "rgb(185, 28, 28) rgb(185, 28, 28)" {
			t.Errorf("%s: the file input's button is %q, want the platform's red", path, got)
		}
	}
}
