// Package people holds the use cases of the people who use citygrid: users and their scopes, sign-in
// with throttling, browser sessions and API tokens.
package people

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the people use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the people use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
