package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The phone report page's budgets (issue #6): at most 150 KB transferred on a first visit,
// interactive within 2 s on Chromium's "3G" profile (DevTools' former "Fast 3G": 562.5 ms
// latency, 1.6 Mbit/s down and 750 kbit/s up, each × 0.9).
const (
	reportPageBytes = 150 * 1024
	reportPageReady = 2 * time.Second
)

func TestReportPageBudgetOnThrottled3G(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	phone := b.person(t, "budget", true)
	ctx, cancel := context.WithTimeout(phone.ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Latency: 562.5, DownloadThroughput: 1.6 * 1024 * 1024 / 8 * 0.9,
			UploadThroughput: 750 * 1024 / 8 * 0.9, ConnectionType: network.ConnectionTypeCellular3g}}}); err != nil {
		t.Fatalf("throttle: %v", err)
	}
	phone.do(chromedp.Navigate(s.URL+"/report"), chromedp.WaitVisible(chromedp.CSS(`body[data-ready]`)))
	phone.shot("report-on-3g")
	type measure struct {
		Bytes       int     `json:"bytes"`
		Interactive float64 `json:"interactive"` // ms from navigation start: DOMContentLoaded done, deferred scripts run
		Requests    int     `json:"requests"`
	}
	m := eval[measure](phone, `(() => {
		const nav = performance.getEntriesByType('navigation')[0];
		const res = performance.getEntriesByType('resource');
		return {bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0),
			interactive: nav.domContentLoadedEventEnd, requests: res.length + 1};
	})()`)
	t.Logf("report page, first visit on 3G: %d bytes in %d requests, interactive after %.0f ms", m.Bytes, m.Requests, m.Interactive)
	if m.Bytes == 0 || m.Bytes > reportPageBytes {
		t.Errorf("transferred %d bytes, budget %d", m.Bytes, reportPageBytes)
	}
	if time.Duration(m.Interactive*float64(time.Millisecond)) > reportPageReady {
		t.Errorf("interactive after %.0f ms, budget %v", m.Interactive, reportPageReady)
	}
	// Every form field has a label a screen reader can announce.
	unlabelled := eval[[]string](phone, `Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
		.filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name || el.id)`)
	if len(unlabelled) > 0 {
		t.Errorf("fields without a label: %v", unlabelled)
	}
	phone.noConsoleErrors()
}
