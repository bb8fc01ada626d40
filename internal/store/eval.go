package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Evaluation aggregates (issue 13, migration 00039). The indicators are counted per China-time
// day and group in eval_daily, and the late, unfinished handling clocks in eval_pending; package
// eval decides what a case contributes, and a step's transaction adds the difference its step
// made. Those additions are deferred, like the log rows, and written at the commit as one
// multi-row upsert per table, in key order so that concurrent commits lock rows in one order.

// EvalCountColumns are eval_daily's count columns, in the order of EvalCounts.
var EvalCountColumns = []string{"reported", "valid_reported", "registered", "registered_on_time", "rejected",
	"due_dispatch", "dispatched", "dispatched_on_time", "wrong_dispatch", "returned",
	"due_handle", "handled", "handled_on_time", "handled_late", "rework", "extended", "suspended",
	"due_verify", "verified_on_time", "due_close", "closed", "closed_on_time", "self_handled",
	"handle_minutes", "rated", "satisfied", "urged"}

// NumEvalCounts is len(EvalCountColumns).
const NumEvalCounts = 27

// EvalCounts is one row's counts, in the order of EvalCountColumns.
type EvalCounts [NumEvalCounts]int64

// Add adds o to c.
func (c *EvalCounts) Add(o *EvalCounts, sign int64) {
	for i := range c {
		c[i] += sign * o[i]
	}
}

// Zero reports whether every count is 0.
func (c *EvalCounts) Zero() bool { return *c == EvalCounts{} }

// EvalCell is the key of an eval_daily row: a group (kind and key) in a district on a day
// (yyyymmdd, China time).
type EvalCell struct {
	Kind, Key, District string
	Day                 int
}

// EvalPendingKey is the key of an eval_pending row: handling clocks of a group started on
// StartDay, due on DueDay and ended on EndDay (EvalOpenDay while running).
type EvalPendingKey struct {
	Kind, Key, District      string
	StartDay, DueDay, EndDay int
}

// EvalOpenDay is the end day of a clock still running.
const EvalOpenDay = 99991231

// evalDelta is what a transaction adds to the aggregates, written at its commit.
type evalDelta struct {
	cells   map[EvalCell]*EvalCounts
	pending map[EvalPendingKey]int64
}

// AddEval adds counts to the aggregates in the transaction carried by ctx (or in one of its
// own): written at the commit, so a transaction that rolls back adds nothing.
func (db *DB) AddEval(ctx context.Context, cells map[EvalCell]*EvalCounts, pending map[EvalPendingKey]int64) error {
	if len(cells) == 0 && len(pending) == 0 {
		return nil
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		if t.eval == nil {
			t.eval = &evalDelta{cells: map[EvalCell]*EvalCounts{}, pending: map[EvalPendingKey]int64{}}
		}
		for k, v := range cells {
			if d, ok := t.eval.cells[k]; ok {
				d.Add(v, 1)
			} else {
				c := *v
				t.eval.cells[k] = &c
			}
		}
		for k, n := range pending {
			t.eval.pending[k] += n
		}
		return nil
	})
}

const evalRowsPerUpsert = 32

// flushEval writes a transaction's additions to the aggregates.
func (db *DB) flushEval(ctx context.Context, t *txn) error {
	d := t.eval
	t.eval = nil
	if d == nil {
		return nil
	}
	cells := make([]EvalCell, 0, len(d.cells))
	for k, v := range d.cells {
		if !v.Zero() {
			cells = append(cells, k)
		}
	}
	slices.SortFunc(cells, func(a, b EvalCell) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Day, b.Day), cmp.Compare(a.District, b.District), cmp.Compare(a.Key, b.Key))
	})
	sets := make([]string, len(EvalCountColumns))
	for i, c := range EvalCountColumns {
		sets[i] = c + " = eval_daily." + c + " + excluded." + c
	}
	cols := append([]string{"kind", "key", "district", "day"}, EvalCountColumns...)
	// The upserts come in a handful of shapes (chunk): each is prepared once a flush, not parsed
	// again for every chunk, which was a fifth of a rebuild's time.
	stmts := map[string]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	exec := func(q string, args []any) error {
		st, ok := stmts[q]
		if !ok {
			var err error
			if st, err = t.tx.PrepareContext(ctx, db.rebind(q)); err != nil {
				return err
			}
			stmts[q] = st
		}
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	for rows := cells; len(rows) > 0; {
		n := chunk(len(rows), evalRowsPerUpsert)
		args := make([]any, 0, n*len(cols))
		for _, k := range rows[:n] {
			args = append(args, k.Kind, k.Key, k.District, k.Day)
			for _, v := range d.cells[k] {
				args = append(args, v)
			}
		}
		q := `INSERT INTO eval_daily (` + strings.Join(cols, ", ") + `) VALUES ` + placeholders(n, len(cols)) +
			` ON CONFLICT (kind, day, district, key) DO UPDATE SET ` + strings.Join(sets, ", ")
		if err := exec(q, args); err != nil {
			return fmt.Errorf("add to evaluation aggregates: %w", err)
		}
		rows = rows[n:]
	}
	pend := make([]EvalPendingKey, 0, len(d.pending))
	for k, n := range d.pending {
		if n != 0 {
			pend = append(pend, k)
		}
	}
	slices.SortFunc(pend, func(a, b EvalPendingKey) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.StartDay, b.StartDay), cmp.Compare(a.District, b.District), cmp.Compare(a.Key, b.Key),
			cmp.Compare(a.DueDay, b.DueDay), cmp.Compare(a.EndDay, b.EndDay))
	})
	for rows := pend; len(rows) > 0; {
		n := chunk(len(rows), evalRowsPerUpsert)
		args := make([]any, 0, n*7)
		for _, k := range rows[:n] {
			args = append(args, k.Kind, k.Key, k.District, k.StartDay, k.DueDay, k.EndDay, d.pending[k])
		}
		q := `INSERT INTO eval_pending (kind, key, district, start_day, due_day, end_day, n) VALUES ` + placeholders(n, 7) +
			` ON CONFLICT (kind, start_day, district, key, due_day, end_day) DO UPDATE SET n = eval_pending.n + excluded.n`
		if err := exec(q, args); err != nil {
			return fmt.Errorf("add to pending handling aggregates: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// chunk is the largest power of two up to max that is at most n, so that a table's upserts
// come in a handful of shapes.
func chunk(n, limit int) int {
	c := limit
	for c > n {
		c /= 2
	}
	return c
}

func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// EvalQuery selects aggregate rows: one kind of group over a range of days, optionally in one
// district (or the city-wide rows of departments and people), with keys under a prefix (a
// region's code: its subregions) or one key.
type EvalQuery struct {
	Kind      string
	From, To  int // yyyymmdd, inclusive
	District  string
	CityRows  bool // departments and people: their city-wide rows (district '')
	KeyPrefix string
	Key       string
	ByDay     bool // one row per key and day instead of per key
}

func (q EvalQuery) where(dayCol string) (string, []any) {
	w := ` WHERE kind = ? AND ` + dayCol + ` BETWEEN ? AND ?`
	args := []any{q.Kind, q.From, q.To}
	if q.District != "" || q.CityRows {
		w += ` AND district = ?`
		args = append(args, q.District)
	}
	if q.KeyPrefix != "" {
		// Region codes nest (a child's code starts with its parent's), and every code is
		// digits, so '~' closes the range of the prefix's descendants.
		w += ` AND key >= ? AND key < ?`
		args = append(args, q.KeyPrefix, q.KeyPrefix+"~")
	}
	if q.Key != "" {
		w += ` AND key = ?`
		args = append(args, q.Key)
	}
	return w, args
}

// EvalSum is the counts of one group (on one day, for EvalQuery.ByDay).
type EvalSum struct {
	Key    string
	Day    int
	Counts EvalCounts
}

// EvalSums adds up the aggregate rows q selects, per key (and day).
func (db *DB) EvalSums(ctx context.Context, q EvalQuery) ([]EvalSum, error) {
	sums := make([]string, len(EvalCountColumns))
	for i, c := range EvalCountColumns {
		sums[i] = "SUM(" + c + ")"
	}
	group := "key"
	if q.ByDay {
		group = "key, day"
	}
	w, args := q.where("day")
	sel := "key, 0"
	if q.ByDay {
		sel = "key, day"
	}
	rows, err := db.query(ctx, `SELECT `+sel+`, `+strings.Join(sums, ", ")+` FROM eval_daily`+w+` GROUP BY `+group, args...)
	if err != nil {
		return nil, fmt.Errorf("evaluation sums: %w", err)
	}
	defer rows.Close()
	var out []EvalSum
	for rows.Next() {
		var s EvalSum
		dst := []any{&s.Key, &s.Day}
		for i := range s.Counts {
			dst = append(dst, &s.Counts[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("evaluation sums: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EvalPendingOverdue counts, per key, the handling clocks q selects by their start day that
// were unfinished and past due at the end of day end: due on or before end, ended after it.
func (db *DB) EvalPendingOverdue(ctx context.Context, q EvalQuery, end int) (map[string]int64, error) {
	w, args := q.where("start_day")
	rows, err := db.query(ctx, `SELECT key, SUM(n) FROM eval_pending`+w+` AND due_day <= ? AND end_day > ? GROUP BY key`, append(args, end, end)...)
	if err != nil {
		return nil, fmt.Errorf("pending overdue handling: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("pending overdue handling: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

// EvalRow is one stored aggregate row, for comparing the aggregates with a rebuild.
type EvalRow struct {
	Cell   EvalCell
	Counts EvalCounts
}

// EvalDump returns every nonzero aggregate row, sorted, and every nonzero pending row.
func (db *DB) EvalDump(ctx context.Context) ([]EvalRow, map[EvalPendingKey]int64, error) {
	rows, err := db.query(ctx, `SELECT kind, key, district, day, `+strings.Join(EvalCountColumns, ", ")+` FROM eval_daily ORDER BY kind, day, district, key`)
	if err != nil {
		return nil, nil, fmt.Errorf("dump evaluation aggregates: %w", err)
	}
	defer rows.Close()
	var out []EvalRow
	for rows.Next() {
		var r EvalRow
		dst := []any{&r.Cell.Kind, &r.Cell.Key, &r.Cell.District, &r.Cell.Day}
		for i := range r.Counts {
			dst = append(dst, &r.Counts[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, nil, fmt.Errorf("dump evaluation aggregates: %w", err)
		}
		if !r.Counts.Zero() {
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	prow, err := db.query(ctx, `SELECT kind, key, district, start_day, due_day, end_day, n FROM eval_pending WHERE n <> 0`)
	if err != nil {
		return nil, nil, fmt.Errorf("dump pending aggregates: %w", err)
	}
	defer prow.Close()
	pend := map[EvalPendingKey]int64{}
	for prow.Next() {
		var k EvalPendingKey
		var n int64
		if err := prow.Scan(&k.Kind, &k.Key, &k.District, &k.StartDay, &k.DueDay, &k.EndDay, &n); err != nil {
			return nil, nil, fmt.Errorf("dump pending aggregates: %w", err)
		}
		pend[k] = n
	}
	return out, pend, prow.Err()
}

// ClearEval empties the aggregates, in the transaction carried by ctx, before a rebuild.
func (db *DB) ClearEval(ctx context.Context) error {
	for _, table := range []string{"eval_daily", "eval_pending"} {
		if _, err := db.exec(ctx, `DELETE FROM `+table); err != nil {
			return fmt.Errorf("clear %s: %w", table, err)
		}
	}
	return nil
}

// FlushEval writes the additions the transaction in ctx holds so far: a rebuild adds a
// city's worth of them, and writes them as it goes instead of holding them all.
func (db *DB) FlushEval(ctx context.Context) error {
	t, ok := txnOf(ctx)
	if !ok {
		return nil
	}
	return db.flushEval(ctx, t)
}

// EvalEvent is a timeline event evaluation reads: a self-handled report, a rating, a
// reopening, an urging.
type EvalEvent struct {
	Action string
	At     time.Time
	// Department is, for an urging, the department that held the case then (from the event's
	// params); "" when a centre or the grid held it, and for the other actions.
	Department string
}

// evalActions are the actions whose events evaluation reads.
const evalActions = `('self_handle', 'rate', 'reopen', 'urge')`

// IsEvalAction reports whether evaluation reads the events of an action (evalActions): a step
// taking another action leaves the events EvalEvents returns as they were.
func IsEvalAction(action string) bool {
	switch workflow.Action(action) {
	case workflow.SelfHandle, workflow.Rate, workflow.Reopen, workflow.Urge:
		return true
	}
	return false
}

// scanEvalEvent reads an event's action, time and params (prefix: columns before them, such
// as the case id).
func scanEvalEvent(rows *sql.Rows, prefix ...any) (EvalEvent, error) {
	var (
		e      EvalEvent
		at     int64
		params string
	)
	if err := rows.Scan(append(prefix, &e.Action, &at, &params)...); err != nil {
		return e, err
	}
	e.At = fromMicros(at)
	if e.Action == string(workflow.Urge) {
		var p map[string]any
		if err := json.Unmarshal([]byte(params), &p); err != nil {
			return e, fmt.Errorf("params of an urging: %w", err)
		}
		e.Department, _ = p[workflow.UrgedDepartment].(string)
	}
	return e, nil
}

// EvalEvents returns the events of a case that evaluation reads, in order.
func (db *DB) EvalEvents(ctx context.Context, caseID int64) ([]EvalEvent, error) {
	rows, err := db.query(ctx, `SELECT action, at, params FROM case_events WHERE case_id = ? AND action IN `+evalActions+` ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []EvalEvent
	for rows.Next() {
		e, err := scanEvalEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("events of case %d: %w", caseID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EvalCase is what evaluation reads of one case.
type EvalCase struct {
	Record CaseRecord // ID, CreatedAt and State are set
	Clocks []Clock
	Events []EvalEvent
}

// EachEvalCase calls fn with every case, its clocks and its evaluation events, in id order, a
// page at a time.
func (db *DB) EachEvalCase(ctx context.Context, fn func(EvalCase) error) error {
	const page = 500
	after := int64(0)
	for {
		batch, err := db.evalPage(ctx, after, page)
		if err != nil {
			return err
		}
		for _, c := range batch {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
		after = batch[len(batch)-1].Record.ID
	}
}

func (db *DB) evalPage(ctx context.Context, after int64, limit int) ([]EvalCase, error) {
	rows, err := db.query(ctx, `SELECT id, created_at, state FROM cases WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("cases after %d: %w", after, err)
	}
	var out []EvalCase
	index := map[int64]int{}
	for rows.Next() {
		var (
			c       EvalCase
			created int64
			state   string
		)
		if err := rows.Scan(&c.Record.ID, &created, &state); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cases after %d: %w", after, err)
		}
		c.Record.CreatedAt = fromMicros(created)
		if err := json.Unmarshal([]byte(state), &c.Record.State); err != nil {
			rows.Close()
			return nil, fmt.Errorf("case %d: stored state: %w", c.Record.ID, err)
		}
		index[c.Record.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	lo, hi := out[0].Record.ID, out[len(out)-1].Record.ID
	crows, err := db.query(ctx, `SELECT `+clockColumns+` FROM case_clocks WHERE case_id BETWEEN ? AND ? ORDER BY case_id, id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("clocks of cases %d–%d: %w", lo, hi, err)
	}
	for crows.Next() {
		c, err := scanClock(crows)
		if err != nil {
			crows.Close()
			return nil, fmt.Errorf("clocks of cases %d–%d: %w", lo, hi, err)
		}
		if i, ok := index[c.CaseID]; ok {
			out[i].Clocks = append(out[i].Clocks, c)
		}
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return nil, err
	}
	erows, err := db.query(ctx, `SELECT case_id, action, at, params FROM case_events WHERE case_id BETWEEN ? AND ? AND action IN `+evalActions+` ORDER BY case_id, id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("events of cases %d–%d: %w", lo, hi, err)
	}
	defer erows.Close()
	for erows.Next() {
		var id int64
		e, err := scanEvalEvent(erows, &id)
		if err != nil {
			return nil, fmt.Errorf("events of cases %d–%d: %w", lo, hi, err)
		}
		if i, ok := index[id]; ok {
			out[i].Events = append(out[i].Events, e)
		}
	}
	return out, erows.Err()
}

// EvalWeights returns the stored weights (JSON), or "" when none are stored.
func (db *DB) EvalWeights(ctx context.Context) (string, error) {
	var w string
	err := db.queryRow(ctx, `SELECT weights FROM eval_weights WHERE id = 1`).Scan(&w)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("evaluation weights: %w", err)
	}
	return w, nil
}

// PutEvalWeights stores the weights (JSON).
func (db *DB) PutEvalWeights(ctx context.Context, weights string, now time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO eval_weights (id, weights, updated_at) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at`, weights, micros(now))
	if err != nil {
		return fmt.Errorf("store evaluation weights: %w", err)
	}
	return nil
}

// UsersNamed returns the users with these usernames, disabled ones too (evaluation names
// the people behind past work).
func (db *DB) UsersNamed(ctx context.Context, usernames []string) ([]access.User, error) {
	var out []access.User
	for len(usernames) > 0 {
		n := min(len(usernames), 500)
		rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE username IN (`+marks(n)+`)`, anys(usernames[:n])...)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("find users: %w", err)
			}
			out = append(out, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		usernames = usernames[n:]
	}
	return out, nil
}

// EvalPendingSpan is a count of handling clocks of one group by start, due and end day.
type EvalPendingSpan struct {
	Key                      string
	StartDay, DueDay, EndDay int
	N                        int64
}

// EvalPendingSpans returns the pending rows q selects by start day, for trends, which ask
// "pending and overdue at the end of day T" for several T at once.
func (db *DB) EvalPendingSpans(ctx context.Context, q EvalQuery) ([]EvalPendingSpan, error) {
	w, args := q.where("start_day")
	rows, err := db.query(ctx, `SELECT key, start_day, due_day, end_day, SUM(n) FROM eval_pending`+w+
		` GROUP BY key, start_day, due_day, end_day`, args...)
	if err != nil {
		return nil, fmt.Errorf("pending handling: %w", err)
	}
	defer rows.Close()
	var out []EvalPendingSpan
	for rows.Next() {
		var s EvalPendingSpan
		if err := rows.Scan(&s.Key, &s.StartDay, &s.DueDay, &s.EndDay, &s.N); err != nil {
			return nil, fmt.Errorf("pending handling: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// NaiveCaseCounts counts cases straight from the cases table, the way a system without
// aggregates would: per lead department (group "department") or per subdistrict within a
// district (group "subdistrict", district given), the cases reported in [from, to) that were
// registered (due to close) and those closed. `bench stats` times it against the aggregates
// and checks that both give the same answer.
func (db *DB) NaiveCaseCounts(ctx context.Context, group string, from, to time.Time, district string) (map[string][2]int64, error) {
	var q string
	args := []any{micros(from), micros(to)}
	switch group {
	case "department":
		q = `SELECT department, SUM(CASE WHEN status NOT IN ('reported', 'rejected') THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)
			FROM cases WHERE created_at >= ? AND created_at < ? AND department <> '' GROUP BY department`
	case "subdistrict":
		q = `SELECT substr(grid_code, 1, 9), SUM(CASE WHEN status NOT IN ('reported', 'rejected') THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)
			FROM cases WHERE created_at >= ? AND created_at < ? AND grid_code >= ? AND grid_code < ? GROUP BY substr(grid_code, 1, 9)`
		args = append(args, district, district+"~")
	default:
		return nil, fmt.Errorf("naive counts by %q", group)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("naive case counts: %w", err)
	}
	defer rows.Close()
	out := map[string][2]int64{}
	for rows.Next() {
		var k string
		var v [2]int64
		if err := rows.Scan(&k, &v[0], &v[1]); err != nil {
			return nil, fmt.Errorf("naive case counts: %w", err)
		}
		out[k] = v
	}
	return out, rows.Err()
}
