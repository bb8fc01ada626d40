// Package notices holds the use cases that tell people what happened: deadline sweeps (near-due and
// overdue notices), the outbox fanned out into in-app notifications, e-mail and webhook
// deliveries, and the webhook subscriptions themselves.
package notices

import "github.com/citygrid/citygrid/internal/app/kernel"

// Service runs the notices use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the notices use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
