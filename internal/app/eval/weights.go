package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
)

// Term is one part of a composite score: a rate, its weight, and whether less is better
// (scored as 1 − rate).
type Term struct {
	Rate    string  `json:"rate"`
	Weight  float64 `json:"weight"`
	Inverse bool    `json:"inverse,omitempty"`
}

// Band is a grade and the least score that earns it.
type Band struct {
	Grade string  `json:"grade"`
	Min   float64 `json:"min"`
}

// Weights are the composite scores' formulas, per kind of row (department, region) and per
// person's role, and the grade bands. The unscoped admin edits them; a change re-scores every
// table at once, since scores are computed from the counts when a table is read.
type Weights struct {
	Formulas map[string][]Term `json:"formulas"`
	Grades   []Band            `json:"grades"`
}

// Formula names: "department" and "region" score those rows; a person is scored by the
// formula of their role.
const (
	FormulaDepartment = "department"
	FormulaRegion     = "region"
)

// DefaultWeights are indicators.md's defaults. The grid worker's 漏报率 and 按时核实率 are not
// counted by citygrid yet, so their terms are left out and the others carry the score.
func DefaultWeights() Weights {
	department := []Term{{"handle_rate", 30, false}, {"on_time_handle_rate", 20, false}, {"rework_rate", 20, true},
		{"pending_overdue_rate", 20, true}, {"extension_rate", 10, true}}
	leader := []Term{{"on_time_register_rate", 25, false}, {"accurate_register_rate", 40, false}, {"on_time_close_rate", 35, false}}
	return Weights{
		Formulas: map[string][]Term{
			FormulaDepartment:         department,
			FormulaRegion:             {{"close_rate", 30, false}, {"on_time_close_rate", 40, false}, {"satisfaction_rate", 30, false}},
			string(access.GridWorker): {{"valid_report_rate", 40, false}, {"on_time_verify_rate", 20, false}},
			string(access.Dispatcher): {{"on_time_dispatch_rate", 50, false}, {"accurate_dispatch_rate", 50, false}},
			string(access.Leader):     leader,
			string(access.Operator):   slices.Clone(leader),
			string(access.Handler):    slices.Clone(department),
		},
		Grades: []Band{{"A", 90}, {"B", 75}, {"C", 60}, {"D", 40}, {"E", 0}},
	}
}

// formulaNames are the formulas an admin may set.
var formulaNames = []string{FormulaDepartment, FormulaRegion, string(access.GridWorker), string(access.Dispatcher),
	string(access.Leader), string(access.Operator), string(access.Handler)}

// Check refuses weights that cannot score: unknown formulas or rates, weights outside 0–100,
// a formula weighing nothing, grade bands out of order.
func (w Weights) Check() error {
	bad := func(field, format string, args ...any) error {
		return errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": field}, "%s: "+format, append([]any{field}, args...)...)
	}
	for name, terms := range w.Formulas {
		if !slices.Contains(formulaNames, name) {
			return bad("formulas", "unknown formula %q (want one of %v)", name, formulaNames)
		}
		total := 0.0
		for i, t := range terms {
			field := fmt.Sprintf("formulas.%s[%d]", name, i)
			if !slices.Contains(RateKeys, t.Rate) || !IsRate(t.Rate) {
				return bad(field, "unknown rate %q", t.Rate)
			}
			if math.IsNaN(t.Weight) || t.Weight < 0 || t.Weight > 100 {
				return bad(field, "weight must be 0–100, not %v", t.Weight)
			}
			total += t.Weight
		}
		if len(terms) > 0 && total == 0 {
			return bad("formulas."+name, "the weights add up to nothing")
		}
		if len(terms) > 20 {
			return bad("formulas."+name, "at most 20 terms")
		}
	}
	if len(w.Grades) == 0 || len(w.Grades) > 10 {
		return bad("grades", "give 1–10 grade bands")
	}
	for i, b := range w.Grades {
		field := fmt.Sprintf("grades[%d]", i)
		if b.Grade == "" || len([]rune(b.Grade)) > 8 {
			return bad(field, "a grade is 1–8 characters")
		}
		if err := kernel.CheckText(b.Grade, field, 8); err != nil {
			return err
		}
		if math.IsNaN(b.Min) || b.Min < 0 || b.Min > 100 || (i > 0 && b.Min >= w.Grades[i-1].Min) {
			return bad(field, "minimums must be 0–100 and fall from the first band to the last")
		}
	}
	return nil
}

// Weights returns the weights in force: the admin's, or the defaults.
func (s *Service) Weights(ctx context.Context, actor *access.Principal) (Weights, error) {
	if !kernel.IsStaff(actor) {
		return Weights{}, errs.Refuse(errs.Forbidden, "staff_only", nil, "only staff see evaluation weights")
	}
	return s.weights(ctx)
}

func (s *Service) weights(ctx context.Context) (Weights, error) {
	raw, err := s.DB.EvalWeights(ctx)
	if err != nil || raw == "" {
		return DefaultWeights(), err
	}
	var w Weights
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		return Weights{}, fmt.Errorf("stored evaluation weights: %w", err)
	}
	return w, nil
}

// SetWeights replaces the weights: the unscoped admin's alone. Nothing but the scores
// changes; the counts stay as they are.
func (s *Service) SetWeights(ctx context.Context, actor *access.Principal, w Weights) (Weights, error) {
	if err := kernel.MayEditCityWide(actor, "evaluation weights"); err != nil {
		return Weights{}, err
	}
	if w.Formulas == nil {
		w.Formulas = map[string][]Term{}
	}
	if err := w.Check(); err != nil {
		return Weights{}, err
	}
	b, err := json.Marshal(w)
	if err != nil {
		return Weights{}, err
	}
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := s.weights(ctx)
		if err != nil {
			return err
		}
		if err := s.DB.PutEvalWeights(ctx, string(b), s.Now()); err != nil {
			return err
		}
		return s.Record(ctx, actor, "eval.weights", "eval:weights", before, w)
	})
	return w, err
}
