package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// BenchmarkNearbyOpen measures the report form's nearby search on durable SQLite holding a
// year of a busy city's cases (200,000 over the small demo city, at four places per grid, so
// each place has hundreds of open cases around it: worse than a real street), asked at the
// places of cases: with a category (its class is read) and without (every public category).
func BenchmarkNearbyOpen(b *testing.B) {
	ctx := context.Background()
	db, a := durableDemo(b)
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	gen, err := bench.GenerateCases(ctx, db, bench.GenConfig{Cases: n, Seed: 7, Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	recs, _, err := db.ListCases(ctx, store.CaseFilter{Limit: 200})
	if err != nil || len(recs) == 0 {
		b.Fatalf("no cases to ask around: %v", err)
	}
	b.Logf("%d cases over %d grids (%d open)", gen.Cases, gen.Grids, gen.Cases-gen.ByStatus[workflow.Closed]-gen.ByStatus[workflow.Rejected])
	for _, tc := range []struct {
		name string
		kind func(store.CaseRecord) (workflow.CategoryKind, string)
	}{
		{"with a category", func(r store.CaseRecord) (workflow.CategoryKind, string) { return r.State.Kind, r.State.Category }},
		{"without", func(store.CaseRecord) (workflow.CategoryKind, string) { return "", "" }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			found, i, cpu := 0, 0, cpuTime()
			for b.Loop() {
				r := recs[i%len(recs)]
				i++
				kind, code := tc.kind(r)
				got, err := a.Cases.NearbyOpen(ctx, r.Lon, r.Lat, kind, code)
				if err != nil {
					b.Fatal(err)
				}
				found += len(got)
			}
			b.ReportMetric(float64(found)/float64(i), "found/op")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(i)/1e6, "cpu-ms/op") // the machine's load aside
		})
	}
}
