package bench_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// small is the scenario at a scale a test can afford: a few hundred grids, two thousand points.
var small = bench.LocateConfig{Grids: 500, Points: 2_000, Seed: 1}

func TestLocateInProcess(t *testing.T) {
	var out bytes.Buffer
	res, err := bench.Locate(t.Context(), &out, small)
	if err != nil {
		t.Fatal(err)
	}
	report := out.String()
	t.Log("\n" + report)
	for _, want := range []string{"citygrid", "ns per lookup", "target ≤ 2 µs per lookup", "comparison skipped", "machine"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if res.UnitGrids < 300 || res.Regions <= res.UnitGrids {
		t.Errorf("city of %d regions, %d unit grids: want about 500 grids under a few communities", res.Regions, res.UnitGrids)
	}
	// The city is a rough disc in its bounding box: about π/4 of the points fall inside.
	if res.Located < res.Points/2 || res.Located == res.Points || res.LocatedToGrid > res.Located {
		t.Errorf("located %d (%d to a grid) of %d points", res.Located, res.LocatedToGrid, res.Points)
	}
	if res.NsPerLookup <= 0 {
		t.Errorf("ns per lookup %v", res.NsPerLookup)
	}
	if res.PostGIS != nil {
		t.Error("PostGIS compared without a server")
	}
}

func TestLocateRefusesABadDSN(t *testing.T) {
	cfg := small
	cfg.PostGIS = "nonsense://::"
	var out bytes.Buffer
	if _, err := bench.Locate(t.Context(), &out, cfg); !errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v, want an invalid-input error", err)
	}
	if out.Len() != 0 {
		t.Errorf("measured before refusing the DSN:\n%s", out.String())
	}
}

// TestLocateAgainstPostGIS runs the comparison on a scratch database. It skips where PostGIS
// cannot be had, unless CITYGRID_REQUIRE names "postgis".
func TestLocateAgainstPostGIS(t *testing.T) {
	dsn := os.Getenv("CITYGRID_TEST_POSTGRES")
	if dsn == "" {
		dsn = storetest.DefaultPostgres
	}
	cfg := small
	cfg.PostGIS = dsn
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := bench.Locate(ctx, &out, cfg)
	report := out.String()
	t.Log("\n" + report)
	if err != nil {
		t.Fatal(err)
	}
	if res.PostGIS == nil {
		storetest.SkipOrFail(t, "postgis", res.PostGISSkipped)
	}
	pg := res.PostGIS
	for _, want := range []string{"per query", "batched", "faster than a PostGIS query per point", "target ≥ 100x faster than PostGIS", "PostGIS " + res.PostGISVersion} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Count(report, "ns per lookup") != 3 {
		t.Errorf("want three ns-per-lookup lines (citygrid, per query, batched)")
	}
	if pg.Sample != small.Points || pg.NsPerQuery <= 0 || pg.NsPerPointBatched <= 0 {
		t.Errorf("sample %d, %v ns per query, %v ns per point batched", pg.Sample, pg.NsPerQuery, pg.NsPerPointBatched)
	}
	// Random float64 points land on a shared edge with probability nil, and GeoJSON carries the
	// coordinates exactly (shortest round-tripping decimals), so the two must agree everywhere.
	if pg.Compared != res.LocatedToGrid || pg.Disagreements != 0 { // the sample is every point
		t.Errorf("%d disagreements in %d compared points, want 0", pg.Disagreements, pg.Compared)
	}
	if pg.Located != res.LocatedToGrid || pg.LocatedBatched != pg.Located {
		t.Errorf("PostGIS located %d points per query, %d batched; citygrid %d to a grid", pg.Located, pg.LocatedBatched, res.LocatedToGrid)
	}

	// The scratch database is gone.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, pg.Database).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("scratch database %s was not dropped", pg.Database)
	}
}
