package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
)

// tapMap taps the map at offsets (in CSS pixels) from its centre.
func (p *person) tapMap(dx, dy float64) {
	p.t.Helper()
	type rect struct{ X, Y float64 }
	c := eval[rect](p, `(() => { const m = document.getElementById('map'); m.scrollIntoView({block: 'center'});
		const r = m.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
	p.do(chromedp.MouseClickXY(c.X+dx, c.Y+dy))
}

// TestDrawingAnAreaOnThePhone: a resident marks a market's outline on the phone by tapping the
// map, with undo; too few points are caught before anything is sent. The case keeps the area
// as drawn, and the case page and the dashboard draw it.
func TestDrawingAnAreaOnThePhone(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)

	resident := b.person(t, "resident", true)
	resident.at(s.URL, pt[0], pt[1])
	resident.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
		chromedp.Click(chromedp.CSS(`input[name=mode][value=area]`)),
		chromedp.WaitVisible(chromedp.ID("draw-hint")))
	resident.tapMap(-30, -30)
	resident.tapMap(30, -30)
	resident.do(chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "市场门口占道经营"),
		chromedp.Click(chromedp.ID("report-go")),
		chromedp.WaitVisible(chromedp.ID("client-problem")))
	if got := resident.text("#client-problem"); !strings.Contains(got, "至少点三个点") {
		t.Errorf("two points of an area: the page says %q, want it to ask for three", got)
	}
	if eval[string](resident, `document.getElementById('geometry').value`) != "" {
		t.Error("two points of an area fill the geometry field")
	}
	resident.tapMap(30, 30)
	if !eval[bool](resident, `document.getElementById('client-problem').hidden`) {
		t.Error("the request for a third point stays after it is drawn")
	}
	resident.tapMap(0, 60)
	resident.do(chromedp.Click(chromedp.ID("draw-undo")))
	resident.tapMap(-30, 30)
	if got := resident.text("#draw-hint"); !strings.Contains(got, "已画 4 个点") {
		t.Errorf("hint %q, want it to count 4 points", got)
	}
	resident.shot("area-drawn")
	if w := eval[int](resident, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("the report page is %d px wide on a %d px phone", w, phoneWidth)
	}
	resident.do(chromedp.Click(chromedp.ID("report-go")), chromedp.WaitVisible(chromedp.ID("ticket-no")))
	ticket := resident.text("#ticket-no")
	resident.noConsoleErrors()

	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), caseIDByTicket(t, s, ticket))
	if err != nil {
		t.Fatal(err)
	}
	g, err := grid.DecodeGeometry(c.Geometry)
	area, ok := g.(orb.Polygon)
	if err != nil || !ok || len(area) != 1 || len(area[0]) != 5 {
		t.Fatalf("stored geometry %s (%v), want an area of 4 points", c.Geometry, err)
	}
	if c.Grid.Code == "" {
		t.Errorf("the area is in no grid: %+v", c.Grid)
	}

	operator := b.person(t, "operator", false)
	operator.do(chromedp.EmulateViewport(1366, 768)) // a common office screen
	operator.signIn(s.URL, "operator")
	operator.do(chromedp.Navigate(s.URL+"/cases/"+itoa(c.ID)), chromedp.WaitVisible(chromedp.CSS(`#map path[stroke="#1d4ed8"]`)))
	operator.shot("case-page-area")

	leader := b.person(t, "leader", false)
	leader.do(chromedp.EmulateViewport(1366, 768))
	leader.signIn(s.URL, "leader")
	leader.do(chromedp.Click(chromedp.ID("nav-dashboard")), chromedp.WaitVisible(chromedp.CSS(`#dash-map path[stroke="#1d4ed8"]`)))
	leader.shot("dashboard-area")
	operator.noConsoleErrors()
	leader.noConsoleErrors()
}

// TestTheReportFormTakesALineOrArea: the report form's geometry field takes the place of the
// point; a refused drawing is worded in Chinese and nothing is stored.
func TestTheReportFormTakesALineOrArea(t *testing.T) {
	s := newSite(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := grid.PointInside(reg.Geometry)
	line := func(n int) string {
		pts := make([]string, n)
		for i := range pts {
			pts[i] = fmt.Sprintf("[%.7f,%.7f]", p[0]-0.0003+0.0006*float64(i)/float64(n), p[1]+0.00005*float64(i%2))
		}
		return `{"type":"LineString","coordinates":[` + strings.Join(pts, ",") + `]}`
	}
	bowTie := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[4]f],[%[3]f,%[2]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`,
		p[0]-0.0002, p[1]-0.0002, p[0]+0.0002, p[1]+0.0002)
	v := s.visitor(t)
	v.lang = "zh-CN"
	form := func(geometry string) url.Values {
		return url.Values{"category": {"matter:09009"}, "description": {"小巷里堆满杂物"}, "geometry": {geometry},
			"lon": {fmt.Sprint(p[0])}, "lat": {fmt.Sprint(p[1])}}
	}
	for _, tc := range []struct {
		name, geometry, says string
	}{
		{"an area crossing itself", bowTie, "所画区域的边界自相交"},
		{"a line of 2,001 points", line(2_001), "最多 2000 个点"},
	} {
		t.Run(tc.name+" is refused in words and stores nothing", func(t *testing.T) {
			before := storedCaseCount(t, s)
			status, _, body := v.do("POST", "/report", form(tc.geometry))
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.says) {
				t.Errorf("status %d, want 422 saying %q", status, tc.says)
			}
			if after := storedCaseCount(t, s); after != before {
				t.Errorf("cases: %d → %d", before, after)
			}
		})
	}
	status, h, body := v.do("POST", "/report", form(line(5)))
	if status != http.StatusSeeOther {
		t.Fatalf("a line of 5 points: status %d: %s", status, body)
	}
	ticket := strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/track/"), "?new=1")
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), caseIDByTicket(t, s, ticket))
	if err != nil {
		t.Fatal(err)
	}
	if g, err := grid.DecodeGeometry(c.Geometry); err != nil || len(g.(orb.LineString)) != 5 {
		t.Errorf("stored geometry %s (%v), want the line of 5 points", c.Geometry, err)
	}
}

// storedCaseCount counts the cases stored, whoever may see them.
func storedCaseCount(t *testing.T, s *site) int {
	t.Helper()
	page, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Cases)
}
