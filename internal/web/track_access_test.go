package web_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// staffReport files a report as a signed-in staff member and returns it.
func staffReport(t *testing.T, s *site, username, gridCode, kind, category string) cases.Intake {
	t.Helper()
	u, _, err := s.DB.UserByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := s.App.Regions.Region(t.Context(), gridCode, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, _ := grid.PointInside(reg.Geometry)
	out, err := s.App.Cases.Report(t.Context(), &access.Principal{User: u, Via: "session"},
		cases.NewCase{CategoryKind: workflow.CategoryKind(kind), Category: category, Description: "内部巡查发现", Lon: &pt[0], Lat: &pt[1]})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// /track/{ticket} shows only cases of public categories, as Open311 does; tickets are a day
// and a sequence, so an address may look up only so many; and a refusal to the public says
// nothing of the case (no ticket, no version).
func TestTrackingShowsOnlyPublicCasesAndIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		if _, err := s.App.Settings.ImportCategories(t.Context(), access.SystemPrincipal("test"), []workflow.Category{
			{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false, VerificationRequired: true},
		}); err != nil {
			t.Fatal(err)
		}
		hidden := staffReport(t, s, "operator", demo.GridWorkerGrid, "matter", "99001")
		public := reportIn(t, s, demo.GridWorkerGrid, "09009")

		t.Run("a non-public case is not there for the public", func(t *testing.T) {
			anon, resident, operator := s.visitor(t), s.visitor(t), s.visitor(t)
			resident.signIn("resident")
			operator.signIn("operator")
			for name, v := range map[string]*visitor{"anonymous": anon, "a resident": resident} {
				status, _, body := v.do("GET", "/track/"+hidden.Ticket, nil)
				if status != http.StatusNotFound || !strings.Contains(body, "找不到该案件") || strings.Contains(body, "内部巡查") {
					t.Errorf("%s: got %d, want 404 saying 找不到该案件 and nothing of the case", name, status)
				}
			}
			if status, _, _ := operator.do("GET", "/track/"+hidden.Ticket, nil); status != http.StatusOK {
				t.Errorf("the operator over the case: got %d, want 200", status)
			}
			if status, _, _ := anon.do("GET", "/track/"+public.Ticket, nil); status != http.StatusOK {
				t.Errorf("a public case: got %d, want 200", status)
			}
		})

		t.Run("nor may the public say me too to it by id", func(t *testing.T) {
			before, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), hidden.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := jsonPost(t, s, fmt.Sprintf("/api/v1/cases/%d/actions", hidden.ID), `{"action":"support","supporter":"device:0123456789abcdef0123456789abcdef"}`)
			if r.status != http.StatusNotFound || strings.Contains(r.body, hidden.Ticket) {
				t.Errorf("anonymous support of a non-public case: %d %s", r.status, r.body)
			}
			after, _ := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), hidden.ID)
			if after.Counters.Supports != before.Counters.Supports || after.Version != before.Version {
				t.Errorf("the refused support changed the case: %+v → %+v", before.Counters, after.Counters)
			}
		})

		t.Run("an outsider's me too tells no version", func(t *testing.T) {
			r := jsonPost(t, s, fmt.Sprintf("/api/v1/cases/%d/actions", public.ID), `{"action":"support","version":999,"supporter":"device:0123456789abcdef0123456789abcdef"}`)
			if r.status != http.StatusOK || strings.Contains(r.body, `"version"`) {
				t.Errorf("anonymous support with a made-up version: %d %s", r.status, r.body)
			}
		})

		t.Run("an unknown ticket is not echoed", func(t *testing.T) {
			status, _, body := s.visitor(t).do("GET", "/track/20991231-999999", nil)
			if problem := problemText(body); status != http.StatusNotFound || !strings.Contains(problem, "找不到该案件") || strings.Contains(problem, "20991231") {
				t.Errorf("got %d saying %q, want 404 saying 找不到该案件 without the ticket", status, problem)
			}
		})

		t.Run("an address may look up only so many tickets", func(t *testing.T) {
			// The subtests above looked up a few already from this address; the default
			// allows 60 per 10 minutes.
			guesser, staff := s.visitor(t), s.visitor(t)
			staff.signIn("leader")
			day := public.Ticket[:8]
			var throttled int
			for i := range 80 {
				status, h, body := guesser.do("GET", fmt.Sprintf("/track/%s-%06d", day, i+1), nil)
				if status == http.StatusTooManyRequests {
					throttled++
					if h.Get("Retry-After") == "" || !strings.Contains(body, "尝试次数过多") {
						t.Fatalf("a throttled lookup: no Retry-After or no Chinese reason")
					}
				}
			}
			if throttled < 20 {
				t.Errorf("80 lookups from one address: %d throttled, want at least 20", throttled)
			}
			if status, _, _ := staff.do("GET", "/track/"+public.Ticket, nil); status != http.StatusOK {
				t.Errorf("signed-in staff are not throttled by the public's lookups: got %d", status)
			}
		})
	})
}

type posted struct {
	status int
	body   string
}

// jsonPost posts JSON anonymously.
func jsonPost(t *testing.T, s *site, path, body string) posted {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return posted{res.StatusCode, string(b)}
}

// A resident who opens their own case's staff page is sent to its tracking page, which names
// no staff and shows no staff notes.
func TestAResidentsCasePageNamesNoStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		c := staffReport(t, s, "resident", demo.GridWorkerGrid, "matter", "09009")
		op, _, err := s.DB.UserByUsername(t.Context(), "operator")
		if err != nil {
			t.Fatal(err)
		}
		operator := &access.Principal{User: op, Via: "session"}
		for _, step := range []struct{ action, note string }{{"comment", "内部备注：先别处理"}, {"register", "登记备注：电话核实过"}} {
			if _, err := s.App.Cases.Act(t.Context(), operator, c.ID, step.action, nil, workflow.Input{Note: step.note}); err != nil {
				t.Fatal(err)
			}
		}
		v := s.visitor(t)
		v.signIn("resident")
		status, h, _ := v.do("GET", fmt.Sprintf("/cases/%d", c.ID), nil)
		if status != http.StatusSeeOther || h.Get("Location") != "/track/"+c.Ticket {
			t.Fatalf("the resident's case page: %d to %q, want the tracking page", status, h.Get("Location"))
		}
		status, _, body := v.do("GET", h.Get("Location"), nil)
		if status != http.StatusOK || !strings.Contains(body, c.Ticket) {
			t.Fatalf("the tracking page: %d", status)
		}
		for _, secret := range []string{">operator<", " operator", "内部备注", "登记备注"} {
			if strings.Contains(body, secret) {
				t.Errorf("the resident's tracking page shows %q", secret)
			}
		}
	})
}
