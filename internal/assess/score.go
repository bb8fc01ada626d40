package assess

import (
	"math"

	"github.com/citygrid/citygrid/internal/errs"
)

// Result is what the inspector found for one item.
type Result string

// The results.
const (
	Pass Result = "pass"
	Fail Result = "fail"
	// NA is "not applicable": the site has no such thing (a market without a cold store); the
	// item leaves the site's maximum.
	NA Result = "na"
	// Partial is a score between zero and the maximum, for items of the points rule.
	Partial Result = "points"
)

// MaxFindings bounds the findings one deduction item counts.
const MaxFindings = 1000

// Mark is the inspector's result for an item: Points for a partial score, Findings for a
// failure of a deduction item (how many things were wrong; 0 counts as 1).
type Mark struct {
	Result   Result  `json:"result"`
	Points   float64 `json:"points,omitempty"`
	Findings int     `json:"findings,omitempty"`
}

// Check refuses a mark the item cannot take, naming the item and what is wrong.
func (it Item) Check(m Mark) error {
	p := errs.Params{"item": it.Code}
	switch m.Result {
	case Pass, NA:
	case Fail:
		if m.Findings < 0 || m.Findings > MaxFindings {
			p["field"], p["min"], p["max"] = "findings", 0, MaxFindings
			return errs.Refuse(errs.Invalid, "out_of_range", p, "item %s: findings must be 0 to %d, not %d", it.Code, MaxFindings, m.Findings)
		}
		if m.Findings > 1 && it.Rule != Deduction {
			p["field"] = "findings"
			return errs.Refuse(errs.Invalid, "findings_not_counted", p, "item %s is scored %s: findings are counted only by deduction items", it.Code, it.Rule)
		}
	case Partial:
		if it.Rule != Points {
			p["rule"] = string(it.Rule)
			return errs.RefuseCoded(errs.Invalid, "not_points_item", p, "item %s is scored %s: give pass, fail or na, not points", it.Code, it.Rule)
		}
		if math.IsNaN(m.Points) || m.Points < 0 || m.Points > it.Max {
			p["max"], p["points"] = it.Max, m.Points
			return errs.RefuseCoded(errs.Invalid, "above_maximum", p, "item %s: points must be 0 to its maximum %g, not %g", it.Code, it.Max, m.Points)
		}
		if !halves(m.Points) {
			p["points"] = m.Points
			return errs.RefuseCoded(errs.Invalid, "half_points", p, "item %s: points are given in steps of 0.5, not %g", it.Code, m.Points)
		}
	default:
		p["field"], p["value"] = "result", string(m.Result)
		return errs.Refuse(errs.Invalid, "bad_value", p, "item %s: result must be pass, fail, na or points, not %q", it.Code, m.Result)
	}
	if m.Result != Partial && m.Points != 0 {
		p["field"] = "points"
		return errs.Refuse(errs.Invalid, "points_without_result", p, "item %s: points are given only with result \"points\"", it.Code)
	}
	if m.Result != Fail && m.Findings != 0 {
		p["field"] = "findings"
		return errs.Refuse(errs.Invalid, "findings_without_failure", p, "item %s: findings are counted only with result \"fail\"", it.Code)
	}
	return nil
}

// Score is what the item earns with the mark, out of its maximum; applicable is false for
// "not applicable", which leaves the maximum out of the site's total. The mark must have
// passed Check.
func (it Item) Score(m Mark) (got float64, applicable bool) {
	switch m.Result {
	case NA:
		return 0, false
	case Pass:
		return it.Max, true
	case Partial:
		return m.Points, true
	}
	// Fail.
	if it.Rule != Deduction {
		return 0, true
	}
	n := max(m.Findings, 1)
	return max(it.Max-float64(n)*it.Deduction, 0), true
}

// Failed reports whether the mark is a failure that must be put right: a failed item becomes a
// rectification case. A partial score is not a failure.
func (m Mark) Failed() bool { return m.Result == Fail }

// SiteScore is a site's score: the sum of what the items earned over the sum of the applicable
// maxima.
type SiteScore struct {
	Got     float64  `json:"score"`
	Max     float64  `json:"max"`
	Percent *float64 `json:"percent"` // nil when no item applies
	Failed  int      `json:"failed"`
}

// ScoreSite adds up a site's marks, by item code. Items without a mark count nothing; Complete
// tells whether every item has one.
func ScoreSite(c Checklist, marks map[string]Mark) SiteScore {
	var s SiteScore
	for _, it := range c.Items {
		m, ok := marks[it.Code]
		if !ok {
			continue
		}
		got, applicable := it.Score(m)
		if !applicable {
			continue
		}
		s.Got += got
		s.Max += it.Max
		if m.Failed() {
			s.Failed++
		}
	}
	if s.Max > 0 {
		p := Round2(100 * s.Got / s.Max)
		s.Percent = &p
	}
	return s
}

// Missing lists the codes of the checklist's items without a mark, in checklist order.
func Missing(c Checklist, marks map[string]Mark) []string {
	var out []string
	for _, it := range c.Items {
		if _, ok := marks[it.Code]; !ok {
			out = append(out, it.Code)
		}
	}
	return out
}

// Round2 rounds to two decimals, as scores are shown.
func Round2(v float64) float64 { return math.Round(v*100) / 100 }
