// Package store keeps citygrid's data in SQLite (embedded, the default) or PostgreSQL. All SQL
// lives here, written once in a portable subset; the few differences between the engines sit in
// dialect.go. Every method takes a context; a transaction travels in it (see InTx).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/citygrid/citygrid/internal/errs"
)

// Engine names a database engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database.
type DB struct {
	engine Engine
	// write runs transactions and writes. For SQLite it holds one connection, since SQLite
	// allows one writer at a time and queuing in Go beats spinning on SQLITE_BUSY.
	write *sql.DB
	// read serves reads outside transactions: a pool of readers for SQLite (WAL lets them run
	// beside the writer), the same pool as write for PostgreSQL.
	read *sql.DB
	// writeStmts and readStmts keep SQLite's statements prepared (stmtcache.go); nil for PostgreSQL.
	writeStmts, readStmts *stmtCache
	// caseIDs and tickets hand out case ids and ticket numbers in blocks on PostgreSQL (txn.go).
	caseIDs idBlock
	tickets ticketBlocks
	// group joins concurrent reports into one commit (groupcommit.go).
	group groupCommit
}

// Target is a parsed DSN.
type Target struct {
	Engine Engine
	Path   string // SQLite file
	URL    string // PostgreSQL connection URL
}

// ParseDSN reads "sqlite:PATH" or "postgres://…" (also "postgresql://…").
func ParseDSN(dsn string) (Target, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		p := strings.TrimPrefix(dsn, "sqlite:")
		p = strings.TrimPrefix(p, "//") // tolerate sqlite://PATH
		if p == "" {
			return Target{}, errs.E(errs.Invalid, "database DSN %q: sqlite: needs a file path, e.g. sqlite:./citygrid-data/citygrid.db", dsn)
		}
		if strings.ContainsAny(p, "?#") {
			return Target{}, errs.E(errs.Invalid, "database DSN %q: options in a sqlite: DSN are not supported; citygrid sets its own", dsn)
		}
		return Target{Engine: SQLite, Path: p}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil || u.Host == "" {
			return Target{}, errs.E(errs.Invalid, "database DSN %q: not a valid postgres:// URL", redact(dsn))
		}
		// pgx reads the rest (port, sslmode, …) only when it first connects; read it now so a
		// malformed DSN is a clear input error, not "database does not answer".
		if _, err := pgx.ParseConfig(dsn); err != nil {
			return Target{}, errs.E(errs.Invalid, "database DSN %q: %v", redact(dsn), err)
		}
		return Target{Engine: Postgres, URL: dsn}, nil
	default:
		return Target{}, errs.E(errs.Invalid, "database DSN %q: unknown kind; use sqlite:PATH or postgres://USER@HOST:PORT/DB", redact(dsn))
	}
}

// redact hides a password in a URL-shaped DSN before it is shown.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Open connects to the database a DSN names. It does not migrate: see Migrate and CheckSchema.
func Open(ctx context.Context, dsn string) (*DB, error) {
	t, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var db *DB
	switch t.Engine {
	case SQLite:
		db, err = openSQLite(t.Path)
	case Postgres:
		db, err = openPostgres(t.URL)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// Pragma order matters: busy_timeout first so the others wait instead of failing; WAL lets
	// readers run beside the writer; synchronous=FULL makes every acknowledged commit durable.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	name := "file:" + (&url.URL{Path: path}).EscapedPath()
	// The one writer keeps a larger page cache (64 MiB, allocated as used): a transaction of many
	// steps (a group commit, a bulk import) then stays in memory until its commit instead of
	// spilling pages to the log and reading them back.
	write, err := sql.Open("sqlite", name+"?"+pragmas+"&_pragma=cache_size(-65536)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", name+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	// Keep them all open: database/sql keeps only two idle by default, and reopening a reader
	// (pragmas, reading the schema) cost more than the queries it served (`bench intake`).
	read.SetMaxIdleConns(8)
	return &DB{engine: SQLite, write: write, read: read, writeStmts: newStmtCache(write), readStmts: newStmtCache(read)}, nil
}

func openPostgres(dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, errs.E(errs.Invalid, "database DSN %q: %v", redact(dsn), err)
	}
	pool.SetMaxOpenConns(32)
	// As many idle as open: closing connections beyond a smaller idle limit under load, only to
	// open new ones (a server process each), cost more than the queries (`bench intake`).
	pool.SetMaxIdleConns(32)
	pool.SetConnMaxLifetime(time.Hour)
	return &DB{engine: Postgres, write: pool, read: pool}, nil
}

// Engine says which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return errs.E(errs.Unavailable, "database does not answer: %v", err)
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	var err error
	if db.writeStmts != nil {
		err = errors.Join(db.writeStmts.close(), db.readStmts.close())
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{}

// InTx runs fn in one transaction, carried in the context fn receives: every store method
// called with that context joins it. A nested InTx joins the outer transaction. The
// transaction commits when fn returns nil and rolls back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := txnOf(ctx); ok {
		return fn(ctx)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	t := &txn{tx: tx}
	ctx = context.WithValue(ctx, txKey{}, t)
	if err := fn(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := db.beforeCommit(ctx, t); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if db.writeStmts != nil {
		db.writeStmts.prepareWanted(ctx)
	}
	return nil
}

// writer returns the transaction in ctx or the write pool. Rows the transaction deferred are
// written first, so every statement sees the transaction's earlier writes, as if none had
// been deferred.
func (db *DB) writer(ctx context.Context) querier {
	if t, ok := txnOf(ctx); ok {
		db.flushBefore(ctx, t)
		return t.tx
	}
	return db.write
}

// reader returns the transaction in ctx (so a transaction reads its own writes) or the read
// pool.
func (db *DB) reader(ctx context.Context) querier {
	if t, ok := txnOf(ctx); ok {
		db.flushBefore(ctx, t)
		return t.tx
	}
	return db.read
}

// flushBefore writes a transaction's deferred rows before another statement runs in it.
func (db *DB) flushBefore(ctx context.Context, t *txn) {
	if len(t.logs) == 0 && len(t.auditEntries) == 0 {
		return
	}
	if err := db.flushLogs(ctx, t); err != nil && t.err == nil {
		t.err = err // the commit fails with it: nothing is half written
	}
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := db.writer(ctx)
	if st, err := db.prepared(ctx, q, query); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, db.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := db.reader(ctx)
	if st, err := db.prepared(ctx, q, query); err != nil || st != nil {
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, db.rebind(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.row(ctx, db.reader(ctx), query, args...)
}

// writeRow runs a statement that returns one row (INSERT … RETURNING) on the writer.
func (db *DB) writeRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.row(ctx, db.writer(ctx), query, args...)
}

func (db *DB) row(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	if st, err := db.prepared(ctx, q, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	// Unprepared (or failing to prepare: the same error comes back from the query itself).
	return q.QueryRowContext(ctx, db.rebind(query), args...)
}

// micros stores times as integer microseconds since the Unix epoch: the same in both engines,
// exact, and cheap to compare and index.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// notFound turns sql.ErrNoRows into a classified error naming what was missing.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, format, args...)
	}
	return err
}
