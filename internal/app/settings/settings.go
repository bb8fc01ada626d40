package settings

import (
	"context"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// A city's time-limits table (立结案标准) and its calendar overrides are data an unscoped
// administrator edits. Deadlines read them inside the transaction that snapshots a deadline, so
// every process counts with what is stored, never a stale copy.

// EnsureDefaultTimeLimits loads the default table (standards/time-limits-default.csv) when no
// limit is stored, so a new deployment has deadlines without an import.
func (a *Service) EnsureDefaultTimeLimits(ctx context.Context, actor *access.Principal) (int, error) {
	have, err := a.DB.TimeLimits(ctx)
	if err != nil || len(have) > 0 {
		return 0, err
	}
	return len(workflow.DefaultTimeLimits()), a.ReplaceTimeLimits(ctx, actor, workflow.DefaultTimeLimits())
}

// TimeLimits returns the time-limits table: staff read it (it explains their deadlines).
func (a *Service) TimeLimits(ctx context.Context, actor *access.Principal) ([]workflow.TimeLimit, error) {
	if !kernel.IsStaff(actor) {
		return nil, errs.E(errs.Forbidden, "only staff may read the time limits")
	}
	return a.DB.TimeLimits(ctx)
}

// ReplaceTimeLimits replaces the whole table. Deadlines already running keep their snapshot;
// stages that start afterwards use the new rows.
func (a *Service) ReplaceTimeLimits(ctx context.Context, actor *access.Principal, rows []workflow.TimeLimit) error {
	if err := kernel.MayEditCityWide(actor, "time limits"); err != nil {
		return err
	}
	if len(rows) == 0 {
		return errs.Refuse(errs.Invalid, "table_empty", nil, "the time-limits table cannot be empty: without a handling limit no case has a deadline")
	}
	for i, t := range rows {
		if err := t.Validate(); err != nil {
			return errs.Prefix(err, errs.Params{"row": i + 1}, "row %d: ", i+1)
		}
		if err := kernel.CheckText(t.Source, "source", 200); err != nil {
			return errs.Prefix(err, errs.Params{"row": i + 1}, "row %d: ", i+1)
		}
	}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := a.DB.TimeLimits(ctx)
		if err != nil {
			return err
		}
		if err := a.DB.ReplaceTimeLimits(ctx, rows); err != nil {
			return err
		}
		return a.Record(ctx, actor, "time_limits.replace", "time_limits", map[string]any{"rows": len(before)}, map[string]any{"rows": len(rows)})
	})
	a.ForgetSettings()
	return err
}

// CalendarOverrides returns the administrator's working-day table.
func (a *Service) CalendarOverrides(ctx context.Context, actor *access.Principal) ([]worktime.Override, error) {
	if !kernel.IsStaff(actor) {
		return nil, errs.E(errs.Forbidden, "only staff may read the calendar")
	}
	return a.DB.CalendarOverrides(ctx)
}

// PutCalendarOverride makes one date a working day or a day off whatever the State Council
// schedule says (a local holiday, a late announcement, a year the shipped data lacks).
func (a *Service) PutCalendarOverride(ctx context.Context, actor *access.Principal, o worktime.Override) error {
	if err := kernel.MayEditCityWide(actor, "calendar"); err != nil {
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
	if err := kernel.CheckText(o.Note, "note", 200); err != nil {
		return err
	}
	defer a.ForgetSettings()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutCalendarOverride(ctx, o, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, actor, "calendar.put", "calendar:"+o.Date, nil, o)
	})
}

// DeleteCalendarOverride drops a date's override.
func (a *Service) DeleteCalendarOverride(ctx context.Context, actor *access.Principal, day string) error {
	if err := kernel.MayEditCityWide(actor, "calendar"); err != nil {
		return err
	}
	defer a.ForgetSettings()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.DeleteCalendarOverride(ctx, day); err != nil {
			return err
		}
		return a.Record(ctx, actor, "calendar.delete", "calendar:"+day, nil, nil)
	})
}

// ImportCalendarOverrides sets many dates at once, all or nothing (a year's local table).
func (a *Service) ImportCalendarOverrides(ctx context.Context, actor *access.Principal, rows []worktime.Override) error {
	if err := kernel.MayEditCityWide(actor, "calendar"); err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, o := range rows {
			if err := a.PutCalendarOverride(ctx, actor, o); err != nil {
				return errs.E(errs.KindOf(err), "%s: %v", o.Date, err)
			}
		}
		return nil
	})
}
