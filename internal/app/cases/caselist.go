package cases

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// CaseFilter selects the cases of a list (see store.CaseFilter); callers outside app name it
// here, so transports need not reach into storage.
type CaseFilter = store.CaseFilter

// CaseEvent is one line of a case's timeline.
type CaseEvent = store.CaseEvent

// CaseSummary is a case as a list shows it.
type CaseSummary struct {
	ID           int64            `json:"id"`
	Ticket       string           `json:"ticket"`
	Status       workflow.Status  `json:"status"`
	Source       string           `json:"source"`
	CategoryKind string           `json:"category_kind"`
	Category     string           `json:"category"`
	CategoryName string           `json:"category_name"`
	Description  string           `json:"description"`
	Grid         string           `json:"grid"`
	Holder       workflow.Holder  `json:"holder"`
	Department   string           `json:"department"`
	Urgency      workflow.Urgency `json:"urgency"`
	HandleDue    *time.Time       `json:"handle_due,omitempty"`
	// Due is the earliest deadline of the stages the case is running (accept, dispatch, sign,
	// handle, verify) and Light their worst light; both absent when no clock runs.
	Due       *time.Time        `json:"due,omitempty"`
	Light     worktime.Light    `json:"light,omitempty"`
	Counters  workflow.Counters `json:"counters"`
	CreatedAt time.Time         `json:"created_at"`
	// Urged counts the urgings (督办) and UrgedAt is the last one's time, absent when never.
	Urged   int        `json:"urged"`
	UrgedAt *time.Time `json:"urged_at,omitempty"`
	// Version is the case's, for an action taken from the list (optimistic concurrency).
	Version int `json:"version"`
	// The names of the case's subdistrict (街道) and community (社区) and of its lead department,
	// for lists that people read.
	SubdistrictName string `json:"subdistrict_name,omitempty"`
	CommunityName   string `json:"community_name,omitempty"`
	DepartmentName  string `json:"department_name,omitempty"`
	// Pending is what waits on the centre besides the case itself: an extension asked, a
	// return by the department, a suspension; absent when nothing does.
	Pending *Pending `json:"pending,omitempty"`
}

// The kinds of Pending.
const (
	PendingExtension  = "extension"  // a department asked for more time (申请延期), not yet decided
	PendingReturn     = "return"     // the department sent the case back (回退): it waits to be dispatched again
	PendingSuspension = "suspension" // the case is suspended (挂账): why
)

// Pending is a request on a case, or the turn that left it waiting, as a list shows it: what
// was asked and why, by whom, and what the viewer may decide about it now.
type Pending struct {
	Kind       string    `json:"kind"`
	Hours      int       `json:"hours,omitempty"` // an extension's working hours asked
	Reason     string    `json:"reason,omitempty"`
	By         string    `json:"by,omitempty"`         // who asked (a username)
	Department string    `json:"department,omitempty"` // the department that asked or returned it
	At         time.Time `json:"at,omitzero"`
	// Actions are the decisions the viewer may take on it from the list: approve_extension and
	// deny_extension, when the workflow allows the viewer them.
	Actions []workflow.Action `json:"actions,omitempty"`
}

// CasePage is one page of a list and the cursors of the pages either side ("" where there is
// none): next for the page after (cursor=), prev for the page before (before=).
type CasePage struct {
	Cases []CaseSummary `json:"cases"`
	Next  string        `json:"next"`
	Prev  string        `json:"prev"`
}

// ListCases lists the cases a viewer may see, filtered: staff within their scope (grid workers
// also their member grids), handlers their department's cases, residents their own reports.
func (a *Service) ListCases(ctx context.Context, actor *access.Principal, f store.CaseFilter) (CasePage, error) {
	if actor == nil {
		return CasePage{}, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	f.Now = a.Now()
	if err := a.scopeFilter(actor, &f); err != nil {
		return CasePage{}, err
	}
	recs, err := a.DB.ListCasePage(ctx, f)
	if err != nil {
		return CasePage{}, err
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return CasePage{}, err
	}
	depts, err := a.RefDepartments(ctx)
	if err != nil {
		return CasePage{}, err
	}
	deptNames := make(map[string]string, len(depts))
	for _, d := range depts {
		deptNames[d.Code] = d.Name
	}
	page := CasePage{Cases: make([]CaseSummary, 0, len(recs.Cases)), Next: recs.Next, Prev: recs.Prev}
	for _, r := range recs.Cases {
		s := r.State
		sum := CaseSummary{ID: r.ID, Ticket: r.Ticket, Status: s.Status, Source: r.Source, CategoryKind: string(s.Kind),
			Category: s.Category, CategoryName: cats[string(s.Kind)+":"+s.Category].Name, Description: shorten(r.Description, 120),
			Grid: s.Grid(), Holder: s.Holder, Department: s.Department, Urgency: s.Urgency, Counters: s.Counters, CreatedAt: r.CreatedAt,
			Version: s.Version, DepartmentName: deptNames[s.Department]}
		if !s.HandleDue.IsZero() {
			due := s.HandleDue
			sum.HandleDue = &due
		}
		if !r.LightDue.IsZero() {
			due := r.LightDue
			sum.Due, sum.Light = &due, r.Light(f.Now)
		}
		if sum.Urged = s.Counters.Urges; !s.UrgedAt.IsZero() {
			at := s.UrgedAt
			sum.UrgedAt = &at
		}
		// Names from the locate index, which holds every current region: no query.
		if path, err := a.PathOf(ctx, sum.Grid); err == nil {
			for _, ref := range path {
				switch ref.Level {
				case grid.Subdistrict:
					sum.SubdistrictName = ref.Name
				case grid.Community:
					sum.CommunityName = ref.Name
				}
			}
		}
		page.Cases = append(page.Cases, sum)
	}
	if err := a.pending(ctx, actor, recs.Cases, page.Cases); err != nil {
		return CasePage{}, err
	}
	return page, nil
}

// pending fills in what waits on the listed cases besides themselves (Pending), from the
// latest timeline event that asked it: one query for the page.
func (a *Service) pending(ctx context.Context, actor *access.Principal, recs []store.CaseRecord, sums []CaseSummary) error {
	kinds := map[int64]string{}
	var ids []int64
	for _, r := range recs {
		s := r.State
		switch {
		case s.ExtensionAsked > 0:
			kinds[r.ID] = PendingExtension
		case s.Status == workflow.Registered && s.Counters.Returns > 0:
			// Back at the centre after a dispatch: only a return brings a case there.
			kinds[r.ID] = PendingReturn
		case s.Status == workflow.Suspended:
			kinds[r.ID] = PendingSuspension
		default:
			continue
		}
		ids = append(ids, r.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	action := map[string]workflow.Action{PendingExtension: workflow.RequestExtension, PendingReturn: workflow.Return, PendingSuspension: workflow.Suspend}
	events, err := a.DB.LatestEvents(ctx, ids, []string{string(workflow.RequestExtension), string(workflow.Return), string(workflow.Suspend)})
	if err != nil {
		return err
	}
	for i, r := range recs {
		kind, ok := kinds[r.ID]
		if !ok {
			continue
		}
		p := &Pending{Kind: kind}
		if e, ok := events[r.ID][string(action[kind])]; ok {
			var in workflow.Input
			_ = json.Unmarshal([]byte(e.Input), &in) // an unreadable input leaves the reason out, no more
			var params struct {
				Department string `json:"department"`
			}
			_ = json.Unmarshal(e.Params, &params)
			p.Reason, p.By, p.At, p.Department = kernel.FirstNonBlank(in.Reason, in.Note), e.Actor, e.At, params.Department
		}
		if kind == PendingExtension {
			p.Hours, p.Department = r.State.ExtensionAsked, r.State.Department
			for _, d := range workflow.Allowed(r.State, actor) {
				if d == workflow.ApproveExtension || d == workflow.DenyExtension {
					p.Actions = append(p.Actions, d)
				}
			}
		}
		sums[i].Pending = p
	}
	return nil
}

// CaseCounts are a list's sizes over all its pages: how many cases it holds, and how many of
// them show each light whatever light the list is narrowed to.
type CaseCounts struct {
	Total  int64             `json:"total"`
	Lights store.LightCounts `json:"lights"`
}

// CountCases counts the cases a list selects, filtered and scoped as ListCases lists them.
func (a *Service) CountCases(ctx context.Context, actor *access.Principal, f store.CaseFilter) (CaseCounts, error) {
	if actor == nil {
		return CaseCounts{}, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	f.Now = a.Now()
	if err := a.scopeFilter(actor, &f); err != nil {
		return CaseCounts{}, err
	}
	total, err := a.DB.CountCases(ctx, f)
	if err != nil {
		return CaseCounts{}, err
	}
	lights, err := a.DB.CountLights(ctx, f)
	if err != nil {
		return CaseCounts{}, err
	}
	return CaseCounts{Total: total, Lights: lights}, nil
}

// ScopeFilter narrows a filter to what the actor may see exactly as ListCases does, refusing
// regions outside its scope: for the other readers of the same list, such as exports.
func (a *Service) ScopeFilter(actor *access.Principal, f *CaseFilter) error {
	if actor == nil {
		return errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	return a.scopeFilter(actor, f)
}

// scopeFilter narrows a filter to what the actor may see, refusing regions outside its scope.
func (a *Service) scopeFilter(p *access.Principal, f *store.CaseFilter) error {
	switch {
	case p.System || (p.User.Role == access.Admin && p.User.Scope == ""):
		return nil
	case p.User.Role == access.Resident:
		f.Reporter = p.User.Username
		return nil
	case p.User.Role == access.Handler:
		if f.Department != "" && f.Department != p.User.Department {
			return errs.Refuse(errs.Forbidden, "own_department_only", nil, "you see your own department's cases only")
		}
		// A co-department's handlers see the cases they hold a part of (联办) beside their own.
		f.Department, f.PartDepartment = p.User.Department, p.User.Department
		return nil
	}
	scope := append([]string{}, p.Grids...)
	if p.User.Scope != "" {
		scope = append(scope, p.User.Scope)
	}
	if len(scope) == 0 {
		return errs.Refuse(errs.Forbidden, "no_scope", nil, "you have no region scope")
	}
	if len(f.Regions) == 0 {
		f.Regions = scope
		return nil
	}
	for _, r := range f.Regions {
		inside := false
		for _, s := range scope {
			inside = inside || strings.HasPrefix(r, s)
		}
		if !inside {
			return errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"region": r}, "region %s is outside your scope", r)
		}
	}
	return nil
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
