package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OutboxMessage announces a committed change to whoever delivers it later (notifications,
// webhooks, live updates). It is written in the same transaction as the change.
type OutboxMessage struct {
	ID        int64
	Topic     string
	Payload   string // JSON
	CreatedAt time.Time
	// Recipients are whom the message's writer decided to tell and what they read (JSON, the
	// notices area's); "" when it decided nothing (written before 00033_notice_recipients).
	Recipients string
}

// Enqueue writes a message to the outbox with no recipients decided; inside a transaction, at
// its commit (or before its next read).
func (db *DB) Enqueue(ctx context.Context, topic, payload string, now time.Time) error {
	return db.EnqueueFor(ctx, topic, payload, "", now)
}

// EnqueueFor writes a message to the outbox with its recipients (JSON; "" for none decided),
// decided in the transaction that writes it.
func (db *DB) EnqueueFor(ctx context.Context, topic, payload, recipients string, now time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		t.appendRow("outbox", []string{"topic", "payload", "recipients", "created_at"},
			[]any{topic, payload, sql.NullString{String: recipients, Valid: recipients != ""}, micros(now)})
		return nil
	})
}

// PendingOutbox returns up to limit undelivered messages, oldest first.
func (db *DB) PendingOutbox(ctx context.Context, limit int) ([]OutboxMessage, error) {
	rows, err := db.query(ctx, `SELECT id, topic, payload, created_at, recipients FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var (
			m          OutboxMessage
			at         int64
			recipients sql.NullString
		)
		if err := rows.Scan(&m.ID, &m.Topic, &m.Payload, &at, &recipients); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		m.CreatedAt, m.Recipients = fromMicros(at), recipients.String
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkDelivered records that a message has been delivered.
func (db *DB) MarkDelivered(ctx context.Context, id int64, now time.Time) error {
	if _, err := db.exec(ctx, `UPDATE outbox SET delivered_at = ? WHERE id = ?`, micros(now), id); err != nil {
		return fmt.Errorf("mark outbox %d delivered: %w", id, err)
	}
	return nil
}
