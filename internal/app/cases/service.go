// Package cases holds the use cases of a case's life: intake from every source (reports, the
// 12345 hotline), routing and dispatch, the actions of the state machine with their stage
// clocks, photos, lists, the case page's choices, tracking by ticket, the public map and the
// dashboard.
//
// Who may take which action in which state is workflow.Decide's, and it says what it refuses;
// here the use cases add what needs storage. What each refuses (besides malformed input):
//   - Report: a point outside the managed area (not found, outside_area); an unknown category,
//     a photo id that is not an uploaded photo, a source the reporter may not claim (invalid).
//   - Act: a case the actor cannot see (not found, never forbidden, so its existence does not
//     leak), except "me too" on a case of a public category, where no version is checked and
//     a refusal tells neither ticket nor version; what Decide refuses for role, scope and state
//     (forbidden, conflict); a stale version (conflict); a missing photo, reason or department
//     the action needs (invalid); a reject as duplicate into a case that is unknown or out of
//     the actor's sight (no_case), closed or rejected (original_not_open), or the case itself
//     (self_duplicate), all invalid.
//   - ActWithPhotos: what Act refuses, checked before the photos are read; then a photo that
//     is not a JPEG, PNG or WebP, or too large (invalid, too large), with nothing recorded.
//   - Case, ActionChoices, ListCases: cases outside the viewer's scope are not there (not found,
//     or left out of the list).
//   - Route, Dashboard: residents and anonymous callers (forbidden); CaseChanges: anonymous
//     callers (unauthorized). Route: no rule and no subdistrict office (not found, no_route).
//   - Track: a ticket not known, or of a non-public category to whoever may not see the case
//     (not found, case_not_found, never echoing the ticket); more than Opts.TrackLimit
//     lookups per Opts.TrackWindow from one address, for anyone but signed-in staff (too many
//     requests, throttled). A report merged into another case as a duplicate shows that case,
//     so its reporter follows it under their own ticket.
//   - ImportHotline: anyone but the supervision centre (forbidden); any bad row refuses the
//     whole batch with nothing written (invalid).
//   - PossibleDuplicates: a case the viewer cannot see (not found); none for a case past
//     acceptance or a viewer who is not staff. CheckWorkers: a case the actor cannot see (not
//     found), or may not ask a check of now (forbidden, cannot_request_check). RequestCheckBy:
//     as CheckWorkers, and a grid that has a worker (conflict, grid_has_worker), a worker not of
//     the case's community (invalid, not_community_worker), then what Act refuses.
//   - UploadPhoto: a file that is not a JPEG, PNG or WebP photo by its content, or too large in
//     bytes or pixels; a server without a data directory (unavailable). OpenPhoto: an original
//     to anyone but staff (forbidden); an unknown attachment, or one no case the reader may see
//     names (the public copy: nor a case of a public category shows publicly), and not their
//     own upload (not found, photo_not_found).
package cases

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the case use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the case use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
