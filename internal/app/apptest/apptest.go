// Package apptest gives the use-case tests their fixtures: a seeded App on a fixed clock, the
// principal of a user, a point inside a region, China-time instants. It is imported by tests
// only.
package apptest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

// System is the principal of console commands and jobs.
var System = access.SystemPrincipal("test")

// Quiet is a logger that keeps test output clean.
func Quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// New returns the use cases over db, seeded with the demo city, on the clock *now.
func New(t testing.TB, db *store.DB, now *time.Time) *app.App {
	t.Helper()
	return NewWith(t, db, app.Options{Clock: func() time.Time { return *now }})
}

// NewWith returns the use cases over db with opts (cheap bcrypt and a quiet log unless set),
// seeded with the demo city.
func NewWith(t testing.TB, db *store.DB, opts app.Options) *app.App {
	t.Helper()
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.MinCost
	}
	if opts.Logger == nil {
		opts.Logger = Quiet()
	}
	a, err := app.New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(context.Background(), a, demo.Options{}); err != nil {
		t.Fatal(err)
	}
	return a
}

// As returns the principal of an existing user, as if signed in.
func As(t testing.TB, db *store.DB, username string) *access.Principal {
	t.Helper()
	u, _, err := db.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return &access.Principal{User: u, Via: "session"}
}

// PointIn returns a point inside a region's polygon.
func PointIn(t testing.TB, a *app.App, code string) orb.Point {
	t.Helper()
	v, err := a.Regions.Region(context.Background(), code, true)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := grid.PointInside(v.Geometry)
	if !ok {
		t.Fatalf("no point found inside %s", code)
	}
	return p
}

// At parses "2006-01-02 15:04" in China time.
func At(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, worktime.China)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// UnitGrids returns the codes of a seeded district's unit grids, by subdistrict, community and
// grid.
func UnitGrids(t testing.TB, a *app.App, district string) []string {
	t.Helper()
	c, err := demo.LoadCity(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sd := range c.Subdistricts[district] {
		for _, cm := range c.Communities[sd.Code] {
			for _, g := range c.Grids[cm.Code] {
				out = append(out, g.Code)
			}
		}
	}
	return out
}
