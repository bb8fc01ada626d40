package workflow

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/worktime"
)

// ReadCalendarOverrides reads an administrator's working-day table: date (YYYY-MM-DD),
// working (true/false, 1/0, yes/no, or 班/休 as Chinese calendars print them) and an optional
// note. A date may appear once.
func ReadCalendarOverrides(r io.Reader) ([]worktime.Override, error) {
	var out []worktime.Override
	seen := map[string]int{}
	err := table(r, "calendar", []string{"date", "working"}, func(line int, get func(string) string) error {
		o := worktime.Override{Date: get("date"), Note: get("note")}
		d, err := time.Parse(time.DateOnly, o.Date)
		if err != nil || d.Format(time.DateOnly) != o.Date {
			return fmt.Errorf("date %q must be a real date written YYYY-MM-DD", o.Date)
		}
		switch strings.ToLower(get("working")) {
		case "true", "1", "yes", "班", "work":
			o.Working = true
		case "false", "0", "no", "休", "off":
		default:
			return fmt.Errorf("working %q must be true or false", get("working"))
		}
		if first, dup := seen[o.Date]; dup {
			return fmt.Errorf("date %s already appears on line %d", o.Date, first)
		}
		seen[o.Date] = line
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.E(errs.Invalid, "calendar: the file has no rows")
	}
	return out, nil
}
