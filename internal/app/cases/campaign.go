package cases

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// followTarget moves the campaign target a rectification case works on as the case's step
// left it, in the step's transaction, as the evaluation's tracker counts the step: the
// closure marks the target done, a reopening of the closed case puts it back in progress, a
// rejection (invalid, or a duplicate merged into another case) leaves it open for a new case.
// So the target follows its case whichever way the case moved: a grid worker's verification
// on the case page, a handling that needs none, a leader's closing override. A step of any
// other case, or one that does not move the target (see campaign.Follow), changes nothing.
func (a *Service) followTarget(ctx context.Context, actor *access.Principal, rec store.CaseRecord, tr workflow.Transition) error {
	if rec.Source != SourceCampaign {
		return nil
	}
	var act campaign.Action
	switch {
	case tr.To == workflow.Closed && tr.From != workflow.Closed:
		act = campaign.CaseClosed
	case tr.From == workflow.Closed && tr.To != workflow.Closed:
		act = campaign.CaseReopened
	case tr.To == workflow.Rejected && tr.From != workflow.Rejected:
		act = campaign.CaseDropped
	default:
		return nil
	}
	t, err := a.DB.LockTargetOfCase(ctx, rec.ID)
	if errs.Is(err, errs.NotFound) {
		return nil
	} else if err != nil {
		return err
	}
	m, ok := campaign.Follow(t, act, rec.ID)
	if !ok {
		return nil
	}
	if err := a.DB.MoveTarget(ctx, m, actor.Name(), a.Now()); err != nil {
		return fmt.Errorf("case %s moves its target %d: %w", rec.Ticket, t.ID, err)
	}
	return a.Record(ctx, actor, "campaign."+string(act), fmt.Sprintf("target:%d", t.ID), map[string]any{"state": m.From},
		map[string]any{"state": m.To, "campaign": t.CampaignID, "case": rec.Ticket})
}
