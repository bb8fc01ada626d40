// Package storetest gives tests a real, migrated database of either engine in one line, each
// test in its own SQLite file or PostgreSQL schema.
//
// PostgreSQL is reached at CITYGRID_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). When it does not answer, the
// PostgreSQL half of a test skips, unless CITYGRID_REQUIRE names "postgres": then it fails.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/store"
)

// DefaultPostgres is where tests look for PostgreSQL when CITYGRID_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Require reports whether CITYGRID_REQUIRE names the facility (e.g. "postgres", "browser"),
// in which case a test that would skip for lack of it must fail instead.
func Require(facility string) bool {
	return slices.Contains(strings.Split(os.Getenv("CITYGRID_REQUIRE"), ","), facility)
}

// SkipOrFail skips the test for lack of a facility, or fails it when the facility is required.
func SkipOrFail(t testing.TB, facility, why string) {
	t.Helper()
	if Require(facility) {
		t.Fatalf("%s is required (CITYGRID_REQUIRE) but unavailable: %s", facility, why)
	}
	t.Skipf("%s unavailable: %s", facility, why)
}

// Engines lists the engines every storage test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// Each runs fn as a subtest per engine with a fresh, migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// EachDSN runs fn as a subtest per engine with the DSN of a fresh, empty (unmigrated)
// database, for tests that drive the real program (CLI, server) by DSN.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, DSN(t, e))
		})
	}
}

// Raw opens a plain database/sql connection to the database a DSN names, bypassing the store,
// for tests that must tamper with data the way a person with database access could.
func Raw(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	target, err := store.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("raw: %v", err)
	}
	driver, name := "pgx", target.URL
	if target.Engine == store.SQLite {
		driver, name = "sqlite", "file:"+target.Path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Open returns a fresh, migrated database of the engine, closed and dropped when t ends.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, DSN(t, e))
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return db
}

// DSN returns the DSN of a fresh, empty (unmigrated) database of the engine, dropped when t ends.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "citygrid.db")
	}
	admin := postgresAdmin(t)
	schema := "t_" + randomHex(8)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(postgresURL())
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func postgresURL() string {
	if v := os.Getenv("CITYGRID_TEST_POSTGRES"); v != "" {
		return v
	}
	return DefaultPostgres
}

// The admin connection is shared by all tests of a package: opening one per test would cost
// more than the tests themselves.
var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

func postgresAdmin(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		adminDB, adminErr = sql.Open("pgx", postgresURL())
		if adminErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		adminErr = adminDB.PingContext(ctx)
	})
	if adminErr != nil {
		SkipOrFail(t, "postgres", adminErr.Error())
	}
	return adminDB
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Fingerprint sums up everything stored in the database raw reaches (see Raw): every row of
// every table, so that a test can show a refused request changed nothing at all.
func Fingerprint(t testing.TB, raw *sql.DB) string {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if _, err := raw.ExecContext(ctx, `SELECT current_schema()`); err == nil {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	tables, err := raw.QueryContext(ctx, list)
	if err != nil {
		t.Fatalf("fingerprint: list tables: %v", err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		names = append(names, n)
	}
	if err := errors.Join(tables.Err(), tables.Close()); err != nil {
		t.Fatalf("fingerprint: list tables: %v", err)
	}
	slices.Sort(names)
	sum := sha256.New()
	for _, name := range names {
		rows, err := raw.QueryContext(ctx, `SELECT * FROM `+name)
		if err != nil {
			t.Fatalf("fingerprint: read %s: %v", name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		var lines []string // sorted: rows come in no promised order
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("fingerprint: read %s: %v", name, err)
			}
			lines = append(lines, fmt.Sprintf("%q", vals))
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatalf("fingerprint: read %s: %v", name, err)
		}
		slices.Sort(lines)
		fmt.Fprintf(sum, "%s %d\n%s\n", name, len(lines), strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(sum.Sum(nil))
}
