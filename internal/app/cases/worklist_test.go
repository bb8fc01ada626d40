package cases_test

import (
	"context"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// A work list ordered by light shows the overdue first, then the near-due, then the rest by
// deadline, then the cases running no clock; it pages forward and back to the same pages, and
// its counts cover every page: the total of the list as filtered, and each light's share of
// it whatever light the list is narrowed to.
func TestWorkListByLightPagedBothWaysWithTrueCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-11-25 09:00", "")
		a, admin := r.A, apptest.As(t, db, "admin")
		at := apptest.PointIn(t, a, demo.GridWorkerGrid)
		report := func(when string) int64 {
			t.Helper()
			r.At(when)
			c, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "车停在盲道上", Lon: &at[0], Lat: &at[1]})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		// Reports wait 30 working minutes for acceptance, yellow after 24.
		red, yellow, green1, gone, green2 := report("2026-11-25 09:00"), report("2026-11-25 09:20"), report("2026-11-25 09:26"), report("2026-11-25 09:28"), report("2026-11-25 09:30")
		if _, err := a.Cases.Act(ctx, apptest.As(t, db, "operator"), gone, "reject", nil, workflow.Input{RejectReason: "invalid", Reason: "无此问题"}); err != nil {
			t.Fatal(err)
		}
		r.At("2026-11-25 09:45")
		want := []int64{red, yellow, green1, green2, gone}

		var forward [][]int64
		var prevs []string
		f := cases.CaseFilter{SortByLight: true, Limit: 2}
		for {
			page, err := a.Cases.ListCases(ctx, admin, f)
			if err != nil {
				t.Fatal(err)
			}
			forward, prevs = append(forward, ids(page.Cases)), append(prevs, page.Prev)
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if got := slices.Concat(forward...); !slices.Equal(got, want) {
			t.Fatalf("by light: %v, want %v (red, yellow, the greens by deadline, then the rejected one)", got, want)
		}
		if len(forward) != 3 || prevs[0] != "" || prevs[1] == "" || prevs[2] == "" {
			t.Fatalf("pages %v with prev cursors %q", forward, prevs)
		}
		// Back from the last page: the same pages again, and none before the first.
		f = cases.CaseFilter{SortByLight: true, Limit: 2, Before: prevs[2]}
		for i := 1; i >= 0; i-- {
			page, err := a.Cases.ListCases(ctx, admin, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(page.Cases); !slices.Equal(got, forward[i]) {
				t.Errorf("back to page %d: %v, want %v", i+1, got, forward[i])
			}
			if (page.Prev == "") != (i == 0) || page.Next == "" {
				t.Errorf("back on page %d: prev %q, next %q", i+1, page.Prev, page.Next)
			}
			f.Before = page.Prev
		}
		// Newest first pages back the same way.
		first, err := a.Cases.ListCases(ctx, admin, cases.CaseFilter{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		second, err := a.Cases.ListCases(ctx, admin, cases.CaseFilter{Limit: 3, Cursor: first.Next})
		if err != nil {
			t.Fatal(err)
		}
		back, err := a.Cases.ListCases(ctx, admin, cases.CaseFilter{Limit: 3, Before: second.Prev})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(back.Cases), ids(first.Cases)) || back.Prev != "" {
			t.Errorf("newest first, back from page 2: %v (prev %q), want %v", ids(back.Cases), back.Prev, ids(first.Cases))
		}

		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "shanyang.op", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			f    cases.CaseFilter
			want cases.CaseCounts
		}{
			{"the whole list", cases.CaseFilter{Limit: 2}, cases.CaseCounts{Total: 5, Lights: store.LightCounts{Red: 1, Yellow: 1, Green: 2}}},
			{"narrowed to red: its total, every light's count", cases.CaseFilter{Light: "red", Limit: 2}, cases.CaseCounts{Total: 1, Lights: store.LightCounts{Red: 1, Yellow: 1, Green: 2}}},
			{"overdue", cases.CaseFilter{Overdue: true}, cases.CaseCounts{Total: 1, Lights: store.LightCounts{Red: 1, Yellow: 1, Green: 2}}},
			{"open cases only", cases.CaseFilter{Statuses: []string{"reported"}}, cases.CaseCounts{Total: 4, Lights: store.LightCounts{Red: 1, Yellow: 1, Green: 2}}},
			{"by deadline leaves out the cases running no clock", cases.CaseFilter{SortByDue: true}, cases.CaseCounts{Total: 4, Lights: store.LightCounts{Red: 1, Yellow: 1, Green: 2}}},
			{"another district's operator sees none of them", cases.CaseFilter{}, cases.CaseCounts{}},
		} {
			who := admin
			if tt.name == "another district's operator sees none of them" {
				who = apptest.As(t, db, "shanyang.op")
			}
			got, err := a.Cases.CountCases(ctx, who, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if got != tt.want {
				t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
			}
		}
		if _, err := a.Cases.CountCases(ctx, apptest.As(t, db, "operator"), cases.CaseFilter{Regions: []string{"410811"}}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("counting another district's cases: %v, want forbidden", err)
		}
	})
}

// What waits on the centre shows in the list: an extension asked, with its hours and reason and
// the decisions the dispatcher may take (the handler who asked may take none); a return, with
// the department and its reason.
func TestWorkListShowsWhatWaitsOnTheCentre(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-11-25 09:00", "09009")
		r.Act("operator", "register", workflow.Input{})
		r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		r.Act("handler", "accept", workflow.Input{})
		r.Act("handler", "request_extension", workflow.Input{Hours: 16, Reason: "需要协调交警拖车"})
		pending := func(who string) *cases.Pending {
			t.Helper()
			page, err := r.A.Cases.ListCases(ctx, apptest.As(t, db, who), cases.CaseFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Cases {
				if c.ID == r.ID {
					if (c.Department != "" && c.DepartmentName != "解放区城市管理局") || c.SubdistrictName == "" || c.CommunityName == "" {
						t.Errorf("%s: the case's names: %q %q %q", who, c.DepartmentName, c.SubdistrictName, c.CommunityName)
					}
					return c.Pending
				}
			}
			t.Fatalf("%s does not see case %d", who, r.ID)
			return nil
		}
		p := pending("dispatcher")
		if p == nil || p.Kind != cases.PendingExtension || p.Hours != 16 || p.Reason != "需要协调交警拖车" || p.By != "handler" || p.Department != "410802-CGJ" ||
			!slices.Equal(p.Actions, []workflow.Action{workflow.ApproveExtension, workflow.DenyExtension}) {
			t.Errorf("the dispatcher sees %+v", p)
		}
		if p := pending("handler"); p == nil || p.Kind != cases.PendingExtension || len(p.Actions) != 0 {
			t.Errorf("the handler who asked sees %+v, want the request without decisions", p)
		}
		r.Act("dispatcher", "approve_extension", workflow.Input{Hours: 16})
		if p := pending("dispatcher"); p != nil {
			t.Errorf("after the approval the list still shows %+v", p)
		}
		r.Act("handler", "return", workflow.Input{Reason: "不属于本局职责"})
		if p := pending("dispatcher"); p == nil || p.Kind != cases.PendingReturn || p.Reason != "不属于本局职责" || p.Department != "410802-CGJ" || len(p.Actions) != 0 {
			t.Errorf("after the return the dispatcher sees %+v", p)
		}
	})
}

func ids(cs []cases.CaseSummary) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
