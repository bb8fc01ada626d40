// Package notices holds the use cases that tell people what happened: deadline sweeps
// (near-due and overdue notices), the outbox fanned out into in-app notifications, e-mail and
// webhook deliveries, and the webhook subscriptions themselves. The transports are package
// notify; package jobs runs the sweeps on a timer.
//
// What each refuses (besides malformed input, which is invalid):
//   - Notifications, MarkNotificationsRead: anonymous callers (unauthorized).
//   - AddWebhook, Webhooks, DisableWebhook, Deliveries: anyone but an unscoped admin
//     (forbidden); a URL that is not absolute http(s), a secret under 16 characters (invalid).
//   - SweepDeadlines, DeliverOutbox, SendDeliveries refuse nothing: they claim each item with a
//     conditional update, so any number of processes may run them.
package notices

import (
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/store"
)

// What the notices use cases hand their callers, named here so adapters need not import the
// store to hold them.
type (
	Notification = store.Notification
	Webhook      = store.Webhook
	Delivery     = store.Delivery
)

// The deadline thresholds a clock notice is about.
const (
	NearDue = store.NearDue
	Overdue = store.Overdue
)

// Service runs the notices use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
}

// New returns the notices use cases over core.
func New(core *kernel.Core) *Service { return &Service{Core: core} }
