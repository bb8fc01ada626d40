package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The list filter by light is worktime.LightAt in SQL: at every boundary (a microsecond before
// the warning, at it, between, at the deadline, a microsecond after) the cases a light lists
// are exactly those whose handling clock LightAt gives that light.
func TestLightFilterAgreesWithLightAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		µs := time.Microsecond
		offsets := []struct{ warn, due time.Duration }{ // relative to now
			{µs, time.Hour}, {0, time.Hour}, {-time.Hour, time.Hour}, {-time.Hour, 0}, {-time.Hour, -µs},
		}
		want := map[worktime.Light][]string{}
		var recs []store.CaseRecord
		for i, o := range offsets {
			warn, due := now.Add(o.warn), now.Add(o.due)
			ticket := fmt.Sprintf("20260310-%06d", i+1)
			recs = append(recs, store.CaseRecord{Ticket: ticket, Source: "patrol", Description: "t", Lon: 113.2, Lat: 35.2,
				InputCRS: "wgs84", HandleWarn: warn, CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now,
				State: workflow.Case{Status: workflow.InProgress, Version: 3, Kind: workflow.Matter, Category: "01001",
					Urgency: workflow.UrgencyNormal, RegionPath: []string{"4108", "410802", "410802001"}, Department: "CGJ",
					Holder: workflow.Holder{Kind: workflow.HolderDepartment, Code: "CGJ"}, HandleDue: due}})
			l := worktime.LightAt(now, warn, due)
			want[l] = append(want[l], ticket)
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return db.InsertCasesBulk(ctx, recs) }); err != nil {
			t.Fatal(err)
		}
		all, _, err := db.ListCases(ctx, store.CaseFilter{Limit: 50})
		if err != nil || len(all) != len(recs) {
			t.Fatalf("%d cases stored (%v), want %d", len(all), err, len(recs))
		}
		for _, r := range all { // the bulk insert leaves the yellow moment to SetHandleWarn, as intake does
			i := slices.IndexFunc(recs, func(c store.CaseRecord) bool { return c.Ticket == r.Ticket })
			if err := db.SetHandleWarn(ctx, r.ID, recs[i].HandleWarn); err != nil {
				t.Fatal(err)
			}
		}
		for _, l := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
			got, _, err := db.ListCases(ctx, store.CaseFilter{Light: string(l), Now: now, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			var tickets []string
			for _, r := range got {
				tickets = append(tickets, r.Ticket)
			}
			slices.Sort(tickets)
			if !slices.Equal(tickets, want[l]) {
				t.Errorf("%s: listed %v, LightAt says %v", l, tickets, want[l])
			}
		}
	})
}
