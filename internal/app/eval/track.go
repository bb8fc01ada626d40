package eval

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Tracker keeps the aggregates in step with the cases: the cases' use cases call it inside
// each step's transaction, with the case as it stood before the step and after it.
type Tracker struct{ core *kernel.Core }

// NewTracker returns the tracker over core's database.
func NewTracker(core *kernel.Core) Tracker { return Tracker{core} }

// Snapshot reads what a stored case contributes now, in the transaction carried by ctx.
func (t Tracker) Snapshot(ctx context.Context, id int64, created time.Time, state workflow.Case) (Facts, error) {
	clocks, err := t.core.DB.CaseClocks(ctx, id)
	if err != nil {
		return Facts{}, err
	}
	events, err := t.core.DB.EvalEvents(ctx, id)
	if err != nil {
		return Facts{}, err
	}
	return t.Of(ctx, CaseInput{Created: created, State: state, Clocks: clocks, Events: events})
}

// Of computes a contribution from what the caller holds (a report just made).
func (t Tracker) Of(ctx context.Context, in CaseInput) (Facts, error) {
	_, cal, err := t.core.TimeSettings(ctx)
	if err != nil {
		return Facts{}, err
	}
	return Compute(in, cal), nil
}

// Apply adds after − before to the aggregates, in the transaction carried by ctx.
func (t Tracker) Apply(ctx context.Context, before, after Facts) error {
	d := after.Minus(before)
	return t.core.DB.AddEval(ctx, d.Cells, d.Pending)
}

// Untracked reports whether an action leaves every case's contribution as it was, so a step
// taking it need not read the case's clocks: it changes neither the status, the department,
// the deadlines, the clocks, the rating nor the timeline events evaluation reads.
func Untracked(a workflow.Action) bool {
	switch a {
	case workflow.Comment, workflow.Support, workflow.RequestCheck, workflow.Confirm, workflow.Escalate,
		workflow.RequestExtension, workflow.DenyExtension:
		return true
	}
	return false
}
