// Package settings holds the use cases of the city's reference tables, edited by
// administrators: the category dictionary, departments, the dispatch table, the time-limits
// table (立结案标准), the working calendar's office hours (by season) and day overrides, and the
// calendar's warnings (CalendarWarnings, CheckCalendar) when its public holidays run out.
//
// What each refuses (besides malformed input, which is invalid):
//   - ImportCategories, ReplaceRules, ReplaceTimeLimits, ReplaceOfficeHours,
//     PutCalendarOverride, DeleteCalendarOverride, ImportCalendarOverrides: anyone but an
//     unscoped admin: these tables are city-wide (forbidden). A rule naming a department, region
//     or category that does not exist, an empty or inconsistent time-limits table, office hours
//     the calendar cannot count (a bad window or season start, overlapping windows, a season
//     without hours, too many), a date that is not one (invalid); every import is all or nothing.
//   - PutDepartments: anyone but an admin, or an admin not covering both the region a
//     department handles now (department_outside_scope) and the one it is given
//     (region_outside_scope) (forbidden); a region that does not exist (invalid).
//   - PutIdentity, PutEmblem: anyone but an unscoped admin (forbidden); a name or unit too long
//     or on more than one line, an emblem that is not a PNG or SVG image (emblem_type), larger
//     than MaxEmblemSize (too large) or an SVG with scripts, handlers or outside references
//     (emblem_unsafe) (invalid).
//   - Rules, TimeLimits, OfficeHours, CalendarOverrides: residents and anonymous callers
//     (forbidden).
package settings

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the settings use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
	ident identityCache // the deployment's name, unit and emblem, read on every page
}

// New returns the settings use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
