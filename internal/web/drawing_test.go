package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
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
