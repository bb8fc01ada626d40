// Package cases holds the use cases of a case's life: intake from every source (reports, the
// 12345 hotline), routing and dispatch, the actions of the state machine with their stage
// clocks, photos, lists, the case page's choices, tracking by ticket, the public map and the
// dashboard.
package cases

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the case use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the case use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
