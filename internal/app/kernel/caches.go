package kernel

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

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

func (a *Core) ForgetSettings() {
	a.settings.mu.Lock()
	a.settings.read = time.Time{}
	a.settings.mu.Unlock()
}

// TimeSettings returns the time-limits table and the working-time calendar with the stored
// office hours (else the configured ones) and overrides.
func (a *Core) TimeSettings(ctx context.Context) ([]workflow.TimeLimit, *worktime.Calendar, error) {
	a.settings.mu.Lock()
	defer a.settings.mu.Unlock()
	if !a.settings.read.IsZero() && time.Since(a.settings.read) < settingsTTL {
		return a.settings.limits, a.settings.cal, nil
	}
	limits, err := a.DB.TimeLimits(ctx)
	if err != nil {
		return nil, nil, err
	}
	stored, err := a.DB.CalendarOverrides(ctx)
	if err != nil {
		return nil, nil, err
	}
	hours, err := a.DB.OfficeHours(ctx)
	if err != nil {
		return nil, nil, err
	}
	var key strings.Builder
	for _, o := range stored {
		fmt.Fprintf(&key, "%s%t;", o.Date, o.Working)
	}
	for _, h := range hours {
		fmt.Fprintf(&key, "%s%v;", h.From, h.Windows)
	}
	if a.settings.cal == nil || a.settings.key != key.String() {
		// Stored office hours replace the configured ones; stored overrides win over the
		// configured ones for the same date.
		cfg := a.Opts.Calendar
		if len(hours) > 0 {
			cfg.Schedules = hours
		}
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

// refCache keeps the category dictionary and the dispatch table for a second, like the time
// settings: every report reads both, and they change a few times a year.
type refCache struct {
	mu    sync.Mutex
	read  time.Time
	cats  map[string]workflow.Category // by kind:code
	rules []workflow.Rule
	depts []workflow.Department
}

func (a *Core) ForgetReference() {
	a.ref.mu.Lock()
	a.ref.read = time.Time{}
	a.ref.mu.Unlock()
}

func (a *Core) Reference(ctx context.Context) (map[string]workflow.Category, []workflow.Rule, error) {
	a.ref.mu.Lock()
	defer a.ref.mu.Unlock()
	if !a.ref.read.IsZero() && time.Since(a.ref.read) < settingsTTL {
		return a.ref.cats, a.ref.rules, nil
	}
	cats, err := a.DB.Categories(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	rules, err := a.DB.Rules(ctx)
	if err != nil {
		return nil, nil, err
	}
	if a.ref.depts, err = a.DB.Departments(ctx); err != nil {
		return nil, nil, err
	}
	a.ref.cats = make(map[string]workflow.Category, len(cats))
	for _, c := range cats {
		a.ref.cats[string(c.Kind)+":"+c.Code] = c
	}
	a.ref.rules, a.ref.read = rules, time.Now()
	return a.ref.cats, a.ref.rules, nil
}

// Category returns one category of the dictionary (NotFound when there is none).
func (a *Core) Category(ctx context.Context, kind workflow.CategoryKind, code string) (workflow.Category, error) {
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return workflow.Category{}, err
	}
	c, ok := cats[string(kind)+":"+code]
	if !ok {
		return workflow.Category{}, errs.E(errs.NotFound, "no %s category %q", kind, code)
	}
	return c, nil
}

// RefDepartments returns every department (cached like the dispatch table).
func (a *Core) RefDepartments(ctx context.Context) ([]workflow.Department, error) {
	if _, _, err := a.Reference(ctx); err != nil {
		return nil, err
	}
	a.ref.mu.Lock()
	defer a.ref.mu.Unlock()
	return a.ref.depts, nil
}
