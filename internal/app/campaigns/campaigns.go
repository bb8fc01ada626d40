package campaigns

import (
	"context"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// NewCampaign is a campaign as the API takes it.
type NewCampaign struct {
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Scope        []string `json:"scope"`
	Owner        string   `json:"owner"`
	StartsOn     string   `json:"starts_on"` // default today
	DueOn        string   `json:"due_on"`
	Goal         int      `json:"goal"`
	CategoryKind string   `json:"category_kind"`
	Category     string   `json:"category"`
	Note         string   `json:"note"`
}

// View is a campaign as its viewer sees it: its regions and owner by name, and the counts of
// the targets in the viewer's part.
type View struct {
	campaign.Campaign
	ScopeRegions []grid.Ref      `json:"scope_regions"`
	OwnerName    string          `json:"owner_name"`
	Counts       campaign.Counts `json:"counts"`
	// Partial says the counts are of the viewer's part only (their scope, their grids).
	Partial bool `json:"partial"`
}

// Create starts a campaign over regions in the actor's scope.
func (a *Service) Create(ctx context.Context, actor *access.Principal, in NewCampaign) (View, error) {
	if err := mayOrganize(actor); err != nil {
		return View{}, err
	}
	c := campaign.Campaign{Name: strings.TrimSpace(in.Name), Kind: campaign.Kind(in.Kind), Scope: in.Scope, Owner: in.Owner,
		StartsOn: kernel.FirstNonBlank(in.StartsOn, a.today()), DueOn: in.DueOn, Goal: in.Goal, CategoryKind: in.CategoryKind, Category: in.Category,
		Note: strings.TrimSpace(in.Note), CreatedBy: actor.Name(), CreatedAt: a.Now()}
	if err := c.Validate(); err != nil {
		return View{}, err
	}
	for _, r := range c.Scope {
		ok, err := a.CoversRegion(ctx, actor, r)
		if err != nil {
			return View{}, err
		}
		if !ok {
			return View{}, errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": r}, "region %s is outside your scope", r)
		}
	}
	if _, err := a.DB.Department(ctx, c.Owner); errs.Is(err, errs.NotFound) {
		return View{}, errs.Refuse(errs.Invalid, "no_department", errs.Params{"department": c.Owner}, "owner: no department %q", c.Owner)
	} else if err != nil {
		return View{}, err
	}
	if c.Category != "" {
		kind, err := workflow.ParseCategoryKind(c.CategoryKind)
		if err != nil {
			return View{}, err
		}
		if _, err := a.Category(ctx, kind, c.Category); errs.Is(err, errs.NotFound) {
			return View{}, errs.Refuse(errs.Invalid, "no_category", errs.Params{"kind": c.CategoryKind, "category": c.Category}, "no %s category %q", c.CategoryKind, c.Category)
		} else if err != nil {
			return View{}, err
		}
	}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c.ID, err = a.DB.InsertCampaign(ctx, c); err != nil {
			return err
		}
		return a.Record(ctx, actor, "campaign.create", fmt.Sprintf("campaign:%d", c.ID), nil,
			map[string]any{"name": c.Name, "kind": c.Kind, "scope": c.Scope, "owner": c.Owner, "starts_on": c.StartsOn, "due_on": c.DueOn, "goal": c.Goal})
	})
	if err != nil {
		return View{}, err
	}
	return a.view(ctx, actor, c)
}

// Campaign returns a campaign the viewer sees, with the counts of their part.
func (a *Service) Campaign(ctx context.Context, actor *access.Principal, id int64) (View, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return View{}, err
	}
	return a.view(ctx, actor, c)
}

func (a *Service) view(ctx context.Context, actor *access.Principal, c campaign.Campaign) (View, error) {
	v := View{Campaign: c, ScopeRegions: []grid.Ref{}, Partial: !whole(actor, c)}
	for _, code := range c.Scope {
		p, err := a.PathOf(ctx, code)
		if err != nil {
			return View{}, err
		}
		v.ScopeRegions = append(v.ScopeRegions, p[len(p)-1])
	}
	d, err := a.DB.Department(ctx, c.Owner)
	if err != nil {
		return View{}, err
	}
	v.OwnerName = d.Name
	counts, err := a.DB.CampaignCounts(ctx, c.ID, part(actor, c), a.today())
	if err != nil {
		return View{}, err
	}
	v.Counts = counts[c.ID]
	return v, nil
}

// Campaigns lists the campaigns the viewer sees, newest first, each with the counts of their
// part.
func (a *Service) Campaigns(ctx context.Context, actor *access.Principal) ([]View, error) {
	if err := mayView(actor); err != nil {
		return nil, err
	}
	all, err := a.DB.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, c := range all {
		ok, err := a.sees(ctx, actor, c)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		v, err := a.view(ctx, actor, c)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
