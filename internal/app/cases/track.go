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
// there, without people (reporter, contacts, actors), staff's notes or the exact place. What
// the public sees is what Open311 publishes of a case: its description and report photos, the
// department handling it, a handling's result and photos, a rejection's reason.
type PublicCase struct {
	Ticket       string            `json:"ticket"`
	Status       workflow.Status   `json:"status"`
	CategoryKind string            `json:"category_kind"`
	Category     string            `json:"category"`
	CategoryName string            `json:"category_name"`
	Description  string            `json:"description"`
	Photos       []string          `json:"photos"` // the report's photos (before)
	Grid         grid.Ref          `json:"grid"`
	Department   string            `json:"department,omitempty"` // the lead department's code, while it has the case
	ClosureType  string            `json:"closure_type,omitempty"`
	ClosedAt     time.Time         `json:"closed_at,omitzero"`
	Rating       int               `json:"rating,omitempty"`
	Supports     int               `json:"supports"`
	Expected     *Expected         `json:"expected,omitempty"` // the running stage's deadline
	Timeline     []PublicCaseEvent `json:"timeline"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	// RejectReason (invalid, duplicate, out_of_scope) and RejectNote (what the centre told
	// the reporter) say why a rejected case was not taken on; MergedInto is the ticket of the
	// case a duplicate joined when that case cannot be shown in its place.
	RejectReason string `json:"reject_reason,omitempty"`
	RejectNote   string `json:"reject_note,omitempty"`
	MergedInto   string `json:"merged_into,omitempty"`
	// MergedFrom is the ticket asked for when it is a report merged into this case as a
	// duplicate: its reporter follows this case under their own ticket.
	MergedFrom string `json:"merged_from,omitempty"`
	// Reporter says the viewer reported the case (signed in); NotSolvedUntil is, while they
	// may still say it is not solved (没有解决), the end of the time they have.
	Reporter       bool      `json:"-"`
	NotSolvedUntil time.Time `json:"-"`
	// RecentlyClosed says the case closed within the days its reporter may say it is not solved.
	RecentlyClosed bool              `json:"-"`
	Allowed        []workflow.Action `json:"-"` // what the viewer may do (support, rate, reopen)
	id             int64
}

// ID is the case's internal id, for the viewer's own actions (support, rate); it is not shown.
func (c PublicCase) ID() int64 { return c.id }

// Expected is when the stage a case is in should be done: its handling when a department has
// it, else the stage that runs (acceptance, dispatch, verification). Paused while the case is
// suspended (挂账), when no date holds.
type Expected struct {
	Stage   workflow.Stage `json:"stage"`
	Due     time.Time      `json:"due"`
	Overdue bool           `json:"overdue"`
	Paused  bool           `json:"paused"`
}

// PublicCaseEvent is one step of a case's public timeline: when it moved, to what and, as
// data for the reader's words, what happened (Code, with Params naming only departments,
// centres, a rejection's reason and the case a duplicate joined). Result and Photos are a
// handling's, told to the public as Open311 tells them; Reason is a rejection's. Note and
// OwnPhotos are the viewer's own words and photos (a reporter's "not solved"), shown to them
// alone.
type PublicCaseEvent struct {
	At        time.Time       `json:"at"`
	Action    workflow.Action `json:"action"`
	To        workflow.Status `json:"to"`
	Code      string          `json:"code,omitempty"`
	Params    errs.Params     `json:"params,omitempty"`
	Result    string          `json:"result,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Photos    []string        `json:"photos,omitempty"`
	Note      string          `json:"-"`
	OwnPhotos []string        `json:"-"`
}

// publicParams are the event params the public may read: who has the case (departments,
// centres) and why a report was not taken on; never grids (the staff's queue), people or hours.
var publicParams = []string{"department", "co_departments", "centre", "reject_reason", "merged_into"}

var ticketShape = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}$`)

// Track returns the public view of the case with a ticket. Everyone may track a case of a
// public category: the ticket is the reporter's receipt. Cases of other categories are not
// there, as in Open311, except for those who may see them anyway. Only steps that move the
// case show, so internal notes, comments, checks and who did what stay inside. The viewer's
// own actions are listed: "me too" for others, the reporter's rating, and within 7 days of
// closing the reporter's "not solved" (a reopen back to the centre).
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
		CategoryName: cat.Name, Description: rec.Description, Photos: rec.Photos, Grid: grid.Refs(path)[len(path)-1],
		Department: s.Department, ClosureType: string(s.ClosureType), ClosedAt: s.ClosedAt, Rating: s.Rating,
		Supports: s.Counters.Supports, RejectReason: s.RejectReason, MergedInto: s.MergedInto,
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, Timeline: []PublicCaseEvent{}, id: rec.ID,
		Reporter: viewer != nil && !viewer.System && s.Reporter != "" && s.Reporter == viewer.User.Username}
	if out.Photos == nil {
		out.Photos = []string{}
	}
	if rec.Ticket != ticket {
		out.MergedFrom = ticket
	}
	for _, e := range events {
		if publicStep(e) {
			out.Timeline = append(out.Timeline, publicEvent(e, viewer, out.Reporter))
		}
	}
	if s.Status == workflow.Rejected {
		for _, e := range slices.Backward(out.Timeline) {
			if e.Action == workflow.Reject {
				out.RejectNote = e.Reason
				break
			}
		}
	}
	out.RecentlyClosed = s.Status == workflow.Closed && !a.Now().After(s.ClosedAt.Add(workflow.ReopenWindow))
	if out.Expected, err = a.expected(ctx, rec); err != nil {
		return PublicCase{}, err
	}
	for _, act := range workflow.Allowed(s, viewer) {
		switch act {
		case workflow.Support:
			if !out.Reporter { // "me too" is for others who meet the reporter's problem
				out.Allowed = append(out.Allowed, act)
			}
		case workflow.Rate:
			out.Allowed = append(out.Allowed, act)
		case workflow.Reopen:
			// The reporter's "not solved", within its days; a leader reopens on the case page.
			if until := s.ClosedAt.Add(workflow.ReopenWindow); workflow.ReporterReopens(s, viewer) && !a.Now().After(until) {
				out.Allowed, out.NotSolvedUntil = append(out.Allowed, act), until
			}
		}
	}
	if viewer == nil && !s.Status.Terminal() && !slices.Contains(out.Allowed, workflow.Support) {
		out.Allowed = append(out.Allowed, workflow.Support)
	}
	return out, nil
}

// publicEvent is a timeline event as the public reads it (PublicCaseEvent); own says the
// viewer reported the case, so their own "not solved" shows with what they said.
func publicEvent(e store.CaseEvent, viewer *access.Principal, own bool) PublicCaseEvent {
	var in workflow.Input
	_ = json.Unmarshal([]byte(e.Input), &in) // old events may carry no input
	var params errs.Params
	_ = json.Unmarshal(e.Params, &params)
	out := PublicCaseEvent{At: e.At, Action: workflow.Action(e.Action), To: workflow.Status(e.To), Code: e.Code}
	for _, k := range publicParams {
		if v, ok := params[k]; ok {
			if out.Params == nil {
				out.Params = errs.Params{}
			}
			out.Params[k] = v
		}
	}
	switch out.Action {
	case workflow.Handle, workflow.SelfHandle:
		out.Result, out.Photos = in.Result, in.Photos
	case workflow.Reject:
		out.Reason = in.Reason
	case workflow.Reopen:
		if own && e.Actor == viewer.Name() {
			out.Note, out.OwnPhotos = in.Reason, in.Photos
		}
	}
	return out
}

// expected is when the stage the case is in should be done (Expected), or nil when no clock
// runs: the case is closed or rejected, or the city sets no limit for its stage.
func (a *Service) expected(ctx context.Context, rec store.CaseRecord) (*Expected, error) {
	if rec.State.Status.Terminal() {
		return nil, nil
	}
	all, err := a.DB.RunningClocks(ctx, rec.ID)
	if err != nil {
		return nil, err
	}
	own, _ := splitClocks(all)
	var pick *store.Clock
	for i, c := range own {
		if pick == nil || c.Stage == workflow.StageHandle {
			pick = &own[i]
		}
	}
	if pick == nil || pick.Due.IsZero() {
		return nil, nil
	}
	return &Expected{Stage: pick.Stage, Due: pick.Due, Paused: !pick.PausedAt.IsZero(),
		Overdue: pick.PausedAt.IsZero() && a.Now().After(pick.Due)}, nil
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
