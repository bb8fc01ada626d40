package workflow

import (
	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// The reasons of the refusals Decide and NewReport give, beside their wire codes: pages word
// each in the reader's language from its params, the API shows them with the English message.
const (
	ReasonWrongState       = "wrong_state"        // {action, status, allowed}: the status forbids the action
	ReasonAlreadyReported  = "already_reported"   // {action}: report or self_handle on an existing case
	ReasonCheckPending     = "check_pending"      // {action, status, allowed}
	ReasonNoCheck          = "no_check_requested" // {action, status, allowed}
	ReasonTopLevel         = "top_level"          // {action, status, allowed}: escalate at the city centre
	ReasonExtensionPending = "extension_pending"  // {action, status, allowed}
	ReasonNoExtension      = "no_extension"       // {action, status, allowed}
	ReasonAlreadyRated     = "already_rated"      // {action}
	ReasonAlreadySupported = "already_supported"  // {action}
	ReasonSupportersFull   = "supporters_full"    // {action, max}: the case keeps no more supporters
	ReasonTooLate          = "too_late"           // {action, days}: reopen after the window
	ReasonSignIn           = "sign_in"            // {action}: anonymous, and the action needs a role
	ReasonRole             = "role_forbidden"     // {role, action}
	ReasonOutsideScope     = "outside_scope"      // {action}: the case lies outside the caller's region or grids
	ReasonAboveScope       = "above_scope"        // {action, centre}: an escalated case's centre is above the caller
	ReasonNotLead          = "not_lead_department"
	ReasonNotInvolved      = "not_involved"
	ReasonNotReporter      = "not_reporter"
	ReasonPhotoRequired    = "photo_required"  // {action}: the result needs a photo
	ReasonNoteOrPhoto      = "note_or_photo"   // a report needs a description or a photo
	ReasonTooLong          = "too_long"        // {field, max, length}
	ReasonTooManyPhotos    = "too_many_photos" // {max}
	ReasonOutOfRange       = "out_of_range"    // {field, min, max}
	ReasonBadValue         = "bad_value"       // {field, value}: not one of the accepted values or forms
	ReasonDuplicateOnly    = "merged_into_duplicate_only"
	ReasonUnclassified     = "unclassified"      // {action}: register or self_handle keeps the category 不确定/其他
	ReasonCoDepartment     = "bad_co_department" // {department}
	// Joint handling (联办).
	ReasonPartsUnreported = "parts_unreported"  // {action, status, allowed, departments}: handle while co-departments' parts are open
	ReasonNotCoDepartment = "not_co_department" // {action}: a part action by a department with no part in the case
	ReasonNotYourPart     = "not_your_part"     // {action, department}: a co-department names another department's part
	ReasonNoPart          = "no_part"           // {department}: the case has no part of that department
	ReasonPartSigned      = "part_signed"       // {action, department}: the part is already signed for
	ReasonPartNotSigned   = "part_not_signed"   // {action, department}: report a part before signing for it
	ReasonPartReported    = "part_reported"     // {action, department}: the part is already reported
	ReasonNoOpenParts     = "no_open_parts"     // {action, status, allowed}: every part is reported (or none waits to be signed for)
)

// wrongState refuses an action the case's state forbids. The reason is finer than the wire
// code, which stays "wrong_state" for every state refusal as clients match on it.
func wrongState(c Case, p *access.Principal, a Action, reason, why string) error {
	allowed := Allowed(c, p)
	list := make([]string, len(allowed))
	for i, x := range allowed {
		list[i] = string(x)
	}
	params := errs.Params{"action": string(a), "status": string(c.Status), "allowed": list}
	switch {
	case reason == ReasonPartsUnreported:
		params["departments"] = c.OpenParts()
	case coDepartment(c, p) && (a == AcceptPart || a == ReportPart):
		params["department"] = p.User.Department // the part the refusal is about
	}
	return &errs.Error{Kind: errs.Conflict, Code: wrongStateCode, Reason: reason, Params: params,
		Message: "cannot " + string(a) + ": " + why + " (allowed now: " + allowedText(c, p) + ")"}
}

// forbidden refuses by role or scope; the wire code stays "forbidden".
func forbidden(reason string, params errs.Params, format string, args ...any) error {
	return errs.Refuse(errs.Forbidden, reason, params, format, args...)
}

// invalid refuses an input; the wire code stays "invalid".
func invalid(reason string, params errs.Params, format string, args ...any) error {
	return errs.Refuse(errs.Invalid, reason, params, format, args...)
}

// roleOf names p's role for a refusal; "" for the anonymous public.
func roleOf(p *access.Principal) string {
	if p == nil {
		return ""
	}
	return string(p.User.Role)
}

// say describes the transition twice: in English for the API and the audit log, and as a code
// with params for pages in the reader's language.
func (t *Transition) say(code string, params errs.Params, english string) {
	if params == nil {
		params = errs.Params{}
	}
	t.Event, t.EventCode, t.EventParams = english, code, params
}
