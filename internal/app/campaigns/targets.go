package campaigns

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// NewTargets are targets to add to a campaign's list, one way of three: evaluation sites by
// code, every site of a type in the campaign's regions that is not listed yet, or assets.
type NewTargets struct {
	Sites    []string             `json:"sites"`
	SiteType string               `json:"site_type"`
	Assets   []campaign.TargetRow `json:"assets"`
	DueOn    string               `json:"due_on"` // for sites; default the campaign's due date
}

// AddReport says what adding targets did, and where the viewer's part of the list now stands.
type AddReport struct {
	Added  int             `json:"added"`
	Counts campaign.Counts `json:"counts"`
}

// Most sites named in one request.
const maxSites = 10_000

// listed is a target ready to store, with the site it is (0 for an asset).
type listed struct {
	target campaign.Target
	siteID int64
}

// AddTargets adds evaluation sites or assets to a campaign's list, all or nothing.
func (a *Service) AddTargets(ctx context.Context, actor *access.Principal, id int64, in NewTargets) (AddReport, error) {
	if err := mayOrganize(actor); err != nil {
		return AddReport{}, err
	}
	ways := 0
	for _, given := range []bool{len(in.Sites) > 0, in.SiteType != "", len(in.Assets) > 0} {
		if given {
			ways++
		}
	}
	if ways != 1 {
		return AddReport{}, errs.Required("sites", "give sites, a site_type or assets: one of the three")
	}
	if len(in.Assets) > 0 {
		if in.DueOn != "" {
			for i := range in.Assets {
				in.Assets[i].DueOn = kernel.FirstNonBlank(in.Assets[i].DueOn, in.DueOn)
			}
		}
		return a.ImportTargets(ctx, actor, id, in.Assets)
	}
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return AddReport{}, err
	}
	if len(in.Sites) > maxSites {
		return AddReport{}, errs.Refuse(errs.TooLarge, "too_many", errs.Params{"max": maxSites}, "at most %d sites at once", maxSites)
	}
	due := kernel.FirstNonBlank(in.DueOn, c.DueOn)
	if _, err := campaign.ParseDate("due_on", due); err != nil {
		return AddReport{}, err
	}
	keys, err := a.DB.TargetKeys(ctx, c.ID)
	if err != nil {
		return AddReport{}, err
	}
	var sites []store.Site
	var problems campaign.Problems
	if in.SiteType != "" {
		if err := kernel.CheckText(in.SiteType, "site_type", 32); err != nil {
			return AddReport{}, err
		}
		// Every site of the type in the campaign's regions and the actor's scope, not yet listed.
		seen := map[int64]bool{}
		for _, r := range c.Scope {
			found, err := a.DB.Sites(ctx, store.SiteFilter{SiteType: in.SiteType, Region: r})
			if err != nil {
				return AddReport{}, err
			}
			for _, s := range found {
				if !seen[s.ID] && actor.Covers(s.RegionPath) && !keys[campaign.SiteKey(s.Code)] {
					seen[s.ID] = true
					sites = append(sites, s)
				}
			}
		}
	} else {
		given := map[string]bool{}
		for _, code := range in.Sites {
			where := "site " + code
			if err := kernel.CheckText(code, "sites", 32); err != nil {
				return AddReport{}, err
			}
			s, err := a.DB.SiteByCode(ctx, code)
			switch {
			case errs.Is(err, errs.NotFound):
				problems = append(problems, where+": no such site")
				continue
			case err != nil:
				return AddReport{}, err
			case given[code]:
				problems = append(problems, where+": given twice")
				continue
			}
			given[code] = true
			if why := a.misplaced(actor, c, s.RegionPath, keys, campaign.SiteKey(code)); why != "" {
				problems = append(problems, where+": "+why)
				continue
			}
			sites = append(sites, s)
		}
	}
	if err := refuseProblems(problems); err != nil {
		return AddReport{}, err
	}
	now := a.Now()
	list := make([]listed, len(sites))
	for i, s := range sites {
		list[i] = listed{siteID: s.ID, target: campaign.Target{CampaignID: c.ID, Key: campaign.SiteKey(s.Code), SiteCode: s.Code, Name: s.Name, Type: s.SiteType,
			Address: s.Address, Lon: s.Lon, Lat: s.Lat, InputCRS: s.InputCRS, Unit: s.Department, Grid: s.Grid, RegionPath: s.RegionPath,
			State: campaign.Open, DueOn: due, Version: 1, CreatedAt: now, UpdatedAt: now}}
	}
	return a.store(ctx, actor, c, list)
}

// ImportTargets adds assets to a campaign's list, each located to its unit grid, all or
// nothing: every bad one is named by its line (or its place in the list).
func (a *Service) ImportTargets(ctx context.Context, actor *access.Principal, id int64, rows []campaign.TargetRow) (AddReport, error) {
	if err := mayOrganize(actor); err != nil {
		return AddReport{}, err
	}
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return AddReport{}, err
	}
	if len(rows) == 0 {
		return AddReport{}, errs.Required("assets", "no targets given")
	}
	if len(rows) > campaign.MaxTargets {
		return AddReport{}, errs.Refuse(errs.TooLarge, "too_many", errs.Params{"max": campaign.MaxTargets}, "at most %d targets at once", campaign.MaxTargets)
	}
	keys, err := a.DB.TargetKeys(ctx, c.ID)
	if err != nil {
		return AddReport{}, err
	}
	now := a.Now()
	var (
		list     []listed
		problems campaign.Problems
	)
	first := map[string]string{} // key → where it was first given
	for i, r := range rows {
		where := fmt.Sprintf("line %d", r.Line)
		if r.Line == 0 {
			where = fmt.Sprintf("target %d", i+1)
		}
		t, err := a.locate(ctx, c, r)
		switch {
		case err != nil && errs.KindOf(err) == errs.Internal:
			return AddReport{}, err
		case err != nil:
			problems = append(problems, where+": "+err.Error())
			continue
		}
		if prev, twice := first[t.Key]; twice {
			problems = append(problems, fmt.Sprintf("%s: %s %q at (%v, %v) is given twice (also %s)", where, r.Type, t.Name, r.Lon, r.Lat, prev))
			continue
		}
		first[t.Key] = where
		if why := a.misplaced(actor, c, t.RegionPath, keys, t.Key); why != "" {
			problems = append(problems, where+": "+why)
			continue
		}
		t.CreatedAt, t.UpdatedAt = now, now
		list = append(list, listed{target: t})
	}
	if err := refuseProblems(problems); err != nil {
		return AddReport{}, err
	}
	return a.store(ctx, actor, c, list)
}

// locate checks an asset and locates it to its unit grid.
func (a *Service) locate(ctx context.Context, c campaign.Campaign, r campaign.TargetRow) (campaign.Target, error) {
	if err := r.Validate(); err != nil {
		return campaign.Target{}, err
	}
	system, err := crs.Parse(r.CRS)
	if err != nil {
		return campaign.Target{}, errs.E(errs.Invalid, "%v", err)
	}
	loc, path, err := a.LocateGrid(ctx, r.Lon, r.Lat, system)
	if err != nil {
		return campaign.Target{}, err
	}
	name, typ := strings.TrimSpace(r.Name), strings.TrimSpace(r.Type)
	return campaign.Target{CampaignID: c.ID, Key: campaign.AssetKey(typ, name, loc.WGS84[0], loc.WGS84[1]), Name: name, Type: typ,
		Address: strings.TrimSpace(r.Address), Lon: loc.WGS84[0], Lat: loc.WGS84[1], InputCRS: string(system), Unit: strings.TrimSpace(r.Unit),
		Grid: path[4], RegionPath: path, State: campaign.Open, DueOn: kernel.FirstNonBlank(r.DueOn, c.DueOn), Version: 1}, nil
}

// misplaced says why a target at path with key may not join the list, or "".
func (a *Service) misplaced(actor *access.Principal, c campaign.Campaign, path []string, keys map[string]bool, key string) string {
	switch {
	case !c.InScope(path):
		return "lies outside the campaign's regions"
	case !actor.Covers(path):
		return "lies outside your scope"
	case keys[key]:
		return "is already on the campaign's list"
	}
	return ""
}

// refuseProblems refuses a list with bad targets, naming the first few.
func refuseProblems(p campaign.Problems) error {
	if len(p) == 0 {
		return nil
	}
	return errs.Refuse(errs.Invalid, "bad_targets", errs.Params{"problems": len(p)}, "%d targets refused, none added: %s", len(p), p.Summary())
}

// store lists the targets (nothing written nor recorded when there are none) and answers with
// the viewer's counts.
func (a *Service) store(ctx context.Context, actor *access.Principal, c campaign.Campaign, list []listed) (AddReport, error) {
	if len(list) > 0 {
		err := a.DB.InTx(ctx, func(ctx context.Context) error {
			for i := range list {
				var err error
				if list[i].target.ID, err = a.DB.InsertTarget(ctx, list[i].target, list[i].siteID, actor.Name()); err != nil {
					return err
				}
			}
			return a.Record(ctx, actor, "campaign.add_targets", fmt.Sprintf("campaign:%d", c.ID), nil, map[string]any{"added": len(list)})
		})
		if err != nil {
			return AddReport{}, err
		}
	}
	counts, err := a.DB.CampaignCounts(ctx, c.ID, part(actor, c), a.today())
	if err != nil {
		return AddReport{}, err
	}
	return AddReport{Added: len(list), Counts: counts[c.ID]}, nil
}

// TargetQuery selects targets to list.
type TargetQuery struct {
	State   string
	Region  string
	AfterID int64
	Limit   int // default and most 1000
}

// Targets lists a campaign's targets in the viewer's part (and the query's region), by id,
// each with its case's ticket and status.
func (a *Service) Targets(ctx context.Context, actor *access.Principal, id int64, q TargetQuery) ([]Target, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	scope, err := a.within(ctx, actor, c, q.Region)
	if err != nil {
		return nil, err
	}
	if q.State != "" && !slices.Contains(campaign.States, campaign.State(q.State)) {
		return nil, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "state", "value": q.State}, "state must be one of open, in_progress, done, verified, exempt, not %q", q.State)
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	return a.DB.CampaignTargets(ctx, store.TargetFilter{CampaignID: c.ID, Scope: scope, State: campaign.State(q.State), AfterID: q.AfterID, Limit: q.Limit})
}
