package web

import (
	"encoding/xml"
	"strings"
	"testing"
)

// The QR code is well-formed SVG that carries its label, draws dark modules, and stays small.
func TestQRSVG(t *testing.T) {
	for _, text := range []string{"https://grid.example.gov.cn/track/20260309-000001", "http://127.0.0.1:8080/track/20260309-000123"} {
		svg, err := qrSVG(text, "扫码查看 <进度>")
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			XMLName xml.Name
			ViewBox string `xml:"viewBox,attr"`
			Path    struct {
				D string `xml:"d,attr"`
			} `xml:"path"`
		}
		if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
			t.Fatalf("%s: %v", svg, err)
		}
		if doc.XMLName.Local != "svg" || strings.Count(doc.Path.D, "M") < 50 || !strings.Contains(string(svg), "扫码查看 &lt;进度&gt;") {
			t.Errorf("svg %s", svg)
		}
		t.Logf("%s: %d bytes", text, len(svg))
		if len(svg) > 6000 {
			t.Errorf("%d bytes of SVG: too heavy for a phone page", len(svg))
		}
	}
}
