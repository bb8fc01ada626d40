package campaigns

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// Progress is a campaign's targets counted by district, subdistrict or community: how many are
// left, where, and how many are late.
type Progress struct {
	CampaignID int64           `json:"campaign_id"`
	Group      string          `json:"group"`
	Today      string          `json:"today"` // targets still to do after their due date before today are overdue
	Partial    bool            `json:"partial"`
	Rows       []ProgressRow   `json:"rows"`
	Total      campaign.Counts `json:"total"`
}

// Progress counts the viewer's part of a campaign (within a region, when named) by group:
// district (the default), subdistrict or community.
func (a *Service) Progress(ctx context.Context, actor *access.Principal, id int64, group, region string) (Progress, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return Progress{}, err
	}
	if group == "" {
		group = "district"
	}
	if group != "district" && group != "subdistrict" && group != "community" {
		return Progress{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "group", "value": group}, "group must be district, subdistrict or community, not %q", group)
	}
	scope, err := a.within(ctx, actor, c, region)
	if err != nil {
		return Progress{}, err
	}
	out := Progress{CampaignID: c.ID, Group: group, Today: a.today(), Partial: !scope.All || scope.Within != ""}
	if out.Rows, err = a.DB.CampaignProgress(ctx, c.ID, group, scope, out.Today); err != nil {
		return Progress{}, err
	}
	for _, r := range out.Rows {
		out.Total.Add(r.Counts)
	}
	return out, nil
}

// Burndown is a campaign's burn-down over the viewer's part (within a region, when named),
// by day or week. A part's straight line runs from its own targets to its share of the goal.
func (a *Service) Burndown(ctx context.Context, actor *access.Principal, id int64, every, region string) (campaign.Burndown, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return campaign.Burndown{}, err
	}
	e, err := campaign.ParseEvery(every)
	if err != nil {
		return campaign.Burndown{}, err
	}
	scope, err := a.within(ctx, actor, c, region)
	if err != nil {
		return campaign.Burndown{}, err
	}
	today := a.today()
	counts, err := a.DB.CampaignCounts(ctx, c.ID, scope, today)
	if err != nil {
		return campaign.Burndown{}, err
	}
	total, goal := counts[c.ID].Total, float64(c.Goal)
	if !scope.All || scope.Within != "" {
		all, err := a.DB.CampaignCounts(ctx, c.ID, store.TargetScope{All: true}, today)
		if err != nil {
			return campaign.Burndown{}, err
		}
		goal = 0
		if n := all[c.ID].Total; n > 0 {
			goal = float64(c.Goal) * float64(total) / float64(n)
		}
	}
	deltas, err := a.DB.CampaignDeltas(ctx, c.ID, scope)
	if err != nil {
		return campaign.Burndown{}, err
	}
	return campaign.BurnDown(c, e, total, goal, deltas, today)
}
