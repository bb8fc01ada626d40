package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
)

// TestSupportingWhatIsAlreadyReported: on a 360 px phone a resident about to report illegal
// parking sees that someone reported it 45 m away, says "me too" to it instead, and is shown
// its ticket with a link to its tracking page; the support counts once, not again from the
// same phone; the form still files another problem. The public list, filtered by area and
// phase, shows the right reports on a 1366 px screen and on the phone.
func TestSupportingWhatIsAlreadyReported(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := grid.PointInside(reg.Geometry)
	existing := reportAt(t, s, "09009", p[0]+0.0005, p[1])
	elsewhere := reportIn(t, s, firstGridUnder(t, s, "410811"), "09009")

	resident := b.person(t, "resident", true)
	resident.at(s.URL, p[0], p[1])
	chooseParking := func() {
		resident.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.ID("report-form")),
			chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`),
			chromedp.SendKeys(chromedp.ID("category-search"), "乱停放"),
			chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)),
			chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#nearby-list li[data-ticket="`+existing.Ticket+`"]`)),
			chromedp.WaitVisible(chromedp.ID("nearby-note"))) // the answer for the category, not the one before
	}
	chooseParking()
	item := `#nearby-list li[data-ticket="` + existing.Ticket + `"]`
	if got := resident.text("#nearby"); !strings.Contains(got, "附近已有人反映") || !strings.Contains(got, "是这个问题吗？") ||
		!strings.Contains(got, "机动车乱停放") || !strings.Contains(got, "距此约") {
		t.Errorf("the nearby box reads %q", got)
	}
	if first := eval[string](resident, `document.querySelector('#nearby-list li').dataset.ticket`); first != existing.Ticket {
		t.Errorf("the first nearby report is %s, want the same category's %s", first, existing.Ticket)
	}
	// Beside the category, out of the nearby list's sight on a phone, a note leads up to it.
	if got := resident.text("#nearby-note"); !strings.Contains(got, "附近已有 1 条相同的问题") {
		t.Errorf("the note beside the category reads %q", got)
	}
	resident.do(chromedp.ScrollIntoView(chromedp.ID("nearby-note")))
	resident.shot("note-by-the-category")
	resident.until(`document.querySelectorAll('#map path.leaflet-interactive').length >= 1`, 10*time.Second)
	resident.do(chromedp.ScrollIntoView(chromedp.ID("map")))
	resident.shot("nearby-on-the-map")
	resident.do(chromedp.ScrollIntoView(chromedp.ID("nearby")))
	resident.shot("nearby-360")
	resident.fitsPhone("report")
	resident.readsChinese("report with nearby reports", nil)

	before := supports(t, s, existing.ID)
	resident.do(chromedp.Click(chromedp.CSS(item+" .nb-support")), chromedp.WaitVisible(chromedp.CSS(item+" .notice")))
	if got := resident.text(item + " .notice"); !strings.Contains(got, existing.Ticket) || !strings.Contains(got, "已附议") {
		t.Errorf("after supporting, the page says %q", got)
	}
	if href := eval[string](resident, `document.querySelector('`+item+` a.nb-track').getAttribute('href')`); href != "/track/"+existing.Ticket {
		t.Errorf("the confirmation links to %q", href)
	}
	if n := supports(t, s, existing.ID); n != before+1 {
		t.Errorf("supports went from %d to %d, want one more", before, n)
	}
	resident.shot("supported-360")

	// The same phone again: refused, not counted.
	chooseParking()
	resident.do(chromedp.Click(chromedp.CSS(item+" .nb-support")), chromedp.WaitVisible(chromedp.CSS(item+" .problem")))
	if got := resident.text(item + " .problem"); !strings.Contains(got, "您已附议") {
		t.Errorf("a second support from the same phone says %q", got)
	}
	if n := supports(t, s, existing.ID); n != before+1 {
		t.Errorf("a second support from the same phone counted: %d, want %d", n, before+1)
	}
	resident.shot("supported-again-360")

	// The form still files something else.
	resident.do(chromedp.Click(chromedp.CSS(`input[value="matter:09010"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "共享单车堆在门口"))
	resident.follow(chromedp.Click(chromedp.ID("report-go")), "#ticket-no")
	if got := resident.text("#ticket-no"); got == existing.Ticket || !ticketPattern.MatchString(got) {
		t.Errorf("filing after a support gave ticket %q", got)
	}
	// The refused second support is a 409 the browser logs; nothing else may be.
	for _, problem := range resident.consoleProblems() {
		if !strings.Contains(problem, "/report/support") || !strings.Contains(problem, "409") {
			t.Errorf("resident: console error %s", problem)
		}
	}

	// The public list, from the portal, by area and phase.
	visitor := b.person(t, "visitor", false)
	visitor.width(wideWidth, false)
	// On a desktop too, without a category: every class around, the resident's new one included.
	visitor.at(s.URL, p[0], p[1])
	visitor.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.CSS(`#nearby-list li[data-ticket="`+existing.Ticket+`"]`)),
		chromedp.ScrollIntoView(chromedp.ID("nearby")))
	if n := eval[int](visitor, `document.querySelectorAll('#nearby-list li').length`); n != 2 {
		t.Errorf("without a category the form shows %d reports nearby, want 2 (the parking and the bicycles)", n)
	}
	if got := visitor.text("#nearby-list li:first-child .hint"); !strings.Contains(got, "就在此处") {
		t.Errorf("the resident's own new report, where the visitor stands, reads %q", got)
	}
	visitor.shot("report-nearby-1366")
	visitor.do(chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.ID("phase-legend")))
	visitor.follow(chromedp.Click(chromedp.ID("home-browse")), "#reports-filter")
	all := eval[[]string](visitor, `[...document.querySelectorAll('#public-list li')].map(li => li.dataset.ticket)`)
	if !containsAll(all, existing.Ticket, elsewhere.Ticket) {
		t.Errorf("the whole list shows %v", all)
	}
	visitor.do(chromedp.SetValue(chromedp.ID("area"), "410802001"), chromedp.SetValue(chromedp.ID("phase"), "waiting"))
	visitor.follow(chromedp.Click(chromedp.ID("reports-go")), "#public-list")
	got := eval[[]string](visitor, `[...document.querySelectorAll('#public-list li')].map(li => li.dataset.ticket)`)
	if !containsAll(got, existing.Ticket) || containsAll(got, elsewhere.Ticket) {
		t.Errorf("民生街道, waiting: %v, want %s and not %s", got, existing.Ticket, elsewhere.Ticket)
	}
	if sel := eval[string](visitor, `document.getElementById('area').selectedOptions[0].textContent.trim()`); sel != "民生街道" {
		t.Errorf("the area picker shows %q after filtering", sel)
	}
	visitor.until(`document.querySelectorAll('#public-map path.leaflet-interactive').length === document.querySelectorAll('#public-list li').length`, 10*time.Second)
	visitor.shot("reports-1366")
	visitor.readsChinese("reports", nil)
	visitor.width(phoneWidth, true)
	visitor.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("public-list")))
	visitor.shot("reports-360")
	visitor.fitsPhone("reports")
	visitor.noConsoleErrors()
}

func containsAll(xs []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(xs, w) {
			return false
		}
	}
	return true
}
