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

// The list filter by light is CaseRecord.Light (worktime.LightAt over the running clocks'
// earliest warning and deadline) in SQL: at every boundary (a microsecond before the warning,
// at it, between, at the deadline, a microsecond after) the cases a light lists are exactly
// those LightAt gives that light, whatever stage they are in; a case running no clock has none.
func TestLightFilterAgreesWithLightAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		µs := time.Microsecond
		offsets := []struct{ warn, due time.Duration }{ // relative to now
			{µs, time.Hour}, {0, time.Hour}, {-time.Hour, time.Hour}, {-time.Hour, 0}, {-time.Hour, -µs},
		}
		statuses := []workflow.Status{workflow.Reported, workflow.Registered, workflow.Dispatched, workflow.InProgress, workflow.Handled}
		want := map[worktime.Light][]string{}
		var recs []store.CaseRecord
		for i, o := range offsets {
			warn, due := now.Add(o.warn), now.Add(o.due)
			ticket := fmt.Sprintf("20260310-%06d", i+1)
			recs = append(recs, store.CaseRecord{Ticket: ticket, Source: "patrol", Description: "t", Lon: 113.2, Lat: 35.2,
				InputCRS: "wgs84", LightWarn: warn, LightDue: due, CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now,
				State: workflow.Case{Status: statuses[i], Version: 3, Kind: workflow.Matter, Category: "01001",
					Urgency: workflow.UrgencyNormal, RegionPath: []string{"4108", "410802", "410802001"}}})
			l := worktime.LightAt(now, warn, due)
			want[l] = append(want[l], ticket)
		}
		// Running no clock: suspended, closed.
		for i, s := range []workflow.Status{workflow.Suspended, workflow.Closed} {
			recs = append(recs, store.CaseRecord{Ticket: fmt.Sprintf("20260310-%06d", 100+i), Source: "patrol", Description: "t",
				Lon: 113.2, Lat: 35.2, InputCRS: "wgs84", CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now,
				State: workflow.Case{Status: s, Version: 3, Kind: workflow.Matter, Category: "01001", Urgency: workflow.UrgencyNormal,
					RegionPath: []string{"4108", "410802", "410802001"}, HandleDue: now.Add(-time.Hour)}})
		}
		if err := db.InTx(ctx, func(ctx context.Context) error { return db.InsertCasesBulk(ctx, recs) }); err != nil {
			t.Fatal(err)
		}
		all, _, err := db.ListCases(ctx, store.CaseFilter{Limit: 50})
		if err != nil || len(all) != len(recs) {
			t.Fatalf("%d cases stored (%v), want %d", len(all), err, len(recs))
		}
		for _, r := range all {
			i := slices.IndexFunc(recs, func(c store.CaseRecord) bool { return c.Ticket == r.Ticket })
			if got, w := r.Light(now), worktime.Light(""); !recs[i].LightDue.IsZero() {
				if w = worktime.LightAt(now, recs[i].LightWarn, recs[i].LightDue); got != w {
					t.Errorf("case %s (%s): Light %q, want %q", r.Ticket, r.State.Status, got, w)
				}
			} else if got != w {
				t.Errorf("case %s (%s) runs no clock, yet shows %q", r.Ticket, r.State.Status, got)
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

// Migration 00032 gives cases that were open before it their light from their running clocks:
// the earliest warning and deadline of the unpaused ones; none for a case whose clocks are all
// paused or stopped.
func TestLightMigrationFillsOpenCases(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateUpTo(ctx, 31); err != nil {
			t.Fatal(err)
		}
		seedRegions(t, db)
		raw := storetest.Raw(t, dsn)
		us := func(m int) int64 { return time.Date(2026, 3, 10, 2, m, 0, 0, time.UTC).UnixMicro() }
		for id, status := range map[int]string{1: "dispatched", 2: "suspended", 3: "closed"} {
			if _, err := raw.Exec(`INSERT INTO cases (id, ticket, source, kind, category, lon, lat, grid_code, urgency, status, version, state, created_at, updated_at)
				VALUES ($1, $2, 'patrol', 'matter', '01001', 113.2, 35.2, '410802001', 'normal', $3, 3, '{}', $4, $4)`,
				id, fmt.Sprintf("20260310-%06d", id), status, us(0)); err != nil {
				t.Fatal(err)
			}
		}
		clocks := []struct {
			caseID          int
			stage           string
			warn, due       int64
			paused, stopped any
		}{
			{1, "sign", us(40), us(50), nil, nil},
			{1, "handle", us(30), us(90), nil, nil}, // warns first, is due last
			{1, "accept", us(1), us(2), nil, us(3)}, // stopped: the stage is over
			{2, "handle", us(10), us(20), us(5), nil},
			{3, "verify", us(10), us(20), nil, us(15)},
		}
		for _, c := range clocks {
			if _, err := raw.Exec(`INSERT INTO case_clocks (case_id, stage, started_at, limit_value, limit_unit, due_at, warn_at, paused_at, stopped_at)
				VALUES ($1, $2, $3, 1, 'work_hour', $4, $5, $6, $7)`, c.caseID, c.stage, us(0), c.due, c.warn, c.paused, c.stopped); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[int64][2]int64{1: {us(30), us(50)}, 2: {}, 3: {}}
		for id, w := range want {
			c, err := db.Case(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var got [2]int64
			if !c.LightDue.IsZero() {
				got = [2]int64{c.LightWarn.UnixMicro(), c.LightDue.UnixMicro()}
			}
			if got != w {
				t.Errorf("case %d (%s): light moments %v, want %v", id, c.State.Status, got, w)
			}
		}
	})
}
