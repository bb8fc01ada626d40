package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/citygrid/citygrid/internal/errs"
)

//go:embed migrations
var migrations embed.FS

func (db *DB) migrator() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.engine == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
		// Several servers may run migrate at once; an advisory lock lets one through.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.write, sub, opts...)
}

// Migrate applies every migration the binary holds that the database lacks, and returns the
// resulting version.
func (db *DB) Migrate(ctx context.Context) (int64, error) {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if current > latest {
		return current, newerSchemaError(current, latest)
	}
	p, err := db.migrator()
	if err != nil {
		return 0, fmt.Errorf("prepare migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// SchemaVersion returns the version the database is at and the newest this binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := db.migrator()
	if err != nil {
		return 0, 0, fmt.Errorf("prepare migrations: %w", err)
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, latest, nil
}

// ErrSchema marks a schema the binary cannot serve; the message says which command fixes it.
var ErrSchema = errors.New("schema")

// CheckSchema returns an Unavailable error unless the database is at exactly the binary's
// schema version: older needs `citygrid migrate`, newer needs a newer binary.
func (db *DB) CheckSchema(ctx context.Context) error {
	current, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	switch {
	case current < latest:
		return fmt.Errorf("%w: %w", ErrSchema, errs.Coded(errs.Unavailable, "schema_outdated",
			"database schema is at version %d but this citygrid needs %d: run `citygrid migrate --db DSN` first", current, latest))
	case current > latest:
		return fmt.Errorf("%w: %w", ErrSchema, newerSchemaError(current, latest))
	}
	return nil
}

func newerSchemaError(current, latest int64) error {
	return errs.Coded(errs.Unavailable, "schema_newer",
		"database schema is at version %d, newer than this citygrid knows (%d): run a newer citygrid", current, latest)
}
