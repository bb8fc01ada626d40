package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// txn is a write transaction and the work it defers to its commit. Reports arrive in batches
// (group commit), and every report appends to the same three logs and advances the same two
// counters: done one statement at a time, a batch of a hundred reports costs hundreds of round
// trips to the database. So within a transaction the audit head and the day's ticket counter
// are read (and locked) once, advanced in memory and written back at commit, and rows appended
// to the logs (timeline events, audit records, outbox messages) are inserted at commit with
// multi-row statements. Any read inside the transaction writes the pending rows first, so a
// transaction always reads its own writes.
type txn struct {
	tx      *sql.Tx
	audit   *auditHead
	tickets map[string]*ticketDay
	logs    []*pendingLog // in order of first use
	err     error         // a deferred write that failed: the transaction must not commit
}

type auditHead struct {
	seq   int64
	hash  string
	dirty bool
}

type ticketDay struct {
	seq   int64
	dirty bool
}

// pendingLog is rows appended to one table, waiting for the commit.
type pendingLog struct {
	table   string
	columns []string
	rows    [][]any
}

func txnOf(ctx context.Context) (*txn, bool) {
	t, ok := ctx.Value(txKey{}).(*txn)
	return t, ok
}

// appendRow defers an INSERT of one row into an append-only log table.
func (t *txn) appendRow(table string, columns []string, row []any) {
	for _, l := range t.logs {
		if l.table == table {
			l.rows = append(l.rows, row)
			return
		}
	}
	t.logs = append(t.logs, &pendingLog{table: table, columns: columns, rows: [][]any{row}})
}

// maxRowsPerInsert bounds one multi-row INSERT. Rows go in chunks of powers of two, so a
// table's inserts come in a handful of shapes and stay in the prepared-statement cache.
const maxRowsPerInsert = 64

// flushLogs inserts the pending log rows.
func (db *DB) flushLogs(ctx context.Context, t *txn) error {
	logs := t.logs
	t.logs = nil
	for _, l := range logs {
		for rows := l.rows; len(rows) > 0; {
			n := maxRowsPerInsert
			for n > len(rows) {
				n /= 2
			}
			one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(l.columns)), ", ") + ")"
			q := `INSERT INTO ` + l.table + ` (` + strings.Join(l.columns, ", ") + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
			args := make([]any, 0, n*len(l.columns))
			for _, r := range rows[:n] {
				args = append(args, r...)
			}
			if _, err := db.exec(ctx, q, args...); err != nil {
				return fmt.Errorf("write %d rows to %s: %w", n, l.table, err)
			}
			rows = rows[n:]
		}
	}
	return nil
}

// beforeCommit writes what the transaction deferred: the log rows, then the counters.
func (db *DB) beforeCommit(ctx context.Context, t *txn) error {
	if t.err != nil {
		return t.err
	}
	if err := db.flushLogs(ctx, t); err != nil {
		return err
	}
	if t.audit != nil && t.audit.dirty {
		if _, err := db.exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, t.audit.seq, t.audit.hash); err != nil {
			return fmt.Errorf("update audit head: %w", err)
		}
	}
	for day, d := range t.tickets {
		if !d.dirty {
			continue
		}
		if _, err := db.exec(ctx, `UPDATE ticket_days SET seq = ? WHERE day = ?`, d.seq, day); err != nil {
			return fmt.Errorf("update ticket counter %s: %w", day, err)
		}
	}
	return nil
}
