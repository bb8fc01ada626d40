package web_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/jobs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// A district leader exports its task list from /tasks, on a phone and at a desk: the button
// starts the export, the page shows its progress and then the file, which holds the list's
// cases of the leader's district only.
func TestTaskListExportsToExcel(t *testing.T) {
	s := newSite(t)
	for _, g := range []string{"410802001001001", "410802001001001", "410811001001001"} {
		p := apptest.PointIn(t, s.App, g)
		if _, err := s.App.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009",
			Description: "车停在盲道上", Lon: &p[0], Lat: &p[1]}); err != nil {
			t.Fatal(err)
		}
	}
	// The site's export runner, as `citygrid serve` runs it.
	stop := jobs.Runner{Every: 200 * time.Millisecond, Jobs: s.App.Exports.Jobs()}.Start(t.Context())
	t.Cleanup(stop)
	b := newBrowser(t)
	for _, phone := range []bool{true, false} {
		name := map[bool]string{true: "leader-phone", false: "leader-desk"}[phone]
		p := b.person(t, name, phone)
		if !phone {
			p.do(chromedp.EmulateViewport(1366, 900))
		}
		p.signIn(s.URL, "leader")
		p.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.WaitVisible(chromedp.ID("export-go")))
		if got := p.text("#export-go"); got != "导出 Excel" {
			t.Errorf("%s: the button says %q", name, got)
		}
		p.shot("tasks")
		p.do(chromedp.Click(chromedp.ID("export-go")), chromedp.WaitVisible(chromedp.ID("export-file")))
		state, file := p.text("#export-state"), p.text("#export-file")
		if state != "已导出 2 行：" || !strings.HasPrefix(file, "案件清单-解放区-") || !strings.HasSuffix(file, ".xlsx") {
			t.Errorf("%s: after the export the page says %q %q", name, state, file)
		}
		p.shot("exported")
		p.readsChinese("tasks", []string{"leader"}) // the username, as typed
		// What the link downloads, fetched as the browser would.
		raw := eval[string](p, `fetch(document.getElementById('export-file').href).then(r => r.arrayBuffer()).then(b => {
			let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`)
		data, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: the download is not a workbook: %v", name, err)
		}
		rows, _ := f.GetRows("案件清单")
		f.Close()
		if len(rows) != 4 || rows[2][6] != "解放区" || rows[3][6] != "解放区" || rows[2][10] != "待受理" {
			t.Errorf("%s: the file's rows %q", name, rows)
		}
		if w := eval[float64](p, `document.documentElement.scrollWidth`); phone && w > 360 {
			t.Errorf("%s: the page is %v px wide on a 360 px phone", name, w)
		}
		p.noConsoleErrors()
	}
}
