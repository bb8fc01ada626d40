// Package app composes citygrid's use cases: package kernel holds what they share (the
// database, clock, audit record, caches), and each area is a package of its own beside it:
//
//   - people: users, sign-in, sessions, API tokens
//   - regions: the region tree, unit grids, grid members, patrols, locating a point
//   - settings: categories, departments, the dispatch table, time limits, the calendar
//   - cases: intake, dispatch, actions and stage clocks, lists, tracking, the dashboard
//   - notices: deadline sweeps, notifications, e-mail and webhook deliveries
//   - follow: following a case or an area by e-mail (confirmed, one-click unsubscribe), area feeds
//   - georeport: the use cases behind Open311 GeoReport v2
//   - eval: evaluation (综合评价): indicators, rankings, trends and their weights
//   - assessment: evaluation sites, checklists, rounds, field scoring, rectification, results
//   - campaigns: campaigns to zero (专项整治), their targets, progress and burn-down
//   - exports: case lists and evaluation tables as .xlsx or CSV files, at once or as jobs
//   - maps: the offline base layer, finding a place by name, the tiles under the maps
//
// Every use case authorizes its actor, runs in one transaction and writes its audit record
// (and any outbox message) in that same transaction, so every entry point (HTTP, Open311, the
// CLI, jobs) meets the same rules.
package app

import (
	"context"

	"github.com/citygrid/citygrid/internal/app/assessment"
	"github.com/citygrid/citygrid/internal/app/campaigns"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/app/georeport"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/app/maps"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/store"
)

// Options tune the use cases; zero values take the defaults.
type Options = kernel.Options

// App is every use-case area over one database.
type App struct {
	People   *people.Service
	Regions  *regions.Service
	Settings *settings.Service
	Cases    *cases.Service
	Notices  *notices.Service
	Follow   *follow.Service // following cases and areas by e-mail
	Open311  *georeport.Service
	Eval     *eval.Service
	// Assessment is the assessment of evaluation sites (测评点位).
	Assessment *assessment.Service
	Campaigns  *campaigns.Service // campaigns to zero (专项整治), whose targets are worked on as cases
	Exports    *exports.Service
	Maps       *maps.Service // what every page's map draws and finds
	core       *kernel.Core
}

// New returns the use cases over db.
func New(db *store.DB, opts Options) (*App, error) {
	core, err := kernel.New(db, opts)
	if err != nil {
		return nil, err
	}
	cs := cases.New(core)
	ev, ex := eval.New(core), exports.New(core, cs)
	ex.Stats = statsSource(core, ev)
	return &App{
		People:   people.New(core),
		Regions:  regions.New(core),
		Settings: settings.New(core),
		Cases:    cs,
		Notices:  notices.New(core),
		Follow:   follow.New(core),
		Open311:  georeport.New(core, cs),
		Eval:     ev,
		// The assessment files its failures through the case use cases.
		Assessment: assessment.New(core, cs),
		Campaigns:  campaigns.New(core, cs),
		Exports:    ex,
		Maps:       maps.New(core, cs),
		core:       core,
	}, nil
}

// Batch runs fn, which calls use cases with the context it is given, in one transaction:
// their writes commit together, or none do. Each use case still authorizes, records and
// announces as it always does; only the commits are shared. For bulk work at the console,
// such as seeding a demo city, where a commit per step would cost a flush to disk per step.
func (a *App) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	return a.core.DB.InTx(ctx, fn)
}

// VerifyAudit walks the whole audit trail and returns how many records it checked, or an
// *audit.BrokenError naming the first record where the chain breaks.
func (a *App) VerifyAudit(ctx context.Context) (int64, error) { return a.core.VerifyAudit(ctx) }
