package workflow

import (
	"bytes"
	_ "embed"
	"io"
	"strconv"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Stage is a step of a case that has a time limit (时限).
type Stage string

// The stages with limits.
const (
	StageAccept   Stage = "accept"   // 立案时限: reported → registered
	StageDispatch Stage = "dispatch" // 派遣时限: registered → dispatched
	StageSign     Stage = "sign"     // dispatched → in_progress
	StageHandle   Stage = "handle"   // 处置时限: dispatched → handled
	StageVerify   Stage = "verify"   // 核查时限: handled → closed
)

// TimeLimit is one row of a city's limits table, keyed by (stage, category kind, category,
// urgency, area class); an empty key field matches anything.
type TimeLimit struct {
	Stage     Stage          `json:"stage"`
	Kind      CategoryKind   `json:"category_kind,omitempty"`
	Category  string         `json:"category,omitempty"`
	Urgency   Urgency        `json:"urgency,omitempty"`
	AreaClass string         `json:"area_class,omitempty"`
	Limit     worktime.Limit `json:"limit"`
	Source    string         `json:"source,omitempty"` // where the row comes from: a local table, a regulation
}

// specificity orders matching rows: the category decides most, then urgency, area class and
// kind, so "06010 normal" beats "any normal" and an urgent fallback beats nothing.
func (t TimeLimit) specificity() int {
	n := 0
	for i, set := range []bool{t.Kind != "", t.AreaClass != "", t.Urgency != "", t.Category != ""} {
		if set {
			n += 1 << i
		}
	}
	return n
}

// LimitFor returns the most specific limit for a stage of a case; false when no row applies.
func LimitFor(table []TimeLimit, stage Stage, kind CategoryKind, category string, urgency Urgency, areaClass string) (worktime.Limit, bool) {
	best, bestScore := worktime.Limit{}, -1
	for _, t := range table {
		if t.Stage != stage || (t.Kind != "" && t.Kind != kind) || (t.Category != "" && t.Category != category) ||
			(t.Urgency != "" && t.Urgency != urgency) || (t.AreaClass != "" && t.AreaClass != areaClass) {
			continue
		}
		if s := t.specificity(); s > bestScore {
			best, bestScore = t.Limit, s
		}
	}
	if urgency == UrgencyEmergency {
		// An emergency runs on the wall clock (DESIGN §4) whatever unit the city's row uses:
		// nobody waits for Monday's office hours on a burst main.
		best = best.OnWallClock()
	}
	return best, bestScore >= 0
}

//go:embed data/time-limits-default.csv
var defaultLimitsCSV []byte

// DefaultTimeLimits returns the demo city's limits (standards/time-limits-default.csv).
func DefaultTimeLimits() []TimeLimit {
	t, err := ReadTimeLimits(bytes.NewReader(defaultLimitsCSV))
	if err != nil {
		panic("embedded time limits: " + err.Error()) // a build defect, caught by tests
	}
	return t
}

// ReadTimeLimits reads a limits CSV: stage, category_kind, category_code, urgency, area_class,
// limit, unit ('*' or empty = any) and an optional source note; other columns are ignored.
func ReadTimeLimits(r io.Reader) ([]TimeLimit, error) {
	var out []TimeLimit
	any := func(s string) string {
		if s == "*" {
			return ""
		}
		return s
	}
	err := table(r, "time limits", []string{"stage", "limit", "unit"}, func(line int, get func(string) string) error {
		t := TimeLimit{Stage: Stage(get("stage")), Kind: CategoryKind(any(get("category_kind"))), Category: any(get("category_code")),
			Urgency: Urgency(any(get("urgency"))), AreaClass: any(get("area_class")), Source: get("source")}
		v, err := strconv.Atoi(get("limit"))
		if err != nil {
			return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "limit", "value": get("limit")}, "limit %q must be a whole number", get("limit"))
		}
		t.Limit = worktime.Limit{Value: v, Unit: worktime.Unit(get("unit"))}
		if err := t.Validate(); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.Refuse(errs.Invalid, "table_empty", nil, "time limits: the table is empty")
	}
	return out, nil
}

// Validate checks one row: a known stage, kind, urgency and area class, a 5-digit category,
// and a limit the calendar can count.
func (t TimeLimit) Validate() error {
	switch t.Stage {
	case StageAccept, StageDispatch, StageSign, StageHandle, StageVerify:
	default:
		return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "stage", "value": string(t.Stage)}, "stage %q is not accept, dispatch, sign, handle or verify", t.Stage)
	}
	if t.Kind != "" {
		if _, err := ParseCategoryKind(string(t.Kind)); err != nil {
			return err
		}
	}
	if t.Category != "" && !validCategory(t.Category) {
		return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "category", "value": t.Category}, "category %q must be a 5-digit code or *", t.Category)
	}
	if t.Urgency != "" {
		if _, err := ParseUrgency(string(t.Urgency)); err != nil {
			return err
		}
	}
	if t.AreaClass != "" && t.AreaClass != "A" && t.AreaClass != "B" && t.AreaClass != "C" {
		return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "area_class", "value": t.AreaClass}, "area class %q must be A, B, C or *", t.AreaClass)
	}
	if _, err := worktime.ParseUnit(string(t.Limit.Unit)); err != nil {
		return errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "unit", "value": string(t.Limit.Unit)}, "%v", err)
	}
	if err := t.Limit.Validate(); err != nil {
		return errs.Refuse(errs.Invalid, "limit_range", errs.Params{"max": worktime.MaxLimitValue, "value": t.Limit.Value}, "%v", err)
	}
	return nil
}
