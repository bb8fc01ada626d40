package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// InTransaction reports whether ctx carries a transaction (see InTx): work done with it joins
// that transaction rather than committing on its own.
func (db *DB) InTransaction(ctx context.Context) bool {
	_, ok := txnOf(ctx)
	return ok
}

// bulkRows is how many cases one multi-row INSERT carries: 500 rows of 27 values stay under
// both engines' limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
const bulkRows = 500

// InsertCasesBulk stores many cases with multi-row INSERTs, for generated data (benchmarks,
// tests): no timeline, audit record or outbox message is written, and ids are not returned.
// Callers wrap it in InTx to make the whole load one transaction, or a few large ones.
func (db *DB) InsertCasesBulk(ctx context.Context, cases []CaseRecord) error {
	const cols = 28
	for start := 0; start < len(cases); start += bulkRows {
		chunk := cases[start:min(start+bulkRows, len(cases))]
		args := make([]any, 0, len(chunk)*cols)
		for _, c := range chunk {
			state, err := json.Marshal(c.State)
			if err != nil {
				return fmt.Errorf("encode case state: %w", err)
			}
			geom, err := encodeGeometry(c.Geometry)
			if err != nil {
				return err
			}
			s := c.State
			args = append(args, c.Ticket, c.Source, string(s.Kind), s.Category, c.Description, c.Lon, c.Lat, c.InputCRS,
				c.Address, geom, s.Grid(), string(s.Urgency), c.ContactName, c.ContactPhone, strings.Join(c.Photos, ";"),
				string(s.Status), s.Version, string(s.Holder.Kind), s.Holder.Code, s.Department, s.Reporter,
				nullTime(s.HandleDue), string(state), micros(c.CreatedAt), micros(c.UpdatedAt), nullTime(c.LightWarn), nullTime(c.LightDue),
				nullTime(s.RegisteredAt))
		}
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
		q := `INSERT INTO cases (ticket, source, kind, category, description, lon, lat, input_crs, address,
			geometry, grid_code, urgency, contact_name, contact_phone, photos, status, version, holder_kind, holder_code,
			department, reporter, handle_due, state, created_at, updated_at, light_warn, light_due, registered_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := db.exec(ctx, q, args...); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("insert cases: a ticket is already taken: %w", err)
			}
			return fmt.Errorf("insert cases: %w", err)
		}
	}
	return nil
}

// RaiseTicketDay makes the day's ticket counter at least seq, so tickets given out later follow
// cases loaded in bulk rather than collide with them.
func (db *DB) RaiseTicketDay(ctx context.Context, day string, seq int64) error {
	_, err := db.exec(ctx, `INSERT INTO ticket_days (day, seq) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET seq = CASE WHEN ticket_days.seq < excluded.seq THEN excluded.seq ELSE ticket_days.seq END`, day, seq)
	if err != nil {
		return fmt.Errorf("raise ticket counter of %s: %w", day, err)
	}
	return nil
}

// Analyze refreshes the planner's statistics, as after a bulk load.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// AddBulkTimelines gives every case without a timeline the events an export reads from it, as
// the use cases would have written them: its report at its creation and, for a case that got
// past the centre, its registration ten minutes later. For benchmarks over generated cases.
func (db *DB) AddBulkTimelines(ctx context.Context) error {
	for _, q := range []string{
		`INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, note, input, code, params)
			SELECT id, created_at, 'bench', 'report', '', 'reported', '', '{}', '', '{}' FROM cases
			WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id)`,
		`INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, note, input, code, params)
			SELECT id, created_at + 600000000, 'bench', 'register', 'reported', 'registered', '', '{}', '', '{}' FROM cases
			WHERE status NOT IN ('reported', 'rejected')
			  AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.action = 'register')`,
		`UPDATE cases SET registered_at = created_at + 600000000 WHERE status NOT IN ('reported', 'rejected') AND registered_at IS NULL`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bulk timelines: %w", err)
		}
	}
	return nil
}
