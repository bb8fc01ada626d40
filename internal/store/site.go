package store

import (
	"context"
	"fmt"
	"time"
)

// SiteSettings returns the deployment's stored settings by key (name, unit, emblem …); none
// when the administrator has set none.
func (db *DB) SiteSettings(ctx context.Context) (map[string]string, error) {
	rows, err := db.query(ctx, `SELECT key, value FROM site_settings`)
	if err != nil {
		return nil, fmt.Errorf("read site settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read site settings: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// PutSiteSettings stores each key's value; an empty value removes the key.
func (db *DB) PutSiteSettings(ctx context.Context, values map[string]string, now time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		for k, v := range values {
			var err error
			if v == "" {
				_, err = db.exec(ctx, `DELETE FROM site_settings WHERE key = ?`, k)
			} else {
				_, err = db.exec(ctx, `INSERT INTO site_settings (key, value, updated_at) VALUES (?, ?, ?)
					ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, k, v, micros(now))
			}
			if err != nil {
				return fmt.Errorf("store site setting %s: %w", k, err)
			}
		}
		return nil
	})
}
