// Package eval is evaluation (综合评价, DESIGN §5, issue 13): the indicators of
// ../shared/standards/indicators.md (counts, rates, composite scores, grades and ranks) for any
// period and grouping, read from aggregates kept per day in each step's own transaction, never
// from a scan of the cases; the weights an admin sets; and the rebuild that recounts the
// aggregates from the cases.
//
// The use cases for pages, exports and the dashboard are Stats (a ranked table), Trend (a
// series), Weights and SetWeights, and Rebuild. Tables carry their counts and rates in a fixed
// order (CountKeys, RateKeys) and Labels names each in Chinese, for column headers.
package eval

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service is the evaluation use cases.
type Service struct {
	*kernel.Core
}

// New returns the evaluation use cases over core.
func New(core *kernel.Core) *Service { return &Service{core} }
