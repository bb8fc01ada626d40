// Package worktime is the working-time calendar behind every stage deadline (时限) of a case:
// which days are working days in China (State Council holidays and make-up working days, 调休,
// plus an administrator's own overrides), which hours of a day are office hours (seasonal
// schedules), and when a limit such as "2 work_day" or "30 minute" that starts at a given moment
// runs out. See DESIGN §4 "Deadlines on working time".
//
// The package is pure: it computes with times and durations and keeps no state beyond an
// immutable Calendar, so the same answers come back in tests, in a deadline sweep and in the
// HTTP layer. It imports no SQL and no HTTP; overrides arrive as data from the caller's table.
package worktime

import (
	"fmt"
	"slices"
	"time"
)

// Unit is the kind of time a limit is counted in. The codes are the ones a city's
// 立结案标准 table uses (see standards/time-limits-default.csv).
type Unit string

// The units. Work units count only office hours on working days; natural units run on the
// wall clock, nights, weekends and holidays included.
const (
	// Minute counts working minutes (工作分钟): a 30-minute acceptance limit for a report made
	// on Saturday at 05:32 runs out on Monday at 08:30. A centre that works around the clock
	// uses NaturalMinute instead.
	Minute Unit = "minute"
	// NaturalMinute is wall-clock minutes, for centres staffed around the clock.
	NaturalMinute Unit = "natural_minute"
	// WorkHour counts only time inside office windows on working days (工作时).
	WorkHour Unit = "work_hour"
	// WorkDay counts whole working days (工作日); one work day is that day's office hours.
	WorkDay Unit = "work_day"
	// NaturalHour is wall-clock hours, holidays included (自然时).
	NaturalHour Unit = "natural_hour"
	// NaturalDay is 24 wall-clock hours, holidays included (自然日).
	NaturalDay Unit = "natural_day"
)

// Units are the codes a limits table may use, work units first.
var Units = []Unit{Minute, WorkHour, WorkDay, NaturalMinute, NaturalHour, NaturalDay}

// MaxLimitValue bounds a limit's value: 100000 of any unit is far beyond any real time limit
// (100000 minutes is about 69 days) yet small enough that every computation stays fast.
const MaxLimitValue = 100000

// ParseUnit returns the unit whose code is s.
func ParseUnit(s string) (Unit, error) {
	if u := Unit(s); slices.Contains(Units, u) {
		return u, nil
	}
	return "", fmt.Errorf("time limit unit must be minute, work_hour, work_day, natural_minute, natural_hour or natural_day, not %q", s)
}

// Limit is a stage's time limit, e.g. {2, WorkDay} for 2 工作日.
type Limit struct {
	Value int  `json:"value"`
	Unit  Unit `json:"unit"`
}

// Validate checks that the limit is one the calendar can count: a value from 1 to
// MaxLimitValue in a known unit.
func (l Limit) Validate() error {
	if _, err := ParseUnit(string(l.Unit)); err != nil {
		return err
	}
	if l.Value < 1 || l.Value > MaxLimitValue {
		return fmt.Errorf("time limit must be from 1 to %d %s, not %d", MaxLimitValue, l.Unit, l.Value)
	}
	return nil
}

// String gives the limit as it reads in a table, e.g. "2 work_day".
func (l Limit) String() string { return fmt.Sprintf("%d %s", l.Value, l.Unit) }

// OnWallClock returns the limit counted on the wall clock: as many natural minutes, hours or
// days as it has work minutes, hours or days. Emergencies run this way whatever the table says
// (DESIGN §4): a burst water main is not left until Monday.
func (l Limit) OnWallClock() Limit {
	switch l.Unit {
	case Minute:
		l.Unit = NaturalMinute
	case WorkHour:
		l.Unit = NaturalHour
	case WorkDay:
		l.Unit = NaturalDay
	}
	return l
}

// wall returns the limit as a wall-clock duration for the units that run on the clock.
func (l Limit) wall() (time.Duration, bool) {
	v := time.Duration(l.Value)
	switch l.Unit {
	case NaturalMinute:
		return v * time.Minute, true
	case NaturalHour:
		return v * time.Hour, true
	case NaturalDay:
		// 24 hours rather than a calendar day: China keeps no daylight saving time, so the two
		// agree, and a fixed length lets pauses and Elapsed measure natural days like hours.
		return v * 24 * time.Hour, true
	}
	return 0, false
}

// work returns the limit as work time for the units that count office hours by the minute or
// the hour (work days count in days: see Deadline).
func (l Limit) work() (time.Duration, bool) {
	switch l.Unit {
	case Minute:
		return time.Duration(l.Value) * time.Minute, true
	case WorkHour:
		return time.Duration(l.Value) * time.Hour, true
	}
	return 0, false
}
