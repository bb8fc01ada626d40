package settings

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
)

// TestAnEmblemIsKnownByItsBytes: PNG and SVG emblems of shapes and styles pass; anything that
// could run, embed or fetch something from the platform's origin does not, whatever its name.
func TestAnEmblemIsKnownByItsBytes(t *testing.T) {
	var small bytes.Buffer
	if err := png.Encode(&small, image.NewRGBA(image.Rect(0, 0, 32, 32))); err != nil {
		t.Fatal(err)
	}
	var huge bytes.Buffer
	if err := png.Encode(&huge, image.NewGray(image.Rect(0, 0, 4000, 10))); err != nil {
		t.Fatal(err)
	}
	svg := func(body string) string {
		return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">` + body + `</svg>`
	}
	for _, tc := range []struct {
		name, bytes, kind, reason string
	}{
		{"a PNG", small.String(), "image/png", ""},
		{"an SVG of shapes", `<?xml version="1.0"?>` + svg(`<defs><linearGradient id="g"/></defs><circle r="3" fill="url(#g)" style="stroke:red"/><use href="#g"/>`), "image/svg+xml", ""},
		{"a PNG too wide", huge.String(), "", "emblem_type"},
		{"a truncated PNG", small.String()[:40], "", "emblem_type"},
		{"text", "hello", "", "emblem_type"},
		{"HTML", "<html><script>alert(1)</script></html>", "", "emblem_type"},
		{"a script", svg(`<script>alert(1)</script>`), "", "emblem_unsafe"},
		{"a script in another case", svg(`<SCRIPT>alert(1)</SCRIPT>`), "", "emblem_unsafe"},
		{"a handler", svg(`<circle r="3" onclick="alert(1)"/>`), "", "emblem_unsafe"},
		{"a foreign object", svg(`<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>`), "", "emblem_unsafe"},
		{"a link", svg(`<a href="javascript:alert(1)"><circle r="3"/></a>`), "", "emblem_unsafe"},
		{"an outside use", svg(`<use href="https://evil.example/s.svg#x"/>`), "", "emblem_unsafe"},
		{"an outside xlink", svg(`<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="data:image/svg+xml,x"/>`), "", "emblem_unsafe"},
		{"an outside image", svg(`<image href="https://evil.example/x.png"/>`), "", "emblem_unsafe"},
		{"a style that fetches", svg(`<style>@import url(https://evil.example/x.css);</style>`), "", "emblem_unsafe"},
		{"a fill that fetches", svg(`<circle r="3" fill="url(https://evil.example/x)"/>`), "", "emblem_unsafe"},
		{"an animation making a link", svg(`<set attributeName="href" to="javascript:alert(1)"/>`), "", "emblem_unsafe"},
		{"an entity", `<!DOCTYPE svg [<!ENTITY x "y">]>` + svg(`<text>&x;</text>`), "", "emblem_unsafe"},
		{"not well formed", svg(`<circle r="3">`), "", "emblem_type"},
		{"too large", svg(strings.Repeat(`<circle r="3"/>`, 5000)), "", "emblem_too_large"},
	} {
		kind, err := checkEmblem([]byte(tc.bytes))
		reason, _ := errs.Detail(err)
		switch {
		case tc.reason == "" && (err != nil || kind != tc.kind):
			t.Errorf("%s: %q, %v; want %s", tc.name, kind, err, tc.kind)
		case tc.reason != "" && reason != tc.reason:
			t.Errorf("%s: accepted as %q (%v), want refused as %s", tc.name, kind, err, tc.reason)
		}
	}
}
