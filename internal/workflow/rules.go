package workflow

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// Rule is one line of the dispatch table (派遣规则): cases of a category (or a whole major
// class, or any) in a region subtree (or anywhere), optionally only within a time of day,
// go to a department, with co-departments for joint handling (联办). An auto rule dispatches
// without a dispatcher.
type Rule struct {
	ID            int64        `json:"id"`
	Order         int          `json:"order"`
	CategoryKind  CategoryKind `json:"category_kind,omitempty"` // "" = either kind
	Category      string       `json:"category,omitempty"`      // 5-digit code, 2-digit major class, or "" = any
	Region        string       `json:"region,omitempty"`        // subtree root; "" = anywhere
	From          string       `json:"from,omitempty"`          // "HH:MM" local time, with To; empty = all day
	To            string       `json:"to,omitempty"`            // exclusive; may be earlier than From (overnight)
	Department    string       `json:"department"`
	CoDepartments []string     `json:"co_departments,omitempty"`
	Auto          bool         `json:"auto"`
}

// Validate checks a rule's own fields.
func (r Rule) Validate() error {
	if r.CategoryKind != "" {
		if _, err := ParseCategoryKind(string(r.CategoryKind)); err != nil {
			return err
		}
	}
	if c := r.Category; c != "" && !((len(c) == 2 || len(c) == 5) && digits(c)) {
		return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "category", "value": c}, "rule category %q must be a 5-digit code or a 2-digit major class", c)
	}
	if r.Department == "" {
		return errs.Required("department", "a rule needs a department")
	}
	if slices.Contains(r.CoDepartments, r.Department) {
		return errs.Refuse(errs.Invalid, "rule_co_self", errs.Params{"department": r.Department}, "department %s cannot also be its own co-department", r.Department)
	}
	if (r.From == "") != (r.To == "") {
		return errs.Refuse(errs.Invalid, "rule_window_half", nil, "a rule's time window needs both from and to")
	}
	if r.From != "" {
		if _, err := clock(r.From); err != nil {
			return err
		}
		if _, err := clock(r.To); err != nil {
			return err
		}
		if r.From == r.To {
			return errs.Refuse(errs.Invalid, "rule_window_empty", errs.Params{"from": r.From, "to": r.To}, "a rule's time window from %s to %s is empty", r.From, r.To)
		}
	}
	return nil
}

// clock parses "HH:MM" into minutes since midnight.
func clock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, errs.Refuse(errs.Invalid, "bad_clock", errs.Params{"value": s}, "time %q must be HH:MM", s)
	}
	return hh*60 + mm, nil
}

// inWindow reports whether the local time of day at lies within the rule's window.
func (r Rule) inWindow(at time.Time) bool {
	if r.From == "" {
		return true
	}
	from, _ := clock(r.From)
	to, _ := clock(r.To)
	now := at.Hour()*60 + at.Minute()
	if from < to {
		return from <= now && now < to
	}
	return now >= from || now < to // overnight, e.g. 22:00–06:00
}

// Case facts a rule is matched against.
type RouteQuery struct {
	Kind       CategoryKind
	Category   string   // 5-digit code
	RegionPath []string // the case's region codes, root first (city … grid)
	At         time.Time
}

// Suggest returns the most specific rule for a case: the deepest region first, then an exact
// category over a major class over any category, then a rule naming the kind over one that
// does not, then the lowest order. False when no rule applies: the case then falls to its
// locality (属地兜底), the subdistrict of its grid.
func Suggest(rules []Rule, q RouteQuery) (Rule, bool) {
	var best Rule
	bestScore := [4]int{-1}
	for _, r := range rules {
		depth := -1 // how deep in the case's path the rule's region sits; -1 = anywhere
		if r.Region != "" {
			depth = slices.Index(q.RegionPath, r.Region)
			if depth < 0 {
				continue
			}
		}
		cat := 0
		switch {
		case r.Category == "":
		case r.Category == q.Category:
			cat = 2
		case len(r.Category) == 2 && strings.HasPrefix(q.Category, r.Category):
			cat = 1
		default:
			continue
		}
		kind := 0
		if r.CategoryKind != "" {
			if r.CategoryKind != q.Kind {
				continue
			}
			kind = 1
		}
		if !r.inWindow(q.At) {
			continue
		}
		score := [4]int{depth + 1, cat, kind, -r.Order}
		if bestScore[0] < 0 || greater(score, bestScore) {
			best, bestScore = r, score
		}
	}
	return best, bestScore[0] >= 0
}

func greater(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// String describes a rule for reports.
func (r Rule) String() string {
	where := r.Region
	if where == "" {
		where = "anywhere"
	}
	what := r.Category
	if what == "" {
		what = "any category"
	}
	return fmt.Sprintf("rule %d: %s in %s → %s", r.Order, what, where, r.Department)
}
