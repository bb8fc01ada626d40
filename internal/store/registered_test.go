package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// A case's first registration is kept as it happens and through the case's later steps, and
// migration 00052 finds it in the timelines of cases registered before the column existed.
func TestTheFirstRegistrationIsKeptAndFoundForOlderCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }})
		report := func() int64 {
			p := apptest.PointIn(t, a, "410802001001001")
			c, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "x", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		act := func(who string, id int64, action string, in workflow.Input) {
			t.Helper()
			if _, err := a.Cases.Act(ctx, apptest.As(t, db, who), id, action, nil, in); err != nil {
				t.Fatalf("%s case %d: %v", action, id, err)
			}
		}
		never, once := report(), report()
		first := now.Add(40 * time.Minute)
		now = first
		act("operator", once, "register", workflow.Input{})

		registered := func() map[int64]time.Time {
			out := map[int64]time.Time{}
			err := db.EachExportCase(ctx, store.CaseFilter{}, 10, func(c store.ExportCase) error {
				out[c.ID] = c.RegisteredAt
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		check := func(when string) {
			t.Helper()
			got := registered()
			if !got[never].IsZero() || !got[once].Equal(first) {
				t.Errorf("%s: registered at %v (never) and %v, want zero and %v", when, got[never], got[once], first)
			}
		}
		check("as written")
		if err := db.MigrateDownTo(context.WithoutCancel(ctx), 51); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("after the migration")
		now = now.Add(time.Hour)
		act("dispatcher", once, "dispatch", workflow.Input{Department: "410802-CGJ"})
		check("after a dispatch")
	})
}
