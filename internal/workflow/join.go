package workflow

import (
	"slices"

	"github.com/citygrid/citygrid/internal/errs"
)

// Merge is the timeline action of another report joining a case (并单). Nobody takes it as an
// action: a hotline import or a reject as duplicate does it.
const Merge Action = "merge"

// ReasonOriginalNotOpen refuses merging a report into a case that is closed or rejected
// {field, ticket, status}: that case takes no more reports.
const ReasonOriginalNotOpen = "original_not_open"

// JoinDuplicate is what becomes of the original when a report is rejected as its duplicate
// (ticket): the duplicate's reporter supports the original, once, and its timeline says which
// report joined. supporter is the reporter's username, or for an anonymous report its ticket,
// the anonymous reporter's receipt. A closed or rejected original takes no more reports.
func JoinDuplicate(original Case, originalTicket, ticket, supporter string) (Transition, error) {
	if original.Status.Terminal() {
		return Transition{}, invalid(ReasonOriginalNotOpen, errs.Params{"field": "merged_into", "ticket": originalTicket, "status": string(original.Status)},
			"merged_into: case %s is %s and takes no more reports", originalTicket, original.Status)
	}
	n := original.clone()
	n.Version++
	t := Transition{Action: Merge, From: original.Status, To: original.Status}
	t.say("duplicate_joined", errs.Params{"ticket": ticket}, "report "+ticket+" joined as a duplicate; its reporter supports the case")
	if supporter != "" && supporter != n.Reporter && !slices.Contains(n.Supporters, supporter) {
		n.Supporters = append(n.Supporters, supporter)
		n.Counters.Supports++
	}
	t.Case = n
	return t, nil
}
