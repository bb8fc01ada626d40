package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// CaseNames names what a case view holds by code, for people to read: the holder, its
// departments, the grid workers of a grid that holds it and the people on its timeline.
type CaseNames struct {
	// Holder is the holding department's name, the holding centre's region's, or the name of
	// the grid whose workers hold the case.
	Holder string `json:"holder"`
	// HolderPeople are the members of the grid that holds the case (staff only): who is to go.
	HolderPeople  []Person `json:"holder_people,omitempty"`
	Department    string   `json:"department,omitempty"`
	CoDepartments []string `json:"co_departments,omitempty"`
	// People are the display names of the staff on the timeline, by username (for staff only;
	// residents keep their usernames): "jiefang.004.operator" says nothing to a leader.
	People map[string]string `json:"people,omitempty"`
}

// Person is a staff member as pages name them.
type Person struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Grid        string `json:"grid,omitempty"`      // the grid they are offered for, by code
	GridName    string `json:"grid_name,omitempty"` // and by name
}

// Name is the person's display name, else their username.
func (p Person) Name() string {
	if strings.TrimSpace(p.DisplayName) != "" {
		return p.DisplayName
	}
	return p.Username
}

// caseNames names a case's codes for its viewer.
func (a *Service) caseNames(ctx context.Context, viewer *access.Principal, v CaseView) (*CaseNames, error) {
	depts, err := a.RefDepartments(ctx)
	if err != nil {
		return nil, err
	}
	dept := func(code string) string {
		if i := slices.IndexFunc(depts, func(d workflow.Department) bool { return d.Code == code }); i >= 0 && depts[i].Name != "" {
			return depts[i].Name
		}
		return code
	}
	region := func(code string) string {
		for _, r := range v.RegionPath {
			if r.Code == code && r.Name != "" {
				return r.Name
			}
		}
		return code
	}
	n := &CaseNames{Department: dept(v.Department)}
	if v.Department == "" {
		n.Department = ""
	}
	for _, d := range v.CoDepartments {
		n.CoDepartments = append(n.CoDepartments, dept(d))
	}
	switch v.Holder.Kind {
	case workflow.HolderDepartment:
		n.Holder = dept(v.Holder.Code)
	case workflow.HolderCentre, workflow.HolderGridWorker:
		n.Holder = region(v.Holder.Code)
	}
	if !kernel.IsStaff(viewer) {
		return n, nil
	}
	if v.Holder.Kind == workflow.HolderGridWorker {
		if n.HolderPeople, err = a.gridPeople(ctx, v.Holder.Code, ""); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, e := range v.Timeline {
		if e.Actor != "" && !strings.Contains(e.Actor, ":") && !slices.Contains(names, e.Actor) {
			names = append(names, e.Actor)
		}
	}
	if v.Reporter != "" && !slices.Contains(names, v.Reporter) {
		names = append(names, v.Reporter)
	}
	if n.People, err = a.DB.DisplayNames(ctx, names); err != nil {
		return nil, err
	}
	return n, nil
}

// gridPeople are a grid's members who may go there, leaders first, each with their display
// name; gridName names the grid for the offer.
func (a *Service) gridPeople(ctx context.Context, gridCode, gridName string) ([]Person, error) {
	members, err := a.DB.GridMembers(ctx, gridCode)
	if err != nil {
		return nil, err
	}
	var usernames []string
	for _, m := range members {
		usernames = append(usernames, m.Username)
	}
	users, err := a.DB.ActiveUsers(ctx, usernames)
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, m := range members { // the leader first, as GridMembers orders them
		if i := slices.IndexFunc(users, func(u access.User) bool { return u.Username == m.Username }); i >= 0 && users[i].Role == access.GridWorker {
			out = append(out, Person{Username: m.Username, DisplayName: users[i].DisplayName, Grid: gridCode, GridName: gridName})
		}
	}
	return out, nil
}

// Duplicate is an open case near a new report, of its category, reported before it: the
// report may be the same problem again (DESIGN §4, intake details).
type Duplicate struct {
	ID          int64           `json:"id"`
	Ticket      string          `json:"ticket"`
	Status      workflow.Status `json:"status"`
	DistanceM   float64         `json:"distance_m"`
	Description string          `json:"description"`
	Address     string          `json:"address"`
	Supports    int             `json:"supports"`
	CreatedAt   time.Time       `json:"created_at"`
}

// PossibleDuplicates lists the open cases a report awaiting acceptance may repeat: those the
// intake found (of its category, within the duplicate radius, reported in the window before
// it), for the staff who may see them. A case past acceptance, or a viewer who is not staff,
// gets none: merging is for the supervision centre before it registers.
func (a *Service) PossibleDuplicates(ctx context.Context, viewer *access.Principal, id int64) ([]Duplicate, error) {
	rec, err := a.DB.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.canSee(viewer, rec) {
		return nil, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
	}
	out := []Duplicate{}
	s := rec.State
	if !kernel.IsStaff(viewer) || s.Status != workflow.Reported {
		return out, nil
	}
	near, err := a.DB.NearbyOpenCases(ctx, s.Kind, s.Category, rec.Lon, rec.Lat, a.Opts.DuplicateRadiusM, rec.CreatedAt.Add(-a.Opts.DuplicateWindow))
	if err != nil {
		return nil, err
	}
	for _, n := range near {
		if n.ID >= rec.ID {
			continue // itself, or reported after it: that one is the repeat, not this
		}
		other, err := a.DB.Case(ctx, n.ID)
		if err != nil {
			return nil, err
		}
		if !a.canSee(viewer, other) {
			continue
		}
		out = append(out, Duplicate{ID: other.ID, Ticket: other.Ticket, Status: other.State.Status, DistanceM: n.DistanceM,
			Description: other.Description, Address: other.Address, Supports: other.State.Counters.Supports, CreatedAt: other.CreatedAt})
	}
	return out, nil
}

// CheckOffer is who an on-site check (核实) of a case would reach: the workers of its grid,
// or, when the grid has none, the grid workers of the same community who could go instead.
type CheckOffer struct {
	Grid      []Person `json:"grid"`
	Community []Person `json:"community"`
}

// CheckWorkers says who an on-site check of the case would reach, for those who may ask for
// one (the centre holding it).
func (a *Service) CheckWorkers(ctx context.Context, actor *access.Principal, id int64) (CheckOffer, error) {
	rec, err := a.DB.Case(ctx, id)
	if err != nil {
		return CheckOffer{}, err
	}
	if !a.canSee(actor, rec) {
		return CheckOffer{}, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
	}
	if !slices.Contains(workflow.Allowed(rec.State, actor), workflow.RequestCheck) {
		return CheckOffer{}, errs.Refuse(errs.Forbidden, "cannot_request_check", nil, "you may not ask for an on-site check of case %s now", rec.Ticket)
	}
	g := rec.State.Grid()
	offer := CheckOffer{Community: []Person{}}
	if offer.Grid, err = a.gridPeople(ctx, g, ""); err != nil {
		return CheckOffer{}, err
	}
	if len(offer.Grid) > 0 {
		return offer, nil
	}
	path := rec.State.RegionPath
	community := path[len(path)-2]
	grids, err := a.DB.RegionChildren(ctx, community, false)
	if err != nil {
		return CheckOffer{}, err
	}
	for _, other := range grids {
		if other.Code == g {
			continue
		}
		people, err := a.gridPeople(ctx, other.Code, other.Name)
		if err != nil {
			return CheckOffer{}, err
		}
		for _, p := range people {
			if !slices.ContainsFunc(offer.Community, func(q Person) bool { return q.Username == p.Username }) {
				offer.Community = append(offer.Community, p)
			}
		}
	}
	return offer, nil
}

// RequestCheckBy asks for an on-site check (核实) of a case whose grid has no worker, from a
// grid worker of the same community: the worker is made a member of the grid (代管: covering a
// vacant grid, as centres do) and the check is requested, in one transaction, both recorded.
// A grid that has a worker, or a worker from elsewhere, is refused: this is no way to move
// people between grids, which stays an admin's.
func (a *Service) RequestCheckBy(ctx context.Context, actor *access.Principal, id int64, version *int, worker string, in workflow.Input) (CaseView, error) {
	var rec store.CaseRecord
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		offer, err := a.CheckWorkers(ctx, actor, id)
		if err != nil {
			return err
		}
		if len(offer.Grid) > 0 {
			return errs.Refuse(errs.Conflict, "grid_has_worker", nil, "the case's grid has grid workers: send the check to them")
		}
		i := slices.IndexFunc(offer.Community, func(p Person) bool { return p.Username == worker })
		if i < 0 {
			return errs.Refuse(errs.Invalid, "not_community_worker", errs.Params{"value": worker}, "%q is no grid worker of the case's community", worker)
		}
		c, err := a.DB.Case(ctx, id)
		if err != nil {
			return err
		}
		u, _, err := a.DB.UserByUsername(ctx, worker)
		if err != nil {
			return err
		}
		g := c.State.Grid()
		if err := a.DB.PutGridMember(ctx, g, u.ID, "worker"); err != nil {
			return err
		}
		if err := a.Record(ctx, actor, "grid.member.cover", "region:"+g, nil,
			map[string]any{"username": worker, "role": "worker", "from_grid": offer.Community[i].Grid, "case": fmt.Sprintf("case:%d", id)}); err != nil {
			return err
		}
		rec, err = a.step(ctx, actor, id, string(workflow.RequestCheck), version, in)
		return err
	})
	if err != nil {
		return CaseView{}, err
	}
	return a.caseView(ctx, actor, rec)
}
