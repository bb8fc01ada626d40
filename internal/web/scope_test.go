package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// department returns a department as stored.
func department(t *testing.T, s *site, code string) workflow.Department {
	t.Helper()
	ds, err := s.App.Settings.Departments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ds, func(d workflow.Department) bool { return d.Code == code })
	if i < 0 {
		t.Fatalf("no department %s", code)
	}
	return ds[i]
}

// An admin of 山阳区 once moved 解放区's 城管局 into its own district by saving it with a new
// region, and then made tokens for its handlers: a department's save must be covered where it
// is and where it goes.
func TestAScopedAdminCannotTakeOverAnotherDistrictsDepartment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		sys := access.SystemPrincipal("test")
		if _, err := s.App.People.AddUser(t.Context(), sys, people.NewUser{Username: "shanyang-admin", Role: "admin", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		sy := s.visitor(t)
		sy.signIn("shanyang-admin")
		audit := func() int64 {
			n, err := s.App.VerifyAudit(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}

		refusals := []struct {
			name   string
			form   url.Values
			reason string // as the Chinese page words it
		}{
			{"moving 解放区's 城管局 into 山阳区",
				url.Values{"code": {"410802-CGJ"}, "name": {"解放区城市管理局"}, "level": {"district"}, "region_code": {"410811"}},
				"部门“解放区城市管理局”不在您的管辖范围内"},
			{"renaming 解放区's 城管局 where it is",
				url.Values{"code": {"410802-CGJ"}, "name": {"山阳区第二城管局"}, "level": {"district"}, "region_code": {"410802"}},
				"部门“解放区城市管理局”不在您的管辖范围内"},
			{"moving its own 城管局 into 解放区",
				url.Values{"code": {"410811-CGJ"}, "name": {"山阳区城市管理局"}, "level": {"district"}, "region_code": {"410802"}},
				"“解放区”不在您的管辖范围内"},
		}
		for _, tc := range refusals {
			t.Run(tc.name, func(t *testing.T) {
				before, n := department(t, s, "410802-CGJ"), audit()
				own := department(t, s, "410811-CGJ")
				status, _, body := sy.do("POST", "/admin/departments", tc.form)
				if status != http.StatusForbidden || !strings.Contains(body, tc.reason) {
					t.Errorf("got %d, want 403 saying %q; page problem: %s", status, tc.reason, problemText(body))
				}
				if got := department(t, s, "410802-CGJ"); got != before {
					t.Errorf("解放区's department changed: %+v, was %+v", got, before)
				}
				if got := department(t, s, "410811-CGJ"); got != own {
					t.Errorf("山阳区's department changed: %+v, was %+v", got, own)
				}
				if audit() != n {
					t.Errorf("a refused save wrote an audit record")
				}
			})
		}

		t.Run("nor may it make a token for the other district's handler", func(t *testing.T) {
			r, err := http.NewRequest("POST", s.URL+"/api/v1/tokens", strings.NewReader(`{"username":"handler","name":"takeover"}`))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			res, err := sy.hc.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("token for 解放区's handler: got %d, want 403", res.StatusCode)
			}
		})

		t.Run("it still edits its own department, and the city admin may move any", func(t *testing.T) {
			form := url.Values{"code": {"410811-CGJ"}, "name": {"山阳区城市管理局（新）"}, "level": {"district"}, "region_code": {"410811"}}
			if status, _, body := sy.do("POST", "/admin/departments", form); status != http.StatusSeeOther {
				t.Fatalf("its own department: %d %s", status, problemText(body))
			}
			admin := s.visitor(t)
			admin.signIn("admin")
			form = url.Values{"code": {"410802-HW"}, "name": {"解放区环境卫生服务中心"}, "level": {"district"}, "region_code": {"410811"}}
			if status, _, body := admin.do("POST", "/admin/departments", form); status != http.StatusSeeOther {
				t.Fatalf("the city admin moving a department: %d %s", status, problemText(body))
			}
			if got := department(t, s, "410802-HW"); got.RegionCode != "410811" {
				t.Errorf("the city admin's move did not happen: %+v", got)
			}
		})
	})
}
