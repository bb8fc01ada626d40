package demo_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/worktime"
)

var system = access.SystemPrincipal("test")

// withStaff seeds a city with its people on a demo clock standing at at.
func withStaff(t *testing.T, db *store.DB, opts demo.Options, at time.Time) (*app.App, *demo.Clock) {
	t.Helper()
	clock := &demo.Clock{}
	clock.Set(at)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Clock: clock.Now, Blobs: blobs, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	opts.Staff = true
	if err := demo.Seed(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	return a, clock
}

// checkStaff: every department a rule names has a handler, every subdistrict a supervision
// and a command centre, every unit grid a grid worker.
func checkStaff(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	users, err := a.People.ListUsers(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	handlers, centre := map[string]int{}, map[string][]access.Role{}
	for _, u := range users {
		switch u.Role {
		case access.Handler:
			handlers[u.Department]++
		case access.Operator, access.Dispatcher:
			centre[u.Scope] = append(centre[u.Scope], u.Role)
		}
	}
	rules, err := a.Settings.Rules(ctx, system)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		for _, d := range append([]string{r.Department}, r.CoDepartments...) {
			if handlers[d] == 0 {
				t.Errorf("department %s (rule %d) has no handler", d, r.Order)
			}
		}
	}
	c, err := demo.LoadCity(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.Districts {
		for _, sd := range c.Subdistricts[d.Code] {
			if !slices.Contains(centre[sd.Code], access.Operator) || !slices.Contains(centre[sd.Code], access.Dispatcher) {
				t.Errorf("subdistrict %s %s has centre staff %v, want an operator and a dispatcher", sd.Code, sd.Name, centre[sd.Code])
			}
			for _, cm := range c.Communities[sd.Code] {
				for _, g := range c.Grids[cm.Code] {
					ms, err := a.Regions.GridMembers(ctx, system, g.Code)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.ContainsFunc(ms, func(m store.GridMember) bool { return m.Role == "worker" }) {
						t.Fatalf("grid %s has no grid worker: %+v", g.Code, ms)
					}
				}
			}
		}
	}
	for _, d := range c.Departments {
		if handlers[d.Code] == 0 {
			t.Errorf("department %s %s has no handler", d.Code, d.Name)
		}
	}
}

// The full city's people: every department the full dispatch table names has handlers, and
// so on (checkStaff). SQLite only: seeding the whole city's grids takes seconds.
func TestTheFullCityHasItsPeople(t *testing.T) {
	if testing.Short() || raceDetector {
		t.Skip("seeds the whole city with its people: minutes under the race detector; run without -race")
	}
	a, _ := withStaff(t, storetest.Open(t, store.SQLite), demo.Options{Full: true}, time.Now())
	checkStaff(t, a)
	staff := demo.NewStaff(must(demo.LoadCity(context.Background(), a)))
	if len(staff.Named) != 10 {
		t.Errorf("named people for %d districts, want 10", len(staff.Named))
	}
	for d, ps := range staff.Named {
		roles := map[access.Role]int{}
		depts := map[string]bool{}
		for _, p := range ps {
			roles[p.Role]++
			if p.Role == access.Handler {
				depts[p.Department] = true
			}
		}
		if roles[access.Leader] != 1 || roles[access.Dispatcher] != 1 || roles[access.Handler] != 2 || roles[access.GridWorker] != 2 || len(depts) != 2 {
			t.Errorf("district %s names %v (departments %v), want a leader, a dispatcher, two handlers of two departments, two grid workers", d, roles, depts)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A short history of the small city on both engines: made without a refused step, with every
// source, and the same cases from the same seed on either engine.
func TestHistoryOnBothEngines(t *testing.T) {
	until := time.Date(2026, 11, 25, 10, 40, 0, 0, worktime.China)
	const days = 4
	var runs [][]string
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, clock := withStaff(t, db, demo.Options{}, until.AddDate(0, 0, -days-1))
		checkStaff(t, a)
		r, err := demo.MakeHistory(ctx, a, demo.HistoryOptions{Days: days, Seed: 3, Until: until, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failures != 0 || r.Reports < 100 || r.Patrols == 0 || r.Points == 0 || r.Notices == 0 || r.Photos == 0 {
			t.Errorf("history report %+v: want no failures and reports, patrols, fixes, notices and photos", r)
		}
		if n, err := a.VerifyAudit(ctx); err != nil || n == 0 {
			t.Errorf("audit trail: %d records, %v", n, err)
		}
		var keys []string
		sources := map[string]int{}
		urged := 0
		for cursor := ""; ; {
			page, err := a.Cases.ListCases(ctx, system, cases.CaseFilter{Limit: 200, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Cases {
				keys = append(keys, strings.Join([]string{c.Ticket, c.CategoryKind, c.Category, c.Grid, string(c.Status)}, " "))
				sources[c.Source]++
				urged += min(c.Urged, 1)
				if c.CreatedAt.After(until) || c.CreatedAt.Before(until.AddDate(0, 0, -days-1)) {
					t.Errorf("case %s was reported at %s, outside the history", c.Ticket, c.CreatedAt)
				}
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		// People have read their notices up to this morning (08:45); what came since is unread.
		leader := apptest.As(t, db, "leader")
		np, err := a.Notices.Notifications(ctx, leader, false, 0, 500)
		if err != nil {
			t.Fatal(err)
		}
		morning := time.Date(2026, 11, 25, 8, 45, 0, 0, worktime.China)
		var unread, before int
		for _, n := range np.Notifications {
			if n.ReadAt == nil {
				unread++
			}
			if n.CreatedAt.Before(morning) {
				before++
				if n.ReadAt == nil {
					t.Errorf("the leader's notice %d of %s is unread, want read that morning", n.ID, n.CreatedAt)
				}
			}
		}
		if unread == 0 || unread != np.Unread || before == 0 {
			t.Errorf("the leader has %d unread (counted %d), %d older notices: want today's unread and older ones read", unread, np.Unread, before)
		}
		// Leaders press some of the cases that run late (督办).
		if urged == 0 {
			t.Error("no case was urged")
		}
		for _, s := range []string{"patrol", "resident", "hotline", "open311"} {
			if sources[s] == 0 {
				t.Errorf("no case from %s: %v", s, sources)
			}
		}
		slices.Sort(keys)
		runs = append(runs, keys)
	})
	if len(runs) == 2 && !slices.Equal(runs[0], runs[1]) {
		t.Errorf("the same seed made %d cases on SQLite and %d on PostgreSQL, not the same", len(runs[0]), len(runs[1]))
	}
}

// Demo photos are small PNGs that differ by category and by before and after.
func TestPhotosAreSmallAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"暴露垃圾", "渣土运输车辆未安装密闭装置"} {
		for _, after := range []bool{false, true} {
			b, err := demo.Photo(name, "06", after, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > 8<<10 || string(b[1:4]) != "PNG" {
				t.Errorf("photo of %s (after %t): %d bytes, want a PNG under 8 KiB", name, after, len(b))
			}
			if seen[string(b)] {
				t.Errorf("photo of %s (after %t) is the same as another", name, after)
			}
			seen[string(b)] = true
		}
	}
}
