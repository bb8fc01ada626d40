package eval

import (
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// What one case contributes to the indicators is a function of the case alone: its state, its
// stage clocks (each saying when it started and ended, against which deadline, why it started
// and how it ended) and four kinds of timeline event (a self-handled report, ratings,
// reopenings, urgings). The aggregates are the sum of every case's contribution; a step adds the
// difference between the case's contribution after it and before it, in the step's own
// transaction; a rebuild sums the contributions afresh. The two meet by construction, and a
// property test holds them to it.
//
// Attribution (issue 13): a stage counts on the day its clock started; a report (with its
// validity, its self-handling and its closing) on the day it was reported; a rating on the day
// it was given; an urging (督办, issue 15) on the day it was made. Days are China-time dates.
//
// Which group counts what:
//   - regions (district, subdistrict, community, grid of the case): everything about the case
//     and its own clocks, not the co-departments' part clocks;
//   - department: the signing and handling clocks it owned (the lead's own, a co-department's
//     part), returns, the closing and rating of cases it led, and the urgings of cases it held
//     when urged (a case urged at its centre or with the grid counts for its regions only);
//   - person: the reporter's reports, and each stage the person ended (registered, dispatched,
//     handled, verified); a wrong dispatch counts against the dispatcher who started the
//     handling stage that was returned.

// Count indexes, in the order of store.EvalCountColumns.
const (
	cReported = iota
	cValidReported
	cRegistered
	cRegisteredOnTime
	cRejected
	cDueDispatch
	cDispatched
	cDispatchedOnTime
	cWrongDispatch
	cReturned
	cDueHandle
	cHandled
	cHandledOnTime
	cHandledLate
	cRework
	cExtended
	cSuspended
	cDueVerify
	cVerifiedOnTime
	cDueClose
	cClosed
	cClosedOnTime
	cSelfHandled
	cHandleMinutes
	cRated
	cSatisfied
	cUrged
)

// The kinds of group.
const (
	KindDistrict    = "district"
	KindSubdistrict = "subdistrict"
	KindCommunity   = "community"
	KindGrid        = "grid"
	KindDepartment  = "department"
	KindPerson      = "person"
)

// Kinds lists the groupings in the order pages show them.
var Kinds = []string{KindDepartment, KindDistrict, KindSubdistrict, KindCommunity, KindGrid, KindPerson}

// regionKinds are the region levels, by their index in a case's region path.
var regionKinds = []string{"", KindDistrict, KindSubdistrict, KindCommunity, KindGrid}

// CaseInput is what a case's contribution is computed from.
type CaseInput struct {
	Created time.Time
	State   workflow.Case
	Clocks  []store.Clock
	Events  []store.EvalEvent
}

// Facts is a contribution to the aggregates.
type Facts struct {
	Cells   map[store.EvalCell]*store.EvalCounts
	Pending map[store.EvalPendingKey]int64
}

func newFacts() Facts {
	return Facts{Cells: map[store.EvalCell]*store.EvalCounts{}, Pending: map[store.EvalPendingKey]int64{}}
}

// Minus returns f − g.
func (f Facts) Minus(g Facts) Facts {
	out := newFacts()
	for k, v := range f.Cells {
		c := *v
		out.Cells[k] = &c
	}
	for k, v := range g.Cells {
		if c, ok := out.Cells[k]; ok {
			c.Add(v, -1)
		} else {
			c := store.EvalCounts{}
			c.Add(v, -1)
			out.Cells[k] = &c
		}
	}
	for k, n := range f.Pending {
		out.Pending[k] += n
	}
	for k, n := range g.Pending {
		out.Pending[k] -= n
	}
	for k, v := range out.Cells {
		if v.Zero() {
			delete(out.Cells, k)
		}
	}
	for k, n := range out.Pending {
		if n == 0 {
			delete(out.Pending, k)
		}
	}
	return out
}

// Add adds g to f.
func (f Facts) Add(g Facts) {
	for k, v := range g.Cells {
		if c, ok := f.Cells[k]; ok {
			c.Add(v, 1)
		} else {
			c := *v
			f.Cells[k] = &c
		}
	}
	for k, n := range g.Pending {
		f.Pending[k] += n
	}
}

// Day is a China-time date as yyyymmdd.
func Day(t time.Time) int {
	y, m, d := t.In(worktime.China).Date()
	return y*10000 + int(m)*100 + d
}

// group is a group a count goes to.
type group struct{ kind, key string }

// builder collects a case's facts.
type builder struct {
	f        Facts
	district string
	regions  []group
}

func (b *builder) add(day int, gs []group, i int, v int64) {
	if v == 0 {
		return
	}
	for _, g := range gs {
		if g.key == "" {
			continue
		}
		for _, district := range b.districts(g) {
			k := store.EvalCell{Kind: g.kind, Key: g.key, District: district, Day: day}
			c, ok := b.f.Cells[k]
			if !ok {
				c = &store.EvalCounts{}
				b.f.Cells[k] = c
			}
			c[i] += v
		}
	}
}

// districts are the districts a group's rows are kept in: the case's, and for departments
// and people also the city's ("", their city-wide row).
func (b *builder) districts(g group) []string {
	if g.kind == KindDepartment || g.kind == KindPerson {
		return []string{b.district, ""}
	}
	return []string{b.district}
}

// person is the group of a person who acted, or none for the system and the anonymous.
func person(name string) group {
	if name == "" || name == "anonymous" || strings.HasPrefix(name, "system:") {
		return group{}
	}
	return group{KindPerson, name}
}

func dept(code string) group {
	if code == "" {
		return group{}
	}
	return group{KindDepartment, code}
}

func with(gs []group, more ...group) []group {
	out := make([]group, 0, len(gs)+len(more))
	return append(append(out, gs...), more...)
}

// Compute returns what one case contributes to the indicators. cal measures handling time in
// working hours.
func Compute(in CaseInput, cal *worktime.Calendar) Facts {
	s := in.State
	b := &builder{f: newFacts()}
	if len(s.RegionPath) > 1 {
		b.district = s.RegionPath[1]
	}
	for i := 1; i < len(s.RegionPath) && i < len(regionKinds); i++ {
		b.regions = append(b.regions, group{regionKinds[i], s.RegionPath[i]})
	}
	selfHandled, ratedAt := false, time.Time{}
	for _, e := range in.Events {
		switch e.Action {
		case string(workflow.SelfHandle):
			selfHandled = true // only a case's first event can be
		case string(workflow.Rate):
			ratedAt = e.At
		case string(workflow.Reopen):
			ratedAt = time.Time{} // the rating judged a closure now undone
		case string(workflow.Urge):
			// For whoever held the case then, whatever became of it since.
			b.add(Day(e.At), with(b.regions, dept(e.Department)), cUrged, 1)
		}
	}

	// The report, on its day.
	day := Day(in.Created)
	reporter := with(b.regions, person(s.Reporter))
	b.add(day, reporter, cReported, 1)
	registered := s.Status != workflow.Reported && s.Status != workflow.Rejected && !selfHandled
	valid := selfHandled || registered || (s.Status == workflow.Rejected && s.RejectReason == workflow.RejectDuplicate)
	if valid {
		b.add(day, reporter, cValidReported, 1)
	}
	if selfHandled {
		b.add(day, reporter, cSelfHandled, 1)
	}
	// Closing: every registered case is due to be closed; counted on its report's day, for its
	// regions and the department that leads it now.
	if registered {
		lead := with(b.regions, dept(s.Department))
		b.add(day, lead, cDueClose, 1)
		if s.Status == workflow.Closed {
			b.add(day, lead, cClosed, 1)
			if s.HandleDue.IsZero() || !s.ClosedAt.After(s.HandleDue) {
				b.add(day, lead, cClosedOnTime, 1)
			}
		}
	}
	if s.Rating > 0 && !ratedAt.IsZero() {
		rd, g := Day(ratedAt), with(b.regions, dept(s.Department))
		b.add(rd, g, cRated, 1)
		if s.Rating >= 4 {
			b.add(rd, g, cSatisfied, 1)
		}
	}
	for _, c := range in.Clocks {
		b.clock(c, cal)
	}
	return b.f
}

// clock adds what one stage clock counts, on the day it started.
func (b *builder) clock(c store.Clock, cal *worktime.Calendar) {
	day := Day(c.Start)
	done := !c.Stopped.IsZero()
	onTime := done && !c.Stopped.After(c.Due)
	regions := b.regions
	if c.Department != "" {
		regions = nil // a co-department's part counts for the co-department alone
	}
	switch c.Stage {
	case workflow.StageAccept:
		g := with(regions, person(c.DoneBy))
		switch workflow.Action(c.Outcome) {
		case workflow.Register:
			b.add(day, g, cRegistered, 1)
			if onTime {
				b.add(day, g, cRegisteredOnTime, 1)
			}
		case workflow.Reject:
			b.add(day, g, cRejected, 1)
		}
	case workflow.StageDispatch:
		g := regions
		if done {
			g = with(regions, person(c.DoneBy))
		}
		b.add(day, g, cDueDispatch, 1)
		if workflow.Action(c.Outcome) == workflow.Dispatch {
			b.add(day, g, cDispatched, 1)
			if onTime {
				b.add(day, g, cDispatchedOnTime, 1)
			}
		}
	case workflow.StageHandle:
		b.handle(c, day, regions, cal)
	case workflow.StageVerify:
		g := regions
		if done {
			g = with(regions, person(c.DoneBy))
		}
		b.add(day, g, cDueVerify, 1)
		if workflow.Action(c.Outcome) == workflow.Verify && onTime {
			b.add(day, g, cVerifiedOnTime, 1)
		}
	}
}

// handle adds a handling clock. A clock ended by a return was a wrong dispatch: it counts as a
// return for the department and a wrong dispatch against its dispatcher, and not as handling
// due, which the department could not have done.
func (b *builder) handle(c store.Clock, day int, regions []group, cal *worktime.Calendar) {
	owner := dept(c.Owner)
	if workflow.Action(c.Outcome) == workflow.Return {
		b.add(day, with(regions, owner, person(c.DoneBy)), cReturned, 1)
		b.add(day, with(regions, person(c.StartedBy)), cWrongDispatch, 1)
		return
	}
	handledBy := workflow.Handle
	if c.Department != "" {
		handledBy = workflow.ReportPart
	}
	handled := workflow.Action(c.Outcome) == handledBy
	g := with(regions, owner)
	if handled {
		g = append(g, person(c.DoneBy))
	}
	b.add(day, g, cDueHandle, 1)
	if handled {
		b.add(day, g, cHandled, 1)
		if !c.Stopped.After(c.Due) {
			b.add(day, g, cHandledOnTime, 1)
		} else {
			b.add(day, g, cHandledLate, 1)
		}
		work := cal.WorkBetween(c.Start, c.Stopped)
		for _, p := range c.Pauses {
			work -= cal.WorkBetween(p[0], p[1])
		}
		b.add(day, g, cHandleMinutes, int64(max(work, 0)/time.Minute))
	}
	if c.Cause == string(workflow.Verify) {
		b.add(day, g, cRework, 1)
	}
	b.add(day, g, cExtended, int64(c.Extensions))
	suspensions := len(c.Pauses)
	if !c.PausedAt.IsZero() {
		suspensions++
	}
	b.add(day, g, cSuspended, int64(suspensions))
	b.pending(c, day, g)
}

// pending records a handling clock that is, or was, unfinished past its deadline at some
// midnight, for 超期待处置 (pending_overdue): "of the handling clocks started in the period,
// those not done and past due at the end of the period". That is no sum of daily counts: a
// clock started on Monday is pending-overdue at the end of a week that ends after its deadline
// and before it was done, and not at the end of Monday. So each such clock is kept by three
// days: start S, due D and end E (EvalOpenDay while it runs). Its end instant lies within
// day E, and a period ending with day T ends at the midnight after T; the clock is overdue
// and pending then exactly when D <= T < E (due before that midnight, not done before it).
// A period [F, T] counts the rows with F <= S <= T and D <= T < E: one range scan of an index
// on (kind, start_day), however long ago the clocks started. A clock can be counted by some
// period only when D < E, so a clock done on time leaves no row, and the table holds only the
// late and the still running.
//
// "Past due" compares with the deadline the clock has now (extensions and suspensions moved
// it); a clock suspended (paused) before its deadline is not overdue while it waits, and one
// suspended after it stays overdue.
func (b *builder) pending(c store.Clock, day int, gs []group) {
	if c.Due.IsZero() {
		return
	}
	if !c.PausedAt.IsZero() && c.PausedAt.Before(c.Due) {
		return
	}
	end := store.EvalOpenDay
	if !c.Stopped.IsZero() {
		end = Day(c.Stopped)
	}
	due := Day(c.Due)
	if due >= end {
		return
	}
	for _, g := range gs {
		if g.key == "" {
			continue
		}
		for _, district := range b.districts(g) {
			b.f.Pending[store.EvalPendingKey{Kind: g.kind, Key: g.key, District: district, StartDay: day, DueDay: due, EndDay: end}]++
		}
	}
}
