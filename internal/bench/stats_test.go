package bench_test

import (
	"context"
	"io"
	"testing"

	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The stats scenario counts generated cases into the aggregates and asks both kinds of
// question; the aggregates give the same counts as the GROUP BY over the cases.
func TestStatsScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		res, err := bench.Stats(context.Background(), io.Discard, db, "test", bench.StatsConfig{Cases: 3_000, Queries: 4, Seed: 5, Small: true, Grids: 2_500})
		if err != nil {
			t.Fatal(err)
		}
		// The small city has a few hundred grids; a synthetic city beside it makes up the rest.
		if res.Gen.Grids < 2_000 || res.Gen.Grids > 3_500 { // SyntheticCity rounds to whole communities
			t.Errorf("the cases spread over %d unit grids, want about 2,500", res.Gen.Grids)
		}
		if res.Gen.Cases != 3_000 || len(res.Kinds) != 2 {
			t.Fatalf("generated %d cases, timed %d kinds; want 3000 and 2", res.Gen.Cases, len(res.Kinds))
		}
		for _, k := range res.Kinds {
			if k.Rows == 0 || !k.SameAnswers {
				t.Errorf("%s: %d rows, same answer %v; want rows and the same answer", k.Name, k.Rows, k.SameAnswers)
			}
		}
	})
}
