package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// A city's time-limits table (立结案标准) and its calendar overrides are data an unscoped
// administrator edits. Deadlines read them inside the transaction that snapshots a deadline, so
// every process counts with what is stored, never a stale copy.

func mayEditSettings(p *access.Principal, what string) error {
	if p == nil || !p.IsAdmin() || (!p.System && p.User.Scope != "") {
		return errs.E(errs.Forbidden, "only an unscoped admin may change the %s", what)
	}
	return nil
}

// EnsureDefaultTimeLimits loads the default table (standards/time-limits-default.csv) when no
// limit is stored, so a new deployment has deadlines without an import.
func (a *App) EnsureDefaultTimeLimits(ctx context.Context, actor *access.Principal) (int, error) {
	have, err := a.db.TimeLimits(ctx)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	return len(workflow.DefaultTimeLimits()), a.ReplaceTimeLimits(ctx, actor, workflow.DefaultTimeLimits())
}

// TimeLimits returns the time-limits table: staff read it (it explains their deadlines).
func (a *App) TimeLimits(ctx context.Context, actor *access.Principal) ([]workflow.TimeLimit, error) {
	if !isStaff(actor) {
		return nil, errs.E(errs.Forbidden, "only staff may read the time limits")
	}
	return a.db.TimeLimits(ctx)
}

// ReplaceTimeLimits replaces the whole table. Deadlines already running keep their snapshot;
// stages that start afterwards use the new rows.
func (a *App) ReplaceTimeLimits(ctx context.Context, actor *access.Principal, rows []workflow.TimeLimit) error {
	if err := mayEditSettings(actor, "time limits"); err != nil {
		return err
	}
	if len(rows) == 0 {
		return errs.E(errs.Invalid, "the time-limits table cannot be empty: without a handling limit no case has a deadline")
	}
	for i, t := range rows {
		if err := t.Validate(); err != nil {
			return errs.E(errs.Invalid, "row %d: %v", i+1, err)
		}
		if err := checkText(t.Source, "source", 200); err != nil {
			return errs.E(errs.Invalid, "row %d: %v", i+1, err)
		}
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		before, err := a.db.TimeLimits(ctx)
		if err != nil {
			return err
		}
		if err := a.db.ReplaceTimeLimits(ctx, rows); err != nil {
			return err
		}
		return a.record(ctx, actor, "time_limits.replace", "time_limits", map[string]any{"rows": len(before)}, map[string]any{"rows": len(rows)})
	})
}

// CalendarOverrides returns the administrator's working-day table.
func (a *App) CalendarOverrides(ctx context.Context, actor *access.Principal) ([]worktime.Override, error) {
	if !isStaff(actor) {
		return nil, errs.E(errs.Forbidden, "only staff may read the calendar")
	}
	return a.db.CalendarOverrides(ctx)
}

// PutCalendarOverride makes one date a working day or a day off whatever the State Council
// schedule says (a local holiday, a late announcement, a year the shipped data lacks).
func (a *App) PutCalendarOverride(ctx context.Context, actor *access.Principal, o worktime.Override) error {
	if err := mayEditSettings(actor, "calendar"); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, o.Date)
	if err != nil || d.Format(time.DateOnly) != o.Date {
		return errs.E(errs.Invalid, "date %q must be a real date written YYYY-MM-DD", o.Date)
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return errs.E(errs.Invalid, "date %s is outside 2000–2100", o.Date)
	}
	o.Note = strings.TrimSpace(o.Note)
	if err := checkText(o.Note, "note", 200); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		if err := a.db.PutCalendarOverride(ctx, o, a.now()); err != nil {
			return err
		}
		return a.record(ctx, actor, "calendar.put", "calendar:"+o.Date, nil, o)
	})
}

// DeleteCalendarOverride drops a date's override.
func (a *App) DeleteCalendarOverride(ctx context.Context, actor *access.Principal, day string) error {
	if err := mayEditSettings(actor, "calendar"); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		if err := a.db.DeleteCalendarOverride(ctx, day); err != nil {
			return err
		}
		return a.record(ctx, actor, "calendar.delete", "calendar:"+day, nil, nil)
	})
}

// calendars caches built calendars by their stored overrides: building one reads the official
// schedule for 2001–2027, reading the overrides is one small query.
type calendars struct {
	mu   sync.Mutex
	key  string
	last *worktime.Calendar
}

// calendar returns the working-time calendar with the stored overrides, read in ctx's
// transaction when there is one.
func (a *App) calendar(ctx context.Context) (*worktime.Calendar, error) {
	stored, err := a.db.CalendarOverrides(ctx)
	if err != nil {
		return nil, err
	}
	var key strings.Builder
	for _, o := range stored {
		key.WriteString(o.Date)
		if o.Working {
			key.WriteString("+")
		} else {
			key.WriteString("-")
		}
	}
	a.cals.mu.Lock()
	defer a.cals.mu.Unlock()
	if a.cals.last != nil && a.cals.key == key.String() {
		return a.cals.last, nil
	}
	// Stored overrides win over the configured ones for the same date.
	cfg := a.opts.Calendar
	cfg.Overrides = slices.DeleteFunc(slices.Clone(cfg.Overrides), func(o worktime.Override) bool {
		return slices.ContainsFunc(stored, func(s worktime.Override) bool { return s.Date == o.Date })
	})
	cfg.Overrides = append(cfg.Overrides, stored...)
	cal, err := worktime.New(cfg)
	if err != nil {
		return nil, err
	}
	a.cals.key, a.cals.last = key.String(), cal
	return cal, nil
}

// ImportCalendarOverrides sets many dates at once, all or nothing (a year's local table).
func (a *App) ImportCalendarOverrides(ctx context.Context, actor *access.Principal, rows []worktime.Override) error {
	if err := mayEditSettings(actor, "calendar"); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		for _, o := range rows {
			if err := a.PutCalendarOverride(ctx, actor, o); err != nil {
				return errs.E(errs.KindOf(err), "%s: %v", o.Date, err)
			}
		}
		return nil
	})
}
