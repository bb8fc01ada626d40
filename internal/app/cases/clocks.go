package cases

import (
	"context"
	"reflect"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Every stage of a case with a time limit runs a clock (DESIGN §4, Deadlines): acceptance
// while reported, dispatch while registered, signing and handling from dispatch, verification
// while handled. A clock's deadline is snapshotted when its stage starts, so later edits of the
// table or the calendar never rewrite a case's history; an extension moves the handling
// deadline, a suspension (挂账) pauses it.

// runningStages are the stages whose clocks run while a case is in its status.
func runningStages(c workflow.Case) []workflow.Stage {
	switch c.Status {
	case workflow.Reported:
		return []workflow.Stage{workflow.StageAccept}
	case workflow.Registered:
		return []workflow.Stage{workflow.StageDispatch}
	case workflow.Dispatched:
		return []workflow.Stage{workflow.StageSign, workflow.StageHandle}
	case workflow.InProgress, workflow.Suspended:
		return []workflow.Stage{workflow.StageHandle}
	case workflow.Handled:
		return []workflow.Stage{workflow.StageVerify}
	}
	return nil
}

// timing is what deadlines of one case are computed with, read once per transition.
type timing struct {
	cal    *worktime.Calendar
	limits []workflow.TimeLimit
	area   string // the area class of the case's grid
}

func (a *Service) timing(ctx context.Context, c workflow.Case) (timing, error) {
	limits, cal, err := a.TimeSettings(ctx)
	if err != nil {
		return timing{}, err
	}
	path, err := a.PathOf(ctx, c.Grid())
	if err != nil {
		return timing{}, err
	}
	return timing{cal: cal, limits: limits, area: string(path[len(path)-1].AreaClass)}, nil
}

func (t timing) limit(stage workflow.Stage, c workflow.Case) (worktime.Limit, bool) {
	return workflow.LimitFor(t.limits, stage, c.Kind, c.Category, c.Urgency, t.area)
}

// firstClocks returns the clocks a new case starts with (acceptance, unless it is closed at
// once), not yet stored: the report stores them with the case, whose id they then take, and
// writes the case's light in the same row.
func (a *Service) firstClocks(ctx context.Context, tr workflow.Transition, by string) ([]store.Clock, error) {
	want := runningStages(tr.Case)
	if len(want) == 0 {
		return nil, nil
	}
	t, err := a.timing(ctx, tr.Case)
	if err != nil {
		return nil, err
	}
	now := a.Now()
	var out []store.Clock
	for _, stage := range want {
		if limit, ok := t.limit(stage, tr.Case); ok {
			c := store.Clock{Stage: stage, Start: now, Limit: limit, Due: t.cal.Deadline(now, limit), Cause: string(tr.Action), StartedBy: by}
			c.Warn = warnAt(t.cal, c)
			out = append(out, c)
		}
	}
	return out, nil
}

// moveClocks brings an existing case's clocks in step with a transition, in the transaction
// carried by ctx, before the new state is written: it fixes the handling deadline in tr.Case
// when the handling stage starts (dispatch, reopen), is extended or resumes, then stops the
// clocks of stages that ended, pauses or resumes the handling clock, starts the clocks of
// stages that began, and keeps the case's light columns in step with the clocks now running.
// by is who takes the step: a clock remembers who started and who ended it, and how (for
// evaluation).
func (a *Service) moveClocks(ctx context.Context, caseID int64, before workflow.Case, tr *workflow.Transition, by string) (started []store.Clock, err error) {
	now := a.Now()
	var running, partClocks []store.Clock
	if before.Status != "" { // a new case has no clocks yet
		all, err := a.DB.RunningClocks(ctx, caseID)
		if err != nil {
			return nil, err
		}
		running, partClocks = splitClocks(all)
	}
	want := runningStages(tr.Case)
	if len(running) == 0 && len(want) == 0 && len(partClocks) == 0 {
		return nil, nil
	}
	t, err := a.timing(ctx, tr.Case)
	if err != nil {
		return nil, err
	}
	oldWarn, oldDue := lightMoments(append(slices.Clone(running), partClocks...))
	partsRunning, err := a.moveParts(ctx, caseID, partClocks, tr, t, by)
	if err != nil {
		return nil, err
	}
	handleRestarts := tr.To == workflow.Dispatched && tr.From != workflow.Dispatched
	switch {
	case handleRestarts:
		tr.Case.HandleDue = time.Time{}
		if limit, ok := t.limit(workflow.StageHandle, tr.Case); ok {
			tr.Case.HandleDue = t.cal.Deadline(now, limit)
		}
	case tr.Action == workflow.ApproveExtension && !before.HandleDue.IsZero():
		tr.Case.HandleDue = t.cal.Deadline(before.HandleDue, worktime.Limit{Value: tr.GrantedHours, Unit: worktime.WorkHour})
	}
	have := map[workflow.Stage]bool{}
	var still []store.Clock // the clocks that run on after the transition
	for _, c := range running {
		changed := false
		switch {
		case !slices.Contains(want, c.Stage) || (c.Stage == workflow.StageHandle && handleRestarts):
			c.Stopped, c.Outcome, c.DoneBy, changed = now, string(tr.Action), by, true
		case c.Stage == workflow.StageHandle && tr.To == workflow.Suspended && c.PausedAt.IsZero():
			c.PausedAt, changed = now, true
		case c.Stage == workflow.StageHandle && !c.PausedAt.IsZero() && tr.To != workflow.Suspended:
			// Resumed: the deadline moves later by the pause, in the limit's own kind of time.
			tr.Case.HandleDue = t.cal.Shift(tr.Case.HandleDue, c.PausedAt, now, c.Limit.Unit)
			c.Pauses, c.PausedAt = append(c.Pauses, [2]time.Time{c.PausedAt, now}), time.Time{}
			fallthrough
		case c.Stage == workflow.StageHandle && !tr.Case.HandleDue.Equal(c.Due):
			c.Due, changed = tr.Case.HandleDue, true
			c.Warn = warnAt(t.cal, c)
			if tr.Action == workflow.ApproveExtension {
				c.Extensions++
			}
		}
		if changed {
			if err := a.DB.UpdateClock(ctx, c, now); err != nil {
				return nil, err
			}
		}
		if c.Stopped.IsZero() {
			have[c.Stage] = true
			still = append(still, c)
		}
	}
	for _, stage := range want {
		if have[stage] {
			continue
		}
		limit, ok := t.limit(stage, tr.Case)
		if !ok {
			continue // the city sets no limit for this stage
		}
		c := store.Clock{CaseID: caseID, Stage: stage, Start: now, Limit: limit, Due: t.cal.Deadline(now, limit), Cause: string(tr.Action), StartedBy: by}
		if stage == workflow.StageSign || stage == workflow.StageHandle {
			c.Owner = tr.Case.Department
		}
		if stage == workflow.StageHandle {
			if tr.Case.HandleDue.IsZero() {
				continue
			}
			// Rework and reopening keep the deadline the case already has.
			c.Due = tr.Case.HandleDue
		}
		c.Warn = warnAt(t.cal, c)
		if err := a.DB.StartClock(ctx, c); err != nil {
			return nil, err
		}
		started = append(started, c)
	}
	if warn, due := lightMoments(slices.Concat(still, started, partsRunning)); !warn.Equal(oldWarn) || !due.Equal(oldDue) {
		return started, a.DB.SetCaseLight(ctx, caseID, warn, due)
	}
	return started, nil
}

// splitClocks separates a case's own clocks from its parts'.
func splitClocks(all []store.Clock) (own, parts []store.Clock) {
	for _, c := range all {
		if c.Department == "" {
			own = append(own, c)
		} else {
			parts = append(parts, c)
		}
	}
	return own, parts
}

// partStages are the stages whose clocks run for a co-department's part (联办) while the case
// is in its status: signing and handling from dispatch, handling once signed for, none once
// reported or when the case has left its departments. A suspended case pauses them.
func partStages(c workflow.Case, p workflow.Part) []workflow.Stage {
	switch c.Status {
	case workflow.Dispatched, workflow.InProgress, workflow.Suspended:
	default:
		return nil
	}
	switch p.Status {
	case workflow.PartDispatched:
		return []workflow.Stage{workflow.StageSign, workflow.StageHandle}
	case workflow.PartInProgress:
		return []workflow.Stage{workflow.StageHandle}
	}
	return nil
}

// partDue points at a part's deadline for a stage.
func partDue(p *workflow.Part, stage workflow.Stage) *time.Time {
	if stage == workflow.StageSign {
		return &p.SignDue
	}
	return &p.HandleDue
}

// moveParts brings the clocks of the case's parts in step with a transition, as moveClocks
// does the case's own: it stops the clocks of parts signed for, reported or gone, pauses and
// resumes them with the case, and starts the clocks of parts that begin a stage. A part's
// deadline is snapshotted into the part when its first clock for the stage starts (dispatch,
// reopen), and kept by later clocks (rework), so the part shows what its clock counts to. It
// returns the part clocks that run on, which count toward the case's light: a joint case is as
// late as its latest part.
func (a *Service) moveParts(ctx context.Context, caseID int64, running []store.Clock, tr *workflow.Transition, t timing, by string) (still []store.Clock, err error) {
	now := a.Now()
	parts := tr.Case.Parts
	have := map[[2]string]bool{}
	for _, c := range running {
		i := slices.IndexFunc(parts, func(p workflow.Part) bool { return p.Department == c.Department })
		changed := true
		switch {
		case i < 0 || !slices.Contains(partStages(tr.Case, parts[i]), c.Stage):
			c.Stopped, c.Outcome, c.DoneBy = now, string(tr.Action), by
		case tr.To == workflow.Suspended && c.PausedAt.IsZero():
			c.PausedAt = now
		case !c.PausedAt.IsZero() && tr.To != workflow.Suspended:
			// Resumed: the deadline moves later by the pause, as the case's own does.
			c.Due = t.cal.Shift(c.Due, c.PausedAt, now, c.Limit.Unit)
			c.Pauses, c.PausedAt = append(c.Pauses, [2]time.Time{c.PausedAt, now}), time.Time{}
			c.Warn = warnAt(t.cal, c)
			*partDue(&parts[i], c.Stage) = c.Due
		default:
			changed = false
		}
		if changed {
			if err := a.DB.UpdateClock(ctx, c, now); err != nil {
				return nil, err
			}
		}
		if c.Stopped.IsZero() {
			have[[2]string{c.Department, string(c.Stage)}] = true
			still = append(still, c)
		}
	}
	for i := range parts {
		for _, stage := range partStages(tr.Case, parts[i]) {
			if have[[2]string{parts[i].Department, string(stage)}] || tr.To == workflow.Suspended {
				continue
			}
			limit, ok := t.limit(stage, tr.Case)
			if !ok {
				continue // the city sets no limit for this stage
			}
			due := partDue(&parts[i], stage)
			if due.IsZero() {
				*due = t.cal.Deadline(now, limit)
			}
			c := store.Clock{CaseID: caseID, Department: parts[i].Department, Stage: stage, Start: now, Limit: limit, Due: *due,
				Cause: string(tr.Action), Owner: parts[i].Department, StartedBy: by}
			c.Warn = warnAt(t.cal, c)
			if err := a.DB.StartClock(ctx, c); err != nil {
				return nil, err
			}
			still = append(still, c)
		}
	}
	return still, nil
}

// saveParts mirrors a transition's parts into their rows when they changed.
func (a *Service) saveParts(ctx context.Context, caseID int64, before, after []workflow.Part) error {
	if reflect.DeepEqual(before, after) {
		return nil
	}
	return a.DB.SaveParts(ctx, caseID, after)
}

// lightMoments returns when a case's running clocks turn yellow and red: the earliest warning
// and the earliest deadline of those not paused (zero when none runs). LightAt at these two
// moments is the worst light of the clocks, which is what lists filter and count by: a case
// waiting to be signed for is overdue when the sign-for deadline has passed, whatever the
// handling clock says, and the other way round.
func lightMoments(clocks []store.Clock) (warn, due time.Time) {
	for _, c := range clocks {
		if !c.PausedAt.IsZero() || !c.Stopped.IsZero() {
			continue
		}
		if warn.IsZero() || c.Warn.Before(warn) {
			warn = c.Warn
		}
		if due.IsZero() || c.Due.Before(due) {
			due = c.Due
		}
	}
	return warn, due
}

// warnAt is when 80 % of a clock's time is used: the moment it turns yellow and the near-due
// notice goes out. A deadline already past warns at once.
func warnAt(cal *worktime.Calendar, c store.Clock) time.Time {
	if !c.Due.After(c.Start) {
		return c.Due
	}
	return cal.Mark(c.Start, c.Due, c.Limit.Unit, c.Pauses, worktime.YellowAt)
}

// clockLight is a clock's light at now: red past the deadline, yellow from the warning
// moment. A paused clock shows the light it had when it stopped.
func clockLight(c store.Clock, now time.Time) worktime.Light {
	if !c.PausedAt.IsZero() {
		now = c.PausedAt
	}
	return worktime.LightAt(now, c.Warn, c.Due)
}

// ClockView is a stage clock as a case shows it, running or finished: the raw material of
// evaluation, from which anyone can recount the indicators (issue 13). Department names the
// co-department of a part's clock (联办); the case's own clocks have none. A finished clock
// says when it ended, how (Outcome: the action that ended the stage) and whether on time
// (done_at ≤ due, the deadline with extensions granted and pauses); only a running one has a
// light.
type ClockView struct {
	Stage      workflow.Stage `json:"stage"`
	Department string         `json:"department,omitempty"`
	Started    time.Time      `json:"started_at"`
	Limit      worktime.Limit `json:"limit"`
	Due        time.Time      `json:"due"`
	DoneAt     *time.Time     `json:"done_at,omitempty"`
	OnTime     *bool          `json:"on_time,omitempty"`
	Outcome    string         `json:"outcome,omitempty"`
	Light      worktime.Light `json:"light,omitempty"`
	Paused     bool           `json:"paused"`
}

// Running reports whether the clock still runs (possibly paused).
func (c ClockView) Running() bool { return c.DoneAt == nil }

func clockView(c store.Clock, now time.Time) ClockView {
	v := ClockView{Stage: c.Stage, Department: c.Department, Started: c.Start, Limit: c.Limit, Due: c.Due, Paused: !c.PausedAt.IsZero()}
	if c.Stopped.IsZero() {
		v.Light = clockLight(c, now)
		return v
	}
	done, onTime := c.Stopped, !c.Stopped.After(c.Due)
	v.DoneAt, v.OnTime, v.Outcome = &done, &onTime, c.Outcome
	return v
}

// RunningClocks returns the case's own clocks that still run, as its page shows them.
func (v CaseView) RunningClocks() []ClockView {
	out := []ClockView{}
	for _, c := range v.Clocks {
		if c.Running() && c.Department == "" {
			out = append(out, c)
		}
	}
	return out
}

// PartView is a co-department's part of a joint case (联办) as a case page shows it: the part
// with its running clocks and light, and whether it was reported after its deadline.
type PartView struct {
	workflow.Part
	Clocks []ClockView    `json:"clocks"`
	Light  worktime.Light `json:"light,omitempty"` // the handling clock's while it runs, else the signing clock's
	Late   bool           `json:"late,omitempty"`  // reported after its handling deadline
}

func partViews(parts []workflow.Part, clocks []store.Clock, now time.Time) []PartView {
	out := make([]PartView, 0, len(parts))
	for _, p := range parts {
		v := PartView{Part: p, Clocks: []ClockView{}}
		for _, c := range clocks {
			if c.Department != p.Department {
				continue
			}
			cv := clockView(c, now)
			v.Clocks = append(v.Clocks, cv)
			if v.Light == "" || c.Stage == workflow.StageHandle {
				v.Light = cv.Light
			}
		}
		v.Late = p.Status == workflow.PartReported && !p.HandleDue.IsZero() && p.ReportedAt.After(p.HandleDue)
		out = append(out, v)
	}
	return out
}
