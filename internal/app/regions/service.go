// Package regions holds the use cases of the region tree: importing and editing regions,
// generating unit grids, grid members (网格长, 网格员), grid workers' patrols, and locating a point.
//
// What each refuses (besides malformed input, which is invalid):
//   - ImportRegions, PutRegions, GenerateGrids: anyone but an admin, and a scoped admin not
//     covering where a region lies now and the parent it is given (forbidden); any geometry or
//     tree error in the input, reported whole with nothing written (invalid).
//   - PutGridMember: anyone but an admin covering both the grid (region_outside_scope) and
//     where the user works (user_outside_scope) (forbidden); RemoveGridMember: anyone but an
//     admin over the grid (forbidden); an unknown user or one whose role cannot serve a grid
//     (invalid). GridMembers: residents (forbidden).
//   - SearchRegions: residents and anonymous callers (forbidden); it finds only regions inside
//     the caller's scope. RegionCounts: anyone but an admin (forbidden).
//   - StartPatrol: a user in no grid (invalid) or asking for a grid not theirs (forbidden).
//     StopPatrol, RecordPatrolPoints: no patrol running (conflict, no_patrol); a batch with any
//     fix that is no position is refused whole (invalid).
//   - Locate: a point outside every region (not found, outside_area).
//   - FindGrids: residents and the anonymous (forbidden, staff_only); it finds only grids in
//     the actor's scope.
package regions

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the regions use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the regions use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
