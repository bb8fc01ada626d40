package bench_test

import (
	"context"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The generator makes the cases asked for, spread as it says, and the list scenario runs every
// kind of query over them.
func TestGenerateCasesAndList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const n = 2_000
		res, err := bench.List(ctx, io.Discard, db, "test", bench.ListConfig{Cases: n, Queries: 48, Seed: 3, Small: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Gen.Cases != n {
			t.Fatalf("generated %d cases, want %d", res.Gen.Cases, n)
		}
		all, err := listAll(ctx, db, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != n {
			t.Fatalf("the database holds %d cases, want %d", len(all), n)
		}
		closed, grids, tickets := 0, map[string]bool{}, map[string]bool{}
		now := time.Now()
		for _, c := range all {
			s := c.State
			if s.Status == workflow.Closed {
				closed++
			}
			grids[s.Grid()] = true
			if tickets[c.Ticket] {
				t.Errorf("ticket %s given twice", c.Ticket)
			}
			tickets[c.Ticket] = true
			if age := now.Sub(c.CreatedAt); age < 0 || age > 366*24*time.Hour {
				t.Errorf("case %s created %s ago, want within the year", c.Ticket, age)
			}
			dispatched := s.Status != workflow.Reported && s.Status != workflow.Registered && s.Status != workflow.Rejected
			if dispatched != (s.Department != "" && !s.HandleDue.IsZero()) {
				t.Errorf("case %s (%s): department %q, deadline %v", c.Ticket, s.Status, s.Department, s.HandleDue)
			}
		}
		if share := float64(closed) / n; math.Abs(share-0.52) > 0.05 {
			t.Errorf("closed share %.2f, want about 0.52", share)
		}
		if len(grids) < 50 {
			t.Errorf("cases lie in %d grids only", len(grids))
		}
		if len(res.Kinds) < 10 {
			t.Fatalf("%d kinds of query timed", len(res.Kinds))
		}
		for _, k := range res.Kinds {
			if k.Queries == 0 || k.P50 <= 0 || k.P95 < k.P50 {
				t.Errorf("%s: %d queries, p50 %s, p95 %s", k.Name, k.Queries, k.P50, k.P95)
			}
			if k.Rows == 0 && !strings.HasPrefix(k.Name, "grid worker") {
				t.Errorf("%s found nothing in %d cases", k.Name, n)
			}
		}
	})
}

// The district and major-class forms of the list filters select exactly what a prefix does.
func TestListFiltersOnGeneratedCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := bench.List(ctx, io.Discard, db, "test", bench.ListConfig{Cases: 2_000, Queries: 12, Seed: 5, Small: true}); err != nil {
			t.Fatal(err)
		}
		all, err := listAll(ctx, db, store.CaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		tests := []struct {
			name string
			f    store.CaseFilter
			want func(store.CaseRecord) bool
		}{
			{"district", store.CaseFilter{Regions: []string{"410802"}}, func(c store.CaseRecord) bool { return strings.HasPrefix(c.State.Grid(), "410802") }},
			{"subdistrict", store.CaseFilter{Regions: []string{"410811001"}}, func(c store.CaseRecord) bool { return strings.HasPrefix(c.State.Grid(), "410811001") }},
			{"major class", store.CaseFilter{Category: "01"}, func(c store.CaseRecord) bool { return strings.HasPrefix(c.State.Category, "01") }},
			{"open statuses and district", store.CaseFilter{Statuses: []string{"dispatched", "in_progress"}, Regions: []string{"410811"}}, func(c store.CaseRecord) bool {
				return (c.State.Status == workflow.Dispatched || c.State.Status == workflow.InProgress) && strings.HasPrefix(c.State.Grid(), "410811")
			}},
			{"department", store.CaseFilter{Department: "410802-CGJ"}, func(c store.CaseRecord) bool { return c.State.Department == "410802-CGJ" }},
			{"overdue", store.CaseFilter{Overdue: true, Now: now}, func(c store.CaseRecord) bool {
				return !c.LightDue.IsZero() && c.LightDue.Before(now) && !c.State.Status.Terminal() && c.State.Status != workflow.Suspended
			}},
			{"text", store.CaseFilter{Text: "井盖破损"}, func(c store.CaseRecord) bool { return strings.Contains(c.Description, "井盖破损") }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := listAll(ctx, db, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for _, c := range all {
					if tt.want(c) {
						want++
					}
				}
				if want == 0 {
					t.Fatal("the generated cases hold none to find: the test proves nothing")
				}
				if len(got) != want {
					t.Errorf("listed %d, want %d", len(got), want)
				}
				for i, c := range got {
					if !tt.want(c) {
						t.Errorf("case %s does not match the filter", c.Ticket)
					}
					if i > 0 && got[i-1].CreatedAt.Before(c.CreatedAt) {
						t.Errorf("case %s listed after an older one", c.Ticket)
					}
				}
			})
		}
	})
}

// listAll pages through a list to its end.
func listAll(ctx context.Context, db *store.DB, f store.CaseFilter) ([]store.CaseRecord, error) {
	var out []store.CaseRecord
	f.Limit = 200
	for {
		page, next, err := db.ListCases(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		f.Cursor = next
	}
}
