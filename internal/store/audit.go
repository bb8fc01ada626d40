package store

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/audit"
)

// AppendAudit adds a record to the audit trail, chained to the one before it. Called inside the
// transaction of the change it records; it starts its own when there is none.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) (audit.Record, error) {
	var rec audit.Record
	err := db.InTx(ctx, func(ctx context.Context) error {
		// Bumping the head first takes its row lock, so concurrent appenders queue here and
		// each links to the record committed just before it.
		var prevHash string
		if err := db.writeRow(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&rec.Seq, &prevHash); err != nil {
			return fmt.Errorf("advance audit head: %w", err)
		}
		rec.At = fromMicros(micros(e.At))
		rec.Actor, rec.Action, rec.Target = e.Actor, e.Action, e.Target
		rec.Before, rec.After, rec.RequestID = e.Before, e.After, e.RequestID
		rec.PrevHash = prevHash
		rec.Hash = audit.ComputeHash(rec)
		if _, err := db.exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, target, before_state, after_state, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.Seq, micros(rec.At), rec.Actor, rec.Action, rec.Target, rec.Before, rec.After, rec.RequestID, rec.PrevHash, rec.Hash); err != nil {
			return fmt.Errorf("insert audit record: %w", err)
		}
		if _, err := db.exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, rec.Hash); err != nil {
			return fmt.Errorf("update audit head: %w", err)
		}
		return nil
	})
	return rec, err
}

// AuditHead returns the sequence and hash of the newest audit record.
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	err = db.queryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	if err != nil {
		return 0, "", fmt.Errorf("read audit head: %w", err)
	}
	return seq, hash, nil
}

// EachAudit calls fn for every audit record in sequence order, streaming.
func (db *DB) EachAudit(ctx context.Context, fn func(audit.Record) error) error {
	rows, err := db.query(ctx, `SELECT seq, at, actor, action, target, before_state, after_state, request_id, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("read audit trail: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r  audit.Record
			at int64
		)
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.Target, &r.Before, &r.After, &r.RequestID, &r.PrevHash, &r.Hash); err != nil {
			return fmt.Errorf("read audit trail: %w", err)
		}
		r.At = fromMicros(at)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
