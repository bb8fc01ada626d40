package cases

import (
	"context"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
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
}

// CasePage is one page of a list and the cursor of the next ("" at the end).
type CasePage struct {
	Cases []CaseSummary `json:"cases"`
	Next  string        `json:"next"`
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
	recs, next, err := a.DB.ListCases(ctx, f)
	if err != nil {
		return CasePage{}, err
	}
	cats, err := a.DB.Categories(ctx, false)
	if err != nil {
		return CasePage{}, err
	}
	names := map[string]string{}
	for _, c := range cats {
		names[string(c.Kind)+":"+c.Code] = c.Name
	}
	page := CasePage{Cases: make([]CaseSummary, 0, len(recs)), Next: next}
	for _, r := range recs {
		s := r.State
		sum := CaseSummary{ID: r.ID, Ticket: r.Ticket, Status: s.Status, Source: r.Source, CategoryKind: string(s.Kind),
			Category: s.Category, CategoryName: names[string(s.Kind)+":"+s.Category], Description: shorten(r.Description, 120),
			Grid: s.Grid(), Holder: s.Holder, Department: s.Department, Urgency: s.Urgency, Counters: s.Counters, CreatedAt: r.CreatedAt}
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
		page.Cases = append(page.Cases, sum)
	}
	return page, nil
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
