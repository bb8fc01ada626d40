package cases_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// BenchmarkReport measures the intake use case alone (no HTTP) on durable SQLite: one
// transaction per report with its ticket, event, audit record, outbox message and clock.
func BenchmarkReport(b *testing.B) {
	ctx := context.Background()
	db, a := durableDemo(b)
	// Reports spread over the district's grids, as a city's are: the duplicate search looks
	// at the neighbourhood, not at every case.
	var points []orb.Point
	err := db.EachRegion(ctx, true, func(r grid.Region) error {
		if p, ok := grid.PointInside(r.Geometry); ok && r.Level == grid.Grid {
			points = append(points, p)
		}
		return nil
	})
	if err != nil || len(points) == 0 {
		b.Fatalf("no grid points: %v", err)
	}
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := points[int(next.Add(1))%len(points)]
			if _, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "bench", Lon: &p[0], Lat: &p[1]}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// durableDemo is the small demo city on durable SQLite in a file, as the benchmarks use it.
func durableDemo(b *testing.B) (*store.DB, *app.App) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	a, err := app.New(db, app.Options{Logger: apptest.Quiet(), BcryptCost: 4})
	if err != nil {
		b.Fatal(err)
	}
	if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
		b.Fatal(err)
	}
	return db, a
}
