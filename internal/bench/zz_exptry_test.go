package bench

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"syscall"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"runtime/pprof"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZExpTry(t *testing.T) {
	path := os.Getenv("EXPDB")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(db, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if statErr != nil {
		if err := demo.Seed(ctx, a, demo.Options{Full: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := GenerateCases(ctx, db, GenConfig{Cases: 1_000_000, Seed: 1, Now: time.Now(), Chronological: true}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddBulkTimelines(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
	}
	admin := access.SystemPrincipal("bench")
	pf, _ := os.Create("/tmp/zz.prof")
	pprof.StartCPUProfile(pf)
	defer pprof.StopCPUProfile()
	for i := 0; i < 2; i++ {
		start, c0 := time.Now(), cpuNow()
		var n int
		if err := a.Exports.EachCaseRow(ctx, admin, nil, func([]any) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		t.Logf("read %d rows in %s: %.0f rows/s, cpu %.1f µs/row", n, time.Since(start), float64(n)/time.Since(start).Seconds(), float64((cpuNow()-c0).Microseconds())/float64(n))
	}
	for i := 0; i < 2; i++ {
		f, _ := os.Create("/tmp/exp.xlsx")
		start, c0 := time.Now(), cpuNow()
		n, err := a.Exports.WriteCases(ctx, admin, nil, "xlsx", f, nil)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Logf("xlsx %d rows in %s: %.0f rows/s, cpu %.1f µs/row", n, time.Since(start), float64(n)/time.Since(start).Seconds(), float64((cpuNow()-c0).Microseconds())/float64(n))
	}
}
