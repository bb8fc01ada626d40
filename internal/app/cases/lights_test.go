package cases_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Lists, the light and overdue filters, the case's own light and the dashboard's overdue figure
// all take the light of whichever stage clock a case is running: a case overdue for acceptance
// is red and counted, not "no time limit". A suspended case runs no clock and shows none.
func TestEveryStageHasItsLight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 08:00", "") // a Monday
		p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
		ids := map[string]int64{}
		// steps walks a new case through its actions, each at a time of the morning; the case
		// is named by the stage it is left in.
		steps := func(name string, at ...string) {
			t.Helper()
			r.At(at[0])
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: name, Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			r.ID, ids[name] = in.ID, in.ID
			walk := []struct {
				who, action string
				in          workflow.Input
			}{
				{"operator", "register", workflow.Input{}},
				{"dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"}},
				{"handler", "accept", workflow.Input{}},
				{"handler", "handle", workflow.Input{Result: "已挪走", Photos: []string{r.Photo()}}},
			}
			for i, when := range at[1:] {
				r.At(when)
				if name == "suspended" && i == 3 {
					r.Act("dispatcher", "suspend", workflow.Input{Reason: "等待产权单位"})
					continue
				}
				r.Act(walk[i].who, walk[i].action, walk[i].in)
			}
		}
		steps("accept", "2026-03-09 09:00")                                                                                 // due 09:30
		steps("dispatch", "2026-03-09 08:30", "2026-03-09 09:00")                                                           // due 09:30
		steps("sign", "2026-03-09 08:00", "2026-03-09 08:05", "2026-03-09 09:00")                                           // due 10:00 (handling 11:00)
		steps("handle", "2026-03-09 08:00", "2026-03-09 08:05", "2026-03-09 08:10", "2026-03-09 08:20")                     // due 10:10
		steps("verify", "2026-03-09 08:00", "2026-03-09 08:01", "2026-03-09 08:01", "2026-03-09 08:02", "2026-03-09 09:00") // due 10:00 or 11:00
		steps("suspended", "2026-03-09 08:00", "2026-03-09 08:01", "2026-03-09 08:01", "2026-03-09 08:02", "2026-03-09 08:03")

		admin := apptest.As(t, db, "admin")
		checks := []struct {
			at    string
			light map[string]worktime.Light // by case; the suspended case shows none
		}{
			{"2026-03-09 09:05", map[string]worktime.Light{"accept": "green", "dispatch": "green", "sign": "green", "handle": "green", "verify": "green"}},
			{"2026-03-09 09:26", map[string]worktime.Light{"accept": "yellow", "dispatch": "yellow", "sign": "green", "handle": "green", "verify": "green"}},
			{"2026-03-09 11:30", map[string]worktime.Light{"accept": "red", "dispatch": "red", "sign": "red", "handle": "red", "verify": "red"}},
		}
		for _, c := range checks {
			r.At(c.at)
			want := map[worktime.Light][]int64{}
			for name, l := range c.light {
				want[l] = append(want[l], ids[name])
			}
			for _, l := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
				page, err := r.A.Cases.ListCases(ctx, admin, cases.CaseFilter{Light: string(l)})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, s := range page.Cases {
					got = append(got, s.ID)
					if s.Light != l || s.Due == nil {
						t.Errorf("at %s: case %s listed for light=%s shows light %q, due %v", c.at, s.Description, l, s.Light, s.Due)
					}
				}
				if slices.Sort(got); !slices.Equal(got, sorted(want[l])) {
					t.Errorf("at %s: light=%s lists %v, want %v", c.at, l, got, sorted(want[l]))
				}
			}
			overdue, err := r.A.Cases.ListCases(ctx, admin, cases.CaseFilter{Overdue: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(overdue.Cases) != len(want[worktime.Red]) {
				t.Errorf("at %s: overdue lists %d cases, want %d", c.at, len(overdue.Cases), len(want[worktime.Red]))
			}
			all, err := r.A.Cases.ListCases(ctx, admin, cases.CaseFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range all.Cases {
				if s.Light != c.light[s.Description] {
					t.Errorf("at %s: the list shows case %s %q, want %q", c.at, s.Description, s.Light, c.light[s.Description])
				}
			}
			for name, id := range ids {
				v, err := r.A.Cases.Case(ctx, admin, id)
				if err != nil {
					t.Fatal(err)
				}
				if v.Light != c.light[name] {
					t.Errorf("at %s: case %s shows %q on its page, want %q", c.at, name, v.Light, c.light[name])
				}
			}
			d, err := r.A.Cases.Dashboard(ctx, admin, 5)
			if err != nil {
				t.Fatal(err)
			}
			if d.Overdue != len(want[worktime.Red]) {
				t.Errorf("at %s: the dashboard counts %d overdue (%v), want %d", c.at, d.Overdue, d.OverdueByDepartment, len(want[worktime.Red]))
			}
			if c.at == "2026-03-09 11:30" {
				// Not yet dispatched, acceptance and dispatch are overdue at a centre.
				if w := map[string]int{"": 2, "410802-CGJ": 3}; !maps.Equal(d.OverdueByDepartment, w) {
					t.Errorf("at %s: overdue by department %v, want %v", c.at, d.OverdueByDepartment, w)
				}
				// The chart names the department; the centre's row has no department to name.
				if w := map[string]string{"410802-CGJ": "解放区城市管理局"}; !maps.Equal(d.DepartmentNames, w) {
					t.Errorf("at %s: department names %v, want %v", c.at, d.DepartmentNames, w)
				}
			}
		}
	})
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
