package cases

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// MaxUrgeBatch bounds the cases one bulk urging names: a page of a list.
const MaxUrgeBatch = 200

// UrgeBatch is a bulk urging (督办) as the API takes it: the cases by id or ticket, and the
// note every holder reads.
type UrgeBatch struct {
	IDs     []int64  `json:"ids"`
	Tickets []string `json:"tickets"`
	Note    string   `json:"note"`
}

// UrgeOutcome is what became of one case of a bulk urging: urged (with its count of urgings
// now), or refused with Err, as the case's own action would have been.
type UrgeOutcome struct {
	ID     int64  `json:"id,omitempty"`
	Ticket string `json:"ticket,omitempty"`
	Urged  bool   `json:"urged"`
	Urges  int    `json:"urges,omitempty"`
	Err    error  `json:"-"`
}

// UrgeMany urges each case named, each in a transaction of its own through the same step as
// any action (role, scope, state, timeline, audit, notices, evaluation), and says per case what
// became of it: one case out of scope or closed refuses that case, not the batch. The batch is
// refused whole only for what no case can change: the caller may not urge at all (forbidden),
// names no case or too many, or writes too long a note (invalid). A case named twice is urged
// once. An error no refusal explains ends the batch, the cases before it urged.
func (a *Service) UrgeMany(ctx context.Context, actor *access.Principal, in UrgeBatch) ([]UrgeOutcome, error) {
	switch {
	case actor == nil:
		return nil, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in to urge cases")
	case !actor.System && !slices.Contains(workflow.Urgers, actor.User.Role):
		return nil, errs.Refuse(errs.Forbidden, workflow.ReasonRole, errs.Params{"role": string(actor.User.Role), "action": string(workflow.Urge)},
			"a %s may not urge cases", actor.User.Role)
	}
	n := len(in.IDs) + len(in.Tickets)
	if n == 0 {
		return nil, errs.Required("ids", "name the cases to urge: ids or tickets")
	}
	if n > MaxUrgeBatch {
		return nil, errs.Refuse(errs.Invalid, "too_many_cases", errs.Params{"max": MaxUrgeBatch}, "%d cases named; urge at most %d at once", n, MaxUrgeBatch)
	}
	if l := utf8.RuneCountInString(strings.TrimSpace(in.Note)); l > workflow.MaxUrgeNote {
		return nil, errs.Refuse(errs.Invalid, workflow.ReasonTooLong, errs.Params{"field": "note", "max": workflow.MaxUrgeNote, "length": l},
			"note has %d characters; an urging's note has at most %d", l, workflow.MaxUrgeNote)
	}
	out := make([]UrgeOutcome, 0, n)
	seen := map[int64]bool{}
	urge := func(o UrgeOutcome) error {
		if seen[o.ID] {
			return nil
		}
		seen[o.ID] = true
		rec, err := a.step(ctx, actor, o.ID, string(workflow.Urge), nil, workflow.Input{Note: in.Note})
		switch {
		case err == nil:
			o.Ticket, o.Urged, o.Urges = rec.Ticket, true, rec.State.Counters.Urges
		case errs.KindOf(err) == errs.Internal:
			return err
		default:
			o.Err = err
		}
		out = append(out, o)
		return nil
	}
	for _, id := range in.IDs {
		if id <= 0 {
			out = append(out, UrgeOutcome{ID: id, Err: errs.Refuse(errs.NotFound, "case_not_found", nil, "case %d not found", id)})
			continue
		}
		if err := urge(UrgeOutcome{ID: id}); err != nil {
			return out, err
		}
	}
	for _, t := range in.Tickets {
		rec, err := a.DB.CaseByTicket(ctx, strings.TrimSpace(t))
		if errs.Is(err, errs.NotFound) || (err == nil && !a.canSee(actor, rec)) { // one answer: existence stays private
			out = append(out, UrgeOutcome{Ticket: t, Err: errs.Refuse(errs.NotFound, "case_not_found", nil, "case %s not found", t)})
			continue
		} else if err != nil {
			return out, err
		}
		if err := urge(UrgeOutcome{ID: rec.ID, Ticket: t}); err != nil {
			return out, err
		}
	}
	return out, nil
}
