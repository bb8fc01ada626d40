package cases

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PublicCase is what anyone holding a ticket may see of a case: where it stands and how it got
// there, without people (reporter, contacts, actors), notes or the exact place.
type PublicCase struct {
	Ticket       string            `json:"ticket"`
	Status       workflow.Status   `json:"status"`
	CategoryKind string            `json:"category_kind"`
	Category     string            `json:"category"`
	CategoryName string            `json:"category_name"`
	Grid         grid.Ref          `json:"grid"`
	ClosureType  string            `json:"closure_type,omitempty"`
	Rating       int               `json:"rating,omitempty"`
	Supports     int               `json:"supports"`
	Timeline     []PublicCaseEvent `json:"timeline"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	// MergedFrom is the ticket asked for when it is a report merged into this case as a
	// duplicate: its reporter follows this case under their own ticket.
	MergedFrom string            `json:"merged_from,omitempty"`
	Allowed    []workflow.Action `json:"-"` // what the viewer may do (support, rate)
	id         int64
}

// ID is the case's internal id, for the viewer's own actions (support, rate); it is not shown.
func (c PublicCase) ID() int64 { return c.id }

// PublicCaseEvent is one step of a case's public timeline: when it moved and to what.
type PublicCaseEvent struct {
	At     time.Time       `json:"at"`
	Action workflow.Action `json:"action"`
	To     workflow.Status `json:"to"`
}

var ticketShape = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}$`)

// Track returns the public view of the case with a ticket. Everyone may track: the ticket is
// the reporter's receipt. Only steps that move the case show, so internal notes, comments,
// checks and who did what stay inside.
func (a *Service) Track(ctx context.Context, viewer *access.Principal, ticket string) (PublicCase, error) {
	if !ticketShape.MatchString(ticket) {
		return PublicCase{}, errs.E(errs.NotFound, "no case with ticket %q", ticket)
	}
	rec, err := a.DB.CaseByTicket(ctx, ticket)
	if err != nil {
		return PublicCase{}, err
	}
	if rec, err = a.followMerges(ctx, rec); err != nil {
		return PublicCase{}, err
	}
	s := rec.State
	cat, err := a.DB.Category(ctx, s.Kind, s.Category)
	if err != nil {
		return PublicCase{}, err
	}
	path, err := a.DB.RegionPath(ctx, s.Grid())
	if err != nil {
		return PublicCase{}, err
	}
	events, err := a.DB.CaseEvents(ctx, rec.ID)
	if err != nil {
		return PublicCase{}, err
	}
	out := PublicCase{Ticket: rec.Ticket, Status: s.Status, CategoryKind: string(s.Kind), Category: s.Category,
		CategoryName: cat.Name, Grid: grid.Refs(path)[len(path)-1], ClosureType: string(s.ClosureType), Rating: s.Rating,
		Supports: s.Counters.Supports, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, Timeline: []PublicCaseEvent{}, id: rec.ID}
	if rec.Ticket != ticket {
		out.MergedFrom = ticket
	}
	for _, e := range events {
		if e.From != e.To || e.Action == string(workflow.Report) {
			out.Timeline = append(out.Timeline, PublicCaseEvent{At: e.At, Action: workflow.Action(e.Action), To: workflow.Status(e.To)})
		}
	}
	for _, act := range workflow.Allowed(s, viewer) {
		if act == workflow.Support || act == workflow.Rate {
			out.Allowed = append(out.Allowed, act)
		}
	}
	if viewer == nil && !s.Status.Terminal() && !slices.Contains(out.Allowed, workflow.Support) {
		out.Allowed = append(out.Allowed, workflow.Support)
	}
	return out, nil
}

// mergeHops bounds how far tracking follows merges: an original merged on into a third case
// is followed, but never around a loop (merging needs an open original, so none can form).
const mergeHops = 4

// followMerges returns the case a report rejected as a duplicate was merged into (and on, if
// that one was merged in turn), or rec itself.
func (a *Service) followMerges(ctx context.Context, rec store.CaseRecord) (store.CaseRecord, error) {
	for range mergeHops {
		if rec.State.Status != workflow.Rejected || rec.State.MergedInto == "" {
			break
		}
		next, err := a.DB.CaseByTicket(ctx, rec.State.MergedInto)
		if errs.Is(err, errs.NotFound) {
			break // nothing to follow: the report is all there is
		} else if err != nil {
			return store.CaseRecord{}, err
		}
		rec = next
	}
	return rec, nil
}
