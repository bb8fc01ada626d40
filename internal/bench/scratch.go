package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// Scratch is a fresh, migrated database a scenario may fill and throw away.
type Scratch struct {
	DB    *store.DB
	Where string // what to print: the SQLite file or the PostgreSQL database
	DSN   string // where it is, for another process to open
	drop  func() error
}

// Close closes the database and removes it.
func (s *Scratch) Close() error {
	err := s.DB.Close()
	if s.drop != nil {
		err = errors.Join(err, s.drop())
	}
	return err
}

// OpenScratch makes a fresh database for a scenario. An empty dsn is a new SQLite file in a
// temporary directory (on disk, with citygrid's usual WAL and synchronous=FULL); a postgres://
// DSN names a server where a scratch database citygrid_bench_… is created and, on Close,
// dropped, so nothing already there is touched. sqlite:PATH is a file that must not exist yet,
// removed on Close.
func OpenScratch(ctx context.Context, dsn string) (*Scratch, error) {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "citygrid-bench-")
		if err != nil {
			return nil, err
		}
		s, err := openScratchSQLite(ctx, filepath.Join(dir, "bench.db"))
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s.drop = func() error { return os.RemoveAll(dir) }
		return s, nil
	}
	t, err := store.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if t.Engine == store.SQLite {
		if _, err := os.Stat(t.Path); err == nil {
			return nil, errs.E(errs.Invalid, "--db %s exists: a benchmark needs a fresh database, name a new file", dsn)
		}
		s, err := openScratchSQLite(ctx, t.Path)
		if err != nil {
			return nil, err
		}
		s.drop = func() error {
			var err error
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if rerr := os.Remove(t.Path + suffix); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
					err = errors.Join(err, rerr)
				}
			}
			return err
		}
		return s, nil
	}
	return openScratchPostgres(ctx, t.URL)
}

func openScratchSQLite(ctx context.Context, path string) (*Scratch, error) {
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &Scratch{DB: db, Where: "SQLite " + path, DSN: "sqlite:" + path}, nil
}

func openScratchPostgres(ctx context.Context, dsn string) (*Scratch, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errs.E(errs.Invalid, "--db is not a PostgreSQL DSN: %v", err)
	}
	connCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	admin, err := pgx.ConnectConfig(connCtx, cfg)
	if err != nil {
		return nil, errs.E(errs.Unavailable, "PostgreSQL does not answer at %s: %v", redact(dsn), err)
	}
	name := "citygrid_bench_" + randomHex(6)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("create the scratch database at %s: %w", redact(dsn), err)
	}
	drop := func() error {
		defer admin.Close(context.Background())
		dropCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(dropCtx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop the scratch database %s: %w", name, err)
		}
		return nil
	}
	u := cfg.ConnString()
	scratchURL, err := withDatabase(u, name)
	if err != nil {
		return nil, errors.Join(err, drop())
	}
	db, err := store.Open(ctx, scratchURL)
	if err != nil {
		return nil, errors.Join(err, drop())
	}
	if _, err := db.Migrate(ctx); err != nil {
		return nil, errors.Join(err, db.Close(), drop())
	}
	var version string
	if err := admin.QueryRow(ctx, `SHOW server_version`).Scan(&version); err != nil {
		version = "?"
	}
	return &Scratch{DB: db, Where: fmt.Sprintf("PostgreSQL %s, scratch database %s (dropped at the end)", version, name), DSN: scratchURL, drop: drop}, nil
}

// percentiles returns the p-th percentiles (0 < p ≤ 100) of ds, sorting ds in place.
func percentiles(ds []time.Duration, ps ...float64) []time.Duration {
	slices.Sort(ds)
	out := make([]time.Duration, len(ps))
	if len(ds) == 0 {
		return out
	}
	for i, p := range ps {
		k := int(float64(len(ds))*p/100+0.5) - 1
		out[i] = ds[min(max(k, 0), len(ds)-1)]
	}
	return out
}

// ms writes a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d.Microseconds())/1000) }

func machine(w io.Writer) {
	fmt.Fprintf(w, "machine     %s\n", machineLine())
}

// withDatabase returns a postgres:// URL naming another database on the same server.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", errs.E(errs.Invalid, "--db is not a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// machineLine says what ran the numbers: CPUs, their model, the Go runtime.
func machineLine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (GOMAXPROCS %d), %s, %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
