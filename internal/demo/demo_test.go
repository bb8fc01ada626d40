package demo_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func seeded(t *testing.T, e store.Engine, opts demo.Options) *app.App {
	t.Helper()
	a, err := app.New(storetest.Open(t, e), app.Options{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.Seed(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	return a
}

// The demo's done-when: points inside each real district polygon locate to that district,
// the same on both engines.
func TestDistrictPolygonsLocateToTheirDistrict(t *testing.T) {
	in, err := demo.Regions(demo.Options{Full: true})
	if err != nil {
		t.Fatal(err)
	}
	var districts []grid.Region
	for _, r := range in {
		if r.Level == grid.District {
			districts = append(districts, r.Region)
		}
	}
	if len(districts) != 10 {
		t.Fatalf("got %d districts with boundaries, want Jiaozuo's 10", len(districts))
	}
	engines := map[store.Engine]*app.App{store.SQLite: seeded(t, store.SQLite, demo.Options{Full: true})}
	if !testing.Short() {
		engines[store.Postgres] = seeded(t, store.Postgres, demo.Options{Full: true})
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for e, a := range engines {
		t.Run(string(e), func(t *testing.T) {
			for _, d := range districts {
				b := d.Geometry.Bound()
				checked := 0
				for checked < 25 {
					p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
					if !grid.Contains(d.Geometry, p) || inAnother(districts, d.Code, p) {
						continue // outside, or where published boundaries overlap
					}
					checked++
					loc, err := a.Regions.Locate(context.Background(), p[0], p[1], crs.WGS84)
					if err != nil {
						t.Fatalf("%s (%s): Locate(%v) = %v", d.Name, d.Code, p, err)
					}
					if len(loc.Path) < 2 || loc.Path[1].Code != d.Code {
						t.Fatalf("%s: Locate(%v) = %+v, want a path through %s", d.Name, p, loc.Path, d.Code)
					}
					if loc.Region.Level != grid.Grid {
						t.Errorf("%s: Locate(%v) stopped at a %s, want a unit grid", d.Name, p, loc.Region.Level)
					}
				}
			}
		})
	}
}

func inAnother(districts []grid.Region, code string, p orb.Point) bool {
	for _, d := range districts {
		if d.Code != code && grid.Contains(d.Geometry, p) {
			return true
		}
	}
	return false
}

func TestSmallSeedIsEnoughForTheDemoUsers(t *testing.T) {
	a := seeded(t, store.SQLite, demo.Options{})
	ctx := context.Background()
	grids := 0
	for r, err := range a.Regions.Regions(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if r.Level == grid.Grid {
			grids++
			if r.Geometry == nil {
				t.Fatalf("grid %s has no geometry", r.Code)
			}
		}
		if r.Level == grid.District && r.Code != "410802" && r.Code != "410811" {
			t.Errorf("small seed has district %s", r.Code)
		}
	}
	if grids < 100 || grids > 1000 {
		t.Errorf("small seed has %d grids, want a few hundred", grids)
	}
	for _, l := range demo.Logins() {
		if l.Scope == "" {
			continue
		}
		if _, err := a.Regions.RegionPath(ctx, l.Scope); err != nil {
			t.Errorf("%s's scope %s: %v", l.Username, l.Scope, err)
		}
	}
	members, err := a.Regions.GridMembers(ctx, access.SystemPrincipal("test"), demo.GridWorkerGrid)
	if err != nil || len(members) != 1 || members[0].Username != "gridworker" {
		t.Errorf("members of %s = %+v, %v; want the demo grid worker", demo.GridWorkerGrid, members, err)
	}
	// Seeding again changes nothing and does not fail.
	if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
		t.Fatalf("second seed: %v", err)
	}
}
