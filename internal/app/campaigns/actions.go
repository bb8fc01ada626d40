package campaigns

import (
	"context"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// ActionInput is an action on a target as the API takes it.
type ActionInput struct {
	Action string `json:"action"`
	// Version, when given, must be the target's version the caller saw.
	Version *int   `json:"version"`
	Reason  string `json:"reason"` // exempt, reopen
	Note    string `json:"note"`
	// open_case: the rectification case, by default of the campaign's category and described
	// by the campaign's and the target's names.
	CategoryKind string   `json:"category_kind"`
	Category     string   `json:"category"`
	Description  string   `json:"description"`
	Urgency      string   `json:"urgency"`
	Photos       []string `json:"photos"`
}

// TargetView is one target as its page shows it: its case, what the viewer may do now, and
// its history.
type TargetView struct {
	Target
	Allowed []campaign.Action `json:"allowed_actions"`
	History []TargetEvent     `json:"history"`
}

// Target returns a target of a campaign the viewer sees, in their part.
func (a *Service) Target(ctx context.Context, actor *access.Principal, id, tid int64) (TargetView, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return TargetView{}, err
	}
	t, err := a.DB.Target(ctx, tid)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return TargetView{}, err
	}
	if err != nil || t.CampaignID != c.ID || !inPart(actor, c, t) {
		return TargetView{}, errs.Refuse(errs.NotFound, "target_not_found", nil, "no target %d in campaign %d", tid, id)
	}
	return a.targetView(ctx, actor, c, t)
}

// inPart reports whether a target is in the viewer's part of its campaign.
func inPart(actor *access.Principal, c campaign.Campaign, t campaign.Target) bool {
	return whole(actor, c) || actor.Covers(t.RegionPath)
}

func (a *Service) targetView(ctx context.Context, actor *access.Principal, c campaign.Campaign, t campaign.Target) (TargetView, error) {
	v := TargetView{Target: Target{Target: t}}
	closed := false
	if t.CaseID != 0 {
		rec, err := a.DB.Case(ctx, t.CaseID)
		if err != nil {
			return TargetView{}, err
		}
		v.Ticket, v.CaseStatus = rec.Ticket, string(rec.State.Status)
		closed = rec.State.Status == workflow.Closed
	}
	v.Allowed = campaign.Allowed(t, campaign.Facts{Campaign: c, CaseClosed: closed}, actor)
	var err error
	if v.History, err = a.DB.TargetEvents(ctx, t.ID); err != nil {
		return TargetView{}, err
	}
	return v, nil
}

// Act takes an action on a target in one transaction: the move, its history line and audit
// record, and for open_case the rectification case reported through the case loop (source
// campaign) and linked to the target, whose closure later marks it done.
func (a *Service) Act(ctx context.Context, actor *access.Principal, id, tid int64, in ActionInput) (TargetView, error) {
	act, err := campaign.ParseAction(in.Action)
	if err != nil {
		return TargetView{}, err
	}
	var out TargetView
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := a.campaignFor(ctx, actor, id)
		if err != nil {
			return err
		}
		t, err := a.DB.LockTarget(ctx, tid)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err != nil || t.CampaignID != c.ID || !inPart(actor, c, t) {
			return errs.Refuse(errs.NotFound, "target_not_found", nil, "no target %d in campaign %d", tid, id)
		}
		if in.Version != nil && *in.Version != t.Version {
			return errs.RefuseCoded(errs.Conflict, "target_version_conflict", errs.Params{"version": t.Version, "expected": *in.Version},
				"target %d is at version %d, not %d; reload it and try again", t.ID, t.Version, *in.Version)
		}
		f := campaign.Facts{Campaign: c}
		if t.CaseID != 0 {
			rec, err := a.DB.Case(ctx, t.CaseID)
			if err != nil {
				return err
			}
			f.CaseClosed = rec.State.Status == workflow.Closed
		}
		m, err := campaign.Decide(t, f, actor, act, campaign.Input{Reason: in.Reason, Note: in.Note})
		if err != nil {
			return err
		}
		var ticket string
		if act == campaign.OpenCase {
			intake, err := a.openCase(ctx, actor, c, t, in)
			if err != nil {
				return err
			}
			m.Target.CaseID, ticket = intake.ID, intake.Ticket
			m.Note = kernel.FirstNonBlank(m.Note, ticket)
		}
		if err := a.DB.MoveTarget(ctx, m, actor.Name(), a.Now()); err != nil {
			return err
		}
		after := map[string]any{"state": m.To, "campaign": c.ID}
		if ticket != "" {
			after["case"] = ticket
		}
		if m.Note != "" {
			after["note"] = m.Note
		}
		if err := a.Record(ctx, actor, "campaign."+string(act), fmt.Sprintf("target:%d", t.ID), map[string]any{"state": m.From}, after); err != nil {
			return err
		}
		out, err = a.targetView(ctx, actor, c, m.Target)
		return err
	})
	return out, err
}

// openCase reports a target's rectification case through the case loop, as the actor.
func (a *Service) openCase(ctx context.Context, actor *access.Principal, c campaign.Campaign, t campaign.Target, in ActionInput) (cases.Intake, error) {
	kind, code := kernel.FirstNonBlank(in.CategoryKind, c.CategoryKind), kernel.FirstNonBlank(in.Category, c.Category)
	if code == "" {
		return cases.Intake{}, errs.Required("category", "the campaign names no category for its cases: give category_kind and category")
	}
	desc := strings.TrimSpace(in.Description)
	if desc == "" {
		desc = fmt.Sprintf("【专项整治】%s · %s（%s）", c.Name, t.Name, t.Type)
		if n := strings.TrimSpace(in.Note); n != "" {
			desc += "：" + n
		}
	}
	lon, lat := t.Lon, t.Lat
	intake, err := a.cases.Report(ctx, actor, cases.NewCase{CategoryKind: workflow.CategoryKind(kind), Category: code,
		Description: cases.TimelineCopy(desc), Lon: &lon, Lat: &lat, CRS: "wgs84", Address: kernel.FirstNonBlank(t.Address, t.Name),
		Urgency: workflow.Urgency(in.Urgency), Source: cases.SourceCampaign, Photos: in.Photos})
	if err != nil {
		return cases.Intake{}, errs.Prefix(err, nil, "the rectification case: ")
	}
	return intake, nil
}
