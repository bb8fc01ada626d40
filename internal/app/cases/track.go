package cases

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
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

// Track returns the public view of the case with a ticket. Everyone may track a case of a
// public category: the ticket is the reporter's receipt. Cases of other categories are not
// there, as in Open311, except for those who may see them anyway. Only steps that move the
// case show, so internal notes, comments, checks and who did what stay inside.
//
// Tickets are a day and a sequence, easy to walk: anyone but signed-in staff may look up
// Opts.TrackLimit tickets per Opts.TrackWindow from one address (addr), and a refusal never
// says more than that there is no such case.
func (a *Service) Track(ctx context.Context, viewer *access.Principal, ticket, addr string) (PublicCase, error) {
	if !kernel.IsStaff(viewer) {
		now := a.Now()
		n, err := a.DB.CountAttempt(ctx, "track:"+addr, now.Add(-a.Opts.TrackWindow), now)
		if err != nil {
			return PublicCase{}, err
		}
		if n > a.Opts.TrackLimit {
			return PublicCase{}, errs.Throttled(a.Opts.TrackWindow, "too many tickets looked up from your address; try again in %d minutes", int(a.Opts.TrackWindow.Minutes()))
		}
	}
	notFound := errs.Refuse(errs.NotFound, "case_not_found", nil, "no case with that ticket")
	if !ticketShape.MatchString(ticket) {
		return PublicCase{}, notFound
	}
	rec, err := a.DB.CaseByTicket(ctx, ticket)
	if errs.Is(err, errs.NotFound) {
		return PublicCase{}, notFound
	} else if err != nil {
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
	if !cat.Public && !a.canSee(viewer, rec) {
		return PublicCase{}, notFound
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
		if publicStep(e) {
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

// publicStep tells the timeline events the public hears of: the report and every step that
// moves the case; never staff's comments, checks or extension talk.
func publicStep(e store.CaseEvent) bool {
	return e.From != e.To || e.Action == string(workflow.Report)
}

// publicTimeline is a case's timeline as its reporter (a resident) sees it: their own events
// as they are, and the public steps without who took them (staff usernames stay inside) and
// with only what is said to the reporter: a handling's result and its photos, a rejection's
// reason. Notes, checks and comments of staff are left out.
func publicTimeline(events []store.CaseEvent, viewer *access.Principal) []store.CaseEvent {
	out := make([]store.CaseEvent, 0, len(events))
	for _, e := range events {
		if e.Actor == viewer.Name() { // an anonymous reporter's own report, too
			out = append(out, e)
			continue
		}
		if !publicStep(e) {
			continue
		}
		var in workflow.Input
		_ = json.Unmarshal([]byte(e.Input), &in) // old events may carry no input
		var told workflow.Input
		switch workflow.Action(e.Action) {
		case workflow.Handle, workflow.SelfHandle:
			told.Result, told.Photos = in.Result, in.Photos
			e.Note = in.Result
		case workflow.Reject:
			told.Reason, told.RejectReason = in.Reason, in.RejectReason
			e.Note = in.Reason
		default:
			e.Note = ""
		}
		input, _ := json.Marshal(told)
		e.Actor, e.Input = "", string(input)
		out = append(out, e)
	}
	return out
}
