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
		t, _ := txnOf(ctx)
		if t.audit == nil {
			// Touching the head takes its row lock, so concurrent transactions append one after
			// another and each links to the record committed just before it; the transaction
			// then counts on in memory and writes the head back at commit.
			h := &auditHead{}
			if err := db.writeRow(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`).Scan(&h.seq, &h.hash); err != nil {
				return fmt.Errorf("lock audit head: %w", err)
			}
			t.audit = h
		}
		rec.Seq = t.audit.seq + 1
		rec.At = fromMicros(micros(e.At))
		rec.Actor, rec.Action, rec.Target = e.Actor, e.Action, e.Target
		rec.Before, rec.After, rec.RequestID = e.Before, e.After, e.RequestID
		rec.PrevHash = t.audit.hash
		rec.Hash = audit.ComputeHash(rec)
		t.appendRow("audit_log", []string{"seq", "at", "actor", "action", "target", "before_state", "after_state", "request_id", "prev_hash", "hash"},
			[]any{rec.Seq, micros(rec.At), rec.Actor, rec.Action, rec.Target, rec.Before, rec.After, rec.RequestID, rec.PrevHash, rec.Hash})
		t.audit.seq, t.audit.hash, t.audit.dirty = rec.Seq, rec.Hash, true
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
