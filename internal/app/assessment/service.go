// Package assessment holds the use cases of the assessment of evaluation sites (测评点位,
// DESIGN §6): standards and their checklists in versions, the sites, rounds that draw a
// sample of sites the way the national assessors do, the inspectors' scoring in the field,
// the failed items that become rectification cases through the normal loop, their
// re-inspection, and the results.
//
// Who may do what: the assessment is for inspectors (测评员), leaders (the civilization
// office) and admins, each within their region scope; other roles and residents are refused
// (forbidden). Checklists are city-wide, for unscoped admins. Leaders and admins add sites and
// create rounds; inspectors score the inspections assigned to them and re-inspect the cases
// their failures became. What each refuses (besides malformed input):
//   - ImportChecklists: an item whose category is not in the dictionary (invalid, no_category).
//   - AddSites: a site outside the managed area or in no unit grid, of a site type no checklist
//     names, with an unknown department, or outside the actor's scope (each named by its line).
//   - CreateRound: an unknown standard, a site type without a checklist, a stratum asking for
//     more sites than it has (stratum_too_small), an inspector who is none or does not cover a
//     site, dates out of order (all invalid); a region outside the actor's scope (forbidden).
//   - MarkItem, Submit: an inspection assigned to someone else (forbidden, not_your_inspection),
//     one already submitted (conflict, already_submitted), an item not in the inspection's
//     checklist version (invalid, unknown_item), a mark the item cannot take (above_maximum …),
//     a time outside the round's dates (conflict, outside_round_dates), a submit with items
//     unscored (invalid, incomplete).
//   - Reinspect: a case no inspection found (not found), one not waiting for verification
//     (conflict, as the case loop says).
package assessment

import (
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// Service runs the assessment use cases; it shares the kernel with the other areas and files
// failures through the case use cases.
type Service struct {
	*kernel.Core
	cases *cases.Service
}

// New returns the assessment use cases over core.
func New(core *kernel.Core, cs *cases.Service) *Service { return &Service{Core: core, cases: cs} }

// assessors are the roles the assessment is for.
var assessors = []access.Role{access.Admin, access.Leader, access.Inspector}

// mayAssess refuses everyone but the assessment's roles.
func mayAssess(actor *access.Principal) error {
	if actor == nil {
		return errs.E(errs.Unauthorized, "sign in first")
	}
	if actor.System || slices.Contains(assessors, actor.User.Role) {
		return nil
	}
	return errs.Refuse(errs.Forbidden, "assessors_only", errs.Params{"role": string(actor.User.Role)}, "the assessment is for inspectors, leaders and admins, not a %s", actor.User.Role)
}

// mayOrganize refuses everyone but leaders and admins: they add sites and create rounds.
func mayOrganize(actor *access.Principal) error {
	if err := mayAssess(actor); err != nil {
		return err
	}
	if actor.System || actor.User.Role == access.Admin || actor.User.Role == access.Leader {
		return nil
	}
	return errs.Refuse(errs.Forbidden, "organizers_only", errs.Params{"role": string(actor.User.Role)}, "only leaders and admins organize the assessment")
}

// What the pages and the API read of the stored assessment, named here so that they need not
// reach into the store.
type (
	SiteType   = store.SiteType
	Inspection = store.Inspection
	Finding    = store.Finding
	Mark       = store.Mark
)

// An inspection's states.
const (
	InspectionOpen      = store.InspectionOpen
	InspectionSubmitted = store.InspectionSubmitted
)
