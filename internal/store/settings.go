package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"

	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// ReplaceTimeLimits replaces the whole time-limits table: a city edits it as one 立结案标准.
func (db *DB) ReplaceTimeLimits(ctx context.Context, rows []workflow.TimeLimit) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `DELETE FROM time_limits`); err != nil {
			return fmt.Errorf("clear time limits: %w", err)
		}
		for _, t := range rows {
			_, err := db.exec(ctx, `INSERT INTO time_limits (stage, category_kind, category, urgency, area_class, value, unit, source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, string(t.Stage), string(t.Kind), t.Category, string(t.Urgency), t.AreaClass,
				t.Limit.Value, string(t.Limit.Unit), t.Source)
			if err != nil {
				if isUniqueViolation(err) {
					return errs.E(errs.Invalid, "time limit %s/%s/%s/%s/%s appears twice", t.Stage, t.Kind, t.Category, t.Urgency, t.AreaClass)
				}
				return fmt.Errorf("insert time limit: %w", err)
			}
		}
		return nil
	})
}

// TimeLimits returns the time-limits table in a stable order.
func (db *DB) TimeLimits(ctx context.Context) ([]workflow.TimeLimit, error) {
	rows, err := db.query(ctx, `SELECT stage, category_kind, category, urgency, area_class, value, unit, source
		FROM time_limits ORDER BY stage, category_kind, category, urgency, area_class`)
	if err != nil {
		return nil, fmt.Errorf("list time limits: %w", err)
	}
	defer rows.Close()
	out := []workflow.TimeLimit{}
	for rows.Next() {
		var t workflow.TimeLimit
		if err := rows.Scan(&t.Stage, &t.Kind, &t.Category, &t.Urgency, &t.AreaClass, &t.Limit.Value, &t.Limit.Unit, &t.Source); err != nil {
			return nil, fmt.Errorf("list time limits: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// CalendarOverrides returns the administrator's working-day table, by date.
func (db *DB) CalendarOverrides(ctx context.Context) ([]worktime.Override, error) {
	rows, err := db.query(ctx, `SELECT day, working, note FROM calendar_overrides ORDER BY day`)
	if err != nil {
		return nil, fmt.Errorf("list calendar overrides: %w", err)
	}
	defer rows.Close()
	out := []worktime.Override{}
	for rows.Next() {
		var o worktime.Override
		if err := rows.Scan(&o.Date, &o.Working, &o.Note); err != nil {
			return nil, fmt.Errorf("list calendar overrides: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PutCalendarOverride sets one day's override, replacing any earlier one for that day.
func (db *DB) PutCalendarOverride(ctx context.Context, o worktime.Override, now time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO calendar_overrides (day, working, note, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET working = excluded.working, note = excluded.note, updated_at = excluded.updated_at`,
		o.Date, o.Working, o.Note, micros(now))
	if err != nil {
		return fmt.Errorf("put calendar override %s: %w", o.Date, err)
	}
	return nil
}

// DeleteCalendarOverride removes a day's override; the official schedule applies again.
func (db *DB) DeleteCalendarOverride(ctx context.Context, day string) error {
	res, err := db.exec(ctx, `DELETE FROM calendar_overrides WHERE day = ?`, day)
	if err != nil {
		return fmt.Errorf("delete calendar override %s: %w", day, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "no calendar override for %s", day)
	}
	return nil
}

// OfficeHours returns the stored seasons of office hours, by start date; none when the
// administrator has set none (the default hours apply).
func (db *DB) OfficeHours(ctx context.Context) ([]worktime.Schedule, error) {
	rows, err := db.query(ctx, `SELECT starts, windows FROM office_hours ORDER BY starts`)
	if err != nil {
		return nil, fmt.Errorf("list office hours: %w", err)
	}
	defer rows.Close()
	out := []worktime.Schedule{}
	for rows.Next() {
		var from, windows string
		if err := rows.Scan(&from, &windows); err != nil {
			return nil, fmt.Errorf("list office hours: %w", err)
		}
		s := worktime.Schedule{From: from}
		for _, w := range strings.Split(windows, ",") {
			win, err := worktime.ParseWindow(w)
			if err != nil {
				return nil, fmt.Errorf("office hours from %s: %w", from, err)
			}
			s.Windows = append(s.Windows, win)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ReplaceOfficeHours replaces every season of office hours; none restores the default.
func (db *DB) ReplaceOfficeHours(ctx context.Context, seasons []worktime.Schedule, now time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `DELETE FROM office_hours`); err != nil {
			return fmt.Errorf("clear office hours: %w", err)
		}
		for _, s := range seasons {
			ws := make([]string, len(s.Windows))
			for i, w := range s.Windows {
				b, _ := w.MarshalText()
				ws[i] = string(b)
			}
			if _, err := db.exec(ctx, `INSERT INTO office_hours (starts, windows, updated_at) VALUES (?, ?, ?)`,
				s.From, strings.Join(ws, ","), micros(now)); err != nil {
				return fmt.Errorf("store office hours from %s: %w", s.From, err)
			}
		}
		return nil
	})
}
