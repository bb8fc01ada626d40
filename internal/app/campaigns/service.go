// Package campaigns holds the use cases of campaigns to zero (专项整治, issue #17): a campaign
// over some regions with its owner department and dates, its list of targets (evaluation sites
// of the assessment's registry, or assets imported for it, each located to its unit grid), the
// actions on a target (its rectification opened as a case through the case loop, an
// inspector's check, an exemption its owner approves, a reopening), and the progress by
// district, subdistrict or community and the burn-down, counted by the store.
//
// Who may do what: campaigns are for staff; a person sees a campaign whose regions overlap
// their scope, and of it the targets in their scope (their region, a grid worker's grids);
// unscoped admins and the owner department's people see all of it. Leaders and admins create
// campaigns within their scope and list targets in it; who may act on a target is
// campaign.Decide's. What each refuses (besides malformed input):
//   - Create: anyone but leaders and admins (forbidden, campaign_organizers_only); a region of
//     the scope that does not exist (invalid, no_region) or is outside the actor's scope
//     (forbidden, region_outside_scope); an unknown owner department (no_department) or
//     category (no_category), both invalid.
//   - Campaign, Campaigns, Progress, Burndown, Targets, Target: residents and anonymous
//     callers (forbidden, staff_only; unauthorized); a campaign the viewer does not overlap
//     (not found, campaign_not_found); a target outside their part (not found,
//     target_not_found); a within region unknown (invalid) or outside their scope (forbidden).
//   - AddTargets, ImportTargets: anyone but leaders and admins; all or nothing (invalid,
//     bad_targets, each bad target named by its line or site): a site unknown, a place outside
//     the managed area or in no unit grid, outside the campaign's regions or the actor's scope,
//     a target already listed or given twice.
//   - Act: what campaign.Decide refuses (role, scope, a state the action does not start from,
//     a done while the case is open, an exemption without a reason or decided by someone not
//     of the owner); a stale version (conflict, target_version_conflict); for open_case, what
//     the case intake refuses (no category, a bad photo …).
package campaigns

import (
	"context"
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
)

// Service runs the campaign use cases; it shares the kernel with the other areas and opens
// rectifications through the case use cases.
type Service struct {
	*kernel.Core
	cases *cases.Service
}

// New returns the campaign use cases over core.
func New(core *kernel.Core, cs *cases.Service) *Service { return &Service{Core: core, cases: cs} }

// What the pages and the API read of the stored campaigns, named here so that they need not
// reach into the store.
type (
	Target      = store.CampaignTarget
	TargetEvent = store.TargetEvent
	ProgressRow = store.ProgressRow
)

// mayView refuses anyone but staff.
func mayView(actor *access.Principal) error {
	if actor == nil {
		return errs.E(errs.Unauthorized, "sign in first")
	}
	if !kernel.IsStaff(actor) {
		return errs.Refuse(errs.Forbidden, "staff_only", nil, "campaigns are for staff")
	}
	return nil
}

// mayOrganize refuses everyone but leaders and admins: they create campaigns and list targets.
func mayOrganize(actor *access.Principal) error {
	if err := mayView(actor); err != nil {
		return err
	}
	if actor.System || actor.User.Role == access.Admin || actor.User.Role == access.Leader {
		return nil
	}
	return errs.Refuse(errs.Forbidden, "campaign_organizers_only", errs.Params{"role": string(actor.User.Role)}, "only leaders and admins organize campaigns")
}

// whole reports whether the viewer sees all of a campaign: the system, unscoped admins and the
// owner department's people.
func whole(actor *access.Principal, c campaign.Campaign) bool {
	return actor.System || (actor.User.Role == access.Admin && actor.User.Scope == "") ||
		(actor.User.Department != "" && actor.User.Department == c.Owner)
}

// part is the part of a campaign's targets the viewer sees.
func part(actor *access.Principal, c campaign.Campaign) store.TargetScope {
	if whole(actor, c) {
		return store.TargetScope{All: true}
	}
	s := store.TargetScope{Grids: slices.Clone(actor.Grids)}
	if actor.User.Scope != "" {
		s.Regions = []string{actor.User.Scope}
	}
	return s
}

// sees reports whether the viewer's scope overlaps the campaign's regions: one of them lies
// in the viewer's scope, or the viewer's region or grids lie in one of them.
func (a *Service) sees(ctx context.Context, actor *access.Principal, c campaign.Campaign) (bool, error) {
	if whole(actor, c) {
		return true, nil
	}
	var mine [][]string // the paths of the viewer's region and grids
	for _, code := range append([]string{actor.User.Scope}, actor.Grids...) {
		if code == "" {
			continue
		}
		p, err := a.PathOf(ctx, code)
		if errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		mine = append(mine, codes(p))
	}
	for _, s := range c.Scope {
		p, err := a.PathOf(ctx, s)
		if errs.Is(err, errs.NotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		if actor.Covers(codes(p)) {
			return true, nil
		}
		for _, m := range mine {
			if slices.Contains(m, s) {
				return true, nil
			}
		}
	}
	return false, nil
}

// codes are the codes of a path.
func codes(refs []grid.Ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.Code
	}
	return out
}

// campaignFor returns a campaign the viewer sees; any other is not there.
func (a *Service) campaignFor(ctx context.Context, actor *access.Principal, id int64) (campaign.Campaign, error) {
	if err := mayView(actor); err != nil {
		return campaign.Campaign{}, err
	}
	c, err := a.DB.Campaign(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return campaign.Campaign{}, errs.Refuse(errs.NotFound, "campaign_not_found", nil, "no campaign %d", id)
	} else if err != nil {
		return campaign.Campaign{}, err
	}
	ok, err := a.sees(ctx, actor, c)
	if err != nil {
		return campaign.Campaign{}, err
	}
	if !ok {
		return campaign.Campaign{}, errs.Refuse(errs.NotFound, "campaign_not_found", nil, "no campaign %d", id)
	}
	return c, nil
}

// within narrows a viewer's part to a region they name, which must exist and lie in their
// scope.
func (a *Service) within(ctx context.Context, actor *access.Principal, c campaign.Campaign, region string) (store.TargetScope, error) {
	s := part(actor, c)
	if region == "" {
		return s, nil
	}
	ok, err := a.CoversRegion(ctx, actor, region)
	if err != nil {
		return store.TargetScope{}, err
	}
	if !ok && !s.All {
		// A region above the viewer's scope still shows their part of it.
		p, err := a.PathOf(ctx, actor.User.Scope)
		if err != nil || !slices.ContainsFunc(p, func(r grid.Ref) bool { return r.Code == region }) {
			return store.TargetScope{}, errs.Refuse(errs.Forbidden, "region_outside_scope", errs.Params{"region": region}, "region %s is outside your scope", region)
		}
	}
	s.Within = region
	return s, nil
}

// today is the China date now.
func (a *Service) today() string { return campaign.Day(a.Now()) }
