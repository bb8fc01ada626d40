package cases_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// TestSupportIsBounded: anyone may say "me too" without signing in, so what it stores is
// bounded: a device id of at most 64 bytes, so many supports an hour from one address (an IPv6
// /64 counting as one), and at most workflow.MaxSupporters on a case. A refused support
// changes nothing.
func TestSupportIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, SupportsPerAddress: 3})
		pt := apptest.PointIn(t, a, demo.GridWorkerGrid)
		report := func() int64 {
			t.Helper()
			c, err := a.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009",
				Description: "占道", Lon: &pt[0], Lat: &pt[1]})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		support := func(ctx context.Context, id int64, device string) error {
			_, err := a.Cases.Act(ctx, nil, id, "support", nil, workflow.Input{Supporter: device})
			return err
		}
		state := func(id int64) store.CaseRecord {
			t.Helper()
			rec, err := db.Case(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		from := func(addr string) context.Context { return audit.WithClientAddr(t.Context(), addr) }

		t.Run("a device id over 64 bytes is refused", func(t *testing.T) {
			id := report()
			for _, device := range []string{strings.Repeat("d", 65), strings.Repeat("长", 1<<18)} {
				err := support(t.Context(), id, device)
				reason, params := errs.Detail(err)
				if !errs.Is(err, errs.Invalid) || reason != "too_long" || params["field"] != "supporter" || params["max"] != 64 {
					t.Errorf("a %d-byte id: %v (reason %s, params %v), want too_long for supporter", len(device), err, reason, params)
				}
			}
			if got := state(id).State; got.Counters.Supports != 0 || got.Version != 1 {
				t.Errorf("after refusals: %d supports, version %d; want none, 1", got.Counters.Supports, got.Version)
			}
			if err := support(t.Context(), id, strings.Repeat("d", 64)); err != nil {
				t.Errorf("a 64-byte id: %v", err)
			}
		})

		t.Run("an address may support so many times an hour, an IPv6 /64 being one address", func(t *testing.T) {
			id := report()
			for i, addr := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::9"} {
				if err := support(from(addr), id, fmt.Sprintf("device:a%d", i)); err != nil {
					t.Fatalf("support %d: %v", i+1, err)
				}
			}
			err := support(from("2001:db8:1:2::77"), id, "device:a4")
			if reason, _ := errs.Detail(err); !errs.Is(err, errs.TooMany) || reason != "throttled" || errs.RetryAfter(err) != time.Hour {
				t.Errorf("a fourth from the same /64: %v (reason %s, retry after %s), want throttled for an hour", err, reason, errs.RetryAfter(err))
			}
			for _, addr := range []string{"2001:db8:1:3::1", "203.0.113.7"} {
				if err := support(from(addr), id, "device:"+addr); err != nil {
					t.Errorf("from another address %s: %v", addr, err)
				}
			}
			if got := state(id).State.Counters.Supports; got != 5 {
				t.Errorf("supports: %d, want 5 (the throttled one not counted)", got)
			}
			now = now.Add(time.Hour)
			if err := support(from("2001:db8:1:2::1"), id, "device:a5"); err != nil {
				t.Errorf("an hour later: %v", err)
			}
		})

		t.Run("a case keeps at most MaxSupporters", func(t *testing.T) {
			id := report()
			for i := range workflow.MaxSupporters {
				if err := support(t.Context(), id, fmt.Sprintf("d:%062d", i)); err != nil {
					t.Fatalf("support %d: %v", i+1, err)
				}
			}
			before := state(id)
			err := support(t.Context(), id, "device:one-more")
			reason, params := errs.Detail(err)
			if !errs.Is(err, errs.Conflict) || reason != workflow.ReasonSupportersFull || params["max"] != workflow.MaxSupporters {
				t.Errorf("one more: %v (reason %s, params %v), want supporters_full", err, reason, params)
			}
			after := state(id)
			if after.State.Version != before.State.Version || after.State.Counters.Supports != workflow.MaxSupporters {
				t.Errorf("after the refusal: version %d → %d, %d supports", before.State.Version, after.State.Version, after.State.Counters.Supports)
			}
		})
	})
}
