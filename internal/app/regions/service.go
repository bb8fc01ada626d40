// Package regions holds the use cases of the region tree: importing and editing regions, generating
// unit grids, grid members (网格长, 网格员), grid workers' patrols, and locating a point.
package regions

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the regions use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the regions use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
