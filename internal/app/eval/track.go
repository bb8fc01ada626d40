package eval

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Tracker keeps the aggregates in step with the cases: the cases' use cases call it inside
// each step's transaction, with the case as it stood before the step and after it.
type Tracker struct{ core *kernel.Core }

// NewTracker returns the tracker over core's database.
func NewTracker(core *kernel.Core) Tracker { return Tracker{core} }

// Snapshot reads what a stored case contributes now, in the transaction carried by ctx.
func (t Tracker) Snapshot(ctx context.Context, id int64, created time.Time, state workflow.Case) (Facts, error) {
	f, _, err := t.SnapshotEvents(ctx, id, created, state)
	return f, err
}

// SnapshotEvents is Snapshot that also returns the events it read, for SnapshotAfter.
func (t Tracker) SnapshotEvents(ctx context.Context, id int64, created time.Time, state workflow.Case) (Facts, []store.EvalEvent, error) {
	events, err := t.core.DB.EvalEvents(ctx, id)
	if err != nil {
		return Facts{}, nil, err
	}
	f, err := t.withEvents(ctx, id, created, state, events)
	return f, events, err
}

// SnapshotAfter reads a case's contribution after a step that took action, given the events
// read before it: unless the action is one whose events evaluation reads, they are the same,
// and a step (many thousands of them when a city's history is made) spares a query.
func (t Tracker) SnapshotAfter(ctx context.Context, id int64, created time.Time, state workflow.Case, action string, before []store.EvalEvent) (Facts, error) {
	if store.IsEvalAction(action) {
		return t.Snapshot(ctx, id, created, state)
	}
	return t.withEvents(ctx, id, created, state, before)
}

func (t Tracker) withEvents(ctx context.Context, id int64, created time.Time, state workflow.Case, events []store.EvalEvent) (Facts, error) {
	clocks, err := t.core.DB.CaseClocks(ctx, id)
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

// Deferred reports whether the aggregates are left for a rebuild (kernel.Options.DeferEvaluation).
func (t Tracker) Deferred() bool { return t.core.Opts.DeferEvaluation }

// Apply adds after − before to the aggregates, in the transaction carried by ctx.
func (t Tracker) Apply(ctx context.Context, before, after Facts) error {
	if t.Deferred() {
		return nil
	}
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
