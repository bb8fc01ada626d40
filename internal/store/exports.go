package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/tidwall/gjson"
)

// ExportCase is a case as an export lists it: the columns a centre's case list shows, read
// without the parts of a case an export does not need (geometry, photos, contacts).
type ExportCase struct {
	ID           int64
	Ticket       string
	Source       string
	Kind         string
	Category     string
	Description  string
	Address      string
	Grid         string
	Urgency      string
	Status       string
	Department   string
	HolderKind   string
	HolderCode   string
	CreatedAt    time.Time
	RegisteredAt time.Time // the first registration (立案); zero if never registered
	HandleDue    time.Time
	LightWarn    time.Time // zero when no stage clock runs
	LightDue     time.Time
	ClosedAt     time.Time
	ClosureType  string
	Rating       int
	Counters     workflow.Counters
}

// The first registration is a column of its own (00052_registered_at.sql): reading it from the
// timeline had cost an index probe a row.
const exportColumns = `id, ticket, source, kind, category, description, address, grid_code, urgency, status, department,
	holder_kind, holder_code, created_at, handle_due, light_warn, light_due, state, registered_at`

// readExportState fills the part of a case's stored state an export shows. It walks the
// state's top level once and skips the rest (parts, supporters, the region path) without
// decoding them: decoding the whole state was an eighth of an export's time.
func readExportState(state []byte, c *ExportCase) error {
	if !gjson.ValidBytes(state) {
		return errors.New("not JSON")
	}
	c.ClosedAt, c.ClosureType, c.Rating, c.Counters = time.Time{}, "", 0, workflow.Counters{}
	var err error
	gjson.ParseBytes(state).ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "closed_at":
			c.ClosedAt, err = time.Parse(time.RFC3339Nano, v.Str)
		case "closure_type":
			c.ClosureType = v.Str
		case "rating":
			c.Rating = int(v.Int())
		case "counters":
			v.ForEach(func(k, n gjson.Result) bool {
				switch k.Str {
				case "rework":
					c.Counters.Rework = int(n.Int())
				case "returns":
					c.Counters.Returns = int(n.Int())
				case "extensions":
					c.Counters.Extensions = int(n.Int())
				case "escalations":
					c.Counters.Escalations = int(n.Int())
				case "supports":
					c.Counters.Supports = int(n.Int())
				}
				return true
			})
		}
		return err == nil
	})
	return err
}

// CountCases counts the cases a filter selects (its cursor and limit aside). It asks for no
// order and no column, so an engine counts along the narrowest index that answers.
func (db *DB) CountCases(ctx context.Context, f CaseFilter) (int64, error) {
	where, args, err := countConditions(f)
	if err != nil {
		return 0, err
	}
	q := `SELECT COUNT(*) FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	var n int64
	if err := db.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases: %w", err)
	}
	return n, nil
}

// countConditions is caseConditions with a department's parts (联办) as one condition: a count
// reads every row it counts anyway, so the OR costs nothing a page-wise merge would save.
func countConditions(f CaseFilter) ([]string, []any, error) {
	where, args, err := caseConditions(f)
	if err != nil {
		return nil, nil, err
	}
	if f.Department != "" && f.PartDepartment == f.Department {
		where = append(where, `(department = ? OR id IN (SELECT case_id FROM case_parts WHERE department = ?`+
			map[bool]string{true: ` AND status <> 'reported'`, false: ``}[f.OpenPartsOnly]+`))`)
		args = append(args, f.Department, f.Department)
	}
	return where, args, nil
}

// LightCounts are how many cases of a list show each light.
type LightCounts struct {
	Red, Yellow, Green int64
}

// CountLights counts the cases a filter selects by the light they show at f.Now, whatever its
// light and overdue filters say: the counts offer the lights to narrow the list to. Only cases
// running a clock have a light, so the count reads the partial index on light_due (00032)
// when the other conditions do not narrow more.
func (db *DB) CountLights(ctx context.Context, f CaseFilter) (LightCounts, error) {
	f.Light, f.Overdue, f.SortByDue = "", false, false
	where, args, err := countConditions(f)
	if err != nil {
		return LightCounts{}, err
	}
	where = append(where, `light_due IS NOT NULL`)
	now := micros(f.Now)
	q := `SELECT COALESCE(SUM(CASE WHEN light_due < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN light_due >= ? AND light_warn <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN light_warn > ? THEN 1 ELSE 0 END), 0)
		FROM cases WHERE ` + strings.Join(where, ` AND `)
	var c LightCounts
	if err := db.queryRow(ctx, q, append([]any{now, now, now, now}, args...)...).Scan(&c.Red, &c.Yellow, &c.Green); err != nil {
		return LightCounts{}, fmt.Errorf("count lights: %w", err)
	}
	return c, nil
}

// EachExportCase calls fn with every case a filter selects, in the list's order, reading batch
// rows a query (keyset pages, as ListCases pages), so memory stays flat and no read holds the
// database for the whole export. The filter's cursor, if any, is where it starts.
func (db *DB) EachExportCase(ctx context.Context, f CaseFilter, batch int, fn func(ExportCase) error) error {
	if batch <= 0 {
		batch = 2000
	}
	for {
		q, args, err := casePageQuery(f, exportColumns, batch)
		if err != nil {
			return err
		}
		n, lastKey, lastID, err := db.exportPage(ctx, q, args, fn)
		if err != nil {
			return err
		}
		if n < batch {
			return nil
		}
		f.Cursor = encodeCursor(lastKey, lastID)
	}
}

// exportPage reads one page and returns how many rows it had and the last one's keys.
func (db *DB) exportPage(ctx context.Context, q string, args []any, fn func(ExportCase) error) (n int, lastKey, lastID int64, err error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("export cases: %w", err)
	}
	defer rows.Close()
	var (
		c                     ExportCase
		created               int64
		due, warn, light, reg sql.NullInt64
		sortKey               sql.NullInt64
		state                 []byte
	)
	for rows.Next() {
		if err := rows.Scan(&c.ID, &c.Ticket, &c.Source, &c.Kind, &c.Category, &c.Description, &c.Address, &c.Grid, &c.Urgency,
			&c.Status, &c.Department, &c.HolderKind, &c.HolderCode, &created, &due, &warn, &light, &state, &reg, &sortKey); err != nil {
			return n, 0, 0, fmt.Errorf("export cases: %w", err)
		}
		if err := readExportState(state, &c); err != nil {
			return n, 0, 0, fmt.Errorf("export cases: case %d: stored state: %w", c.ID, err)
		}
		c.CreatedAt = fromMicros(created)
		c.HandleDue, c.LightWarn, c.LightDue, c.RegisteredAt = timeOrZero(due), timeOrZero(warn), timeOrZero(light), timeOrZero(reg)
		if !warn.Valid || !light.Valid {
			c.LightWarn, c.LightDue = time.Time{}, time.Time{}
		}
		if err := fn(c); err != nil {
			return n, 0, 0, err
		}
		n++
		lastID, lastKey = c.ID, sortKey.Int64
	}
	return n, lastKey, lastID, rows.Err()
}

func timeOrZero(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// Light is the export row's light at now, as CaseRecord.Light.
func (c ExportCase) Light(now time.Time) string {
	r := CaseRecord{LightWarn: c.LightWarn, LightDue: c.LightDue}
	return string(r.Light(now))
}

// ExportJob is an export someone asked for: what, for whom, and how far it has come.
type ExportJob struct {
	ID         int64
	Username   string
	Kind       string // cases | stats
	Format     string // xlsx | csv
	Params     string // the filters, as JSON
	State      string // queued | running | done | failed
	Rows       int64
	Total      int64
	FileKey    string // where the finished file is kept
	FileName   string // what it is called when downloaded
	Error      string // why it failed: an error code
	Attempts   int
	CreatedAt  time.Time
	FinishedAt time.Time
	ExpiresAt  time.Time
}

// The states of an export job.
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

const exportJobColumns = `id, username, kind, format, params, state, rows, total, file_key, file_name, error, attempts, created_at, finished_at, expires_at`

func scanExportJob(row interface{ Scan(...any) error }) (ExportJob, error) {
	var (
		j                ExportJob
		created, expires int64
		finished         sql.NullInt64
	)
	if err := row.Scan(&j.ID, &j.Username, &j.Kind, &j.Format, &j.Params, &j.State, &j.Rows, &j.Total, &j.FileKey, &j.FileName,
		&j.Error, &j.Attempts, &created, &finished, &expires); err != nil {
		return ExportJob{}, err
	}
	j.CreatedAt, j.ExpiresAt, j.FinishedAt = fromMicros(created), fromMicros(expires), timeOrZero(finished)
	return j, nil
}

// InsertExportJob queues an export and returns its id.
func (db *DB) InsertExportJob(ctx context.Context, j ExportJob) (int64, error) {
	var id int64
	err := db.writeRow(ctx, `INSERT INTO exports (username, kind, format, params, state, file_name, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.Username, j.Kind, j.Format, j.Params, ExportQueued, j.FileName, micros(j.CreatedAt), micros(j.ExpiresAt)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue export: %w", err)
	}
	return id, nil
}

// ExportJobOf returns an export by id, if it is the user's: anyone else's is not found, so an
// id tells nobody else whether it exists.
func (db *DB) ExportJobOf(ctx context.Context, id int64, username string) (ExportJob, error) {
	j, err := scanExportJob(db.queryRow(ctx, `SELECT `+exportJobColumns+` FROM exports WHERE id = ? AND username = ?`, id, username))
	if err != nil {
		return ExportJob{}, notFound(err, "export %d not found", id)
	}
	return j, nil
}

// ExportJobByID returns an export by id, whoever asked for it.
func (db *DB) ExportJobByID(ctx context.Context, id int64) (ExportJob, error) {
	j, err := scanExportJob(db.queryRow(ctx, `SELECT `+exportJobColumns+` FROM exports WHERE id = ?`, id))
	if err != nil {
		return ExportJob{}, notFound(err, "export %d not found", id)
	}
	return j, nil
}

// ClaimableExports returns up to limit exports waiting for a runner: queued ones, and running
// ones whose runner's lease ran out (it died), oldest first.
func (db *DB) ClaimableExports(ctx context.Context, now time.Time, limit int) ([]ExportJob, error) {
	rows, err := db.query(ctx, `SELECT `+exportJobColumns+` FROM exports
		WHERE state = 'queued' OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("list exports to run: %w", err)
	}
	defer rows.Close()
	out := []ExportJob{}
	for rows.Next() {
		j, err := scanExportJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list exports to run: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ClaimExport takes an export for the runner named by token until leaseUntil, and reports
// whether this call took it: of runners racing for one export, in one process or several,
// exactly one wins. A runner that dies leaves its lease to run out, and another takes it over.
func (db *DB) ClaimExport(ctx context.Context, id int64, token string, now, leaseUntil time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE exports SET state = 'running', claim = ?, lease_until = ?, attempts = attempts + 1
		WHERE id = ? AND (state = 'queued' OR (state = 'running' AND lease_until < ?))`, token, micros(leaseUntil), id, micros(now))
	if err != nil {
		return false, fmt.Errorf("claim export %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExportProgress records how far a claimed export has come and extends its lease. It answers
// false when the runner no longer holds the export (its lease ran out and another took it, or
// the export expired): the runner must stop.
func (db *DB) ExportProgress(ctx context.Context, id int64, token string, rows, total int64, leaseUntil time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE exports SET rows = ?, total = ?, lease_until = ? WHERE id = ? AND claim = ? AND state = 'running'`,
		rows, total, micros(leaseUntil), id, token)
	if err != nil {
		return false, fmt.Errorf("export %d progress: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishExport records a claimed export's end: done with its file, or failed with an error
// code. Like ExportProgress it answers false when the runner no longer holds it.
func (db *DB) FinishExport(ctx context.Context, id int64, token, state string, rows int64, fileKey, errCode string, now time.Time) (bool, error) {
	if state != ExportDone && state != ExportFailed {
		return false, errs.E(errs.Internal, "an export cannot finish as %q", state)
	}
	res, err := db.exec(ctx, `UPDATE exports SET state = ?, rows = ?, file_key = ?, error = ?, finished_at = ?, lease_until = NULL
		WHERE id = ? AND claim = ? AND state = 'running'`, state, rows, fileKey, errCode, micros(now), id, token)
	if err != nil {
		return false, fmt.Errorf("finish export %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FailExport gives up an export no runner has finished (its runners died too often).
func (db *DB) FailExport(ctx context.Context, id int64, errCode string, now time.Time) error {
	if _, err := db.exec(ctx, `UPDATE exports SET state = 'failed', error = ?, finished_at = ?, lease_until = NULL
		WHERE id = ? AND state IN ('queued', 'running')`, errCode, micros(now), id); err != nil {
		return fmt.Errorf("fail export %d: %w", id, err)
	}
	return nil
}

// ExpiredExports returns up to limit exports past their expiry.
func (db *DB) ExpiredExports(ctx context.Context, now time.Time, limit int) ([]ExportJob, error) {
	rows, err := db.query(ctx, `SELECT `+exportJobColumns+` FROM exports WHERE expires_at < ? ORDER BY expires_at LIMIT ?`, micros(now), limit)
	if err != nil {
		return nil, fmt.Errorf("list expired exports: %w", err)
	}
	defer rows.Close()
	out := []ExportJob{}
	for rows.Next() {
		j, err := scanExportJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list expired exports: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// DeleteExport removes an export's row.
func (db *DB) DeleteExport(ctx context.Context, id int64) error {
	if _, err := db.exec(ctx, `DELETE FROM exports WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete export %d: %w", id, err)
	}
	return nil
}

// CountActiveExports counts a user's exports that are queued or running, so one person
// cannot queue a thousand.
func (db *DB) CountActiveExports(ctx context.Context, username string) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM exports WHERE username = ? AND state IN ('queued', 'running')`, username).Scan(&n); err != nil {
		return 0, fmt.Errorf("count exports: %w", err)
	}
	return n, nil
}

// ReleaseExport hands a claimed export back to the queue (its runner is shutting down), so
// another runner takes it without waiting for the lease to run out.
func (db *DB) ReleaseExport(ctx context.Context, id int64, token string) (bool, error) {
	res, err := db.exec(ctx, `UPDATE exports SET state = 'queued', claim = '', lease_until = NULL, rows = 0, attempts = attempts - 1
		WHERE id = ? AND claim = ? AND state = 'running'`, id, token)
	if err != nil {
		return false, fmt.Errorf("release export %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
