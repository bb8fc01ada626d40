package main

import (
	"context"
	"flag"
	"path/filepath"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/store"
)

// defaultDSN is where citygrid keeps its data when told nothing else.
const defaultDSN = "sqlite:./citygrid-data/citygrid.db"

// dbFlag registers --db on fs, bound to cfg.DB (so the flag wins over CITYGRID_DB), and
// fills in the default DSN when neither says.
func dbFlag(fs *flag.FlagSet, e *env) *string {
	dsn := e.cfg.DB
	if dsn == "" {
		dsn = defaultDSN
	}
	return fs.String("db", dsn, "database: sqlite:PATH or postgres://USER@HOST:PORT/DB (env CITYGRID_DB)")
}

// sqliteIn is the DSN of the SQLite database inside a data directory.
func sqliteIn(dir string) string { return "sqlite:" + filepath.Join(dir, "citygrid.db") }

// openDB opens the database a DSN names. A malformed DSN is a usage error (exit 2); when
// current is set the schema must be exactly the binary's.
func openDB(ctx context.Context, dsn string, current bool) (*store.DB, error) {
	if _, err := store.ParseDSN(dsn); err != nil {
		return nil, usageError{err.Error()}
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if current {
		if err := db.CheckSchema(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// openApp opens the database (which must be current) and the use cases over it.
func openApp(ctx context.Context, e *env, dsn string) (*app.App, *store.DB, error) {
	return openAppWithData(ctx, e, dsn, "")
}

// withApp runs fn with the use cases over the database a DSN names, closing it after.
func withApp(ctx context.Context, e *env, dsn string, fn func(*app.App) error) error {
	a, db, err := openApp(ctx, e, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(a)
}

// openAppWithData is openApp for a server: attachments live under dataDir/attachments.
func openAppWithData(ctx context.Context, e *env, dsn, dataDir string) (*app.App, *store.DB, error) {
	db, err := openDB(ctx, dsn, true)
	if err != nil {
		return nil, nil, err
	}
	opts := app.Options{Logger: e.logger(), PublicURL: e.cfg.PublicURL}
	if e.cfg.MapTiles.Provider != "" {
		tiles := e.cfg.MapTiles
		opts.MapTiles = &tiles
	}
	if dataDir != "" {
		blobs, err := blob.NewDir(filepath.Join(dataDir, "attachments"))
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		opts.Blobs = blobs
		opts.DuplicateRadiusM = e.cfg.DuplicateRadiusM
		opts.DuplicateWindow = e.cfg.DuplicateWindow
		if e.cfg.SMTP != "" {
			m, err := notify.NewSMTPMailer(e.cfg.SMTP, e.cfg.MailFrom)
			if err != nil {
				db.Close()
				return nil, nil, usagef("%v", err)
			}
			opts.Mailer = m
		}
	}
	a, err := app.New(db, opts)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return a, db, nil
}
