package cases

import (
	"context"
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// ActionChoice is an action a viewer's role takes on cases, and whether it may be taken on this
// case now; when not, Why says what stands in the way (scope, state, a pending step).
type ActionChoice struct {
	Action  workflow.Action `json:"action"`
	Allowed bool            `json:"allowed"`
	Why     string          `json:"why,omitempty"`
	Code    string          `json:"code,omitempty"` // the refusal's wire code: forbidden, wrong_state, already_rated …
	// Reason and Params are the refusal as data (errs.Error's), for pages in the reader's language.
	Reason string      `json:"reason,omitempty"`
	Params errs.Params `json:"params,omitempty"`
}

// ActionChoices lists, for a case the viewer may see, every action of the viewer's role: those
// it may take now, and those it may not with the reason, so that pages can offer the first
// and explain the second. Creating actions (report, self_handle) are not listed.
func (a *Service) ActionChoices(ctx context.Context, viewer *access.Principal, id int64) ([]ActionChoice, error) {
	rec, err := a.DB.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.canSee(viewer, rec) {
		return nil, errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)
	}
	allowed := workflow.Allowed(rec.State, viewer)
	// A stand-in with the viewer's role whose scope and department cover this case: the
	// actions it may take are the ones the viewer's role takes at all.
	// A co-department's handler stands as itself: its role here is its part (联办), not the
	// lead's steps.
	var stand *access.Principal
	co := viewer != nil && !viewer.System && viewer.User.Role == access.Handler && viewer.User.Department != rec.State.Department &&
		slices.Contains(rec.State.CoDepartments, viewer.User.Department)
	if viewer != nil {
		s := *viewer
		s.User.Scope, s.User.Department, s.Grids = "", rec.State.Department, rec.State.RegionPath
		if co {
			s.User.Department = viewer.User.Department
		}
		stand = &s
	}
	var out []ActionChoice
	for _, act := range workflow.Actions {
		if act == workflow.Report || act == workflow.SelfHandle {
			continue
		}
		if slices.Contains(allowed, act) {
			if act == workflow.Reopen {
				// Allowed cannot see the clock: past its days a reopen is too late.
				if _, err := workflow.Decide(rec.State, viewer, act, workflow.Input{Reason: "-"}, a.Now()); errs.Is(err, errs.Conflict) {
					out = append(out, refusedChoice(act, err))
					continue
				}
			}
			out = append(out, ActionChoice{Action: act, Allowed: true})
			continue
		}
		if (act == workflow.AcceptPart || act == workflow.ReportPart) && !co {
			continue // the lead reports for a part when it may; a page need not explain when it may not
		}
		if _, err := workflow.Decide(rec.State, stand, act, workflow.Input{}, a.Now()); errs.Is(err, errs.Forbidden) {
			continue // not this role's action
		}
		_, err := workflow.Decide(rec.State, viewer, act, workflow.Input{}, a.Now())
		if err == nil || errs.Is(err, errs.Invalid) {
			continue // Allowed would have listed it; only the input is missing
		}
		out = append(out, refusedChoice(act, err))
	}
	return out, nil
}

// refusedChoice is an action the viewer may not take now, with the refusal.
func refusedChoice(act workflow.Action, err error) ActionChoice {
	code, why := errs.Public(err)
	reason, params := errs.Detail(err)
	return ActionChoice{Action: act, Why: why, Code: code, Reason: reason, Params: params}
}
