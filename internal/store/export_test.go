package store

import (
	"context"
	"fmt"
)

// MigrateDownTo undoes the migrations after version, for tests of what a migration does to
// data written before it.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// MigrateUpTo migrates to version v only, for tests of what a migration does to rows that
// older versions wrote.
func (db *DB) MigrateUpTo(ctx context.Context, v int64) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, v); err != nil {
		return fmt.Errorf("migrate to %d: %w", v, err)
	}
	return nil
}
