package worktime

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// China is the zone every time of the city is read in: tickets' days, dispatch windows, the
// dashboard's days, dates shown on pages. China has kept one zone without daylight saving since
// 1991, so a fixed offset is exact and needs no zone database.
var China = time.FixedZone("CST", 8*3600)

// Window is one stretch of office hours, as offsets from midnight on the wall clock,
// e.g. {8 * time.Hour, 12 * time.Hour} for 08:00–12:00.
type Window struct {
	Start, End time.Duration
}

// Schedule is the office hours of a season: its Windows apply from From ("MM-DD", inclusive)
// until the next schedule's From. Many cities move the afternoon later in summer (夏季作息).
type Schedule struct {
	From    string   `json:"from"`
	Windows []Window `json:"windows"`
}

// Override is one row of an administrator's own day table: Date (YYYY-MM-DD) is a working day
// or not, whatever the official schedule says. Cities use it for local holidays, for a late
// State Council announcement, or for years the shipped data does not cover yet.
type Override struct {
	Date    string
	Working bool
	Note    string
}

// Config is what a Calendar is built from. The zero Config is the DESIGN default.
type Config struct {
	// Location is the zone office hours are read in; nil means China.
	Location *time.Location
	// Schedules are the seasons of office hours; none means one schedule from "01-01" with
	// 08:00–12:00 and 14:00–18:00.
	Schedules []Schedule
	// Overrides win over the official schedule.
	Overrides []Override
}

// DefaultWindows are the office hours DESIGN §4 names: 08:00–12:00 and 14:00–18:00.
func DefaultWindows() []Window {
	return []Window{{8 * time.Hour, 12 * time.Hour}, {14 * time.Hour, 18 * time.Hour}}
}

// Calendar answers working-time questions for one city. It never changes once built, so one
// Calendar may serve any number of goroutines; a changed configuration means a new Calendar.
type Calendar struct {
	loc     *time.Location
	seasons []season
	// seasonOf[m][d] indexes seasons for month m, day d, so a day's office hours are found
	// without searching.
	seasonOf  [13][32]uint8
	official  officialDays
	overrides map[int]bool
	// first..last is the span of days that may differ from the plain week (official schedule
	// and overrides); outside it every seven days hold exactly five working days, which is what
	// lets long limits skip whole weeks and what bounds every loop.
	first, last int
	// minLength is the shortest working day of any season; it bounds how many days a span of
	// work time can need.
	minLength time.Duration
}

// season is a validated Schedule.
type season struct {
	month   time.Month
	day     int
	windows []Window
	length  time.Duration
}

// New builds a Calendar, checking the configuration: windows must be non-empty, sorted,
// non-overlapping and within the day; schedule starts valid distinct "MM-DD" dates; override
// dates valid YYYY-MM-DD dates, each at most once.
func New(cfg Config) (*Calendar, error) {
	c := &Calendar{loc: cfg.Location, official: official()}
	if c.loc == nil {
		c.loc = China
	}
	schedules := cfg.Schedules
	if len(schedules) == 0 {
		schedules = []Schedule{{From: "01-01", Windows: DefaultWindows()}}
	}
	if err := c.setSeasons(schedules); err != nil {
		return nil, err
	}
	if err := c.setOverrides(cfg.Overrides); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Calendar) setSeasons(schedules []Schedule) error {
	if len(schedules) > MaxSchedules {
		return &ConfigError{Code: "too_many_seasons", msg: fmt.Sprintf("at most %d office-hour schedules, not %d", MaxSchedules, len(schedules))}
	}
	for _, s := range schedules {
		m, d, err := parseMonthDay(s.From)
		if err != nil {
			return err
		}
		if err := checkWindows(s.From, s.Windows); err != nil {
			return err
		}
		se := season{month: m, day: d, windows: slices.Clone(s.Windows)}
		for _, w := range s.Windows {
			se.length += w.End - w.Start
		}
		c.seasons = append(c.seasons, se)
	}
	slices.SortFunc(c.seasons, func(a, b season) int { return monthDayCmp(a.month, a.day, b.month, b.day) })
	c.minLength = c.seasons[0].length
	for i, s := range c.seasons {
		if i > 0 && monthDayCmp(s.month, s.day, c.seasons[i-1].month, c.seasons[i-1].day) == 0 {
			from := fmt.Sprintf("%02d-%02d", int(s.month), s.day)
			return &ConfigError{Code: "season_twice", From: from, msg: "two office-hour schedules start on " + from}
		}
		c.minLength = min(c.minLength, s.length)
	}
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= 31; d++ {
			// The season in force is the last one started on or before the date; before the
			// year's first start, the previous year's last season still runs.
			idx := len(c.seasons) - 1
			for i, s := range c.seasons {
				if monthDayCmp(s.month, s.day, m, d) <= 0 {
					idx = i
				}
			}
			c.seasonOf[m][d] = uint8(idx)
		}
	}
	return nil
}

func (c *Calendar) setOverrides(overrides []Override) error {
	c.first, c.last = c.official.first, c.official.last()
	if len(overrides) == 0 {
		return nil
	}
	c.overrides = make(map[int]bool, len(overrides))
	for _, o := range overrides {
		t, err := time.Parse(time.DateOnly, o.Date)
		if err != nil {
			return fmt.Errorf("override date must be YYYY-MM-DD, not %q", o.Date)
		}
		d := dayNumber(t.Date())
		if _, dup := c.overrides[d]; dup {
			return fmt.Errorf("override date %s appears twice", o.Date)
		}
		c.overrides[d] = o.Working
		if c.last < c.first {
			c.first, c.last = d, d
		}
		c.first, c.last = min(c.first, d), max(c.last, d)
	}
	return nil
}

// parseMonthDay reads a season start "MM-DD". February 29 is allowed: in other years that
// season starts on March 1, the first day after it.
func parseMonthDay(s string) (time.Month, int, error) {
	bad := &ConfigError{Code: "bad_season_start", From: s, msg: fmt.Sprintf("schedule start must be a date MM-DD, not %q", s)}
	if len(s) != 5 || s[2] != '-' {
		return 0, 0, bad
	}
	num := func(a, b byte) int {
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return -1
		}
		return int(a-'0')*10 + int(b-'0')
	}
	m, d := num(s[0], s[1]), num(s[3], s[4])
	if m < 1 || m > 12 || d < 1 || d > time.Date(2000, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, bad
	}
	return time.Month(m), d, nil
}

func monthDayCmp(m1 time.Month, d1 int, m2 time.Month, d2 int) int {
	if m1 != m2 {
		return int(m1) - int(m2)
	}
	return d1 - d2
}

// checkWindows refuses office hours the arithmetic cannot trust: an empty day would leave a
// working day without working time, and overlapping or unsorted windows would count time twice.
func checkWindows(from string, ws []Window) error {
	bad := func(code string, w Window, format string, args ...any) error {
		text, _ := w.MarshalText()
		return &ConfigError{Code: code, From: from, Window: string(text), msg: fmt.Sprintf("schedule from %s: ", from) + fmt.Sprintf(format, args...)}
	}
	switch {
	case len(ws) == 0:
		return &ConfigError{Code: "no_office_window", From: from, msg: fmt.Sprintf("schedule from %s has no office hours", from)}
	case len(ws) > MaxWindows:
		return &ConfigError{Code: "too_many_windows", From: from, msg: fmt.Sprintf("schedule from %s has more than %d office windows", from, MaxWindows)}
	}
	for i, w := range ws {
		switch {
		case w.Start < 0 || w.End > 24*time.Hour:
			return bad("window_outside_day", w, "office hours %s must lie within 00:00–24:00", w)
		case w.Start >= w.End:
			return bad("window_reversed", w, "office hours %s must end after they start", w)
		case i > 0 && w.Start < ws[i-1].End:
			return bad("windows_overlap", w, "office hours %s overlap or precede %s", w, ws[i-1])
		}
	}
	return nil
}

// Bounds of a configuration: far beyond any city's seasons and breaks, small enough that a
// calendar is built in microseconds.
const (
	MaxSchedules = 24
	MaxWindows   = 12
)

// ConfigError is office hours New refuses, with a code callers word in the reader's language:
// bad_season_start, season_twice, too_many_seasons, no_office_window, too_many_windows,
// window_outside_day, window_reversed, windows_overlap or bad_window; From names the season and
// Window the office window where they apply.
type ConfigError struct {
	Code, From, Window string
	msg                string
}

func (e *ConfigError) Error() string { return e.msg }

// ParseWindow reads office hours written "08:00-12:00" (an en dash or "~" also separates); the
// end may be 24:00.
func ParseWindow(s string) (Window, error) {
	bad := &ConfigError{Code: "bad_window", Window: s, msg: fmt.Sprintf("office hours must be written like 08:00-12:00, not %q", s)}
	a, b, ok := strings.Cut(strings.NewReplacer("–", "-", "~", "-", "～", "-").Replace(strings.TrimSpace(s)), "-")
	if !ok {
		return Window{}, bad
	}
	start, ok1 := parseClock(strings.TrimSpace(a))
	end, ok2 := parseClock(strings.TrimSpace(b))
	if !ok1 || !ok2 {
		return Window{}, bad
	}
	return Window{start, end}, nil
}

// parseClock reads "HH:MM" from 00:00 to 24:00.
func parseClock(s string) (time.Duration, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m > 0) {
		return 0, false
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, true
}

// MarshalText writes a window as ParseWindow reads it, e.g. "08:00-12:00".
func (w Window) MarshalText() ([]byte, error) {
	return []byte(clock(w.Start) + "-" + clock(w.End)), nil
}

// UnmarshalText reads a window with ParseWindow.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// String shows a window as clock times, e.g. "08:00–12:00", for error messages.
func (w Window) String() string { return clock(w.Start) + "–" + clock(w.End) }

func clock(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	s := fmt.Sprintf("%s%02d:%02d", sign, int(d/time.Hour), int(d%time.Hour/time.Minute))
	if r := d % time.Minute; r != 0 {
		s += fmt.Sprintf(":%02d", int(r/time.Second))
	}
	return s
}

// Location is the zone the calendar reads office hours in.
func (c *Calendar) Location() *time.Location { return c.loc }

// Schedules returns the seasons of office hours the calendar counts with, in date order.
func (c *Calendar) Schedules() []Schedule {
	out := make([]Schedule, len(c.seasons))
	for i, s := range c.seasons {
		out[i] = Schedule{From: fmt.Sprintf("%02d-%02d", int(s.month), s.day), Windows: slices.Clone(s.windows)}
	}
	return out
}

// KnownUntil returns the last day (midnight, in the calendar's zone) whose public holidays the
// calendar knows: December 31 of the last year the shipped State Council schedule covers, or
// of a later year whose New Year's Day (元旦) an administrator has entered as an override,
// which is how a city enters a year's schedule before citygrid ships it. Beyond it the
// calendar can only count Monday to Friday, which is wrong on every holiday: callers warn well
// before (see DESIGN §4).
func (c *Calendar) KnownUntil() time.Time {
	y, _, _ := civil(c.official.last())
	for d := range c.overrides {
		if oy, m, dd := civil(d); m == time.January && dd == 1 && oy > y {
			y = oy
		}
	}
	return time.Date(y, time.December, 31, 0, 0, 0, 0, c.loc)
}

// IsWorkingDay reports whether t falls on a working day in c's location: Monday–Friday unless
// an official holiday, or an official make-up working day; an override wins over both.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d, _ := c.dayOf(t)
	return c.working(d)
}

// WorkDayLength returns the office hours of the season that day falls in (8 h by default). It
// answers for any date, working or not, because callers use it to turn work days into hours
// (an extension asked in hours on a work_day stage) for whatever date a stage starts on; use
// IsWorkingDay to tell whether the day itself has office hours.
func (c *Calendar) WorkDayLength(day time.Time) time.Duration {
	d, _ := c.dayOf(day)
	return c.season(d).length
}

// dayOf splits t into its day number and its wall-clock offset from midnight in c's location.
// Offsets are wall-clock so that "08:00" means 08:00 even on a daylight-saving change day.
func (c *Calendar) dayOf(t time.Time) (int, time.Duration) {
	t = t.In(c.loc)
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	off := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
	return dayNumber(y, m, d), off
}

// instant is the inverse of dayOf.
func (c *Calendar) instant(d int, off time.Duration) time.Time {
	y, m, dd := civil(d)
	return time.Date(y, m, dd, 0, 0, 0, int(off), c.loc)
}

// working reports whether day d is a working day.
func (c *Calendar) working(d int) bool {
	if d < c.first || d > c.last {
		return weekdayRule(d)
	}
	if w, ok := c.overrides[d]; ok {
		return w
	}
	switch c.official.kind(d) {
	case workDay:
		return true
	case restDay:
		return false
	}
	return weekdayRule(d)
}

// season returns the office hours in force on day d.
func (c *Calendar) season(d int) *season {
	_, m, dd := civil(d)
	return &c.seasons[c.seasonOf[m][dd]]
}

// workBefore returns the work time a day with season s holds before wall offset off.
func (s *season) workBefore(off time.Duration) time.Duration {
	var sum time.Duration
	for _, w := range s.windows {
		if off <= w.Start {
			break
		}
		sum += min(off, w.End) - w.Start
	}
	return sum
}

// wallAt returns the earliest wall offset by which the day holds work time w (0 < w ≤ length).
// "Earliest" makes a limit that runs out at the close of a window end there, at 12:00 or 18:00,
// not when the next window opens.
func (s *season) wallAt(w time.Duration) time.Duration {
	for _, win := range s.windows {
		n := win.End - win.Start
		if w <= n {
			return win.Start + w
		}
		w -= n
	}
	return s.windows[len(s.windows)-1].End
}

// dayBudget bounds how many days from day d on can be needed to meet n working days: all the
// days up to the end of the irregular span, then seven days for every five working days.
// Loops that walk days use it as their hard limit.
func (c *Calendar) dayBudget(d int, n int64) int64 {
	return int64(max(0, c.last-d+1)) + 7*(n/5+2)
}

// nthWorkingDay returns the n-th working day after day d (d itself for n = 0).
func (c *Calendar) nthWorkingDay(d int, n int64) int {
	budget := c.dayBudget(d, n)
	for steps := int64(0); n > 0; steps++ {
		if steps > budget {
			panic("worktime: working day search ran past its bound")
		}
		// Outside the irregular span a week is always five working days, so long limits jump
		// a week at a time.
		if n > 5 && (d+1 > c.last || d+7 < c.first) {
			d += 7
			n -= 5
			steps += 6
			continue
		}
		d++
		if c.working(d) {
			n--
		}
	}
	return d
}
