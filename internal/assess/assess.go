// Package assess holds the assessment of evaluation sites (测评点位, DESIGN §6) in the city's
// words: standards and their versioned checklists, how an item is scored, how a site's score
// adds up, and how a round draws its sample. It knows no storage and no transport.
package assess

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
)

// Rule is how an item turns what the inspector found into points.
type Rule string

// The scoring rules.
const (
	// PassFail gives the maximum or nothing.
	PassFail Rule = "pass_fail"
	// Deduction takes a fixed amount off the maximum for each finding (each stray poster, each
	// overflowing bin), never below zero.
	Deduction Rule = "deduction"
	// Points lets the inspector give any score from zero to the maximum.
	Points Rule = "points"
)

// Evidence is what an item asks the inspector to keep.
type Evidence string

// The kinds of evidence.
const (
	Photo       Evidence = "photo"
	Observation Evidence = "observation"
	Document    Evidence = "document"
)

// Standard is a published assessment standard in one edition (全国文明城市测评体系 2021年版).
type Standard struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	Edition string `json:"edition"`
	Year    int    `json:"year"`
}

// Item is one line of a checklist.
type Item struct {
	Code string `json:"code"`
	// Path is the index path: 一级, 二级 and 三级指标 (the third may be empty).
	Level1 string `json:"level1"`
	Level2 string `json:"level2"`
	Level3 string `json:"level3"`
	// What is what to check, as the inspector reads it on site.
	What      string   `json:"what"`
	Max       float64  `json:"max_score"`
	Rule      Rule     `json:"rule"`
	Deduction float64  `json:"deduction,omitempty"` // per finding, for the deduction rule
	Evidence  Evidence `json:"evidence"`
	// The category a failure of the item becomes a case of (GB/T 47678.5 or a local code).
	CategoryKind string `json:"category_kind"`
	Category     string `json:"category"`
}

// Checklist is what is scored at one type of site under one standard.
type Checklist struct {
	Standard     string `json:"standard"`
	SiteType     string `json:"site_type"`
	SiteTypeName string `json:"site_type_name"`
	Items        []Item `json:"items"`
}

// Limits of a checklist, so that one line or one file cannot grow without bound.
const (
	MaxItems     = 200
	MaxItemScore = 100
	maxText      = 500
)

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// ValidCode reports whether s may be the code of a standard, site type or item: letters,
// digits, '.', '_' and '-', at most 32, starting with a letter or digit.
func ValidCode(s string) bool { return codePattern.MatchString(s) }

// Validate checks one item by itself.
func (it Item) Validate() error {
	var bad []string
	if !ValidCode(it.Code) {
		bad = append(bad, fmt.Sprintf("code %q must be 1–32 letters, digits, '.', '_' or '-'", it.Code))
	}
	if strings.TrimSpace(it.What) == "" {
		bad = append(bad, "item (what to check) is empty")
	}
	for _, f := range []struct{ name, v string }{{"item", it.What}, {"level1", it.Level1}, {"level2", it.Level2}, {"level3", it.Level3}} {
		if utf8.RuneCountInString(f.v) > maxText {
			bad = append(bad, fmt.Sprintf("%s has more than %d characters", f.name, maxText))
		}
	}
	if strings.TrimSpace(it.Level1) == "" {
		bad = append(bad, "level1 (一级指标) is empty")
	}
	if !(it.Max > 0 && it.Max <= MaxItemScore) || !halves(it.Max) {
		bad = append(bad, fmt.Sprintf("max_score %v must be above 0 and at most %d, in steps of 0.5", it.Max, MaxItemScore))
	}
	switch it.Rule {
	case PassFail, Points:
		if it.Deduction != 0 {
			bad = append(bad, fmt.Sprintf("deduction is only for the deduction rule, not %s", it.Rule))
		}
	case Deduction:
		if !(it.Deduction > 0 && it.Deduction <= it.Max) || !halves(it.Deduction*2) {
			bad = append(bad, fmt.Sprintf("deduction %v must be above 0 and at most max_score, in steps of 0.25", it.Deduction))
		}
	default:
		bad = append(bad, fmt.Sprintf("rule %q must be pass_fail, deduction or points", it.Rule))
	}
	switch it.Evidence {
	case Photo, Observation, Document:
	default:
		bad = append(bad, fmt.Sprintf("evidence %q must be photo, observation or document", it.Evidence))
	}
	if it.CategoryKind != "component" && it.CategoryKind != "matter" {
		bad = append(bad, fmt.Sprintf("category_kind %q must be component or matter", it.CategoryKind))
	}
	if !validCategory(it.Category) {
		bad = append(bad, fmt.Sprintf("category %q must be a 5-digit code", it.Category))
	}
	if len(bad) > 0 {
		return errs.E(errs.Invalid, "%s", strings.Join(bad, "; "))
	}
	return nil
}

func validCategory(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// halves reports whether v is a whole number of halves: scores are given in half points.
func halves(v float64) bool { return v*2 == math.Trunc(v*2) }

// Total is the sum of the checklist's maxima.
func (c Checklist) Total() float64 {
	var t float64
	for _, it := range c.Items {
		t += it.Max
	}
	return t
}

// Item returns the item with this code.
func (c Checklist) Item(code string) (Item, bool) {
	for _, it := range c.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// Same reports whether two checklists hold the same items in the same order: importing the
// same file twice makes no new version.
func (c Checklist) Same(o Checklist) bool {
	if len(c.Items) != len(o.Items) || c.SiteTypeName != o.SiteTypeName {
		return false
	}
	for i := range c.Items {
		if c.Items[i] != o.Items[i] {
			return false
		}
	}
	return true
}
