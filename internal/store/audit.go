package store

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/audit"
)

// AppendAudit adds a record to the audit trail, chained to the one before it. Called inside the
// transaction of the change it records; it starts its own when there is none. The record is
// numbered and chained when the transaction writes its deferred rows (txn.go): only then is
// the audit head locked, so concurrent transactions do their other work side by side and
// queue only for the chain.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		t.auditEntries = append(t.auditEntries, e)
		return nil
	})
}

// chainAudit numbers and hashes the transaction's pending audit entries after the head
// (locking it on first use) and queues their rows.
func (db *DB) chainAudit(ctx context.Context, t *txn) error {
	if len(t.auditEntries) == 0 {
		return nil
	}
	if t.audit == nil {
		// Touching the head takes its row lock: concurrent transactions chain one after another,
		// each linking to the record committed just before it. Run on the transaction directly:
		// this is part of writing the deferred rows.
		h := &auditHead{}
		err := t.tx.QueryRowContext(ctx, db.rebind(`UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`)).Scan(&h.seq, &h.hash)
		if err != nil {
			return fmt.Errorf("lock audit head: %w", err)
		}
		t.audit = h
	}
	for _, e := range t.auditEntries {
		rec := audit.Record{Seq: t.audit.seq + 1, At: fromMicros(micros(e.At)), Actor: e.Actor, Action: e.Action, Target: e.Target,
			Before: e.Before, After: e.After, RequestID: e.RequestID, PrevHash: t.audit.hash}
		rec.Hash = audit.ComputeHash(rec)
		t.appendRow("audit_log", []string{"seq", "at", "actor", "action", "target", "before_state", "after_state", "request_id", "prev_hash", "hash"},
			[]any{rec.Seq, micros(rec.At), rec.Actor, rec.Action, rec.Target, rec.Before, rec.After, rec.RequestID, rec.PrevHash, rec.Hash})
		t.audit.seq, t.audit.hash, t.audit.dirty = rec.Seq, rec.Hash, true
	}
	t.auditEntries = nil
	return nil
}

// AuditHead returns the sequence and hash of the newest audit record.
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	if t, ok := txnOf(ctx); ok {
		db.flushBefore(ctx, t)
		if t.audit != nil { // this transaction holds the head and writes it back at commit
			return t.audit.seq, t.audit.hash, t.err
		}
	}
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
