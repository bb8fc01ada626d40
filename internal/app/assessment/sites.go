package assessment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// SitesReport says what adding sites did.
type SitesReport struct {
	New     int          `json:"new"`
	Updated int          `json:"updated"`
	Sites   []store.Site `json:"sites,omitempty"` // the sites as stored, when few were given
}

// AddSites adds sites (or updates those with the same code), all or nothing: each is located
// to its unit grid and its responsible unit checked; every bad site is named by its line (or
// its place in the list) and none is stored while any is bad.
func (a *Service) AddSites(ctx context.Context, actor *access.Principal, rows []assess.SiteRow) (SitesReport, error) {
	if err := mayOrganize(actor); err != nil {
		return SitesReport{}, err
	}
	if len(rows) == 0 {
		return SitesReport{}, errs.Required("sites", "no sites given")
	}
	if len(rows) > assess.MaxSites {
		return SitesReport{}, errs.Refuse(errs.TooLarge, "too_many", errs.Params{"max": assess.MaxSites}, "at most %d sites at once", assess.MaxSites)
	}
	types, err := a.DB.SiteTypes(ctx)
	if err != nil {
		return SitesReport{}, err
	}
	depts, err := a.RefDepartments(ctx)
	if err != nil {
		return SitesReport{}, err
	}
	now := a.Now()
	var (
		sites    []store.Site
		problems []string
	)
	seen := map[string]int{}
	for i, r := range rows {
		where := fmt.Sprintf("line %d", r.Line)
		if r.Line == 0 {
			where = fmt.Sprintf("site %d", i+1)
		}
		s, err := a.locateSite(ctx, actor, r, types, depts)
		if err == nil {
			if prev, dup := seen[r.Code]; dup {
				err = fmt.Errorf("site %s is given twice (also %d)", r.Code, prev)
			}
		}
		if err != nil {
			problems = append(problems, where+": "+err.Error())
			continue
		}
		seen[r.Code] = i + 1
		s.CreatedAt, s.UpdatedAt = now, now
		sites = append(sites, s)
	}
	if len(problems) > 0 {
		return SitesReport{}, errs.Refuse(errs.Invalid, "bad_sites", errs.Params{"problems": len(problems)}, "%d sites refused, none stored: %s", len(problems), strings.Join(problems, "; "))
	}
	var rep SitesReport
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		for i := range sites {
			// A site of another scope's with the same code is not the actor's to move.
			if have, err := a.DB.SiteByCode(ctx, sites[i].Code); err == nil && !actor.Covers(have.RegionPath) {
				return errs.Refuse(errs.Forbidden, "site_outside_scope", errs.Params{"site": have.Code}, "site %s is outside your scope", have.Code)
			} else if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
			id, isNew, err := a.DB.PutSite(ctx, sites[i])
			if err != nil {
				return err
			}
			sites[i].ID = id
			if isNew {
				rep.New++
			} else {
				rep.Updated++
			}
		}
		return a.Record(ctx, actor, "assessment.add_sites", "assessment:sites", nil, map[string]any{"new": rep.New, "updated": rep.Updated})
	})
	if err != nil {
		return SitesReport{}, err
	}
	if len(sites) <= 100 {
		rep.Sites = sites
	}
	return rep, nil
}

// locateSite checks a site and locates it to its unit grid.
func (a *Service) locateSite(ctx context.Context, actor *access.Principal, r assess.SiteRow, types []store.SiteType, depts []workflow.Department) (store.Site, error) {
	if err := r.Validate(); err != nil {
		return store.Site{}, err
	}
	if err := kernel.CheckText(r.Name+r.Address+r.Contact, "site", 1000); err != nil {
		return store.Site{}, err
	}
	if !slices.ContainsFunc(types, func(t store.SiteType) bool { return t.Code == r.SiteType }) {
		return store.Site{}, fmt.Errorf("site type %q has no checklist", r.SiteType)
	}
	if r.Department != "" && !slices.ContainsFunc(depts, func(d workflow.Department) bool { return d.Code == r.Department }) {
		return store.Site{}, fmt.Errorf("department %q does not exist", r.Department)
	}
	system, err := crs.Parse(r.CRS)
	if err != nil {
		return store.Site{}, err
	}
	loc, path, err := a.LocateGrid(ctx, r.Lon, r.Lat, system)
	if err != nil {
		return store.Site{}, err
	}
	if !actor.Covers(path) {
		return store.Site{}, fmt.Errorf("(%v, %v) lies outside your scope", r.Lon, r.Lat)
	}
	return store.Site{Code: r.Code, SiteType: r.SiteType, Name: strings.TrimSpace(r.Name), Address: strings.TrimSpace(r.Address),
		Lon: loc.WGS84[0], Lat: loc.WGS84[1], InputCRS: string(system), Grid: path[4], RegionPath: path,
		District: path[1], Subdistrict: path[2], Department: r.Department, Contact: strings.TrimSpace(r.Contact)}, nil
}

// SiteQuery selects sites to list.
type SiteQuery struct {
	SiteType string
	Region   string
	AfterID  int64
	Limit    int // default and most 1000
}

// Sites lists the sites within the actor's scope (and the query's region), by id.
func (a *Service) Sites(ctx context.Context, actor *access.Principal, q SiteQuery) ([]store.Site, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 1000
	}
	region := q.Region
	if region == "" && !actor.System {
		region = actor.User.Scope
	}
	if q.Region != "" {
		ok, err := a.CoversRegion(ctx, actor, q.Region)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"region": q.Region}, "region %s is outside your scope", q.Region)
		}
	}
	sites, err := a.DB.Sites(ctx, store.SiteFilter{SiteType: q.SiteType, Region: region, AfterID: q.AfterID, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(sites, func(s store.Site) bool { return !actor.Covers(s.RegionPath) }), nil
}
