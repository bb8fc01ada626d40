package eval

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/store"
)

// rebuildFlushEvery is how many cases' contributions a rebuild holds before writing them.
const rebuildFlushEvery = 20_000

// Rebuild recounts the aggregates from the cases, their clocks and timelines, in one
// transaction, and returns how many cases it counted. The aggregates kept step by step must
// equal what it writes; it mends them should they not (after a restore, or a bug). Steps
// taken meanwhile wait for it (SQLite) or for its rows (PostgreSQL): run it when the city is
// quiet. Unscoped admins and the console only.
func (s *Service) Rebuild(ctx context.Context, actor *access.Principal) (int64, error) {
	if err := kernel.MayEditCityWide(actor, "evaluation aggregates"); err != nil {
		return 0, err
	}
	_, cal, err := s.TimeSettings(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.DB.InTx(ctx, func(ctx context.Context) error {
		if err := s.DB.ClearEval(ctx); err != nil {
			return err
		}
		batch := newFacts()
		held := 0
		err := s.DB.EachEvalCase(ctx, func(c store.EvalCase) error {
			batch.Add(Compute(CaseInput{Created: c.Record.CreatedAt, State: c.Record.State, Clocks: c.Clocks, Events: c.Events}, cal))
			n++
			if held++; held >= rebuildFlushEvery {
				if err := s.DB.AddEval(ctx, batch.Cells, batch.Pending); err != nil {
					return err
				}
				batch, held = newFacts(), 0
				return s.DB.FlushEval(ctx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.DB.AddEval(ctx, batch.Cells, batch.Pending); err != nil {
			return err
		}
		return s.Record(ctx, actor, "eval.rebuild", "eval:aggregates", nil, map[string]any{"cases": n})
	})
	return n, err
}
