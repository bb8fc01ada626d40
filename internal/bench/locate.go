// Package bench holds the performance scenarios `citygrid bench` runs: each builds its own
// data, measures, and writes a readable report with the targets beside the numbers.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// The targets of the locate issue, printed beside the numbers.
const (
	TargetNsPerLookup   = 2000 // in-process: at most 2 µs per point
	TargetPostGISFactor = 100  // at least 100 times faster than a PostGIS query per point
)

// DefaultPostGIS is the server `bench locate` compares with unless told otherwise: the local
// PostgreSQL the tests use too.
const DefaultPostGIS = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DefaultSample is how many of the points are sent to PostGIS: one round trip each is slow
// enough that the whole set would take minutes.
const DefaultSample = 20_000

// LocateConfig says what `bench locate` builds and measures.
type LocateConfig struct {
	Grids  int    // unit grids in the synthetic city (about)
	Points int    // random points in the city's bounding box
	Seed   uint64 // seeds the city and the points
	// PostGIS is the DSN of a PostgreSQL server where a scratch database may be created and
	// dropped; empty leaves the comparison out.
	PostGIS string
	Sample  int // points sent to PostGIS; 0 means DefaultSample (never more than Points)
	Passes  int // timed passes, the best counts; 0 means 3
}

// LocateResult is what the report says, for tests and callers that want the numbers.
type LocateResult struct {
	Regions       int // regions in the index
	UnitGrids     int
	Points        int
	Located       int // points inside some region
	LocatedToGrid int // points whose deepest region is a unit grid
	NsPerLookup   float64

	PostGIS *PostGISResult // nil when the comparison did not run
	// PostGISSkipped says why the comparison did not run (PostGIS missing, server silent).
	PostGISSkipped string
	// PostgresVersion and PostGISVersion are the server's, as far as it was reached.
	PostgresVersion, PostGISVersion string
}

// PostGISResult is the comparison with PostGIS on a sample of the same points.
type PostGISResult struct {
	Database          string // the scratch database, dropped at the end
	Sample            int
	NsPerQuery        float64 // one prepared query per point, one round trip each
	NsPerPointBatched float64 // every sample point located in one statement
	NsPerRoundTrip    float64 // SELECT 1 on the same connection, for scale
	Located           int     // sample points PostGIS put in a unit grid (per-query pass)
	LocatedBatched    int     // the same, counted by the batched statement
	Compared          int     // sample points citygrid or PostGIS put in a unit grid
	Disagreements     int     // of those, the points where the two name different grids
}

// errNoPostGIS marks a server without the PostGIS extension: the comparison is skipped, not failed.
var errNoPostGIS = errors.New("PostGIS is not installed here: apt-get install -y postgresql-15-postgis-3 (Debian), then run again")

// Locate runs the locate scenario and writes its report to w as it goes.
func Locate(ctx context.Context, w io.Writer, cfg LocateConfig) (*LocateResult, error) {
	if cfg.Grids < 1 || cfg.Points < 1 {
		return nil, fmt.Errorf("bench locate: grids and points must be positive (got %d, %d)", cfg.Grids, cfg.Points)
	}
	if cfg.Sample <= 0 {
		cfg.Sample = DefaultSample
	}
	cfg.Sample = min(cfg.Sample, cfg.Points)
	if cfg.Passes <= 0 {
		cfg.Passes = 3
	}
	var pgCfg *pgx.ConnConfig
	if cfg.PostGIS != "" { // a wrong DSN is said before minutes of work, not after
		c, err := pgx.ParseConfig(cfg.PostGIS)
		if err != nil {
			return nil, errs.E(errs.Invalid, "--postgis is not a PostgreSQL DSN: %v", err)
		}
		pgCfg = c
	}
	res := &LocateResult{Points: cfg.Points}
	fmt.Fprintf(w, "citygrid bench locate: a synthetic city of about %s unit grids, %s random points, seed %d\n\n",
		count(cfg.Grids), count(cfg.Points), cfg.Seed)

	// 1. The city and its index.
	start := time.Now()
	regions := grid.SyntheticCity(cfg.Grids, cfg.Seed)
	generated := time.Since(start)
	start = time.Now()
	ix, err := grid.NewIndex(regions)
	if err != nil {
		return nil, fmt.Errorf("bench locate: index: %w", err)
	}
	built := time.Since(start)
	var unitGrids []grid.Region
	for _, r := range regions {
		if r.Level == grid.Grid && r.Geometry != nil {
			unitGrids = append(unitGrids, r)
		}
	}
	res.Regions, res.UnitGrids = ix.Len(), len(unitGrids)
	fmt.Fprintf(w, "city        %s regions indexed, %s of them unit grids\n", count(res.Regions), count(res.UnitGrids))
	fmt.Fprintf(w, "build       city generated in %s, index built in %s\n\n", dur(generated), dur(built))

	// 2. In-process lookups.
	pts := randomPoints(regions[0].Geometry.Bound(), cfg.Points, cfg.Seed)
	res.NsPerLookup, res.Located, res.LocatedToGrid = timeIndex(ix, pts, cfg.Passes)
	fmt.Fprintf(w, "in-process  grid.Index.Locate on one goroutine, best of %d passes over all %s points after a warm-up pass\n",
		cfg.Passes, count(cfg.Points))
	fmt.Fprintf(w, "  citygrid             %s ns per lookup   (target ≤ 2 µs per lookup: %s)\n",
		nsf(res.NsPerLookup), verdict(res.NsPerLookup <= TargetNsPerLookup))
	fmt.Fprintf(w, "  located              %s of %s points in a region, %s in a unit grid (the rest fall outside the city or its grids)\n\n",
		count(res.Located), count(cfg.Points), count(res.LocatedToGrid))

	// 3. PostGIS on a sample of the same points.
	var pg *PostGISResult
	if cfg.PostGIS == "" {
		res.PostGISSkipped = "no --postgis server given"
		fmt.Fprintf(w, "PostGIS     comparison skipped: %s\n\n", res.PostGISSkipped)
	} else {
		pg, err = comparePostGIS(ctx, w, cfg, pgCfg, res, unitGrids, ix, pts[:cfg.Sample])
		var skip skipError
		switch {
		case errors.As(err, &skip):
			res.PostGISSkipped = skip.Error()
			fmt.Fprintf(w, "%s\nPostGIS comparison skipped; the in-process numbers above stand.\n\n", skip.Error())
		case err != nil:
			return res, err
		default:
			res.PostGIS = pg
			perQuery, batched := pg.NsPerQuery/res.NsPerLookup, pg.NsPerPointBatched/res.NsPerLookup
			fmt.Fprintf(w, "citygrid is %s faster than a PostGIS query per point, %s faster than PostGIS batched\n",
				factor(perQuery), factor(batched))
			fmt.Fprintf(w, "  PostGIS per query / citygrid   %s   (target ≥ 100x faster than PostGIS: %s)\n",
				factor(perQuery), verdict(perQuery >= TargetPostGISFactor))
			fmt.Fprintf(w, "  PostGIS batched / citygrid     %s   (no network round trips: the server's own cost per point)\n\n",
				factor(batched))
		}
	}

	// 4. The machine.
	fmt.Fprintf(w, "machine     %d CPUs (GOMAXPROCS %d), %s/%s, %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	switch {
	case res.PostGISVersion != "":
		fmt.Fprintf(w, "            %s, PostGIS %s\n", res.PostgresVersion, res.PostGISVersion)
	case res.PostgresVersion != "":
		fmt.Fprintf(w, "            %s, PostGIS not installed\n", res.PostgresVersion)
	}
	return res, nil
}

// randomPoints draws n points uniformly in b from a generator seeded by seed alone.
func randomPoints(b orb.Bound, n int, seed uint64) []orb.Point {
	rng := mrand.New(mrand.NewPCG(seed, 0x6c6f63617465)) // "locate"
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return pts
}

// timeIndex locates every point once to warm up, then passes times more, and returns the best
// pass's time per point. It runs on one goroutine locked to its thread, so the number is the
// cost on one core whatever GOMAXPROCS is.
func timeIndex(ix *grid.Index, pts []orb.Point, passes int) (nsPerLookup float64, located, toGrid int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, p := range pts { // warm-up, and the counts
		if l, ok := ix.Locate(p); ok {
			located++
			if l.Region.Level == grid.Grid {
				toGrid++
			}
		}
	}
	best := time.Duration(1<<63 - 1)
	for range passes {
		runtime.GC()
		n := 0
		start := time.Now()
		for _, p := range pts {
			if _, ok := ix.Locate(p); ok {
				n++
			}
		}
		elapsed := time.Since(start)
		if n != located {
			panic("bench: the index answered differently on the same points")
		}
		best = min(best, elapsed)
	}
	return float64(best.Nanoseconds()) / float64(len(pts)), located, toGrid
}

// skipError is a reason the PostGIS comparison cannot run here that is no fault of the run.
type skipError struct{ error }

const (
	locateOne = `SELECT code FROM grids WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`
	locateAll = `SELECT count(*) FROM unnest($1::float8[], $2::float8[]) AS p(lon, lat)
CROSS JOIN LATERAL (SELECT code FROM grids g WHERE ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) LIMIT 1) x`
)

// comparePostGIS loads the unit grids into a scratch database with PostGIS, locates the sample
// there one query per point and in one batched statement, and checks PostGIS names the same
// grids as the index. The scratch database is dropped on the way out, whatever happens.
func comparePostGIS(ctx context.Context, w io.Writer, cfg LocateConfig, adminCfg *pgx.ConnConfig, out *LocateResult, unitGrids []grid.Region, ix *grid.Index, sample []orb.Point) (_ *PostGISResult, err error) {
	where := redact(cfg.PostGIS)
	connCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	admin, err := pgx.ConnectConfig(connCtx, adminCfg)
	if err != nil {
		return nil, skipError{fmt.Errorf("PostgreSQL does not answer at %s: %w", where, err)}
	}
	defer admin.Close(context.WithoutCancel(ctx))

	res := &PostGISResult{Sample: len(sample)}
	if err := admin.QueryRow(ctx, `SELECT version()`).Scan(&out.PostgresVersion); err != nil {
		return nil, fmt.Errorf("bench locate: %s: %w", where, err)
	}
	if i := strings.Index(out.PostgresVersion, " on "); i > 0 {
		out.PostgresVersion = out.PostgresVersion[:i]
	}
	var available int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'`).Scan(&available); err != nil {
		return nil, fmt.Errorf("bench locate: %s: %w", where, err)
	}
	if available == 0 {
		return nil, skipError{errNoPostGIS}
	}

	// A fresh database, so nothing of the server's is touched and the extension comes and goes with it.
	res.Database = "citygrid_bench_" + randomHex(6)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+res.Database); err != nil {
		return nil, fmt.Errorf("bench locate: create the scratch database at %s: %w", where, err)
	}
	defer func() {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := admin.Exec(dropCtx, `DROP DATABASE IF EXISTS `+res.Database+` WITH (FORCE)`); derr != nil {
			err = errors.Join(err, fmt.Errorf("bench locate: drop the scratch database %s: %w", res.Database, derr))
		}
	}()
	benchCfg := adminCfg.Copy()
	benchCfg.Database = res.Database
	conn, err := pgx.ConnectConfig(connCtx, benchCfg)
	if err != nil {
		return nil, fmt.Errorf("bench locate: connect to %s: %w", res.Database, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE EXTENSION postgis`); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "58P01" || pgErr.Code == "0A000") { // no control file; not available
			return nil, skipError{errNoPostGIS}
		}
		return nil, fmt.Errorf("bench locate: create extension postgis: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'postgis'`).Scan(&out.PostGISVersion); err != nil {
		return nil, fmt.Errorf("bench locate: PostGIS version: %w", err)
	}
	fmt.Fprintf(w, "PostGIS     %s on %s, scratch database %s at %s (dropped at the end)\n",
		out.PostGISVersion, out.PostgresVersion, res.Database, where)

	// Load: COPY GeoJSON text into a staging table, then convert in one statement.
	start := time.Now()
	if _, err := conn.Exec(ctx, `CREATE TABLE grids(code text PRIMARY KEY, geom geometry(Geometry, 4326));
CREATE TEMPORARY TABLE grids_in(code text, geojson text)`); err != nil {
		return nil, fmt.Errorf("bench locate: create tables: %w", err)
	}
	i := 0
	var rowErr error
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(unitGrids) {
			return nil, nil
		}
		r := unitGrids[i]
		i++
		gj, err := grid.EncodeGeometry(r.Geometry)
		if err != nil {
			rowErr = fmt.Errorf("grid %s: %w", r.Code, err)
			return nil, rowErr
		}
		return []any{r.Code, string(gj)}, nil
	})
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"grids_in"}, []string{"code", "geojson"}, src); err != nil {
		return nil, fmt.Errorf("bench locate: copy the unit grids: %w", errors.Join(rowErr, err))
	}
	if _, err := conn.Exec(ctx, `INSERT INTO grids SELECT code, ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326) FROM grids_in;
DROP TABLE grids_in`); err != nil {
		return nil, fmt.Errorf("bench locate: convert the unit grids: %w", err)
	}
	loaded := time.Since(start)
	start = time.Now()
	if _, err := conn.Exec(ctx, `CREATE INDEX ON grids USING gist(geom)`); err != nil {
		return nil, fmt.Errorf("bench locate: index: %w", err)
	}
	indexed := time.Since(start)
	start = time.Now()
	if _, err := conn.Exec(ctx, `ANALYZE grids`); err != nil {
		return nil, fmt.Errorf("bench locate: analyze: %w", err)
	}
	fmt.Fprintf(w, "  load                 %s unit grids copied in %s, GiST index built in %s, ANALYZE in %s\n",
		count(len(unitGrids)), dur(loaded), dur(indexed), dur(time.Since(start)))
	fmt.Fprintf(w, "  sample               the first %s of the points, one connection, best of %d passes after a warm-up\n",
		count(len(sample)), cfg.Passes)

	// One prepared query per point, one round trip each. Left to itself, PostgreSQL replans this
	// statement for every point (its generic plan looks a hair dearer than a custom one), which
	// costs more than the lookup; a generic plan is what a tuned application would use, so
	// PostGIS gets it here.
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		return nil, fmt.Errorf("bench locate: plan_cache_mode: %w", err)
	}
	if _, err := conn.Prepare(ctx, "locate_one", locateOne); err != nil {
		return nil, fmt.Errorf("bench locate: prepare: %w", err)
	}
	codes := make([]string, len(sample))
	queryAll := func() (time.Duration, int, error) {
		n := 0
		start := time.Now()
		for k, p := range sample {
			var code string
			err := conn.QueryRow(ctx, "locate_one", p[0], p[1]).Scan(&code)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				code = ""
			case err != nil:
				return 0, 0, fmt.Errorf("bench locate: query point %d: %w", k, err)
			default:
				n++
			}
			codes[k] = code
		}
		return time.Since(start), n, nil
	}
	warm := min(len(sample), 2_000)
	for _, p := range sample[:warm] {
		var code string
		if err := conn.QueryRow(ctx, "locate_one", p[0], p[1]).Scan(&code); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("bench locate: warm-up: %w", err)
		}
	}
	best := time.Duration(1<<63 - 1)
	for range cfg.Passes {
		elapsed, n, err := queryAll()
		if err != nil {
			return nil, err
		}
		best, res.Located = min(best, elapsed), n
	}
	res.NsPerQuery = float64(best.Nanoseconds()) / float64(len(sample))
	fmt.Fprintf(w, "  per query            %s ns per lookup   (a prepared query per point, generic plan, a round trip each; %s points in a grid)\n",
		nsf(res.NsPerQuery), count(res.Located))

	// What a round trip costs by itself, to read the number above by.
	trips := min(len(sample), 5_000)
	best = time.Duration(1<<63 - 1)
	for range cfg.Passes {
		start := time.Now()
		for range trips {
			var one int
			if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
				return nil, fmt.Errorf("bench locate: round trip: %w", err)
			}
		}
		best = min(best, time.Since(start))
	}
	res.NsPerRoundTrip = float64(best.Nanoseconds()) / float64(trips)
	fmt.Fprintf(w, "  round trip alone     %s ns per query    (SELECT 1, for scale: the network and protocol share of the line above)\n",
		nsf(res.NsPerRoundTrip))

	// Every point in one statement: the server's own cost per point, without round trips.
	lons, lats := make([]float64, len(sample)), make([]float64, len(sample))
	for k, p := range sample {
		lons[k], lats[k] = p[0], p[1]
	}
	var n int64
	if err := conn.QueryRow(ctx, locateAll, lons, lats).Scan(&n); err != nil { // warm-up
		return nil, fmt.Errorf("bench locate: batched query: %w", err)
	}
	best = time.Duration(1<<63 - 1)
	for range cfg.Passes {
		start := time.Now()
		if err := conn.QueryRow(ctx, locateAll, lons, lats).Scan(&n); err != nil {
			return nil, fmt.Errorf("bench locate: batched query: %w", err)
		}
		best = min(best, time.Since(start))
	}
	res.LocatedBatched = int(n)
	res.NsPerPointBatched = float64(best.Nanoseconds()) / float64(len(sample))
	fmt.Fprintf(w, "  batched              %s ns per lookup   (all %s points in one statement, %s in a grid)\n",
		nsf(res.NsPerPointBatched), count(len(sample)), count(res.LocatedBatched))

	// Agreement: PostGIS must name citygrid's deepest region wherever either puts the point in a grid.
	var examples []string
	for k, p := range sample {
		mine := ""
		if l, ok := ix.Locate(p); ok && l.Region.Level == grid.Grid {
			mine = l.Region.Code
		}
		if mine == "" && codes[k] == "" {
			continue
		}
		res.Compared++
		if mine != codes[k] {
			res.Disagreements++
			if len(examples) < 5 {
				examples = append(examples, fmt.Sprintf("(%.9f, %.9f): citygrid %q, PostGIS %q", p[0], p[1], mine, codes[k]))
			}
		}
	}
	fmt.Fprintf(w, "  agreement            %s of %s points in a grid name the same grid; %d disagreements\n",
		count(res.Compared-res.Disagreements), count(res.Compared), res.Disagreements)
	for _, e := range examples {
		fmt.Fprintf(w, "                       %s\n", e)
	}
	fmt.Fprintln(w)
	return res, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redact hides a password in a DSN that is printed.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "the given server"
	}
	return u.Redacted()
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + count(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// nsf writes nanoseconds right-aligned, whole above 100 and with one decimal below.
func nsf(ns float64) string {
	if ns >= 100 {
		return fmt.Sprintf("%7s", count(int(ns+0.5)))
	}
	return fmt.Sprintf("%7.1f", ns)
}

func factor(f float64) string {
	if f >= 10 {
		return fmt.Sprintf("%.0fx", f)
	}
	return fmt.Sprintf("%.1fx", f)
}

func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}
