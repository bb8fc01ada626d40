// Package georeport holds the use cases behind Open311 GeoReport v2: integration keys
// (api_key), the service list and definitions, submissions and updates from outside systems,
// and the public views of requests. The HTTP adapter is package open311.
//
// What each refuses: CreateOpen311Key, RevokeOpen311Keys, Open311Clients: anyone but an
// unscoped admin (forbidden). AuthenticateOpen311: an unknown or revoked api_key
// (unauthorized). SubmitOpen311 and PostOpen311Update: what the case use cases refuse, in
// Open311's words; an unknown service_code or jurisdiction_id (not found).
package georeport

import (
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
)

// Service runs the Open311 use cases; reports go through the case use cases, so an Open311
// report meets the same rules as any other.
type Service struct {
	*kernel.Core
	cases *cases.Service
}

// New returns the Open311 use cases over core.
func New(core *kernel.Core, cs *cases.Service) *Service { return &Service{Core: core, cases: cs} }
