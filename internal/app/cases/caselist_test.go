package cases_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestListCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		jiefang := apptest.PointIn(t, a, "410802001001001")
		shanyang := apptest.PointIn(t, a, "410811001001001")
		report := func(who, category string, at [2]float64) int64 {
			t.Helper()
			now = now.Add(time.Minute) // distinct creation times, newest last
			c, err := a.Cases.Report(ctx, apptest.As(t, db, who), cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: "测试 " + category, Lon: &at[0], Lat: &at[1]})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		var ids []int64
		for _, c := range []string{"09009", "09001", "06010", "06011"} {
			ids = append(ids, report("resident", c, [2]float64(jiefang)))
		}
		other := report("gridworker", "09009", [2]float64(shanyang)) // anyone may report anywhere
		if _, err := a.Cases.Act(ctx, apptest.As(t, db, "operator"), ids[0], "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Cases.Act(ctx, apptest.As(t, db, "dispatcher"), ids[0], "dispatch", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		list := func(who string, f cases.CaseFilter) []int64 {
			t.Helper()
			page, err := a.Cases.ListCases(ctx, apptest.As(t, db, who), f)
			if err != nil {
				t.Fatalf("%s: %v", who, err)
			}
			var got []int64
			for _, c := range page.Cases {
				got = append(got, c.ID)
			}
			return got
		}
		tests := []struct {
			name string
			who  string
			f    cases.CaseFilter
			want []int64
		}{
			{"the admin sees every case, newest first", "admin", cases.CaseFilter{}, []int64{other, ids[3], ids[2], ids[1], ids[0]}},
			{"a district operator sees its district only", "operator", cases.CaseFilter{}, []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"a major class filter", "operator", cases.CaseFilter{Category: "09"}, []int64{ids[1], ids[0]}},
			{"a status filter", "operator", cases.CaseFilter{Statuses: []string{"dispatched"}}, []int64{ids[0]}},
			{"a region filter inside the scope", "operator", cases.CaseFilter{Regions: []string{"410802001"}}, []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"the handler sees its department's case", "handler", cases.CaseFilter{}, []int64{ids[0]}},
			{"a resident sees its own reports", "resident", cases.CaseFilter{Category: "06"}, []int64{ids[3], ids[2]}},
			{"text finds a ticket or words", "admin", cases.CaseFilter{Text: "测试 06010"}, []int64{ids[2]}},
			// Reports wait 30 minutes for acceptance (17:31…17:35 China time); the dispatched case
			// is to be signed for by 08:05 the next morning.
			{"by deadline lists the cases running a stage clock, soonest first", "admin", cases.CaseFilter{SortByDue: true}, []int64{ids[1], ids[2], ids[3], other, ids[0]}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := list(tt.who, tt.f); !slices.Equal(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("pages follow one another without gaps or repeats", func(t *testing.T) {
			var all []int64
			f := cases.CaseFilter{Limit: 2}
			for range 5 {
				page, err := a.Cases.ListCases(ctx, apptest.As(t, db, "admin"), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Cases {
					all = append(all, c.ID)
				}
				if page.Next == "" {
					break
				}
				f.Cursor = page.Next
			}
			if want := []int64{other, ids[3], ids[2], ids[1], ids[0]}; !slices.Equal(all, want) {
				t.Errorf("pages gave %v, want %v", all, want)
			}
		})
		refusals := []struct {
			name string
			who  string
			f    cases.CaseFilter
			want errs.Kind
		}{
			{"a region outside the scope", "operator", cases.CaseFilter{Regions: []string{"410811"}}, errs.Forbidden},
			{"another department", "handler", cases.CaseFilter{Department: "410811-CGJ"}, errs.Forbidden},
			{"a forged cursor", "admin", cases.CaseFilter{Cursor: "bm90LWEtY3Vyc29y"}, errs.Invalid},
		}
		for _, tt := range refusals {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				if _, err := a.Cases.ListCases(ctx, apptest.As(t, db, tt.who), tt.f); !errs.Is(err, tt.want) {
					t.Errorf("err = %v, want %s", err, tt.want)
				}
			})
		}
	})
}

// A text search takes % and _ as the characters a person typed, not as wildcards.
func TestTextSearchTakesWildcardsLiterally(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		at := apptest.PointIn(t, a, "410802001001001")
		ids := map[string]int64{}
		for _, d := range []string{"门店打折50%招牌占道", "门牌500号占道", "井盖A_B破损", "井盖AXB破损", `反斜杠\占道`} {
			now = now.Add(time.Minute)
			c, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: d, Lon: &at[0], Lat: &at[1]})
			if err != nil {
				t.Fatal(err)
			}
			ids[d] = c.ID
		}
		for q, want := range map[string]string{"50%": "门店打折50%招牌占道", "A_B": "井盖A_B破损", `\占`: `反斜杠\占道`} {
			page, err := a.Cases.ListCases(ctx, apptest.As(t, db, "admin"), cases.CaseFilter{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Cases) != 1 || page.Cases[0].ID != ids[want] {
				t.Errorf("%q finds %+v, want only %q", q, page.Cases, want)
			}
		}
	})
}
