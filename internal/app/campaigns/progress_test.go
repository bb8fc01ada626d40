package campaigns_test

import (
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/campaigns"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// recount counts targets by the region of a level (1 district, 2 subdistrict, 3 community)
// the way the domain counts them, from the list alone.
func recount(list []campaigns.Target, level int, today string) (map[string]campaign.Counts, campaign.Counts) {
	by := map[string]campaign.Counts{}
	var total campaign.Counts
	for _, tg := range list {
		c := by[tg.RegionPath[level]]
		c.Count(tg.State, tg.Overdue(today))
		by[tg.RegionPath[level]] = c
		total.Count(tg.State, tg.Overdue(today))
	}
	return by, total
}

// TestProgressAndBurnDownAreARecountOfTheTargets gives a campaign over both districts five
// days of history (listing, cases opened and closed, checks, exemptions, a reopening) and holds
// progress at every level, for the whole city and for a district's leader, to a recount of the
// listed targets, and the burn-down to the days' remaining counts.
func TestProgressAndBurnDownAreARecountOfTheTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v := f.create(t, "admin", "410802", "410811")
		rows := append(f.assets(t, "410802", 0, 30), f.assets(t, "410811", 0, 20)...)
		for i := range 10 {
			rows[i].DueOn = "2026-03-04"
		}
		if _, err := f.svc.ImportTargets(f.ctx, f.as(t, "admin"), v.ID, rows); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.Targets(f.ctx, apptest.System, v.ID, campaigns.TargetQuery{})
		if err != nil || len(list) != 50 {
			t.Fatalf("%d targets, %v", len(list), err)
		}
		act := func(who string, i int, in campaigns.ActionInput) campaigns.TargetView {
			t.Helper()
			tg, err := f.svc.Act(f.ctx, f.as(t, who), v.ID, list[i].ID, in)
			if err != nil {
				t.Fatalf("%s %s target %d: %v", who, in.Action, i, err)
			}
			return tg
		}
		cases := map[int]int64{}
		f.At("2026-03-03 10:00")
		for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 30, 31, 32, 33} {
			cases[i] = act("admin", i, campaigns.ActionInput{Action: "open_case"}).CaseID
		}
		f.At("2026-03-04 15:00")
		yes := true
		for _, i := range []int{0, 1, 2, 3, 4, 5, 30, 31} {
			dept := list[i].RegionPath[1] + "-CGJ"
			for _, step := range []struct {
				action string
				in     workflow.Input
			}{
				{"register", workflow.Input{}}, {"dispatch", workflow.Input{Department: dept}}, {"accept", workflow.Input{}},
				{"handle", workflow.Input{Result: "已改水冲式", Photos: []string{f.Photo()}}}, {"verify", workflow.Input{Pass: &yes}},
			} {
				c, err := f.A.Cases.Act(f.ctx, apptest.System, cases[i], step.action, nil, step.in)
				if errs.Is(err, errs.Conflict) && step.action == "verify" && c.Status == "" {
					continue // closed by its handling: the category needs no verification
				} else if err != nil {
					t.Fatalf("case of target %d: %s: %v", i, step.action, err)
				}
			}
		}
		f.At("2026-03-05 11:00")
		for _, i := range []int{0, 1, 2} {
			act("inspector", i, campaigns.ActionInput{Action: "verify"})
		}
		for _, i := range []int{20, 21} {
			act("admin", i, campaigns.ActionInput{Action: "exempt", Reason: "已拆除"})
			act("zjj", i, campaigns.ActionInput{Action: "approve_exempt"})
		}
		f.At("2026-03-06 16:00")
		act("inspector", 1, campaigns.ActionInput{Action: "reopen", Reason: "复查不合格"})
		today := "2026-03-06"

		for _, who := range []string{"admin", "leader", "zjj", "gridworker"} {
			t.Run(who, func(t *testing.T) {
				p := f.as(t, who)
				mine, err := f.svc.Targets(f.ctx, p, v.ID, campaigns.TargetQuery{})
				if err != nil {
					t.Fatal(err)
				}
				for level, group := range map[int]string{1: "district", 2: "subdistrict", 3: "community"} {
					got, err := f.svc.Progress(f.ctx, p, v.ID, group, "")
					if err != nil {
						t.Fatal(err)
					}
					want, total := recount(mine, level, today)
					if len(got.Rows) != len(want) || got.Total != total {
						t.Errorf("by %s: %d rows, total %+v; the recount: %d rows, %+v", group, len(got.Rows), got.Total, len(want), total)
					}
					for _, r := range got.Rows {
						if r.Counts != want[r.Code] || r.Name == "" {
							t.Errorf("by %s, %s (%s): %+v; the recount %+v", group, r.Code, r.Name, r.Counts, want[r.Code])
						}
					}
				}
				_, total := recount(mine, 1, today)
				b, err := f.svc.Burndown(f.ctx, p, v.ID, "day", "")
				if err != nil {
					t.Fatal(err)
				}
				if last := b.Points[len(b.Points)-1]; last.Day != today || last.Remaining != total.Remaining || b.Remaining != total.Remaining || b.Total != total.Total {
					t.Errorf("the burn-down ends at %+v (remaining %d of %d); the recount: %d of %d", last, b.Remaining, b.Total, total.Remaining, total.Total)
				}
				t.Logf("%s: %s; burn-down %+v", who, total, b.Points)
			})
		}

		// The whole city's days, counted by hand: 50 listed, 8 closed on the 4th, 2 exempted
		// on the 5th, 1 reopened on the 6th; five of the early ones are overdue.
		b, err := f.svc.Burndown(f.ctx, apptest.System, v.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		want := []int{50, 50, 42, 40, 41}
		for i, p := range b.Points {
			if i >= len(want) || p.Remaining != want[i] {
				t.Errorf("day %s: %d remaining, want %v", p.Day, p.Remaining, want)
			}
		}
		if b.Points[0].Ideal != 50 || b.Goal != 0 || len(b.Points) != 5 {
			t.Errorf("the line starts at %v and ends at %v; %d points", b.Points[0].Ideal, b.Goal, len(b.Points))
		}
		p, err := f.svc.Progress(f.ctx, apptest.System, v.ID, "district", "")
		if err != nil || p.Total.Overdue != 5 || p.Total.Verified != 2 || p.Total.Done != 5 || p.Total.Exempt != 2 || len(p.Rows) != 2 {
			t.Errorf("the city's progress: %+v %v", p.Total, err)
		}
		// A district's part, and a subdistrict within it; a weekly burn-down.
		within, err := f.svc.Progress(f.ctx, apptest.System, v.ID, "community", list[0].RegionPath[2])
		if err != nil || len(within.Rows) == 0 || !within.Partial {
			t.Fatalf("within a subdistrict: %+v %v", within, err)
		}
		for _, r := range within.Rows {
			if r.Code[:9] != list[0].RegionPath[2] {
				t.Errorf("a community of another subdistrict: %s", r.Code)
			}
		}
		lb, err := f.svc.Burndown(f.ctx, f.as(t, "leader"), v.ID, "week", "")
		if err != nil || len(lb.Points) != 2 || lb.Total != 30 || lb.Goal != 0 {
			t.Errorf("the leader's weekly burn-down: %+v %v", lb, err)
		}
		for _, tc := range []struct {
			name, who, group, every, within string
			kind                            errs.Kind
			reason                          string
		}{
			{"by grid", "leader", "grid", "", "", errs.Invalid, "bad_value"},
			{"by month", "leader", "", "month", "", errs.Invalid, "bad_value"},
			{"within another district", "leader", "", "", "410811", errs.Forbidden, "region_outside_scope"},
			{"within the other district", "shanyang.leader", "", "", "410802", errs.Forbidden, "region_outside_scope"},
			{"within an unknown region", "leader", "", "", "999", errs.Invalid, "no_region"},
			{"as a resident", "resident", "", "", "", errs.Forbidden, "staff_only"},
			{"as another department", "handler", "", "", "", errs.NotFound, "campaign_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := f.as(t, tc.who)
				if tc.every == "" {
					_, err := f.svc.Progress(f.ctx, p, v.ID, tc.group, tc.within)
					wantRefusal(t, err, tc.kind, tc.reason)
				}
				if tc.group == "" {
					_, err := f.svc.Burndown(f.ctx, p, v.ID, tc.every, tc.within)
					wantRefusal(t, err, tc.kind, tc.reason)
				}
			})
		}
	})
}
