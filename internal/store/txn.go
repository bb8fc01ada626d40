package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/citygrid/citygrid/internal/audit"
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
	// auditEntries wait to be numbered and chained (audit.go), just before they are written.
	auditEntries []audit.Entry
	err          error // a deferred write that failed: the transaction must not commit
	// stmts are the cached statements bound to tx, by query.
	stmts map[string]*sql.Stmt
	// eval is what the transaction adds to the evaluation aggregates (eval.go).
	eval *evalDelta
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

// flushLogs inserts the pending rows: new cases first, since the other rows refer to them.
func (db *DB) flushLogs(ctx context.Context, t *txn) error {
	// The audit chain last: its head lock is held until the commit, so the rest is written
	// before taking it.
	if err := db.insertPending(ctx, t); err != nil {
		return err
	}
	if err := db.chainAudit(ctx, t); err != nil {
		return err
	}
	return db.insertPending(ctx, t)
}

func (db *DB) insertPending(ctx context.Context, t *txn) error {
	logs := t.logs
	t.logs = nil
	rank := func(l *pendingLog) int {
		if l.table == "cases" {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(logs, func(a, b *pendingLog) int { return cmp.Compare(rank(a), rank(b)) })
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
	if err := db.flushEval(ctx, t); err != nil {
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

// idBlock hands out ids taken from a PostgreSQL sequence a block at a time, so a batch of new
// cases costs one round trip for its ids instead of one per case. An id taken and not used (a
// rolled-back report) is a gap, as with any sequence.
type idBlock struct {
	mu   sync.Mutex
	next []int64
}

const idBlockSize = 64

// nextCaseID returns an unused case id from the sequence behind cases.id.
func (db *DB) nextCaseID(ctx context.Context) (int64, error) {
	db.caseIDs.mu.Lock()
	defer db.caseIDs.mu.Unlock()
	if len(db.caseIDs.next) == 0 {
		// Outside the caller's transaction: nextval is not transactional anyway, and a statement
		// in the transaction would write its deferred rows early.
		rows, err := db.read.QueryContext(ctx, db.rebind(`SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, ?)`), idBlockSize)
		if err != nil {
			return 0, fmt.Errorf("take case ids: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return 0, fmt.Errorf("take case ids: %w", err)
			}
			db.caseIDs.next = append(db.caseIDs.next, id)
		}
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("take case ids: %w", err)
		}
		if len(db.caseIDs.next) == 0 {
			return 0, fmt.Errorf("take case ids: the sequence gave none")
		}
	}
	id := db.caseIDs.next[0]
	db.caseIDs.next = db.caseIDs.next[1:]
	return id, nil
}

// ticketBlocks hands out a day's ticket numbers from blocks taken in their own short
// transactions (PostgreSQL), so concurrent transactions of reports never wait on the day's
// counter row. Numbers stay unique; a block's unused numbers are skipped when the process
// stops, and several processes number in interleaved blocks.
type ticketBlocks struct {
	mu   sync.Mutex
	day  string
	next int64 // the next number to hand out
	last int64 // the last number of the block
}

const ticketBlock = 32

func (b *ticketBlocks) take(ctx context.Context, db *DB, day string) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.day != day || b.next > b.last {
		var last int64
		err := db.write.QueryRowContext(ctx, db.rebind(`INSERT INTO ticket_days (day, seq) VALUES (?, ?)
			ON CONFLICT (day) DO UPDATE SET seq = ticket_days.seq + ? RETURNING seq`), day, ticketBlock, ticketBlock).Scan(&last)
		if err != nil {
			return 0, fmt.Errorf("next ticket: %w", err)
		}
		b.day, b.next, b.last = day, last-ticketBlock+1, last
	}
	n := b.next
	b.next++
	return n, nil
}
