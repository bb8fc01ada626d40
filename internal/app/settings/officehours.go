package settings

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Office hours are the city's configuration, not the program's: the unscoped administrator sets
// the seasons (summer hours from May, say), stored so every process counts with them. A
// deadline is snapshotted when its stage starts, so new hours apply to stages that start
// afterwards and never rewrite a running one.

// Season is one season of office hours as an administrator writes it: from "MM-DD" every year
// until the next season's start, the windows written "08:00-12:00".
type Season struct {
	From    string   `json:"from"`
	Windows []string `json:"windows"`
}

// OfficeHours is the office-hours configuration in force and what the calendar knows.
type OfficeHours struct {
	Seasons []Season `json:"seasons"`
	// Default is true while no seasons are stored and the configured hours apply.
	Default bool `json:"default"`
	// HolidaysUntil is the last day whose public holidays the calendar knows (worktime.KnownUntil).
	HolidaysUntil string `json:"holidays_known_until"`
}

// OfficeHours returns the office hours in force; staff read them (they explain deadlines).
func (a *Service) OfficeHours(ctx context.Context, actor *access.Principal) (OfficeHours, error) {
	if !kernel.IsStaff(actor) {
		return OfficeHours{}, errs.Refuse(errs.Forbidden, "staff_only", nil, "only staff may read the office hours")
	}
	stored, err := a.DB.OfficeHours(ctx)
	if err != nil {
		return OfficeHours{}, err
	}
	_, cal, err := a.TimeSettings(ctx)
	if err != nil {
		return OfficeHours{}, err
	}
	out := OfficeHours{Default: len(stored) == 0, HolidaysUntil: cal.KnownUntil().Format(time.DateOnly)}
	for _, s := range cal.Schedules() {
		out.Seasons = append(out.Seasons, seasonOf(s))
	}
	return out, nil
}

func seasonOf(s worktime.Schedule) Season {
	out := Season{From: s.From, Windows: make([]string, len(s.Windows))}
	for i, w := range s.Windows {
		b, _ := w.MarshalText()
		out.Windows[i] = string(b)
	}
	return out
}

// ReplaceOfficeHours replaces every season of office hours; no seasons restore the configured
// default. Only an unscoped administrator may: working time is city-wide. A refusal names the
// season and window at fault and changes nothing.
func (a *Service) ReplaceOfficeHours(ctx context.Context, actor *access.Principal, seasons []Season) error {
	if err := kernel.MayEditCityWide(actor, "office hours"); err != nil {
		return err
	}
	if len(seasons) > worktime.MaxSchedules {
		return errs.Refuse(errs.Invalid, "too_many_items", errs.Params{"field": "seasons", "max": worktime.MaxSchedules},
			"at most %d seasons of office hours", worktime.MaxSchedules)
	}
	schedules := make([]worktime.Schedule, len(seasons))
	for i, s := range seasons {
		if len(s.Windows) > worktime.MaxWindows {
			return errs.Refuse(errs.Invalid, "too_many_items", errs.Params{"field": "windows", "max": worktime.MaxWindows},
				"season from %s: at most %d office windows", s.From, worktime.MaxWindows)
		}
		schedules[i].From = s.From
		for _, text := range s.Windows {
			w, err := worktime.ParseWindow(text)
			if err != nil {
				return officeHoursRefusal(err, s.From)
			}
			schedules[i].Windows = append(schedules[i].Windows, w)
		}
	}
	cfg := a.Opts.Calendar
	cfg.Schedules = schedules
	if len(schedules) > 0 {
		if _, err := worktime.New(cfg); err != nil {
			return officeHoursRefusal(err, "")
		}
	}
	defer a.ForgetSettings()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := a.DB.OfficeHours(ctx)
		if err != nil {
			return err
		}
		if err := a.DB.ReplaceOfficeHours(ctx, schedules, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, actor, "office_hours.replace", "office_hours", before, schedules)
	})
}

// officeHoursRefusal turns the calendar's refusal into one the pages word: its code is the
// reason, with the season and window it names.
func officeHoursRefusal(err error, from string) error {
	var ce *worktime.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("office hours: %w", err)
	}
	p := errs.Params{"field": "office_hours", "season": ce.From, "window": ce.Window}
	if ce.From == "" {
		p["season"] = from
	}
	switch ce.Code {
	case "too_many_seasons":
		p["max"] = worktime.MaxSchedules
	case "too_many_windows":
		p["max"] = worktime.MaxWindows
	}
	return errs.Refuse(errs.Invalid, ce.Code, p, "%s", ce.Error())
}

// HolidayWarningDays is how long before the calendar's last known day it warns: a quarter, so
// a city has time to enter the next year's State Council schedule (announced in November or
// December) or to upgrade.
const HolidayWarningDays = 90

// CalendarWarning is a problem with the working-time calendar an operator must act on.
type CalendarWarning struct {
	Code    string      `json:"code"`
	Message string      `json:"message"`
	Params  errs.Params `json:"params"`
}

// CalendarWarnings returns what is wrong with the calendar now: the public holidays it knows
// end within HolidayWarningDays, after which it could only count Monday to Friday and every
// holiday's deadlines would be wrong. Never silent: /readyz shows these, and CheckCalendar logs
// them.
func (a *Service) CalendarWarnings(ctx context.Context) ([]CalendarWarning, error) {
	_, cal, err := a.TimeSettings(ctx)
	if err != nil {
		return nil, err
	}
	now := a.Now().In(cal.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, cal.Location())
	until := cal.KnownUntil()
	days := int(until.Sub(today) / (24 * time.Hour))
	if days > HolidayWarningDays {
		return nil, nil
	}
	next := until.Year() + 1
	msg := fmt.Sprintf("the public holidays the calendar knows end on %s (in %d days); from %d on it can only count Monday to Friday: enter the State Council schedule for %d as calendar overrides (including New Year's Day) or upgrade citygrid",
		until.Format(time.DateOnly), days, next, next)
	if days < 0 {
		msg = fmt.Sprintf("the public holidays the calendar knows ended on %s; it now counts Monday to Friday only and misses every holiday: enter the State Council schedule for %d as calendar overrides (including New Year's Day) or upgrade citygrid",
			until.Format(time.DateOnly), now.Year())
	}
	return []CalendarWarning{{Code: "holidays_ending", Message: msg,
		Params: errs.Params{"known_until": until.Format(time.DateOnly), "days": days, "year": next}}}, nil
}

// CheckCalendar logs each calendar warning; serve runs it at start-up and daily. It returns how
// many it logged.
func (a *Service) CheckCalendar(ctx context.Context) (int, error) {
	ws, err := a.CalendarWarnings(ctx)
	if err != nil {
		return 0, err
	}
	for _, w := range ws {
		a.Log.WarnContext(ctx, "calendar: "+w.Message, "code", w.Code, "known_until", w.Params["known_until"], "days", w.Params["days"])
	}
	return len(ws), nil
}
