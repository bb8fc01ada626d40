package regions_test

import (
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// A scoped admin edits only regions that lie in its scope and stay there.
func TestAScopedAdminImportsOnlyInsideItsScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		if _, err := a.People.AddUser(t.Context(), apptest.System, people.NewUser{Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		sy := apptest.As(t, db, "shanyang-admin")
		region := func(code string) grid.Region {
			r, err := a.Regions.Region(t.Context(), code, false)
			if err != nil {
				t.Fatal(err)
			}
			return r.Region
		}
		renamed := func(code, name string) grid.Region {
			r := region(code)
			r.Name = name
			return r
		}
		tests := []struct {
			name string
			in   []grid.Region
			want errs.Kind // "" = allowed
		}{
			{"renaming a subdistrict of another district", []grid.Region{renamed("410802001", "被接管的街道")}, errs.Forbidden},
			{"renaming the other district itself", []grid.Region{renamed("410802", "被接管的区")}, errs.Forbidden},
			{"renaming its own district, whose parent is the city", []grid.Region{renamed("410811", "山阳新区")}, errs.Forbidden},
			{"renaming one of its own subdistricts", []grid.Region{renamed("410811001", "山阳区第一街道")}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := apptest.Snap(t, db)
				old := region(tt.in[0].Code)
				err := a.Regions.PutRegions(t.Context(), sy, tt.in)
				if tt.want == "" {
					if err != nil {
						t.Fatalf("PutRegions = %v, want success", err)
					}
					if got := region(tt.in[0].Code); got.Name != tt.in[0].Name {
						t.Errorf("name %q, want %q", got.Name, tt.in[0].Name)
					}
					return
				}
				if !errs.Is(err, tt.want) {
					t.Fatalf("PutRegions = %v, want %s", err, tt.want)
				}
				if reason, _ := errs.Detail(err); reason != "region_outside_scope" {
					t.Errorf("reason %q, want region_outside_scope", reason)
				}
				if got := region(tt.in[0].Code); got.Name != old.Name || got.ParentCode != old.ParentCode {
					t.Errorf("region changed: %+v, was %+v", got, old)
				}
				if after := apptest.Snap(t, db); after != before {
					t.Errorf("after a refusal: %+v, was %+v", after, before)
				}
			})
		}
	})
}
