package bench

import (
	"context"
	"log/slog"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/store"
)

func TestZZRebuild(t *testing.T) {
	path := os.Getenv("EXPDB")
	if path == "" {
		t.Skip()
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(db, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	pf, _ := os.Create("/tmp/rebuild.prof")
	pprof.StartCPUProfile(pf)
	defer pprof.StopCPUProfile()
	start, c0 := time.Now(), cpuNow()
	n, err := a.Eval.Rebuild(ctx, access.SystemPrincipal("bench"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rebuilt %d cases in %s: %.0f/s cpu %.1f µs/case", n, time.Since(start), float64(n)/time.Since(start).Seconds(), float64((cpuNow()-c0).Microseconds())/float64(n))
}
