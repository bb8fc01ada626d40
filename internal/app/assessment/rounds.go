package assessment

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Sample is a round's random draw: reproducible from its seed.
type Sample struct {
	// Seed makes the draw reproducible; when absent, one is chosen and kept with the round.
	Seed   *uint64          `json:"seed"`
	Strata []assess.Stratum `json:"strata"`
}

// NewRound is a round as an organizer asks for it: a sample or hand-picked sites, and the
// inspectors who score them.
type NewRound struct {
	Name     string `json:"name"`
	Standard string `json:"standard"`
	// Region is whose round it is (default: the organizer's scope); the sites lie inside it.
	Region   string  `json:"region"`
	StartsOn string  `json:"starts_on"` // YYYY-MM-DD, China time; default today
	DueOn    string  `json:"due_on"`    // YYYY-MM-DD, the last day
	Sample   *Sample `json:"sample"`
	// Sites are hand-picked site codes, instead of a sample.
	Sites []string `json:"sites"`
	// Inspectors share the sites: each site goes, in turn, to the next of them who covers it.
	Inspectors []string `json:"inspectors"`
	// Assignments name the inspector of particular sites (site code → username).
	Assignments map[string]string `json:"assignments"`
}

const (
	maxRoundDays = 366
	dateLayout   = "2006-01-02"
)

// roundPlan is a round checked and drawn, before it is stored: each site with its checklist
// version and its inspector.
type roundPlan struct {
	in     NewRound
	std    assess.Standard
	sample json.RawMessage
	plans  []sitePlan
}

type sitePlan struct {
	site      store.Site
	checklist int64
	inspector string
}

// CreateRound draws or takes a round's sites, fixes the checklist version each will be scored
// against (the current one), and assigns them to inspectors, in one transaction.
func (a *Service) CreateRound(ctx context.Context, actor *access.Principal, in NewRound) (RoundView, error) {
	rp, err := a.planRound(ctx, actor, in)
	if err != nil {
		return RoundView{}, err
	}
	in, std, sample, plans := rp.in, rp.std, rp.sample, rp.plans
	var id int64
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		r := store.Round{Name: in.Name, Standard: std.Code, Region: in.Region, StartsOn: in.StartsOn, DueOn: in.DueOn,
			Sample: sample, CreatedBy: actor.Name(), CreatedAt: a.Now()}
		if id, err = a.DB.InsertRound(ctx, r); err != nil {
			return err
		}
		for _, p := range plans {
			if _, err := a.DB.InsertInspection(ctx, id, p.site.ID, p.checklist, p.inspector); err != nil {
				return err
			}
		}
		return a.Record(ctx, actor, "assessment.create_round", fmt.Sprintf("round:%d", id), nil,
			map[string]any{"name": r.Name, "standard": r.Standard, "region": r.Region, "sites": len(plans), "sample": sample})
	})
	if err != nil {
		return RoundView{}, err
	}
	return a.Round(ctx, actor, id)
}

// PreviewRound answers what CreateRound would make of in, refusing what it would refuse, and
// stores nothing: the sites drawn, each with its inspector, so that an organizer sees the
// sample before committing to it. With the same seed the round then draws the same sites.
func (a *Service) PreviewRound(ctx context.Context, actor *access.Principal, in NewRound) (RoundView, error) {
	rp, err := a.planRound(ctx, actor, in)
	if err != nil {
		return RoundView{}, err
	}
	v := RoundView{Round: store.Round{Name: rp.in.Name, Standard: rp.std.Code, Region: rp.in.Region, StartsOn: rp.in.StartsOn, DueOn: rp.in.DueOn,
		Sample: rp.sample, CreatedBy: actor.Name(), CreatedAt: a.Now()}, StandardName: rp.std.Name, Inspections: []store.Inspection{},
		Counts: map[string]int{store.InspectionOpen: len(rp.plans), store.InspectionSubmitted: 0, "failed_items": 0}}
	for _, p := range rp.plans {
		v.Inspections = append(v.Inspections, store.Inspection{ChecklistID: p.checklist, Inspector: p.inspector, Status: store.InspectionOpen, Site: p.site})
	}
	return v, nil
}

// planRound checks a round and draws its sites without storing anything.
func (a *Service) planRound(ctx context.Context, actor *access.Principal, in NewRound) (roundPlan, error) {
	if err := mayOrganize(actor); err != nil {
		return roundPlan{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return roundPlan{}, errs.Required("name", "name is required")
	}
	if err := kernel.CheckText(in.Name, "name", 200); err != nil {
		return roundPlan{}, err
	}
	std, err := a.DB.Standard(ctx, in.Standard)
	if errs.Is(err, errs.NotFound) {
		return roundPlan{}, errs.Refuse(errs.Invalid, "no_standard", errs.Params{"standard": in.Standard}, "no standard %q", in.Standard)
	} else if err != nil {
		return roundPlan{}, err
	}
	today := a.Now().In(worktime.China).Format(dateLayout)
	if in.StartsOn == "" {
		in.StartsOn = today
	}
	start, err := time.Parse(dateLayout, in.StartsOn)
	if err != nil {
		return roundPlan{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "starts_on", "value": in.StartsOn}, "starts_on must be a date YYYY-MM-DD, not %q", in.StartsOn)
	}
	if in.DueOn == "" {
		return roundPlan{}, errs.Required("due_on", "due_on is required: the round's last day, YYYY-MM-DD")
	}
	due, err := time.Parse(dateLayout, in.DueOn)
	if err != nil {
		return roundPlan{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "due_on", "value": in.DueOn}, "due_on must be a date YYYY-MM-DD, not %q", in.DueOn)
	}
	if due.Before(start) || due.Sub(start) > maxRoundDays*24*time.Hour {
		return roundPlan{}, errs.RefuseCoded(errs.Invalid, "bad_dates", errs.Params{"starts_on": in.StartsOn, "due_on": in.DueOn},
			"due_on must be on or after starts_on and within %d days of it", maxRoundDays)
	}
	if in.Region == "" && !actor.System {
		in.Region = actor.User.Scope
	}
	if in.Region != "" {
		ok, err := a.CoversRegion(ctx, actor, in.Region)
		if err != nil {
			return roundPlan{}, err
		}
		if !ok {
			return roundPlan{}, errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"region": in.Region}, "region %s is outside your scope", in.Region)
		}
	}
	if (in.Sample == nil) == (len(in.Sites) == 0) {
		return roundPlan{}, errs.RefuseCoded(errs.Invalid, "sample_or_sites", nil, "give a sample or hand-picked sites (one of them)")
	}
	if len(in.Inspectors) == 0 && len(in.Assignments) == 0 {
		return roundPlan{}, errs.Required("inspectors", "inspectors are required: who scores the sites")
	}
	lists, err := a.DB.CurrentChecklists(ctx, std.Code)
	if err != nil {
		return roundPlan{}, err
	}
	inspectors, everyone, err := a.inspectors(ctx, in)
	if err != nil {
		return roundPlan{}, err
	}
	sites, sample, err := a.roundSites(ctx, actor, in)
	if err != nil {
		return roundPlan{}, err
	}
	// Each site: its checklist version and its inspector.
	plans := make([]sitePlan, len(sites))
	turn := 0
	for i, s := range sites {
		k := slices.IndexFunc(lists, func(c store.ChecklistVersion) bool { return c.SiteType == s.SiteType })
		if k < 0 {
			return roundPlan{}, errs.RefuseCoded(errs.Invalid, "no_checklist", errs.Params{"standard": std.Code, "site_type": s.SiteType},
				"standard %s has no checklist for sites of type %s", std.Code, s.SiteType)
		}
		who := in.Assignments[s.Code]
		if who == "" {
			for range inspectors {
				u := inspectors[turn%len(inspectors)]
				turn++
				if covers(u, s.RegionPath) {
					who = u.Username
					break
				}
			}
		}
		u, ok := inspectorNamed(everyone, who)
		switch {
		case who == "":
			return roundPlan{}, errs.RefuseCoded(errs.Invalid, "no_inspector", errs.Params{"site": s.Code}, "no inspector given covers site %s", s.Code)
		case !ok:
			return roundPlan{}, errs.RefuseCoded(errs.Invalid, "not_inspector", errs.Params{"username": who}, "%s is not an inspector", who)
		case !covers(u, s.RegionPath):
			return roundPlan{}, errs.RefuseCoded(errs.Invalid, "inspector_out_of_scope", errs.Params{"username": who, "site": s.Code},
				"site %s lies outside inspector %s's scope", s.Code, who)
		}
		plans[i] = sitePlan{site: s, checklist: lists[k].ID, inspector: who}
	}
	for code := range in.Assignments {
		if !slices.ContainsFunc(sites, func(s store.Site) bool { return s.Code == code }) {
			return roundPlan{}, errs.RefuseCoded(errs.Invalid, "not_in_round", errs.Params{"site": code}, "assignments: site %s is not in the round", code)
		}
	}
	return roundPlan{in: in, std: std, sample: sample, plans: plans}, nil
}

// inspectors reads the round's inspectors, each an enabled inspector: those who take turns
// (Inspectors) and all of them, with those assigned by name.
func (a *Service) inspectors(ctx context.Context, in NewRound) (turns, all []access.User, err error) {
	names := slices.Clone(in.Inspectors)
	for _, u := range in.Assignments {
		names = append(names, u)
	}
	slices.Sort(names[len(in.Inspectors):]) // map order is random; the refusals should not be
	for _, name := range names {
		if slices.ContainsFunc(all, func(u access.User) bool { return u.Username == name }) {
			continue
		}
		u, _, err := a.DB.UserByUsername(ctx, name)
		if errs.Is(err, errs.NotFound) || (err == nil && (u.Role != access.Inspector || u.Disabled)) {
			return nil, nil, errs.RefuseCoded(errs.Invalid, "not_inspector", errs.Params{"username": name}, "%s is not an inspector", name)
		} else if err != nil {
			return nil, nil, err
		}
		all = append(all, u)
		if slices.Contains(in.Inspectors, name) {
			turns = append(turns, u)
		}
	}
	return turns, all, nil
}

func inspectorNamed(us []access.User, name string) (access.User, bool) {
	for _, u := range us {
		if u.Username == name {
			return u, true
		}
	}
	return access.User{}, false
}

// covers reports whether a user's region scope covers a path.
func covers(u access.User, path []string) bool {
	return (&access.Principal{User: u}).Covers(path)
}

// roundSites returns the round's sites: drawn by the sample, or the hand-picked ones. It
// returns the sample as kept with the round (with the seed chosen when none was given).
func (a *Service) roundSites(ctx context.Context, actor *access.Principal, in NewRound) ([]store.Site, json.RawMessage, error) {
	inRound := func(s store.Site) bool {
		return actor.Covers(s.RegionPath) && (in.Region == "" || slices.Contains(s.RegionPath, in.Region))
	}
	if in.Sample == nil {
		var out []store.Site
		for i, code := range in.Sites {
			s, err := a.DB.SiteByCode(ctx, code)
			if errs.Is(err, errs.NotFound) || (err == nil && !inRound(s)) {
				return nil, nil, errs.RefuseCoded(errs.Invalid, "no_site", errs.Params{"site": code}, "sites: no site %q in the round's region", code)
			} else if err != nil {
				return nil, nil, err
			}
			if slices.Contains(in.Sites[:i], code) {
				return nil, nil, errs.RefuseCoded(errs.Invalid, "site_twice", errs.Params{"site": code}, "sites: %s is named twice", code)
			}
			out = append(out, s)
		}
		return out, nil, nil
	}
	smp := *in.Sample
	if len(smp.Strata) == 0 {
		return nil, nil, errs.Required("sample.strata", "sample.strata is required: which sites to draw")
	}
	if smp.Seed == nil {
		seed := uint64(a.Now().UnixNano())
		smp.Seed = &seed
	}
	byCode := map[string]store.Site{}
	var cands []assess.Candidate
	for i, st := range smp.Strata {
		p := errs.Params{"stratum": i + 1, "region": st.Region}
		if st.Region == "" {
			return nil, nil, errs.Required("region", "stratum %d: region is required", i+1)
		}
		path, err := a.DB.RegionPath(ctx, st.Region)
		if errs.Is(err, errs.NotFound) {
			return nil, nil, errs.Refuse(errs.Invalid, "no_region", p, "stratum %d: region %s does not exist", i+1, st.Region)
		} else if err != nil {
			return nil, nil, err
		}
		codes := make([]string, len(path))
		for j, r := range path {
			codes[j] = r.Code
		}
		if !actor.Covers(codes) || (in.Region != "" && !slices.Contains(codes, in.Region)) {
			return nil, nil, errs.Refuse(errs.Forbidden, "outside_scope", p, "stratum %d: region %s is outside the round's region", i+1, st.Region)
		}
		sites, err := a.DB.Sites(ctx, store.SiteFilter{SiteType: st.SiteType, Region: st.Region})
		if err != nil {
			return nil, nil, err
		}
		for _, s := range sites {
			if _, ok := byCode[s.Code]; !ok && inRound(s) {
				byCode[s.Code] = s
				cands = append(cands, assess.Candidate{Code: s.Code, SiteType: s.SiteType, Path: s.RegionPath})
			}
		}
	}
	codes, err := assess.Sample(*smp.Seed, smp.Strata, cands)
	if err != nil {
		return nil, nil, err
	}
	out := make([]store.Site, len(codes))
	for i, c := range codes {
		out[i] = byCode[c]
	}
	kept, _ := json.Marshal(smp)
	return out, kept, nil
}

// RoundView is a round with each inspection's state.
type RoundView struct {
	store.Round
	StandardName string             `json:"standard_name"`
	Inspections  []store.Inspection `json:"inspections"`
	Counts       map[string]int     `json:"counts"` // inspections by status, and failed items, cases
}

// Round returns a round with its inspections, to those who may see it: organizers and
// inspectors whose scope covers its region, and its own inspectors.
func (a *Service) Round(ctx context.Context, actor *access.Principal, id int64) (RoundView, error) {
	if err := mayAssess(actor); err != nil {
		return RoundView{}, err
	}
	r, err := a.DB.Round(ctx, id)
	if err != nil {
		return RoundView{}, err
	}
	ins, err := a.DB.RoundInspections(ctx, id)
	if err != nil {
		return RoundView{}, err
	}
	if ok, err := a.maySeeRound(ctx, actor, r, ins); err != nil {
		return RoundView{}, err
	} else if !ok {
		return RoundView{}, errs.Refuse(errs.NotFound, "round_not_found", nil, "no round %d", id)
	}
	v := RoundView{Round: r, Inspections: ins, Counts: map[string]int{store.InspectionOpen: 0, store.InspectionSubmitted: 0, "failed_items": 0}}
	if std, err := a.DB.Standard(ctx, r.Standard); err == nil {
		v.StandardName = std.Name
	}
	for _, x := range ins {
		v.Counts[x.Status]++
		v.Counts["failed_items"] += x.Failed
	}
	return v, nil
}

func (a *Service) maySeeRound(ctx context.Context, actor *access.Principal, r store.Round, ins []store.Inspection) (bool, error) {
	if slices.ContainsFunc(ins, func(x store.Inspection) bool { return !actor.System && x.Inspector == actor.User.Username }) {
		return true, nil
	}
	return a.CoversRegion(ctx, actor, r.Region)
}

// RoundSummary is a round in a list.
type RoundSummary struct {
	store.Round
	Sites     int `json:"sites"`
	Submitted int `json:"submitted"`
}

// Rounds lists the newest rounds the actor may see.
func (a *Service) Rounds(ctx context.Context, actor *access.Principal) ([]RoundSummary, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	rs, err := a.DB.Rounds(ctx, 200)
	if err != nil {
		return nil, err
	}
	out := []RoundSummary{}
	for _, r := range rs {
		ins, err := a.DB.RoundInspections(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if ok, err := a.maySeeRound(ctx, actor, r, ins); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		s := RoundSummary{Round: r, Sites: len(ins)}
		for _, x := range ins {
			if x.Status == store.InspectionSubmitted {
				s.Submitted++
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(x, y RoundSummary) int { return cmp.Compare(y.ID, x.ID) })
	return out, nil
}
