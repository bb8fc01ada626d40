package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/web"
)

// A report rejected as a duplicate through the API joins the original: the original lists it
// among its channels, counts its reporter's support and says so on its timeline (in Chinese on
// its page), and /track shows the original's status for the duplicate's ticket. A merge the
// operator may not make is refused with its reason and changes nothing.
func TestRejectingADuplicateJoinsTheOriginalOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db, func(c *server.Config) { c.Web = &web.Config{} })
		anon, resident, operator := ts.anonymous(), ts.signedIn(t, "resident"), ts.signedIn(t, "operator")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.001)
		original := act(t, operator, fileCase(t, anon, reportAt(p, nil)), "register", nil)
		dup := fileCase(t, resident, reportAt(p, map[string]any{"description": "the same car again"}))
		elsewhere := fileCase(t, anon, reportAt(casePoint(t, anon, "410811", 0.001), nil)) // 山阳区, outside the operator's scope

		before := ts.snapshot(t)
		r := operator.do(t, "POST", actionsPath(dup.ID), actBody("reject", dup.Version,
			map[string]any{"reject_reason": "duplicate", "merged_into": elsewhere.Ticket, "reason": "seen before"}))
		var refusal struct {
			Error struct{ Code, Reason string } `json:"error"`
		}
		if r.Status != http.StatusUnprocessableEntity || json.Unmarshal(r.Body, &refusal) != nil || refusal.Error.Reason != "no_case" {
			t.Errorf("merging into a case in another district: %d %s, want 422 with reason no_case", r.Status, r.Body)
		}
		ts.wantUnchanged(t, before)
		if got := ts.caseAsAdmin(t, elsewhere.ID); got.Version != elsewhere.Version {
			t.Errorf("the other district's case moved to version %d", got.Version)
		}

		rejected := act(t, operator, dup, "reject", map[string]any{"reject_reason": "duplicate", "merged_into": original.Ticket, "reason": "seen before"})
		if rejected.Status != "rejected" {
			t.Fatalf("the duplicate is %s, want rejected", rejected.Status)
		}
		r = operator.do(t, "GET", casePath(original.ID), nil)
		wantStatus(t, r, http.StatusOK)
		var orig struct {
			Version  int `json:"version"`
			Counters struct {
				Supports int `json:"supports"`
			} `json:"counters"`
			Channels []struct{ Source, Ref string } `json:"channels"`
			Timeline []struct {
				Action, Code string
				Params       map[string]string
			} `json:"timeline"`
		}
		r.decode(t, &orig)
		last := orig.Timeline[len(orig.Timeline)-1]
		if orig.Counters.Supports != 1 || len(orig.Channels) != 1 || orig.Channels[0].Source != "case" || orig.Channels[0].Ref != dup.Ticket ||
			last.Action != "merge" || last.Code != "duplicate_joined" || last.Params["ticket"] != dup.Ticket || orig.Version != original.Version+1 {
			t.Errorf("the original after the merge: %s", r.Body)
		}
		page := operator.do(t, "GET", "/cases/"+strconv.FormatInt(original.ID, 10), nil, "Accept-Language", "zh-CN")
		if want := "重复上报 " + dup.Ticket + " 并入本案，其上报人一并附议"; page.Status != 200 || !strings.Contains(string(page.Body), want) ||
			!strings.Contains(string(page.Body), "并入的上报 "+dup.Ticket) {
			t.Errorf("the original's page (%d) lacks %q and the merged channel", page.Status, want)
		}

		for _, lang := range []string{"zh-CN", "en"} {
			track := anon.do(t, "GET", "/track/"+dup.Ticket, nil, "Accept-Language", lang)
			body := string(track.Body)
			shown := regexp.MustCompile(`id="ticket-no">([0-9-]+)<`).FindStringSubmatch(body)
			status := map[string]string{"zh-CN": "已受理", "en": "Accepted"}[lang] // the tracking page's words for residents
			if track.Status != 200 || shown == nil || shown[1] != original.Ticket || !strings.Contains(body, `id="track-status">`+status+`<`) ||
				!strings.Contains(body, `id="merged"`) || !strings.Contains(body, dup.Ticket) {
				t.Errorf("%s: /track/%s (%d) does not show the original %s as %s with the merge said", lang, dup.Ticket, track.Status, original.Ticket, status)
			}
			if !strings.Contains(body, `action="/track/`+dup.Ticket+`"`) {
				t.Errorf("%s: the tracking page's forms do not stay on the duplicate's ticket", lang)
			}
		}
	})
}
