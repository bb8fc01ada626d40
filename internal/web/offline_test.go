package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
)

// offline cuts or restores the person's network, as a tunnel or a basement does.
func (p *person) offline(off bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	conds := []*network.Conditions{}
	if off {
		conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds}); err != nil {
		p.t.Fatalf("%s: network conditions: %v", p.name, err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		p.t.Fatalf("%s: network state: %v", p.name, err)
	}
}

// TestAnOfflineDraftIsSentAfterReconnect: a grid worker on patrol reports with a photo while
// the network is gone; the report waits in a visible queue with its photo and goes up when the
// network returns.
func TestAnOfflineDraftIsSentAfterReconnect(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	worker := b.person(t, "gridworker", true)
	worker.at(s.URL, pt[0], pt[1])
	worker.signIn(s.URL, "gridworker")
	// The patrol starts from the workspace; the page keeps the phone's track.
	worker.do(chromedp.Click(chromedp.ID("patrol-start-go")), chromedp.WaitVisible(chromedp.ID("patrol-stop-go")),
		chromedp.Poll[chromedp.Void](`document.getElementById('patrol-track').textContent.startsWith('1 个定位点')`, chromedp.WithPollingTimeout(15*time.Second)))
	worker.shot("patrolling")
	worker.do(chromedp.Click(chromedp.ID("nav-report")), chromedp.WaitVisible(chromedp.CSS(`body[data-drafts][data-ready]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('where').dataset.grid === '`+demo.GridWorkerGrid+`'`))

	worker.do(chromedp.SendKeys(chromedp.ID("category-search"), "09009"),
		chromedp.WaitVisible(chromedp.CSS(`input[value="matter:09009"]`)))
	worker.offline(true)
	worker.do(chromedp.SetUploadFiles(chromedp.ID("photos"), []string{photoFile(t, 7)}),
		chromedp.Click(chromedp.CSS(`input[value="matter:09009"]`)),
		chromedp.SendKeys(chromedp.ID("description"), "地下通道口车辆乱停"),
		chromedp.Click(chromedp.ID("report-go")),
		chromedp.WaitVisible(chromedp.CSS(`#drafts li.draft`)))
	worker.shot("draft-queued-offline")
	if n := worker.text("#drafts .count"); n != "1" {
		t.Errorf("queue shows %s drafts, want 1", n)
	}
	if lon := eval[string](worker, `document.getElementById('lon').value`); lon == "" {
		t.Errorf("the form for the next report lost its place")
	}
	if page, err := s.App.Cases.ListCases(t.Context(), access.SystemPrincipal("test"), cases.CaseFilter{}); err != nil || len(page.Cases) != 0 {
		t.Fatalf("a case arrived while offline: %v %v", page, err)
	}

	worker.offline(false)
	worker.do(chromedp.WaitVisible(chromedp.CSS(`#drafts li.sent a`)), chromedp.WaitNotPresent(chromedp.CSS(`#drafts li.draft`)))
	worker.shot("draft-sent-online")
	ticket := worker.text("#drafts li.sent a")
	id := caseIDByTicket(t, s, ticket)
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil || len(c.Photos) != 1 || c.Description != "地下通道口车辆乱停" || c.Source != "patrol" || c.Grid.Code != demo.GridWorkerGrid {
		t.Errorf("the sent draft became %+v (%v)", c, err)
	}
	for _, m := range worker.consoleProblems() {
		if !strings.Contains(m, "ERR_INTERNET_DISCONNECTED") { // the offline attempt, as expected
			t.Errorf("console: %s", m)
		}
	}
	// Reloading shows an empty queue: the draft went once, and is gone from the browser.
	worker.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`body[data-drafts]`)))
	if n := eval[int](worker, `new Promise(r => { const q = indexedDB.open('citygrid'); q.onsuccess = () => { const g = q.result.transaction('drafts').objectStore('drafts').count(); g.onsuccess = () => r(g.result); }; })`); n != 0 {
		t.Errorf("%d drafts left in the browser after sending", n)
	}
	// Back in the workspace the patrol stops, its track kept.
	worker.do(chromedp.Click(chromedp.ID("nav-tasks")), chromedp.Click(chromedp.ID("patrol-stop-go")),
		chromedp.WaitVisible(chromedp.CSS(`#patrol-list li[data-patrol]`)), chromedp.WaitVisible(chromedp.ID("patrol-start-go")))
	worker.shot("patrol-stopped")
	if w := eval[int](worker, `document.documentElement.scrollWidth`); w > phoneWidth {
		t.Errorf("the workspace is %d px wide on a %d px phone", w, phoneWidth)
	}
	me, err := s.App.People.AuthenticateSession(t.Context(), mustLogin(t, s, "gridworker"))
	if err != nil {
		t.Fatal(err)
	}
	if day, err := s.App.Regions.MyPatrols(t.Context(), me); err != nil || len(day.Today) != 1 || day.Today[0].Running() || day.Today[0].Points < 1 ||
		day.Today[0].Grid != demo.GridWorkerGrid {
		t.Errorf("the patrol was kept as %+v (%v), want one stopped patrol with a point", day.Today, err)
	}
}

// mustLogin opens a session for a demo user and returns its secret.
func mustLogin(t *testing.T, s *site, username string) string {
	t.Helper()
	sess, err := s.App.People.Login(t.Context(), username, demo.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sess.Secret
}
