package eval_test

import (
	"context"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// An urging (督办) counts on its day for the department holding the case at that moment, and
// for the case's regions: 环卫 urged on Monday keeps its urging after it returns the case, and
// 城管局, urged twice on Tuesday once the case is redispatched to it, counts those; an urging
// while the case waits at its centre counts for the regions alone.
func TestAnUrgingCountsForTheDepartmentHoldingTheCaseThatDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, "2026-03-09 09:00") // a Monday
		ctx := context.Background()
		r.ID = report(t, r, "09009", false)
		r.At("2026-03-09 09:05")
		r.Act("leader", "urge", workflow.Input{Note: "尽快立案"}) // at the centre
		r.At("2026-03-09 09:10")
		r.Act("operator", "register", workflow.Input{})
		r.At("2026-03-09 09:20")
		r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-HW"})
		r.At("2026-03-09 15:00")
		r.Act("leader", "urge", workflow.Input{Note: "请今日处置"})
		r.At("2026-03-09 15:10")
		r.Act("hw", "return", workflow.Input{Reason: "不归环卫管"})
		r.At("2026-03-10 09:00")
		r.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		r.At("2026-03-10 11:00")
		r.Act("dispatcher", "urge", workflow.Input{})
		r.At("2026-03-10 11:30")
		v := r.Act("leader", "urge", workflow.Input{Note: "再次督办"})
		if v.Counters.Urges != 4 || v.Status != workflow.Dispatched {
			t.Fatalf("after four urgings: %d urges, %s; want 4, still dispatched", v.Counters.Urges, v.Status)
		}

		stats := func(group, from, to string) eval.Table {
			t.Helper()
			tbl, err := r.A.Eval.Stats(ctx, apptest.System, eval.Query{From: from, To: to, Group: group})
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		}
		urged := func(tbl eval.Table, key string) float64 {
			for _, row := range tbl.Rows {
				if row.Key == key {
					return row.Counts.Get("urged")
				}
			}
			return 0
		}
		for _, c := range []struct {
			group, key, from, to string
			want                 float64
		}{
			{eval.KindDepartment, "410802-HW", "2026-03-09", "2026-03-09", 1},
			{eval.KindDepartment, "410802-HW", "2026-03-10", "2026-03-10", 0},
			{eval.KindDepartment, "410802-CGJ", "2026-03-09", "2026-03-09", 0},
			{eval.KindDepartment, "410802-CGJ", "2026-03-10", "2026-03-10", 2},
			{eval.KindDistrict, "410802", "2026-03-09", "2026-03-09", 2},
			{eval.KindDistrict, "410802", "2026-03-09", "2026-03-15", 4},
			{eval.KindGrid, "410802001001001", "2026-03-09", "2026-03-15", 4},
			{eval.KindPerson, "leader", "2026-03-09", "2026-03-15", 0}, // an urging is supervision's act, not the leader's record
		} {
			if got := urged(stats(c.group, c.from, c.to), c.key); got != c.want {
				t.Errorf("%s %s %s–%s: urged %v, want %v", c.group, c.key, c.from, c.to, got, c.want)
			}
		}
		if eval.Labels["urged"] != "督办数" {
			t.Errorf("the count's label: %q", eval.Labels["urged"])
		}
		checkRebuild(t, r, "after the urgings")
	})
}
