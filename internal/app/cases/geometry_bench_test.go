package cases_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// cpuTime is the CPU the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReportLargestArea is the worst case an anonymous caller can ask of intake's geometry
// check: a report whose area has the most points allowed (grid.MaxReportVertices), shaped as a
// comb, whose teeth all overlap in longitude (the worst case of the check this replaced). It
// runs the whole use case on durable SQLite, decoding the GeoJSON included, and prints the CPU
// time per report as cpu-ms/op (the budget is 20 ms). Run with
// go test ./internal/app/cases -run '^$' -bench ReportLargestArea
func BenchmarkReportLargestArea(b *testing.B) {
	ctx := context.Background()
	_, a := durableDemo(b)
	g, err := a.Regions.Region(ctx, demo.GridWorkerGrid, true)
	if err != nil {
		b.Fatal(err)
	}
	c, ok := grid.PointInside(g.Geometry)
	if !ok {
		b.Fatal("no point inside the grid")
	}
	area := orb.Polygon{grid.Comb(c[0]-0.0004, c[1]-0.0004, 0.0008, grid.MaxReportVertices)}
	raw, err := grid.EncodeGeometry(area)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(grid.Vertices(area)), "points")
	start := cpuTime()
	for b.Loop() {
		if _, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "bench", Geometry: raw}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}
