package eval_test

import (
	"context"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The groupings a page offers are the ones Stats answers for the viewer, so it never opens on
// a refusal: a grid worker ranks its grids and itself, a handler its department and people, a
// district leader everything from its district down, the city all.
func TestGroupsAreWhatTheViewerMayRank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, "2026-03-09 09:00")
		ctx := context.Background()
		for _, tc := range []struct {
			who  string
			want []string
		}{
			{"gridworker", []string{"grid", "person"}},
			{"handler", []string{"department", "person"}},
			{"leader", []string{"department", "district", "subdistrict", "community", "grid", "person"}},
			{"admin", []string{"department", "district", "subdistrict", "community", "grid", "person"}},
		} {
			actor := apptest.As(t, db, tc.who)
			got, err := r.A.Eval.Groups(ctx, actor)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s may rank %v (%v), want %v", tc.who, got, err, tc.want)
			}
			for _, g := range got { // each one answers
				if _, err := r.A.Eval.Stats(ctx, actor, eval.Query{From: "2026-03-01", To: "2026-03-09", Group: g}); err != nil {
					t.Errorf("%s's %s table: %v", tc.who, g, err)
				}
			}
		}
		if _, err := r.A.Eval.Groups(ctx, apptest.As(t, db, "resident")); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident's groupings: %v, want forbidden", err)
		}
	})
}
