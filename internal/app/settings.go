package app

import (
	"context"
	"fmt"
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
	err := a.db.InTx(ctx, func(ctx context.Context) error {
		before, err := a.db.TimeLimits(ctx)
		if err != nil {
			return err
		}
		if err := a.db.ReplaceTimeLimits(ctx, rows); err != nil {
			return err
		}
		return a.record(ctx, actor, "time_limits.replace", "time_limits", map[string]any{"rows": len(before)}, map[string]any{"rows": len(rows)})
	})
	a.forgetSettings()
	return err
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
	defer a.forgetSettings()
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
	defer a.forgetSettings()
	return a.db.InTx(ctx, func(ctx context.Context) error {
		if err := a.db.DeleteCalendarOverride(ctx, day); err != nil {
			return err
		}
		return a.record(ctx, actor, "calendar.delete", "calendar:"+day, nil, nil)
	})
}

// settingsCache keeps the time limits and the built calendar for a second: every transition
// needs them, they change a few times a year, and a second is how long another process takes
// to see any stored change (regions work the same way). Edits here clear it at once.
type settingsCache struct {
	mu     sync.Mutex
	read   time.Time // on the real clock
	limits []workflow.TimeLimit
	key    string // the overrides the calendar was built with
	cal    *worktime.Calendar
}

const settingsTTL = time.Second

func (a *App) forgetSettings() {
	a.settings.mu.Lock()
	a.settings.read = time.Time{}
	a.settings.mu.Unlock()
}

// timeSettings returns the time-limits table and the working-time calendar with the stored
// overrides.
func (a *App) timeSettings(ctx context.Context) ([]workflow.TimeLimit, *worktime.Calendar, error) {
	a.settings.mu.Lock()
	defer a.settings.mu.Unlock()
	if !a.settings.read.IsZero() && time.Since(a.settings.read) < settingsTTL {
		return a.settings.limits, a.settings.cal, nil
	}
	limits, err := a.db.TimeLimits(ctx)
	if err != nil {
		return nil, nil, err
	}
	stored, err := a.db.CalendarOverrides(ctx)
	if err != nil {
		return nil, nil, err
	}
	var key strings.Builder
	for _, o := range stored {
		fmt.Fprintf(&key, "%s%t;", o.Date, o.Working)
	}
	if a.settings.cal == nil || a.settings.key != key.String() {
		// Stored overrides win over the configured ones for the same date.
		cfg := a.opts.Calendar
		cfg.Overrides = slices.DeleteFunc(slices.Clone(cfg.Overrides), func(o worktime.Override) bool {
			return slices.ContainsFunc(stored, func(s worktime.Override) bool { return s.Date == o.Date })
		})
		cfg.Overrides = append(cfg.Overrides, stored...)
		cal, err := worktime.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		a.settings.key, a.settings.cal = key.String(), cal
	}
	a.settings.limits, a.settings.read = limits, time.Now()
	return limits, a.settings.cal, nil
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

// refCache keeps the category dictionary and the dispatch table for a second, like the time
// settings: every report reads both, and they change a few times a year.
type refCache struct {
	mu    sync.Mutex
	read  time.Time
	cats  map[string]workflow.Category // by kind:code
	rules []workflow.Rule
	depts []workflow.Department
}

func (a *App) forgetReference() {
	a.ref.mu.Lock()
	a.ref.read = time.Time{}
	a.ref.mu.Unlock()
}

func (a *App) reference(ctx context.Context) (map[string]workflow.Category, []workflow.Rule, error) {
	a.ref.mu.Lock()
	defer a.ref.mu.Unlock()
	if !a.ref.read.IsZero() && time.Since(a.ref.read) < settingsTTL {
		return a.ref.cats, a.ref.rules, nil
	}
	cats, err := a.db.Categories(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	rules, err := a.db.Rules(ctx)
	if err != nil {
		return nil, nil, err
	}
	if a.ref.depts, err = a.db.Departments(ctx); err != nil {
		return nil, nil, err
	}
	a.ref.cats = make(map[string]workflow.Category, len(cats))
	for _, c := range cats {
		a.ref.cats[string(c.Kind)+":"+c.Code] = c
	}
	a.ref.rules, a.ref.read = rules, time.Now()
	return a.ref.cats, a.ref.rules, nil
}

// category returns one category of the dictionary (NotFound when there is none).
func (a *App) category(ctx context.Context, kind workflow.CategoryKind, code string) (workflow.Category, error) {
	cats, _, err := a.reference(ctx)
	if err != nil {
		return workflow.Category{}, err
	}
	c, ok := cats[string(kind)+":"+code]
	if !ok {
		return workflow.Category{}, errs.E(errs.NotFound, "no %s category %q", kind, code)
	}
	return c, nil
}

// departments returns every department (cached like the dispatch table).
func (a *App) departments(ctx context.Context) ([]workflow.Department, error) {
	if _, _, err := a.reference(ctx); err != nil {
		return nil, err
	}
	a.ref.mu.Lock()
	defer a.ref.mu.Unlock()
	return a.ref.depts, nil
}
