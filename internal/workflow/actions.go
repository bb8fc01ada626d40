package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

const (
	// maxExtensionHours is a working year: a problem that needs longer is a suspension (挂账),
	// not an extension.
	maxExtensionHours = 2000
	// maxText bounds every free text (note, reason, result) in characters, so a timeline entry
	// stays readable and a paste accident cannot bloat the case.
	maxText = 2000
	// MaxSupporterBytes bounds an anonymous supporter's device id, and MaxSupporters the
	// supporters a case keeps: each is stored in the case's state, which every action reads and
	// writes whole, and anyone may say "me too" (20 supports of 2 MB ids once put 40 MB in one
	// case). A case with this many has made its point.
	MaxSupporterBytes = 64
	MaxSupporters     = 500
	// maxPhotos bounds the photos one action carries; a handling report needs a few, not an album.
	maxPhotos = 20
	// maxCode bounds a department code an action names.
	maxCode = 64
	// MaxUrgeNote bounds an urging's note (督办说明): a line the holder reads in a notice, not
	// a report.
	MaxUrgeNote = 500
	// ReopenWindow is how long after closing a case may still be reopened: by a leader
	// (DESIGN §4), or by its reporter saying it is not solved (没有解决).
	ReopenWindow = 7 * 24 * time.Hour
	// wrongState is the wire code of a refusal by the state machine; its message lists what
	// the caller may do instead.
	wrongStateCode = "wrong_state"
)

// Decide applies action a by principal p to case c at time now, or refuses it. Checks run
// from the outside in, so that a caller learns nothing about a case it may not touch:
//
//   - errs.Forbidden when p's role may never take the action, or the case lies outside p's
//     scope (region for centre staff and grid workers, the lead or a co-department for
//     handlers, the reporter for rate and for a reopen by the public);
//   - errs.Conflict with code "wrong_state" when the case's state forbids it, the message
//     listing the actions p may take now; "already_rated", "already_supported" and "too_late"
//     (reopen after 7 days) for the once-only and timed actions;
//   - errs.Invalid for missing or bad input, naming the field.
//
// System principals pass the role and scope checks but obey state and input like anyone.
// Decide never mutates c: the returned case is a copy with Status, Holder, Version+1 and
// the action's fields changed. Report and self_handle create cases; use NewReport for them.
func Decide(c Case, p *access.Principal, a Action, in Input, now time.Time) (Transition, error) {
	if _, err := ParseAction(string(a)); err != nil {
		return Transition{}, err
	}
	if err := permit(c, p, a); err != nil {
		return Transition{}, err
	}
	if err := notYourPart(c, p, a, in); err != nil {
		return Transition{}, err
	}
	if why, code, reason := refusal(c, p, a); why != "" {
		if code == wrongStateCode {
			return Transition{}, wrongState(c, p, a, reason, why)
		}
		params := errs.Params{"action": string(a)}
		if reason == ReasonSupportersFull {
			params["max"] = MaxSupporters
		}
		return Transition{}, errs.RefuseCoded(errs.Conflict, code, params, "cannot %s: %s", a, why)
	}
	if a == Reopen && (c.ClosedAt.IsZero() || now.Sub(c.ClosedAt) > ReopenWindow) {
		return Transition{}, errs.RefuseCoded(errs.Conflict, ReasonTooLate, errs.Params{"action": string(a), "days": int(ReopenWindow / (24 * time.Hour))},
			"cannot reopen: a case can be reopened only within 7 days of closing")
	}
	if err := validate(p, a, in); err != nil {
		return Transition{}, err
	}
	if err := validatePart(c, p, a, in); err != nil {
		return Transition{}, err
	}
	n := c.clone()
	t := Transition{Action: a, From: c.Status}
	if err := apply(&n, &t, p, a, in, now); err != nil {
		return Transition{}, err
	}
	n.Version = c.Version + 1
	t.To, t.Case = n.Status, n
	return t, nil
}

// Allowed lists the actions p may take on c now, state, role and scope all permitting, in the
// order of DESIGN's table. It cannot see the clock or the input, so Decide may still refuse a
// listed reopen as too late, or an anonymous support from a device that already supported.
func Allowed(c Case, p *access.Principal) []Action {
	var out []Action
	for _, a := range Actions {
		if permit(c, p, a) != nil {
			continue
		}
		if why, _, _ := refusal(c, p, a); why == "" {
			out = append(out, a)
		}
	}
	return out
}

func allowedText(c Case, p *access.Principal) string {
	if as := Allowed(c, p); len(as) > 0 {
		return join(as)
	}
	return "none"
}

// NewReport builds the case that a report or a self_handle creates. Anyone may report,
// including a nil principal (anonymous); a report lands with the subdistrict centre of its
// grid (属地). A grid worker covering the grid may self_handle (自行处置): the case is born
// closed, counted as a report and a handling. c carries what intake found (region path,
// category, urgency, verification flag, deadline); Kind, Category and Urgency fall back to
// in's when c leaves them empty, and urgency defaults to normal. The reporter is the signed-in
// user whoever c names, so nobody reports in another's name; only the system (a hotline
// import, say) keeps c.Reporter. A case an inspection found (c.Inspection) is always verified:
// its verification is the re-inspection.
func NewReport(p *access.Principal, a Action, c Case, in Input, now time.Time) (Transition, error) {
	switch a {
	case Report:
	case SelfHandle:
		system := p != nil && p.System
		if !system && (p == nil || p.User.Role != access.GridWorker) {
			return Transition{}, forbidden(ReasonRole, errs.Params{"role": roleOf(p), "action": string(a)}, "only grid workers may handle a problem themselves")
		}
		if !system && !p.Covers(c.RegionPath) {
			return Transition{}, forbidden(ReasonOutsideScope, errs.Params{"action": string(a)}, "the place lies outside your grids")
		}
	default:
		return Transition{}, errs.E(errs.Invalid, "%s does not create a case (want report or self_handle)", a)
	}
	if len(c.RegionPath) != 5 || slices.Contains(c.RegionPath, "") {
		return Transition{}, errs.E(errs.Invalid, "region_path must name the city, district, subdistrict, community and grid of the place")
	}
	n := Case{Version: 1, RegionPath: slices.Clone(c.RegionPath), Reporter: c.Reporter,
		VerificationRequired: c.VerificationRequired || c.Inspection, Inspection: c.Inspection, HandleDue: c.HandleDue,
		Kind: firstOf(c.Kind, in.Kind), Category: firstOf(c.Category, in.Category), Urgency: firstOf(c.Urgency, in.Urgency, UrgencyNormal)}
	if p == nil {
		n.Reporter = ""
	} else if !p.System {
		n.Reporter = p.User.Username
	}
	if _, err := ParseCategoryKind(string(n.Kind)); err != nil {
		return Transition{}, err
	}
	if !validCategory(n.Category) {
		return Transition{}, invalid(ReasonBadValue, errs.Params{"field": "category", "value": n.Category}, "category must be a 5-digit code, not %q", n.Category)
	}
	if a == SelfHandle && IsUnclassified(n.Kind, n.Category) {
		return Transition{}, unclassified(a)
	}
	if _, err := ParseUrgency(string(n.Urgency)); err != nil {
		return Transition{}, err
	}
	if err := validateCommon(in); err != nil {
		return Transition{}, err
	}
	t := Transition{Action: a}
	if a == Report {
		if strings.TrimSpace(in.Note) == "" && len(in.Photos) == 0 {
			return Transition{}, invalid(ReasonNoteOrPhoto, nil, "a report needs a description (note) or a photo (photos)")
		}
		n.Status, n.Holder = Reported, Holder{HolderCentre, n.Centre()}
		t.say("reported", errs.Params{"centre": n.Centre()}, "reported to centre "+n.Centre())
	} else {
		if err := needResultAndPhoto(in, "handling a problem yourself"); err != nil {
			return Transition{}, err
		}
		// The worker fixed it before anybody could be late or wrong: always 正常结案.
		n.Status, n.ClosedAt, n.ClosureType = Closed, now, ClosureNormal
		t.say("self_handled", nil, "reported and handled on the spot")
	}
	t.To, t.Case = n.Status, n
	return t, nil
}

// firstOf returns the first non-empty value.
func firstOf[T ~string](vs ...T) T {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// permit checks role and scope: whether p may ever take action a on this case, whatever its
// state. A refusal is Forbidden.
func permit(c Case, p *access.Principal, a Action) error {
	if p != nil && p.System {
		return nil // the console and jobs act for every role, in every scope
	}
	switch a {
	case Report, Support:
		return nil // anyone, including the anonymous public
	case SelfHandle:
		// It only ever creates a case; on an existing one the state refuses it.
		return needRole(p, a, access.GridWorker)
	case RequestCheck, Register, Reject:
		return centreScope(c, p, a, access.Operator, access.Leader)
	case Dispatch, Escalate:
		// Leaders register and verify but never dispatch: supervision and command stay apart (监管分离).
		return centreScope(c, p, a, access.Dispatcher)
	case ApproveExtension, DenyExtension, Suspend, Resume:
		return regionScope(c, p, a, access.Dispatcher)
	case Confirm:
		return regionScope(c, p, a, access.GridWorker)
	case Verify:
		if c.Inspection {
			// A failed checklist item is re-inspected (复查) by an inspector.
			return regionScope(c, p, a, access.GridWorker, access.Operator, access.Leader, access.Inspector)
		}
		return regionScope(c, p, a, access.GridWorker, access.Operator, access.Leader)
	case Reopen:
		// The reporter says the problem is not solved (没有解决); a leader reopens for any
		// reason. Another resident may not: it is the reporter's problem.
		if isReporter(c, p) {
			return nil
		}
		if p != nil && p.User.Role == access.Resident {
			return forbidden(ReasonNotReporter, errs.Params{"action": string(a)}, "only the reporter may say the case is not solved")
		}
		return regionScope(c, p, a, access.Leader)
	case Close:
		return regionScope(c, p, a, access.Leader)
	case Urge:
		return regionScope(c, p, a, Urgers...)
	case Accept, Return, Handle, RequestExtension:
		if err := needRole(p, a, access.Handler); err != nil {
			return err
		}
		// A co-department signs for and reports only its own part (联办); the case's state
		// follows the lead department.
		if c.Department == "" || p.User.Department != c.Department {
			return forbidden(ReasonNotLead, errs.Params{"action": string(a)}, "only the lead department of the case may %s it", a)
		}
	case AcceptPart:
		if err := needRole(p, a, access.Handler); err != nil {
			return err
		}
		// The lead signs for the whole case (accept), never for a co-department's part.
		if !coDepartment(c, p) {
			return forbidden(ReasonNotCoDepartment, errs.Params{"action": string(a)}, "only a co-department of the case signs for its part")
		}
	case ReportPart:
		if err := needRole(p, a, access.Handler); err != nil {
			return err
		}
		// A co-department reports its own part; the lead may report for a part, with a reason.
		if !coDepartment(c, p) && (c.Department == "" || p.User.Department != c.Department) {
			return forbidden(ReasonNotCoDepartment, errs.Params{"action": string(a)}, "only a co-department of the case, or its lead department, reports a part")
		}
	case Comment:
		if !involved(c, p) {
			return forbidden(ReasonNotInvolved, errs.Params{"action": string(a)}, "only staff responsible for the case and its reporter may comment on it")
		}
	case Rate:
		if !isReporter(c, p) {
			return forbidden(ReasonNotReporter, errs.Params{"action": string(a)}, "only the reporter may rate the case")
		}
	}
	return nil
}

func needRole(p *access.Principal, a Action, roles ...access.Role) error {
	if p == nil {
		return forbidden(ReasonSignIn, errs.Params{"action": string(a)}, "sign in to %s cases", a)
	}
	if !slices.Contains(roles, p.User.Role) {
		return forbidden(ReasonRole, errs.Params{"role": string(p.User.Role), "action": string(a)}, "a %s may not %s cases", p.User.Role, a)
	}
	return nil
}

// coDepartment reports whether p is a handler of one of the case's co-departments.
func coDepartment(c Case, p *access.Principal) bool {
	return p != nil && !p.System && p.User.Role == access.Handler && p.User.Department != "" &&
		p.User.Department != c.Department && slices.Contains(c.CoDepartments, p.User.Department)
}

// partDepartment is the department whose part a part action concerns: a co-department's own,
// whatever it names; for the lead and the system, the part named in the input.
func partDepartment(c Case, p *access.Principal, in Input) string {
	if coDepartment(c, p) {
		return p.User.Department
	}
	return strings.TrimSpace(in.Department)
}

// notYourPart refuses a co-department naming another department's part: it acts on its own
// part only. Checked before the state, as scope is.
func notYourPart(c Case, p *access.Principal, a Action, in Input) error {
	if (a != AcceptPart && a != ReportPart) || !coDepartment(c, p) {
		return nil
	}
	if d := strings.TrimSpace(in.Department); d != "" && d != p.User.Department {
		return forbidden(ReasonNotYourPart, errs.Params{"action": string(a), "department": d}, "%s is not your department's part: you act on your own part only", d)
	}
	return nil
}

// regionScope admits the roles when p's region scope (or grids) covers the case's grid.
func regionScope(c Case, p *access.Principal, a Action, roles ...access.Role) error {
	if err := needRole(p, a, roles...); err != nil {
		return err
	}
	if !p.Covers(c.RegionPath) {
		return forbidden(ReasonOutsideScope, errs.Params{"action": string(a)}, "the case lies outside your scope")
	}
	return nil
}

// centreScope admits the roles when p's scope covers the centre that holds the case, not
// only its grid: once a subdistrict escalates a case to the district (吹哨报到), the district
// registers and dispatches it and the subdistrict centre no longer may.
func centreScope(c Case, p *access.Principal, a Action, roles ...access.Role) error {
	if err := needRole(p, a, roles...); err != nil {
		return err
	}
	path := c.RegionPath
	if i := slices.Index(path, c.Centre()); i >= 0 {
		path = path[:i+1]
	}
	if !p.Covers(path) {
		if p.Covers(c.RegionPath) {
			return forbidden(ReasonAboveScope, errs.Params{"action": string(a), "centre": c.Centre()}, "the case is with the centre of %s, above your scope", c.Centre())
		}
		return forbidden(ReasonOutsideScope, errs.Params{"action": string(a)}, "the case lies outside your scope")
	}
	return nil
}

// involved reports whether p may follow the case's conversation: its reporter, staff whose
// region covers it, and handlers of its lead or co-departments. Residents other than the
// reporter and the anonymous public only support.
func involved(c Case, p *access.Principal) bool {
	if p == nil {
		return false
	}
	if p.System || isReporter(c, p) {
		return true
	}
	switch p.User.Role {
	case access.Resident:
		return false
	case access.Handler:
		d := p.User.Department
		return d != "" && (d == c.Department || slices.Contains(c.CoDepartments, d))
	}
	return p.Covers(c.RegionPath)
}

// ReporterReopens reports whether a reopen of c by p is its reporter's "not solved" (没有解决),
// which goes back to the centre, rather than a leader's, which goes back to the department. A
// leader who reported the case reopens it as a leader when it lies in their scope.
func ReporterReopens(c Case, p *access.Principal) bool {
	return isReporter(c, p) && regionScope(c, p, Reopen, access.Leader) != nil
}

// isReporter reports whether p reported the case signed in, whatever p's role: a grid worker
// who reported on patrol follows the case like a resident does.
func isReporter(c Case, p *access.Principal) bool {
	return p != nil && c.Reporter != "" && p.User.Username == c.Reporter
}

// refusal says why the case's state forbids action a by p, with the conflict's wire code and
// its finer reason; "" when it does not.
func refusal(c Case, p *access.Principal, a Action) (why, code, reason string) {
	if from := sources(a); from != nil && !slices.Contains(from, c.Status) {
		if a == Report || a == SelfHandle {
			return "the case has already been reported", wrongStateCode, ReasonAlreadyReported
		}
		return fmt.Sprintf("the case is %s", c.Status), wrongStateCode, ReasonWrongState
	}
	switch a {
	case RequestCheck:
		if c.CheckPending {
			return "an on-site check is already pending", wrongStateCode, ReasonCheckPending
		}
	case Confirm:
		if !c.CheckPending {
			return "no on-site check was requested", wrongStateCode, ReasonNoCheck
		}
	case Register:
		// Registering before the grid has answered would decide without the facts asked for.
		if c.CheckPending {
			return "an on-site check is pending", wrongStateCode, ReasonCheckPending
		}
	case Escalate:
		if slices.Index(c.RegionPath, c.Centre()) <= 0 {
			return "the case is already with the city centre, the top level", wrongStateCode, ReasonTopLevel
		}
	case Handle:
		if len(c.OpenParts()) > 0 {
			return "co-departments have not reported their parts: " + strings.Join(c.OpenParts(), ", "), wrongStateCode, ReasonPartsUnreported
		}
	case AcceptPart:
		if coDepartment(c, p) {
			return ownPartRefusal(c, p.User.Department, PartDispatched)
		}
		if !slices.ContainsFunc(c.Parts, func(pt Part) bool { return pt.Status == PartDispatched }) {
			return "no part waits to be signed for", wrongStateCode, ReasonNoOpenParts
		}
	case ReportPart:
		if coDepartment(c, p) {
			return ownPartRefusal(c, p.User.Department, PartInProgress)
		}
		// The lead reports for a part once it has signed for the case itself.
		if c.Status != InProgress {
			return fmt.Sprintf("the case is %s", c.Status), wrongStateCode, ReasonWrongState
		}
		if len(c.OpenParts()) == 0 {
			return "every part is reported", wrongStateCode, ReasonNoOpenParts
		}
	case RequestExtension:
		if c.ExtensionAsked > 0 {
			return "an extension request is already pending", wrongStateCode, ReasonExtensionPending
		}
	case ApproveExtension, DenyExtension:
		if c.ExtensionAsked == 0 {
			return "no extension was requested", wrongStateCode, ReasonNoExtension
		}
	case Rate:
		if c.Rating > 0 {
			return "the case has already been rated", ReasonAlreadyRated, ReasonAlreadyRated
		}
	case Support:
		if c.Status.Terminal() {
			return fmt.Sprintf("the case is %s", c.Status), wrongStateCode, ReasonWrongState
		}
		if p != nil && !p.System && slices.Contains(c.Supporters, p.User.Username) {
			return "you already support the case", ReasonAlreadySupported, ReasonAlreadySupported
		}
		if len(c.Supporters) >= MaxSupporters {
			return fmt.Sprintf("the case has %d supporters, the most it keeps", len(c.Supporters)), ReasonSupportersFull, ReasonSupportersFull
		}
	}
	return "", "", ""
}

// ownPartRefusal says why a co-department's part is not in the status want: it has no part
// (a case dispatched before parts existed), or the part is ahead or behind.
func ownPartRefusal(c Case, department string, want PartStatus) (why, code, reason string) {
	i := c.part(department)
	switch {
	case i < 0:
		return "the case has no part of " + department, wrongStateCode, ReasonNoPart
	case c.Parts[i].Status == want:
		return "", "", ""
	case c.Parts[i].Status == PartReported:
		return "the part of " + department + " is already reported", wrongStateCode, ReasonPartReported
	case want == PartInProgress:
		return "sign for the part first", wrongStateCode, ReasonPartNotSigned
	}
	return "the part of " + department + " is already signed for", wrongStateCode, ReasonPartSigned
}

// sources lists the statuses action a starts from; nil when any status will do.
func sources(a Action) []Status {
	switch a {
	case Report, SelfHandle:
		return []Status{} // they create cases: no existing state admits them
	case RequestCheck, Confirm, Register, Reject:
		return []Status{Reported}
	case Dispatch, Escalate:
		return []Status{Registered}
	case Accept:
		return []Status{Dispatched}
	case AcceptPart, ReportPart:
		// A part moves while the case is with its departments and the clocks run; a suspended
		// case waits as a whole.
		return []Status{Dispatched, InProgress}
	case Return:
		return []Status{Dispatched, InProgress}
	case Handle, RequestExtension, ApproveExtension, DenyExtension, Suspend:
		return []Status{InProgress}
	case Resume:
		return []Status{Suspended}
	case Verify:
		return []Status{Handled}
	case Reopen, Rate:
		return []Status{Closed}
	case Close:
		// From registration on: before it, a case that should not go on is rejected instead.
		return []Status{Registered, Dispatched, InProgress, Handled, Suspended}
	case Urge:
		// Any open case: someone holds it, and can be pressed.
		return []Status{Reported, Registered, Dispatched, InProgress, Handled, Suspended}
	}
	return nil // comment, support (support's terminal states are refused in refusal)
}

// validate checks the input action a needs, naming the field at fault.
func validate(p *access.Principal, a Action, in Input) error {
	// Before the common bound, so that a long note hears the urging's own limit.
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Note)); a == Urge && n > MaxUrgeNote {
		return invalid(ReasonTooLong, errs.Params{"field": "note", "max": MaxUrgeNote, "length": n}, "note has %d characters; an urging's note has at most %d", n, MaxUrgeNote)
	}
	if err := validateCommon(in); err != nil {
		return err
	}
	switch a {
	case Confirm:
		if in.Found == nil {
			return errs.Required("found", "found is required: say whether the problem was found on site")
		}
	case Register:
		if in.Kind != "" {
			if _, err := ParseCategoryKind(string(in.Kind)); err != nil {
				return err
			}
		}
		if in.Category != "" && !validCategory(in.Category) {
			return invalid(ReasonBadValue, errs.Params{"field": "category", "value": in.Category}, "category must be a 5-digit code, not %q", in.Category)
		}
		if in.Urgency != "" {
			if _, err := ParseUrgency(string(in.Urgency)); err != nil {
				return err
			}
		}
	case Reject:
		switch in.RejectReason {
		case RejectInvalid, RejectOutOfScope:
			if in.MergedInto != "" {
				return invalid(ReasonDuplicateOnly, errs.Params{"field": "merged_into"}, "merged_into goes only with reject_reason duplicate")
			}
		case RejectDuplicate:
			if strings.TrimSpace(in.MergedInto) == "" {
				return errs.Required("merged_into", "merged_into is required to reject a duplicate: the ticket of the original case")
			}
		case "":
			return errs.Required("reject_reason", "reject_reason is required: invalid, duplicate or out_of_scope")
		default:
			return invalid(ReasonBadValue, errs.Params{"field": "reject_reason", "value": in.RejectReason}, "reject_reason must be invalid, duplicate or out_of_scope, not %q", in.RejectReason)
		}
		// The reporter is told why; a code alone reads as a brush-off.
		return needReason(in, "reject a case")
	case Dispatch:
		if strings.TrimSpace(in.Department) == "" {
			return errs.Required("department", "department is required to dispatch a case")
		}
		for i, d := range in.CoDepartments {
			switch {
			case strings.TrimSpace(d) == "":
				return invalid(ReasonCoDepartment, errs.Params{"department": ""}, "co_departments: entry %d is empty", i+1)
			case d == in.Department:
				return invalid(ReasonCoDepartment, errs.Params{"department": d}, "co_departments: %s is already the lead department", d)
			case slices.Contains(in.CoDepartments[:i], d):
				return invalid(ReasonCoDepartment, errs.Params{"department": d}, "co_departments: %s is named twice", d)
			}
		}
	case Escalate:
		return needReason(in, "escalate a case")
	case Return:
		return needReason(in, "return a case")
	case Handle:
		return needResultAndPhoto(in, "handling a case")
	case AcceptPart, ReportPart:
		if utf8.RuneCountInString(in.Department) > maxCode {
			return invalid(ReasonTooLong, errs.Params{"field": "department", "max": maxCode, "length": utf8.RuneCountInString(in.Department)}, "department is too long")
		}
	case RequestExtension, ApproveExtension:
		if in.Hours < 1 || in.Hours > maxExtensionHours {
			return invalid(ReasonOutOfRange, errs.Params{"field": "hours", "min": 1, "max": maxExtensionHours}, "hours must be between 1 and %d working hours, not %d", maxExtensionHours, in.Hours)
		}
	case Suspend:
		return needReason(in, "suspend a case")
	case Verify:
		if in.Pass == nil {
			return errs.Required("pass", "pass is required: say whether the handling passed verification")
		}
		// The department must learn what to redo; a bare "fail" sends it back blind.
		if !*in.Pass && strings.TrimSpace(in.Note) == "" {
			return errs.Required("note", "note is required when verification fails: say what is still wrong")
		}
	case Reopen:
		return needReason(in, "reopen a case")
	case Close:
		return needReason(in, "close a case specially")
	case Comment:
		if strings.TrimSpace(in.Note) == "" {
			return errs.Required("note", "note is required: the comment's text")
		}
	case Rate:
		if in.Rating < 1 || in.Rating > 5 {
			return invalid(ReasonOutOfRange, errs.Params{"field": "rating", "min": 1, "max": 5}, "rating must be 1 to 5, not %d", in.Rating)
		}
	case Support:
		if (p == nil || p.System) && strings.TrimSpace(in.Supporter) == "" {
			return errs.Required("supporter", "supporter is required for an anonymous \"me too\": the device id")
		}
		if n := len(in.Supporter); n > MaxSupporterBytes {
			return invalid(ReasonTooLong, errs.Params{"field": "supporter", "max": MaxSupporterBytes, "length": n},
				"supporter has %d bytes; a device id has at most %d", n, MaxSupporterBytes)
		}
	}
	return nil
}

// validateCommon bounds the fields any action may carry.
func validateCommon(in Input) error {
	for _, f := range [...]struct{ name, text string }{{"note", in.Note}, {"reason", in.Reason}, {"result", in.Result}} {
		if n := utf8.RuneCountInString(f.text); n > maxText {
			return invalid(ReasonTooLong, errs.Params{"field": f.name, "max": maxText, "length": n}, "%s has %d characters; at most %d are allowed", f.name, n, maxText)
		}
	}
	if len(in.Photos) > maxPhotos {
		return invalid(ReasonTooManyPhotos, errs.Params{"max": maxPhotos}, "photos: %d given; at most %d are allowed", len(in.Photos), maxPhotos)
	}
	if slices.Contains(in.Photos, "") {
		return errs.Required("photos", "photos: an entry is empty")
	}
	return nil
}

// validatePart checks a part action's input against the case: a co-department's report
// carries its result and photo; the lead (or the system) names an open part and, for a
// report, says why it reports for the co-department.
func validatePart(c Case, p *access.Principal, a Action, in Input) error {
	if a != AcceptPart && a != ReportPart {
		return nil
	}
	co := coDepartment(c, p)
	if co && a == ReportPart {
		return needResultAndPhoto(in, "reporting a part")
	}
	if co {
		return nil
	}
	d := partDepartment(c, p, in)
	if d == "" {
		return errs.Required("department", "department is required: the co-department whose part this is")
	}
	i := c.part(d)
	if i < 0 {
		return invalid(ReasonNoPart, errs.Params{"field": "department", "department": d}, "the case has no part of %s", d)
	}
	want := PartDispatched
	if a == ReportPart {
		want = PartInProgress
	}
	if st := c.Parts[i].Status; st == PartReported || (a == AcceptPart && st != want) {
		why, _, reason := ownPartRefusal(c, d, want)
		return partConflict(c, p, a, reason, d, why)
	}
	if a == ReportPart {
		// The co-department did not report: the timeline must say why the lead did.
		return needReason(in, "report a co-department's part")
	}
	return nil
}

// partConflict refuses a part action because of the part's state, as wrong_state.
func partConflict(c Case, p *access.Principal, a Action, reason, department, why string) error {
	err := wrongState(c, p, a, reason, why).(*errs.Error)
	err.Params["department"] = department
	return err
}

func needReason(in Input, what string) error {
	if strings.TrimSpace(in.Reason) == "" {
		return errs.Required("reason", "reason is required to %s", what)
	}
	return nil
}

func needResultAndPhoto(in Input, what string) error {
	if strings.TrimSpace(in.Result) == "" {
		return errs.Required("result", "result is required when %s: say what was done", what)
	}
	if len(in.Photos) == 0 {
		return invalid(ReasonPhotoRequired, errs.Params{"field": "photos"}, "photos: at least one photo of the result is required when %s", what)
	}
	return nil
}

// unclassified refuses to register (or self-handle) a case as 不确定/其他: its category is
// for the reporter who cannot tell, and whoever takes the case in decides it.
func unclassified(a Action) error {
	return invalid(ReasonUnclassified, errs.Params{"action": string(a)}, "%s needs the case's real category, not %s %s (不确定/其他)", a, Matter, UnclassifiedCode)
}

func validCategory(code string) bool { return len(code) == 5 && digits(code) }

// apply changes n, a copy of the case, as action a does, and describes it in t.
func apply(n *Case, t *Transition, p *access.Principal, a Action, in Input, now time.Time) error {
	centre := Holder{HolderCentre, n.Centre()}
	lead := Holder{HolderDepartment, n.Department}
	switch a {
	case RequestCheck:
		n.CheckPending, n.Holder = true, Holder{HolderGridWorker, n.Grid()}
		t.say("check_requested", errs.Params{"grid": n.Grid()}, "on-site check requested from grid "+n.Grid())
	case Confirm:
		n.CheckPending, n.Holder = false, centre
		t.say("check_found", nil, "on-site check: found")
		if !*in.Found {
			t.say("check_not_found", nil, "on-site check: not found")
		}
	case Register:
		n.Status = Registered
		if n.RegisteredAt.IsZero() {
			n.RegisteredAt = now
		}
		t.say("registered", errs.Params{}, "registered")
		if in.Kind != "" || in.Category != "" {
			n.Kind, n.Category = firstOf(in.Kind, n.Kind), firstOf(in.Category, n.Category)
			t.Event += fmt.Sprintf("; category corrected to %s %s", n.Kind, n.Category)
			t.EventParams["kind"], t.EventParams["category"] = string(n.Kind), n.Category
		}
		if IsUnclassified(n.Kind, n.Category) {
			return unclassified(a)
		}
		if in.Urgency != "" && in.Urgency != n.Urgency {
			n.Urgency = in.Urgency
			t.Event += "; urgency corrected to " + string(n.Urgency)
			t.EventParams["urgency"] = string(n.Urgency)
		}
	case Reject:
		n.Status, n.Holder, n.CheckPending = Rejected, Holder{}, false
		n.RejectReason, n.MergedInto = in.RejectReason, in.MergedInto
		t.say("rejected", errs.Params{"reject_reason": in.RejectReason}, "rejected: "+in.RejectReason)
		if in.MergedInto != "" {
			t.Event = "rejected: duplicate of " + in.MergedInto
			t.EventParams["merged_into"] = in.MergedInto
		}
	case Dispatch:
		n.Status, n.Department, n.CoDepartments = Dispatched, in.Department, slices.Clone(in.CoDepartments)
		n.Holder = Holder{HolderDepartment, in.Department}
		n.Parts = newParts(in.CoDepartments)
		t.say("dispatched", errs.Params{"department": in.Department}, "dispatched to "+in.Department)
		if len(in.CoDepartments) > 0 {
			t.Event += " with " + strings.Join(in.CoDepartments, ", ")
			t.EventParams["co_departments"] = slices.Clone(in.CoDepartments)
		}
	case Escalate:
		n.Counters.Escalations++
		n.Holder = Holder{HolderCentre, n.Centre()}
		t.say("escalated", errs.Params{"centre": n.Centre()}, "escalated to centre "+n.Centre())
	case Accept:
		n.Status = InProgress
		t.say("accepted", errs.Params{"department": n.Department}, "signed for by "+n.Department)
	case AcceptPart:
		d := partDepartment(*n, p, in)
		pt := &n.Parts[n.part(d)]
		pt.Status, pt.SignedAt = PartInProgress, now
		t.say("part_accepted", errs.Params{"department": d}, "part signed for by "+d)
	case ReportPart:
		d := partDepartment(*n, p, in)
		pt := &n.Parts[n.part(d)]
		pt.Status, pt.ReportedBy, pt.ReportedAt = PartReported, p.Name(), now
		pt.Result, pt.Photos = strings.TrimSpace(in.Result), slices.Clone(in.Photos)
		if coDepartment(*n, p) {
			t.say("part_reported", errs.Params{"department": d}, "part reported by "+d)
		} else {
			pt.Reason = strings.TrimSpace(in.Reason)
			t.say("part_reported_for", errs.Params{"department": d, "lead": n.Department}, "part of "+d+" reported by the lead department: "+pt.Reason)
		}
	case Return:
		t.say("returned", errs.Params{"department": n.Department}, "returned by "+n.Department)
		// The parts go with the dispatch they belonged to; a new dispatch makes new ones.
		n.Status, n.Holder, n.Department, n.CoDepartments, n.Parts = Registered, centre, "", nil, nil
		n.Counters.Returns++
		n.WrongDispatch, n.ExtensionAsked = true, 0
	case Handle:
		n.ExtensionAsked = 0 // a pending request lapses: the work is done
		if n.VerificationRequired {
			n.Status, n.Holder = Handled, Holder{HolderGridWorker, n.Grid()}
			t.say("handled", errs.Params{"grid": n.Grid()}, "handled; verification sent to grid "+n.Grid())
		} else {
			closeCase(n, now, closure(*n, now))
			t.say("handled_closed", errs.Params{"closure": string(n.ClosureType)}, fmt.Sprintf("handled and closed (%s)", n.ClosureType))
		}
	case RequestExtension:
		n.ExtensionAsked = in.Hours
		t.say("extension_asked", errs.Params{"hours": in.Hours}, fmt.Sprintf("extension of %d working hours asked", in.Hours))
	case ApproveExtension:
		if !n.HandleDue.IsZero() {
			n.HandleDue = n.HandleDue.Add(time.Duration(in.Hours) * time.Hour)
		}
		n.ExtensionAsked, t.GrantedHours = 0, in.Hours
		n.Counters.Extensions++
		t.say("extension_granted", errs.Params{"hours": in.Hours}, fmt.Sprintf("extension of %d working hours granted", in.Hours))
	case DenyExtension:
		t.say("extension_denied", errs.Params{"hours": n.ExtensionAsked}, fmt.Sprintf("extension of %d working hours denied", n.ExtensionAsked))
		n.ExtensionAsked = 0
	case Suspend:
		n.Status = Suspended
		t.say("suspended", nil, "suspended")
	case Resume:
		n.Status = InProgress
		t.say("resumed", nil, "resumed")
	case Verify:
		if *in.Pass {
			closeCase(n, now, closure(*n, now))
			t.say("verified_closed", errs.Params{"closure": string(n.ClosureType)}, fmt.Sprintf("verified and closed (%s)", n.ClosureType))
		} else {
			n.Status, n.Holder = InProgress, lead
			n.Counters.Rework++
			t.say("verify_failed", errs.Params{"department": n.Department}, "verification failed; back to "+n.Department+" for rework")
			// Rework is the joint work's: every part reopens, signed for already, on the
			// deadline it had; the lead may report for a part the failure does not concern.
			for i := range n.Parts {
				pt := &n.Parts[i]
				pt.Status, pt.Result, pt.Photos, pt.ReportedBy, pt.ReportedAt, pt.Reason = PartInProgress, "", nil, "", time.Time{}, ""
			}
			if len(n.Parts) > 0 {
				t.Event += " with " + strings.Join(n.CoDepartments, ", ")
				t.EventParams["co_departments"] = slices.Clone(n.CoDepartments)
			}
		}
	case Reopen:
		// A case closed without a department (self-handled, or specially closed before
		// dispatch) has nobody to go back to, so it returns to its centre for dispatch. The
		// reporter's "not solved" goes to the centre too: the centre judges it and dispatches
		// again (to the same department or another), or closes it specially with its reason.
		if ReporterReopens(*n, p) {
			n.Status, n.Holder = Registered, centre
			n.Department, n.CoDepartments, n.Parts, n.ExtensionAsked = "", nil, nil, 0
			t.say("reopened_by_reporter", errs.Params{"centre": n.Centre()}, "the reporter says it is not solved; reopened to centre "+n.Centre())
		} else if n.Department != "" {
			n.Status, n.Holder = Dispatched, lead
			t.say("reopened_dispatched", errs.Params{"department": n.Department}, "reopened and dispatched to "+n.Department)
			// As dispatched again: every co-department signs for its part anew, on new clocks.
			if len(n.Parts) > 0 {
				n.Parts = newParts(n.CoDepartments)
			}
		} else {
			n.Status, n.Holder = Registered, centre
			t.say("reopened", errs.Params{"centre": n.Centre()}, "reopened to centre "+n.Centre())
		}
		// The rating judged the closure now undone; the reporter rates the next one.
		n.ClosedAt, n.ClosureType, n.Rating = time.Time{}, "", 0
	case Close:
		n.CheckPending, n.ExtensionAsked = false, 0
		closeCase(n, now, ClosureSpecial)
		t.say("closed_special", nil, "closed specially by a leader")
	case Comment:
		t.say("comment", nil, "comment")
	case Urge:
		n.Counters.Urges++
		n.UrgedAt = now
		urge(t, n.Holder, strings.TrimSpace(in.Note))
	case Rate:
		n.Rating = in.Rating
		t.say("rated", errs.Params{"rating": in.Rating}, fmt.Sprintf("rated %d", in.Rating))
	case Support:
		who := in.Supporter
		if p != nil && !p.System {
			who = p.User.Username
		}
		if slices.Contains(n.Supporters, who) {
			return errs.RefuseCoded(errs.Conflict, ReasonAlreadySupported, errs.Params{"action": string(a)}, "cannot support: %s already supports the case", who)
		}
		n.Supporters = append(n.Supporters, who)
		n.Counters.Supports++
		t.say("supported", errs.Params{"supports": n.Counters.Supports}, fmt.Sprintf("supported (%d in all)", n.Counters.Supports))
	default:
		return errs.E(errs.Internal, "workflow: no transition for %s", a) // unreachable: refusal stops report and self_handle
	}
	return nil
}

// Urgers are the roles that urge cases (督办): supervision presses whoever holds a case, the
// supervision centre's leader and the command centre that dispatches; never the holder itself.
var Urgers = []access.Role{access.Leader, access.Dispatcher}

// urge describes an urging: the party pressed (the holder, by kind) and the note, which the
// holder reads in its notice. Evaluation counts the urging for the department named here, the
// one holding the case at that moment.
func urge(t *Transition, h Holder, note string) {
	params, whom := errs.Params{}, h.Code
	switch h.Kind {
	case HolderDepartment:
		params[UrgedDepartment] = h.Code
	case HolderCentre:
		params["to_centre"] = h.Code
		whom = "centre " + h.Code
	case HolderGridWorker:
		params["to_grid"] = h.Code
		whom = "the grid workers of " + h.Code
	}
	english := "urged " + whom
	if note != "" {
		params["note"] = note
		english += ": " + note // the holder's notice says why
	}
	t.say("urged", params, english)
}

// UrgedDepartment is the param of an urging's event naming the department that held the case
// when it was urged; absent when a centre or the grid held it.
const UrgedDepartment = "to_department"

// newParts returns a fresh part for each co-department, waiting to be signed for; the caller
// snapshots their deadlines.
func newParts(coDepartments []string) []Part {
	if len(coDepartments) == 0 {
		return nil
	}
	out := make([]Part, len(coDepartments))
	for i, d := range coDepartments {
		out[i] = Part{Department: d, Status: PartDispatched}
	}
	return out
}

// closure is the type a case closing normally at now gets: a wrong dispatch or rework on the
// way outweighs lateness, because 差错结案 names the cause a department must fix.
func closure(c Case, now time.Time) ClosureType {
	switch {
	case c.WrongDispatch || c.Counters.Rework > 0:
		return ClosureError
	case !c.HandleDue.IsZero() && now.After(c.HandleDue):
		return ClosureLate
	}
	return ClosureNormal
}

func closeCase(n *Case, now time.Time, kind ClosureType) {
	n.Status, n.Holder, n.ClosedAt, n.ClosureType = Closed, Holder{}, now, kind
}
