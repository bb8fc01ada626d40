package store

import (
	"context"
	"database/sql"
	"fmt"
)

// OutboxAfter returns up to limit messages with ids above after whose topic starts with prefix,
// delivered or not, oldest first: live views follow the outbox by id, so every server process
// sees every committed change. (On PostgreSQL a transaction may commit after one holding a
// higher id; a follower that has passed that id misses it. SQLite has one writer, so ids
// commit in order there.)
func (db *DB) OutboxAfter(ctx context.Context, after int64, prefix string, limit int) ([]OutboxMessage, error) {
	rows, err := db.query(ctx, `SELECT id, topic, payload, created_at FROM outbox WHERE id > ? AND topic LIKE ? ORDER BY id LIMIT ?`,
		after, prefix+"%", limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var (
			m  OutboxMessage
			at int64
		)
		if err := rows.Scan(&m.ID, &m.Topic, &m.Payload, &at); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		m.CreatedAt = fromMicros(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxHead returns the id of the newest outbox message, 0 when there is none.
func (db *DB) OutboxHead(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := db.queryRow(ctx, `SELECT MAX(id) FROM outbox`).Scan(&id); err != nil {
		return 0, fmt.Errorf("outbox head: %w", err)
	}
	return id.Int64, nil
}
