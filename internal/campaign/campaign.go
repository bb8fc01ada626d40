// Package campaign holds campaigns to zero (专项整治, DESIGN §6) in the city's words: a campaign
// turns a creation standard into a finite list of targets (every dry toilet of the rural
// communities, every farmers' market), each target moves open → in_progress → done → verified
// (or is exempted, with a reason its owner approves) while its work runs as a rectification
// case, and the burn-down says how many remain each day or week against the straight line to
// the goal. It knows no storage and no transport.
package campaign

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Kind is what sort of campaign it is.
type Kind string

// The kinds of campaign the issue names, and one for the rest.
const (
	DryToilets Kind = "dry_toilets" // 旱厕清零: every dry toilet of the rural communities replaced
	Markets    Kind = "markets"     // 农贸市场整治: every farmers' market brought to standard
	BackAlleys Kind = "back_alleys" // 背街小巷改造: every back alley repaired
	Vectors    Kind = "vectors"     // 病媒生物防制: rodent and mosquito breeding sites cleared
	OtherKind  Kind = "other"
)

// Kinds lists every kind.
var Kinds = []Kind{DryToilets, Markets, BackAlleys, Vectors, OtherKind}

// Campaign is one campaign to zero.
type Campaign struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Scope is the regions the campaign covers (districts, subdistricts, communities …): every
	// target lies in one of them.
	Scope []string `json:"scope"`
	// Owner is the department that leads the campaign (牵头部门); its people approve exemptions.
	Owner    string `json:"owner"`
	StartsOn string `json:"starts_on"` // China dates, YYYY-MM-DD
	DueOn    string `json:"due_on"`
	// Goal is how many targets may remain on the due date: 0 is "to zero" (清零).
	Goal int `json:"goal"`
	// The category a target's rectification case is filed under unless its opening names one.
	CategoryKind string    `json:"category_kind"`
	Category     string    `json:"category"`
	Note         string    `json:"note"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// Limits of a campaign.
const (
	MaxName  = 100
	MaxNote  = 2000
	MaxScope = 1000 // regions; a campaign over a county's villages names a few hundred
	// MaxSpan is how long a campaign may run: five years.
	MaxSpan = 5 * 366 * 24 * time.Hour
)

// DateLayout is how campaign dates are written.
const DateLayout = "2006-01-02"

var regionCode = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

// ParseDate reads a China date, YYYY-MM-DD.
func ParseDate(field, s string) (time.Time, error) {
	d, err := time.ParseInLocation(DateLayout, s, worktime.China)
	if err != nil {
		return time.Time{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": field, "value": s}, "%s must be a date YYYY-MM-DD, not %q", field, s)
	}
	return d, nil
}

// Day is the China date of an instant: the day a change counts for in the burn-down.
func Day(t time.Time) string { return t.In(worktime.China).Format(DateLayout) }

// Validate checks a campaign's own fields (not whether its regions, department and category
// exist, which only storage knows).
func (c Campaign) Validate() error {
	if err := textcheck.Check("name", c.Name); err != nil {
		return err
	}
	if err := textcheck.Check("note", c.Note); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return errs.Required("name", "a campaign needs a name")
	}
	if n := utf8.RuneCountInString(c.Name); n > MaxName {
		return errs.Refuse(errs.Invalid, "too_long", errs.Params{"field": "name", "max": MaxName}, "name has %d characters; at most %d", n, MaxName)
	}
	if n := utf8.RuneCountInString(c.Note); n > MaxNote {
		return errs.Refuse(errs.Invalid, "too_long", errs.Params{"field": "note", "max": MaxNote}, "note has %d characters; at most %d", n, MaxNote)
	}
	if !validKind(c.Kind) {
		return errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "kind", "value": string(c.Kind)}, "kind must be one of %s, not %q", kindList(), c.Kind)
	}
	if len(c.Scope) == 0 {
		return errs.Required("scope", "a campaign needs its scope: the regions its targets lie in")
	}
	if len(c.Scope) > MaxScope {
		return errs.Refuse(errs.Invalid, "too_many_items", errs.Params{"field": "scope", "max": MaxScope}, "scope: at most %d regions", MaxScope)
	}
	seen := map[string]bool{}
	for _, s := range c.Scope {
		if !regionCode.MatchString(s) {
			return errs.Refuse(errs.Invalid, "no_region", errs.Params{"region": s}, "scope: %q is not a region code", s)
		}
		if seen[s] {
			return errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "scope", "value": s}, "scope names region %s twice", s)
		}
		seen[s] = true
	}
	if strings.TrimSpace(c.Owner) == "" {
		return errs.Required("owner", "a campaign needs its owner department (牵头部门)")
	}
	start, err := ParseDate("starts_on", c.StartsOn)
	if err != nil {
		return err
	}
	due, err := ParseDate("due_on", c.DueOn)
	if err != nil {
		return err
	}
	if due.Before(start) || due.Sub(start) > MaxSpan {
		return errs.Refuse(errs.Invalid, "campaign_bad_dates", errs.Params{"starts_on": c.StartsOn, "due_on": c.DueOn},
			"the due date %s must be on or after the start %s, within five years", c.DueOn, c.StartsOn)
	}
	if c.Goal < 0 {
		return errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "goal", "value": c.Goal}, "goal must be 0 or more targets remaining, not %d", c.Goal)
	}
	if (c.CategoryKind == "") != (c.Category == "") {
		return errs.Required("category", "give the category's kind and code together, or neither")
	}
	return nil
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// InScope reports whether a place whose region path (codes from the root down) is path lies
// in the campaign's scope.
func (c Campaign) InScope(path []string) bool {
	for _, s := range c.Scope {
		for _, p := range path {
			if p == s {
				return true
			}
		}
	}
	return false
}

// Counts are a group of targets by state, with those still on the list past their due date.
type Counts struct {
	Total      int `json:"total"`
	Open       int `json:"open"`
	InProgress int `json:"in_progress"`
	Done       int `json:"done"`
	Verified   int `json:"verified"`
	Exempt     int `json:"exempt"`
	// Remaining are those still to do (open and in progress); Overdue those of them past
	// their due date.
	Remaining int `json:"remaining"`
	Overdue   int `json:"overdue"`
}

// Add adds another group's counts.
func (c *Counts) Add(o Counts) {
	c.Total += o.Total
	c.Open += o.Open
	c.InProgress += o.InProgress
	c.Done += o.Done
	c.Verified += o.Verified
	c.Exempt += o.Exempt
	c.Remaining += o.Remaining
	c.Overdue += o.Overdue
}

// Count adds one target in state s, overdue or not.
func (c *Counts) Count(s State, overdue bool) {
	c.Total++
	switch s {
	case Open:
		c.Open++
	case InProgress:
		c.InProgress++
	case Done:
		c.Done++
	case Verified:
		c.Verified++
	case Exempt:
		c.Exempt++
	}
	if s.Remaining() {
		c.Remaining++
		if overdue {
			c.Overdue++
		}
	}
}

// String is a one-line summary, for logs and the console.
func (c Counts) String() string {
	return fmt.Sprintf("%d targets: %d open, %d in progress, %d done, %d verified, %d exempt; %d remaining, %d overdue",
		c.Total, c.Open, c.InProgress, c.Done, c.Verified, c.Exempt, c.Remaining, c.Overdue)
}
