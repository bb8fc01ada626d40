package workflow

import (
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// Status is where a case stands in the closed loop (DESIGN §4, States).
type Status string

// The statuses. Closed and rejected are terminal: only comments, and the reopen of a recently
// closed case (a leader's, or its reporter's "not solved"), act on them afterwards.
const (
	Reported   Status = "reported"    // 待受理: submitted, waiting for a centre to accept
	Registered Status = "registered"  // 已立案: accepted, waiting for dispatch
	Dispatched Status = "dispatched"  // 已派遣: sent to a department, waiting for sign-for
	InProgress Status = "in_progress" // 处置中: the department signed for it
	Handled    Status = "handled"     // 待核查: reported done, waiting for verification
	Suspended  Status = "suspended"   // 挂账: not solvable now; the deadline clock stops
	Closed     Status = "closed"      // 已结案
	Rejected   Status = "rejected"    // 不予立案: invalid, duplicate or out of scope
)

// Statuses lists every status in the order of DESIGN's table.
var Statuses = []Status{Reported, Registered, Dispatched, InProgress, Handled, Suspended, Closed, Rejected}

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); slices.Contains(Statuses, st) {
		return st, nil
	}
	return "", errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "status", "value": s}, "unknown status %q (want one of %s)", s, join(Statuses))
}

// TerminalStatuses are the statuses with no work left: closed and rejected. Every "open
// case" in lists, counts, duplicates and SQL is a case in none of them.
func TerminalStatuses() []Status { return []Status{Closed, Rejected} }

// HandlingStatuses are the statuses in which the handling clock runs: dispatched (to be
// signed for) and in progress. Suspended cases keep their deadline but their clock is stopped.
func HandlingStatuses() []Status { return []Status{Dispatched, InProgress} }

// Terminal reports whether no work is left on a case in the status (TerminalStatuses).
func (s Status) Terminal() bool { return slices.Contains(TerminalStatuses(), s) }

// Action is one verb of the case endpoint (DESIGN §4, Actions). Each is checked for role,
// scope and state by Decide.
type Action string

// The actions, in the order of DESIGN's table, plus Close.
const (
	Report           Action = "report"            // anyone: a new case (NewReport)
	SelfHandle       Action = "self_handle"       // a grid worker reports and fixes on the spot (自行处置; NewReport)
	RequestCheck     Action = "request_check"     // the centre asks the grid for an on-site check (核实)
	Confirm          Action = "confirm"           // the grid worker answers the check: found or not
	Register         Action = "register"          // 立案
	Reject           Action = "reject"            // 不予立案 / 作废
	Dispatch         Action = "dispatch"          // 派遣, also jointly (联办)
	Escalate         Action = "escalate"          // one centre level up (吹哨报到)
	Accept           Action = "accept"            // the department signs for the case (签收)
	AcceptPart       Action = "accept_part"       // a co-department signs for its part of a joint case (联办)
	ReportPart       Action = "report_part"       // a co-department reports its part done; or the lead reports for it, with a reason
	Return           Action = "return"            // the department sends it back: wrong department (回退)
	Handle           Action = "handle"            // the department reports it done (处置)
	RequestExtension Action = "request_extension" // 申请延期
	ApproveExtension Action = "approve_extension" // 批准延期
	DenyExtension    Action = "deny_extension"    // 驳回延期
	Suspend          Action = "suspend"           // 挂账
	Resume           Action = "resume"            // 恢复 from 挂账
	Verify           Action = "verify"            // 核查: pass closes, fail sends back for rework (返工)
	Reopen           Action = "reopen"            // a leader reopens a recently closed case, or its reporter says it is not solved (没有解决)
	Comment          Action = "comment"           // a note on the timeline
	Rate             Action = "rate"              // the reporter's satisfaction, 1–5
	Support          Action = "support"           // "me too" (附议)
	// Close is a leader's special closure (特殊结案): DESIGN names the closure type but no verb,
	// so it gets its own action, with a reason, from any open state after registration.
	Close Action = "close"
	// Urge is supervision pressing the case's holder (督办/催办, issue 15): a leader or the
	// command centre, on an open case in their region, with an optional note. The status stays;
	// the holder and the leaders over the case are told at once.
	Urge Action = "urge"
)

// Actions lists every action in the order of DESIGN's table; Close and Urge, not in the table,
// come last.
var Actions = []Action{Report, SelfHandle, RequestCheck, Confirm, Register, Reject, Dispatch, Escalate,
	Accept, AcceptPart, ReportPart, Return, Handle, RequestExtension, ApproveExtension, DenyExtension, Suspend, Resume, Verify,
	Reopen, Comment, Rate, Support, Close, Urge}

// ParseAction returns the action named s.
func ParseAction(s string) (Action, error) {
	if a := Action(s); slices.Contains(Actions, a) {
		return a, nil
	}
	return "", errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "action", "value": s}, "unknown action %q (want one of %s)", s, join(Actions))
}

// Urgency says how fast a case must move; it selects time limits, and emergency cases run on
// the wall clock instead of working time (DESIGN §4, Deadlines).
type Urgency string

// The urgencies.
const (
	UrgencyNormal    Urgency = "normal"
	UrgencyUrgent    Urgency = "urgent"
	UrgencyEmergency Urgency = "emergency"
)

// ParseUrgency returns the urgency named s.
func ParseUrgency(s string) (Urgency, error) {
	switch u := Urgency(s); u {
	case UrgencyNormal, UrgencyUrgent, UrgencyEmergency:
		return u, nil
	}
	return "", errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "urgency", "value": s}, "urgency must be normal, urgent or emergency, not %q", s)
}

// ClosureType is how a case was closed; evaluation counts each kind (DESIGN §4, §5).
type ClosureType string

// The closure types.
const (
	ClosureNormal  ClosureType = "normal"  // 正常结案: closed on time, no mistakes on the way
	ClosureLate    ClosureType = "late"    // 超时结案: closed after the handling deadline
	ClosureError   ClosureType = "error"   // 差错结案: after a wrong dispatch (a return) or rework
	ClosureSpecial ClosureType = "special" // 特殊结案: a leader's override, with a reason
)

// HolderKind says what sort of party holds a case, that is whose queue it is in.
type HolderKind string

// The holder kinds. The zero kind means nobody holds the case (it is closed or rejected).
const (
	HolderCentre     HolderKind = "centre"     // a supervision/command centre at some region level
	HolderDepartment HolderKind = "department" // a handling department
	HolderGridWorker HolderKind = "gridworker" // the grid workers of a unit grid
)

// Holder is whose queue a case is in. Code is the region code of the centre's level (city,
// district or subdistrict) for a centre, the department code for a department, and the grid
// code for grid workers: a grid's workers share its queue, so no single person is named.
type Holder struct {
	Kind HolderKind `json:"kind"`
	Code string     `json:"code"`
}

// Counters count what evaluation (DESIGN §5) rates a case's handling by.
type Counters struct {
	Rework      int `json:"rework"`      // verifications failed (返工)
	Returns     int `json:"returns"`     // returns by a department (回退): wrong dispatches
	Extensions  int `json:"extensions"`  // extensions granted
	Escalations int `json:"escalations"` // centre levels climbed; the responsible centre is derived from it
	Supports    int `json:"supports"`    // "me too"s
	Urges       int `json:"urges"`       // urgings by supervision (督办)
}

// Case is the state of one case that the state machine reads and writes. Identity, location,
// description, photos and the timeline live with the caller; this is what decides the next step.
// Reporter and Supporters are private: public views must leave them out.
type Case struct {
	Status Status `json:"status"`
	// Version is bumped by every transition; callers compare it for optimistic concurrency, so
	// of two handlers acting at once exactly one wins.
	Version  int          `json:"version"`
	Kind     CategoryKind `json:"kind"`
	Category string       `json:"category"`
	Urgency  Urgency      `json:"urgency"`
	// RegionPath lists the region codes from the root down to the unit grid the case lies in:
	// city, district, subdistrict, community, grid. Scope checks and centre levels use it.
	RegionPath    []string `json:"region_path"`
	Holder        Holder   `json:"holder"`
	Department    string   `json:"department,omitempty"`     // the lead department once dispatched
	CoDepartments []string `json:"co_departments,omitempty"` // joint handlers (联办)
	Reporter      string   `json:"reporter,omitempty"`       // username of a registered reporter; "" for anonymous
	// CheckPending is set while an on-site check (核实) is out and not yet answered; the
	// centre cannot register the case until the grid has answered.
	CheckPending bool `json:"check_pending"`
	// ExtensionAsked holds the working hours a department asked for and nobody has decided
	// yet; 0 = no request pending. One request at a time keeps approvals unambiguous.
	ExtensionAsked int      `json:"extension_asked"`
	Counters       Counters `json:"counters"`
	// WrongDispatch is set by a return: the case was sent to the wrong department once, so its
	// closure becomes 差错结案 however fast it ends.
	WrongDispatch bool `json:"wrong_dispatch"`
	// HandleDue is the handling deadline (zero = none), snapshotted by the caller on working
	// time when the stage starts; closing after it is 超时结案.
	HandleDue   time.Time   `json:"handle_due,omitzero"`
	ClosedAt    time.Time   `json:"closed_at,omitzero"`
	ClosureType ClosureType `json:"closure_type,omitempty"`
	Rating      int         `json:"rating,omitempty"`     // 1–5 once rated by the reporter; 0 = not rated
	Supporters  []string    `json:"supporters,omitempty"` // who said "me too" (usernames or device ids), once each
	// VerificationRequired comes from the category: handled cases go to the grid for 核查;
	// when false, handle closes the case directly.
	VerificationRequired bool `json:"verification_required"`
	// Inspection marks a case an assessment inspection found (a failed checklist item): its
	// verification is the re-inspection (复查), which inspectors may do besides the grid.
	Inspection bool `json:"inspection,omitempty"`
	// RejectReason and MergedInto record why a case was rejected, and for a duplicate the
	// ticket of the case its reporter was merged into.
	RejectReason string `json:"reject_reason,omitempty"`
	MergedInto   string `json:"merged_into,omitempty"`
	// UrgedAt is when supervision last urged the case (督办); zero when never. Lists mark and
	// filter urged cases by it.
	UrgedAt time.Time `json:"urged_at,omitzero"`
	// RegisteredAt is the first registration (立案); a case registered again after a reopening
	// keeps it. Zero for a case never registered, and for one registered before it was kept
	// here (the store's registered_at column has those from the timeline).
	RegisteredAt time.Time `json:"registered_at,omitzero"`

	// Parts are the co-departments' shares of the work (联办), one per co-department, from
	// dispatch until the case goes back to a centre. Cases dispatched before parts existed
	// have none.
	Parts []Part `json:"parts,omitempty"`
}

// Grid returns the code of the unit grid the case lies in, the last code of its region path.
func (c Case) Grid() string {
	if len(c.RegionPath) == 0 {
		return ""
	}
	return c.RegionPath[len(c.RegionPath)-1]
}

// Centre returns the region code of the centre level responsible for the case: the
// subdistrict of its grid (属地), or the district or city once escalated. It is derived from
// the escalation count because escalation only ever climbs, so the centre a case returns to
// after a check or a return is always the one that last held it.
func (c Case) Centre() string {
	const subdistrict = 2 // index in RegionPath: city 0, district 1, subdistrict 2
	i := max(subdistrict-c.Counters.Escalations, 0)
	if i >= len(c.RegionPath) {
		i = len(c.RegionPath) - 1
	}
	if i < 0 {
		return ""
	}
	return c.RegionPath[i]
}

// clone returns a copy of c that shares no slices with it, so that a transition never
// writes into its caller's case.
func (c Case) clone() Case {
	c.RegionPath = slices.Clone(c.RegionPath)
	c.CoDepartments = slices.Clone(c.CoDepartments)
	c.Supporters = slices.Clone(c.Supporters)
	c.Parts = slices.Clone(c.Parts)
	for i := range c.Parts {
		c.Parts[i].Photos = slices.Clone(c.Parts[i].Photos)
	}
	return c
}

// PartStatus is where a co-department's part of a joint case stands.
type PartStatus string

// The part statuses: a part is signed for and reported like the case itself, on its own clocks.
const (
	PartDispatched PartStatus = "dispatched"  // waiting for the co-department to sign for it
	PartInProgress PartStatus = "in_progress" // signed for, being handled
	PartReported   PartStatus = "reported"    // reported done, by the co-department or for it by the lead
)

// Part is one co-department's share of a joint case (联办, DESIGN §4): the co-department signs
// for it and reports it with a result and a photo, each against a deadline of its own; the
// lead department closes the handling only once every part is reported, or reports for a part
// itself, saying why.
type Part struct {
	Department string     `json:"department"`
	Status     PartStatus `json:"status"`
	// SignDue and HandleDue are snapshotted by the caller on working time when the part is
	// dispatched, as the case's own deadlines are; zero when the city sets no limit.
	SignDue    time.Time `json:"sign_due,omitzero"`
	HandleDue  time.Time `json:"handle_due,omitzero"`
	SignedAt   time.Time `json:"signed_at,omitzero"`
	Result     string    `json:"result,omitempty"`
	Photos     []string  `json:"photos,omitempty"`
	ReportedBy string    `json:"reported_by,omitempty"` // who reported it (a username)
	ReportedAt time.Time `json:"reported_at,omitzero"`
	// Reason is why the lead reported for the part instead of its co-department; "" when the
	// co-department reported it.
	Reason string `json:"reason,omitempty"`
}

// Open reports whether the part still waits for its co-department's report.
func (p Part) Open() bool { return p.Status != PartReported }

// OpenParts returns the departments whose parts are not reported yet, in dispatch order.
func (c Case) OpenParts() []string {
	var out []string
	for _, p := range c.Parts {
		if p.Open() {
			out = append(out, p.Department)
		}
	}
	return out
}

// part returns the index of a department's part, or -1.
func (c Case) part(department string) int {
	return slices.IndexFunc(c.Parts, func(p Part) bool { return p.Department == department })
}

// The reasons a case may be rejected.
const (
	RejectInvalid    = "invalid"      // not a real problem, or not found on site
	RejectDuplicate  = "duplicate"    // already reported: the reporter is merged into MergedInto
	RejectOutOfScope = "out_of_scope" // not the city's business (e.g. a private dispute)
)

// Input is what an action carries, named as the API names the fields. Each action reads only
// the fields it needs; Decide names a missing one in its error.
type Input struct {
	Note   string `json:"note,omitempty"`   // comment text; verify's note (required when it fails); urge's reason
	Reason string `json:"reason,omitempty"` // reject, return, escalate, suspend, reopen, close
	Result string `json:"result,omitempty"` // handle and self_handle: what was done
	Pass   *bool  `json:"pass,omitempty"`   // verify
	Found  *bool  `json:"found,omitempty"`  // confirm
	// Department and CoDepartments are dispatch's lead department and joint handlers.
	Department    string   `json:"department,omitempty"`
	CoDepartments []string `json:"co_departments,omitempty"`
	Hours         int      `json:"hours,omitempty"`         // working hours asked (request_extension) or granted (approve_extension)
	Rating        int      `json:"rating,omitempty"`        // rate: 1–5
	MergedInto    string   `json:"merged_into,omitempty"`   // reject as duplicate: the original case's ticket
	RejectReason  string   `json:"reject_reason,omitempty"` // reject: invalid, duplicate or out_of_scope
	Photos        []string `json:"photos,omitempty"`        // references of photos stored by the caller
	// Kind, Category and Urgency let register correct what the reporter chose (empty = keep).
	Kind     CategoryKind `json:"kind,omitempty"`
	Category string       `json:"category,omitempty"`
	Urgency  Urgency      `json:"urgency,omitempty"`
	// Supporter identifies an anonymous "me too" (a device id); a signed-in supporter is
	// always their username.
	Supporter string `json:"supporter,omitempty"`
}

// Transition is what Decide and NewReport return: the case after the action and what the
// caller records in the timeline and audit log.
type Transition struct {
	Action Action
	From   Status // "" for the report that creates the case
	To     Status
	Case   Case
	Event  string // a short English description for the API and the audit log, e.g. "dispatched to 410802-CGJ"
	// EventCode and EventParams say the same as data (e.g. "dispatched" {department}), for
	// timelines and notices in the reader's language.
	EventCode   string
	EventParams errs.Params
	// GrantedHours is approve_extension's grant in working hours. Decide moves HandleDue by
	// as many wall-clock hours; the caller recomputes the deadline on working time.
	GrantedHours int
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
