package store

import "context"

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
