// Package settings holds the use cases of the city's reference tables, edited by administrators:
// the category dictionary, departments, the dispatch table, the time-limits table (立结案标准)
// and working-calendar overrides.
package settings

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the settings use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the settings use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
