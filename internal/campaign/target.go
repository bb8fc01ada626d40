package campaign

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// State is where a target stands.
type State string

// A target's states.
const (
	Open       State = "open"        // 待整治: nothing under way
	InProgress State = "in_progress" // 整治中: its rectification case is open
	Done       State = "done"        // 已整改: its case closed, waiting for an inspector's check
	Verified   State = "verified"    // 已验收: an inspector checked it on site
	Exempt     State = "exempt"      // 已豁免: taken off the list, with a reason its owner approved
)

// States lists every state in the order of a target's life.
var States = []State{Open, InProgress, Done, Verified, Exempt}

// Remaining reports whether a target in this state is still to do. A target not yet listed
// ("") is not.
func (s State) Remaining() bool { return s == Open || s == InProgress }

// Delta is what a move from one state to another does to the count of remaining targets: +1
// for a target listed (from "") or reopened, −1 for one done or exempted, else 0.
func Delta(from, to State) int { return b2i(to.Remaining()) - b2i(from.Remaining()) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Action is what moves a target.
type Action string

// The actions people take on a target.
const (
	OpenCase      Action = "open_case"      // open its rectification: a case (source campaign) is reported
	MarkDone      Action = "done"           // only once its case is closed; the closure itself does it
	Verify        Action = "verify"         // an inspector's check on site passed (验收)
	RequestExempt Action = "exempt"         // ask to take it off the list, with a reason
	ApproveExempt Action = "approve_exempt" // the owner department agrees
	DenyExempt    Action = "deny_exempt"    // the owner department does not
	Reopen        Action = "reopen"         // a later check failed: back on the list, with a reason
)

// What happens to a target without anyone acting on it: it is listed, and its case moves.
const (
	Added        Action = "added"
	CaseClosed   Action = "case_closed"   // the rectification case closed: done
	CaseReopened Action = "case_reopened" // the closed case was reopened: in progress again
	CaseDropped  Action = "case_dropped"  // the case was rejected (invalid, duplicate …): open again
)

// Actions lists the actions people take, in the order of a target's life.
var Actions = []Action{OpenCase, MarkDone, Verify, RequestExempt, ApproveExempt, DenyExempt, Reopen}

// ParseAction returns the action people may name.
func ParseAction(s string) (Action, error) {
	a := Action(s)
	if !slices.Contains(Actions, a) {
		return "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "action", "value": s},
			"action must be one of %s, not %q", strings.Join(names(Actions), ", "), s)
	}
	return a, nil
}

// Target is one thing on a campaign's list: an evaluation site, or an asset imported for the
// campaign (a dry toilet, a breeding site), located to its unit grid.
type Target struct {
	ID         int64    `json:"id"`
	CampaignID int64    `json:"campaign_id"`
	Key        string   `json:"-"` // what makes two targets of a campaign the same
	SiteCode   string   `json:"site,omitempty"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Address    string   `json:"address"`
	Lon        float64  `json:"lon"` // WGS-84, as stored
	Lat        float64  `json:"lat"`
	InputCRS   string   `json:"-"`
	Unit       string   `json:"unit"` // the responsible unit (责任单位)
	Grid       string   `json:"grid"`
	RegionPath []string `json:"region_path"` // codes from the city down to the grid
	State      State    `json:"state"`
	// CaseID is its rectification case: the open one while in progress, else the last; 0 none.
	CaseID int64  `json:"case_id,omitempty"`
	DueOn  string `json:"due_on"`
	// An exemption asked for (reason and who asked) and, once exempt, who approved it.
	ExemptReason     string    `json:"exempt_reason,omitempty"`
	ExemptBy         string    `json:"exempt_by,omitempty"`
	ExemptApprovedBy string    `json:"exempt_approved_by,omitempty"`
	Version          int       `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ExemptPending reports whether an exemption was asked for and not decided.
func (t Target) ExemptPending() bool { return t.State == Open && t.ExemptBy != "" }

// Overdue reports whether the target is still to do after its due date (today is a China date).
func (t Target) Overdue(today string) bool { return t.State.Remaining() && t.DueOn < today }

// Input is what an action on a target carries.
type Input struct {
	Reason string `json:"reason"` // exempt and reopen: why
	Note   string `json:"note"`
}

// MaxReason bounds a reason or a note.
const MaxReason = 500

// Move is what an action does to a target: the target as it leaves it, and its history line.
type Move struct {
	Action Action
	From   State
	To     State
	Delta  int // what it does to the remaining count
	Note   string
	Target Target
}

// Facts are what a decision needs besides the target and the person: its campaign, and
// whether its rectification case is closed.
type Facts struct {
	Campaign   Campaign
	CaseClosed bool
}

// Who may take each action, besides the system (the console and jobs) and besides scope: the
// target must lie in the person's scope. The owner department's people ask for and decide on
// exemptions anywhere in their campaign.
var roles = map[Action][]access.Role{
	OpenCase:      {access.Admin, access.Leader, access.Operator, access.GridWorker},
	MarkDone:      {access.Admin, access.Leader},
	Verify:        {access.Inspector},
	RequestExempt: {access.Admin, access.Leader, access.Operator, access.GridWorker, access.Inspector},
	Reopen:        {access.Admin, access.Leader, access.Inspector},
}

// permit says whether p may ever take a on t, whatever its state.
func permit(t Target, f Facts, p *access.Principal, a Action) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "sign in first")
	}
	if p.System {
		return nil
	}
	ofOwner := p.User.Department != "" && p.User.Department == f.Campaign.Owner
	if a == RequestExempt && ofOwner {
		return nil // the owner's own people find what needs no work, anywhere in the campaign
	}
	if a == ApproveExempt || a == DenyExempt {
		if !ofOwner {
			return errs.Refuse(errs.Forbidden, "not_campaign_owner", errs.Params{"department": f.Campaign.Owner},
				"only the owner department %s decides on exemptions", f.Campaign.Owner)
		}
		return nil
	}
	if !slices.Contains(roles[a], p.User.Role) {
		return errs.Refuse(errs.Forbidden, "target_role", errs.Params{"role": string(p.User.Role), "target_action": string(a)},
			"a %s may not %s a target", p.User.Role, a)
	}
	if !p.Covers(t.RegionPath) {
		return errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"target_action": string(a)}, "the target lies outside your scope")
	}
	return nil
}

// from lists the states each action starts from.
var from = map[Action][]State{
	OpenCase:      {Open},
	MarkDone:      {InProgress},
	Verify:        {Done},
	RequestExempt: {Open},
	ApproveExempt: {Open},
	DenyExempt:    {Open},
	Reopen:        {Done, Verified, Exempt},
	CaseClosed:    {InProgress},
	CaseReopened:  {Done, Verified},
	CaseDropped:   {InProgress},
}

// Decide checks that p may take action a on target t now, with in, and returns the move. Its
// refusals: forbidden for role and scope (and not_campaign_owner for an exemption's decision);
// conflict for a state the action does not start from (target_wrong_state, naming what p may
// do now), a done while the case is open (target_case_open), an exemption already asked
// (exempt_pending) or none asked (no_exempt_request); invalid for a missing or bad reason;
// forbidden for approving one's own request (self_approval).
func Decide(t Target, f Facts, p *access.Principal, a Action, in Input) (Move, error) {
	if !slices.Contains(Actions, a) {
		return Move{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "action", "value": string(a)}, "%s is not an action people take on a target", a)
	}
	if err := permit(t, f, p, a); err != nil {
		return Move{}, err
	}
	if !slices.Contains(from[a], t.State) {
		return Move{}, wrongState(t, f, p, a)
	}
	if err := checkText(in); err != nil {
		return Move{}, err
	}
	n := t
	n.Version++
	m := Move{Action: a, From: t.State, Note: strings.TrimSpace(in.Note)}
	switch a {
	case OpenCase:
		if t.ExemptPending() {
			return Move{}, errs.RefuseCoded(errs.Conflict, "exempt_pending", errs.Params{"by": t.ExemptBy},
				"an exemption is asked for; the owner decides on it first")
		}
		n.State = InProgress // the caller links the case it reports
	case MarkDone:
		if !f.CaseClosed {
			return Move{}, errs.RefuseCoded(errs.Conflict, "target_case_open", errs.Params{"case": t.CaseID},
				"the target's case %d is not closed; its closure marks the target done", t.CaseID)
		}
		n.State = Done
	case Verify:
		n.State = Verified
	case RequestExempt:
		if t.ExemptPending() {
			return Move{}, errs.RefuseCoded(errs.Conflict, "exempt_pending", errs.Params{"by": t.ExemptBy},
				"an exemption is already asked for, by %s", t.ExemptBy)
		}
		reason, err := needReason(in)
		if err != nil {
			return Move{}, err
		}
		n.ExemptReason, n.ExemptBy, m.Note = reason, p.Name(), reason
	case ApproveExempt, DenyExempt:
		if !t.ExemptPending() {
			return Move{}, errs.RefuseCoded(errs.Conflict, "no_exempt_request", nil, "no exemption is asked for")
		}
		if !p.System && t.ExemptBy == p.Name() {
			return Move{}, errs.RefuseCoded(errs.Forbidden, "self_approval", nil, "an exemption is decided by someone other than who asked for it")
		}
		if a == ApproveExempt {
			n.State, n.ExemptApprovedBy = Exempt, p.Name()
		} else {
			n.ExemptReason, n.ExemptBy = "", ""
		}
	case Reopen:
		reason, err := needReason(in)
		if err != nil {
			return Move{}, err
		}
		n.State, m.Note = Open, reason
		n.ExemptReason, n.ExemptBy, n.ExemptApprovedBy = "", "", ""
	}
	m.To, m.Delta, m.Target = n.State, Delta(t.State, n.State), n
	return m, nil
}

// Follow is what a step of the target's rectification case does to it: closure marks it done,
// a reopening of the closed case puts it back in progress, a rejection back to open. ok is
// false when the step changes nothing: the case is not the target's current one, or the
// target is not where the step moves it from.
func Follow(t Target, a Action, caseID int64) (m Move, ok bool) {
	if t.CaseID != caseID || !slices.Contains(from[a], t.State) {
		return Move{}, false
	}
	n := t
	n.Version++
	switch a {
	case CaseClosed:
		n.State = Done
	case CaseReopened:
		n.State = InProgress
	case CaseDropped:
		n.State = Open
	default:
		return Move{}, false
	}
	return Move{Action: a, From: t.State, To: n.State, Delta: Delta(t.State, n.State), Target: n}, true
}

// Allowed lists the actions p may take on t now.
func Allowed(t Target, f Facts, p *access.Principal) []Action {
	out := []Action{}
	for _, a := range Actions {
		if permit(t, f, p, a) != nil || !slices.Contains(from[a], t.State) {
			continue
		}
		switch {
		case a == OpenCase && t.ExemptPending(),
			a == MarkDone && !f.CaseClosed,
			a == RequestExempt && t.ExemptPending(),
			(a == ApproveExempt || a == DenyExempt) && (!t.ExemptPending() || (!p.System && t.ExemptBy == p.Name())):
			continue
		}
		out = append(out, a)
	}
	return out
}

func wrongState(t Target, f Facts, p *access.Principal, a Action) error {
	allowed := names(Allowed(t, f, p))
	what := "none"
	if len(allowed) > 0 {
		what = strings.Join(allowed, ", ")
	}
	return errs.RefuseCoded(errs.Conflict, "target_wrong_state",
		errs.Params{"target_state": string(t.State), "target_action": string(a), "target_allowed": allowed},
		"cannot %s a target that is %s (possible now: %s)", a, t.State, what)
}

// names are the actions' codes.
func names(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

func needReason(in Input) (string, error) {
	r := strings.TrimSpace(in.Reason)
	if r == "" {
		return "", errs.Required("reason", "give a reason")
	}
	return r, nil
}

func checkText(in Input) error {
	for _, f := range []struct{ name, v string }{{"reason", in.Reason}, {"note", in.Note}} {
		if err := textcheck.Check(f.name, f.v); err != nil {
			return err
		}
		if n := utf8.RuneCountInString(f.v); n > MaxReason {
			return errs.Refuse(errs.Invalid, "too_long", errs.Params{"field": f.name, "max": MaxReason}, "%s has %d characters; at most %d", f.name, n, MaxReason)
		}
	}
	return nil
}

// SiteKey is the key of a target that is an evaluation site: a site is on a campaign's list
// once.
func SiteKey(code string) string { return "site:" + code }

// AssetKey is the key of an imported asset: the same type and name at the same point (to about
// ten centimetres) is the same asset.
func AssetKey(typ, name string, lon, lat float64) string {
	return fmt.Sprintf("asset:%s|%s|%.6f|%.6f", strings.TrimSpace(typ), strings.TrimSpace(name), lon, lat)
}
