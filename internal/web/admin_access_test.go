package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// adminState is everything the admin pages' writes may change, to prove refusals change none.
type adminState struct {
	Users    []access.User
	Rules    []workflow.Rule
	Limits   []workflow.TimeLimit
	Identity any
	Members  any
}

func snapshotAdmin(t *testing.T, s *site) adminState {
	t.Helper()
	sys := access.SystemPrincipal("test")
	var st adminState
	var err error
	if st.Users, err = s.App.People.ListUsers(t.Context(), sys); err != nil {
		t.Fatal(err)
	}
	if st.Rules, err = s.App.Settings.Rules(t.Context(), sys); err != nil {
		t.Fatal(err)
	}
	if st.Limits, err = s.App.Settings.TimeLimits(t.Context(), sys); err != nil {
		t.Fatal(err)
	}
	if st.Identity, err = s.App.Settings.Identity(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st.Members, err = s.App.Regions.GridMembers(t.Context(), sys, demo.GridWorkerGrid); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAdminPagesRefuseTheWrongPeopleAndHostileBytes sends every new admin write (and the
// pickers' and pages' reads) as people who may not, and with bytes that are not text, wrong
// values and unknown codes, on both engines: each is refused with its status and a reason in
// Chinese, and nothing stored changes.
func TestAdminPagesRefuseTheWrongPeopleAndHostileBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		sys := access.SystemPrincipal("test")
		if _, err := s.App.People.AddUser(t.Context(), sys, people.NewUser{Username: "shanyang.admin", Role: "admin", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		before := snapshotAdmin(t, s)
		small, _ := workflow.ReadTimeLimits(strings.NewReader(smallTable))
		writes := []struct {
			path string
			form url.Values
		}{
			{"/admin/users/handler", url.Values{"display_name": {"改名"}, "role": {"handler"}, "department": {"410802-CGJ"}}},
			{"/admin/users/handler/password", url.Values{"password": {"another-pass-2026"}}},
			{"/admin/rules", url.Values{"row": {"0"}, "r0.department": {"410802-CGJ"}}},
			{"/admin/time-limits", limitsForm(small)},
			{"/admin/site", url.Values{"name": {"别人的平台"}, "unit": {"别处"}}},
			{"/admin/site/emblem", url.Values{}},
			{"/admin/site/emblem/delete", url.Values{}},
			{"/admin/regions/" + demo.GridWorkerGrid + "/members", url.Values{"username": {"handler"}, "role": {"leader"}}},
		}
		for _, who := range []string{"", "resident", "operator", "shanyang.admin"} {
			v := s.visitor(t)
			if who != "" {
				v.signIn(who)
			}
			for _, w := range writes {
				status, h, body := v.do("POST", w.path, w.form)
				switch {
				case who == "" && (status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login")):
					t.Errorf("signed out, POST %s: %d %s, want to sign in", w.path, status, h.Get("Location"))
				case who != "" && status != http.StatusForbidden:
					t.Errorf("%s, POST %s: %d %q, want 403", who, w.path, status, problemText(body))
				case who != "" && (problemText(body) == "" || latinIn(problemText(body))):
					t.Errorf("%s, POST %s: the refusal reads %q, want Chinese", who, w.path, problemText(body))
				}
			}
		}
		// Reads: the pages and pickers are an admin's; another district's admin finds nothing
		// of 解放区 in them.
		for _, who := range []string{"resident", "operator"} {
			v := s.visitor(t)
			v.signIn(who)
			for _, path := range []string{"/admin/users/handler", "/admin/site", "/admin/pick/regions?q=民生", "/admin/pick/users?q=h"} {
				if status, _, _ := v.do("GET", path, nil); status != http.StatusForbidden {
					t.Errorf("%s, GET %s: %d, want 403", who, path, status)
				}
			}
		}
		sy := s.visitor(t)
		sy.signIn("shanyang.admin")
		if status, _, body := sy.do("GET", "/admin/users/handler", nil); status != http.StatusNotFound || latinIn(problemText(body)) {
			t.Errorf("another district's admin on 解放区's handler: %d %q, want 404 in Chinese", status, problemText(body))
		}
		for path, absent := range map[string]string{"/admin/pick/regions?q=民生": "410802001", "/admin/pick/users?q=": `"handler"`} {
			status, _, body := sy.do("GET", path, nil)
			if status != http.StatusOK || strings.Contains(body, absent) {
				t.Errorf("another district's admin picks %s: %d %s", path, status, body)
			}
		}
		var picks []struct{ V, L, S string }
		if _, _, body := sy.do("GET", "/admin/pick/regions?q=山阳", nil); json.Unmarshal([]byte(body), &picks) != nil || len(picks) == 0 || picks[0].V != "410811" {
			t.Errorf("another district's admin picks its own district as %s", body)
		}

		// The region pages name every region but count members only inside one's scope.
		for code, counted := range map[string]bool{"410802": false, "410811": true} {
			status, _, body := sy.do("GET", "/admin/regions?code="+code, nil)
			kids := regionMapChildren(t, body)
			if status != http.StatusOK || len(kids) == 0 {
				t.Errorf("another district's admin on the regions of %s: %d, %d on the map", code, status, len(kids))
			}
			for _, k := range kids {
				if k.Counted != counted || !counted && (k.Grids != 0 || k.Members != 0) {
					t.Errorf("another district's admin on %s sees %+v, want counted %v", code, k, counted)
				}
			}
		}

		// Hostile bytes and wrong values, sent by the city's admin.
		admin := s.visitor(t)
		admin.signIn("admin")
		hostile := []struct {
			name, method, path string
			form               url.Values
			status             int
			want               string // in the Chinese refusal
		}{
			{"a NUL in a name", "POST", "/admin/users/handler", url.Values{"display_name": {"王\x00强"}, "role": {"handler"}, "department": {"410802-CGJ"}}, 400, "含有无法保存的字符"},
			{"bytes that are not UTF-8", "POST", "/admin/site", url.Values{"name": {"\xff\xfe"}}, 400, "含有无法保存的字符"},
			{"a NUL in a rule", "POST", "/admin/rules", url.Values{"row": {"0"}, "r0.department": {"410802-CGJ\x00"}}, 400, "含有无法保存的字符"},
			{"a NUL in a picker's search", "GET", "/admin/pick/regions?q=%00", nil, 400, ""},
			{"bytes that are not UTF-8 in a search", "GET", "/admin/pick/users?q=%ff", nil, 400, ""},
			{"an unknown role", "POST", "/admin/users/handler", url.Values{"role": {"king"}}, 422, "没有这个角色"},
			{"a handler without a department", "POST", "/admin/users/handler", url.Values{"role": {"handler"}}, 422, "处置员需要指定所属部门"},
			{"an unknown department", "POST", "/admin/users/handler", url.Values{"role": {"handler"}, "department": {"410802-NOPE"}}, 422, "410802-NOPE"},
			{"an unknown scope", "POST", "/admin/users/handler", url.Values{"role": {"operator"}, "scope": {"999999"}}, 422, "999999"},
			{"one's own role", "POST", "/admin/users/admin", url.Values{"role": {"operator"}, "scope": {"410802"}}, 422, "不能修改自己的角色或管辖范围"},
			{"a short password", "POST", "/admin/users/handler/password", url.Values{"password": {"short"}}, 422, "密码至少需要 8 个字符"},
			{"a rule's unknown department", "POST", "/admin/rules", url.Values{"row": {"0"}, "r0.department": {"NOPE"}}, 422, "第 1 行：没有该部门：NOPE"},
			{"a rule's unknown region", "POST", "/admin/rules", url.Values{"row": {"0"}, "r0.department": {"410802-CGJ"}, "r0.region": {"999"}}, 422, "第 1 行：没有该区划：999"},
			{"a rule's unknown category", "POST", "/admin/rules", url.Values{"row": {"0"}, "r0.department": {"410802-CGJ"}, "r0.category": {"matter:99999"}}, 422, "第 1 行：没有该问题类别：99999"},
			{"a rule's time that is none", "POST", "/admin/rules", url.Values{"row": {"0"}, "r0.department": {"410802-CGJ"}, "r0.from": {"25:00"}, "r0.to": {"06:00"}}, 422, "第 1 行：时间“25:00”应写作 时:分"},
			{"a name on two lines", "POST", "/admin/site", url.Values{"name": {"一行\n两行"}}, 422, "各只能写一行"},
			{"a name too long", "POST", "/admin/site", url.Values{"name": {strings.Repeat("长", 41)}}, 422, "最多 40 个字"},
			{"an emblem that is no file", "POST", "/admin/site/emblem", url.Values{}, 422, "请填写"},
			{"a member who is no one", "POST", "/admin/regions/" + demo.GridWorkerGrid + "/members", url.Values{"username": {"nobody"}, "role": {"worker"}}, 422, ""},
		}
		for _, hb := range hostile {
			status, _, body := admin.do(hb.method, hb.path, hb.form)
			if status != hb.status || !strings.Contains(problemText(body), hb.want) || latinIn(problemText(body)) {
				t.Errorf("%s: %d %q, want %d saying %q in Chinese", hb.name, status, problemText(body), hb.status, hb.want)
			}
		}
		if after := snapshotAdmin(t, s); !reflect.DeepEqual(after, before) {
			t.Errorf("refusals changed what is stored:\nbefore %+v\nafter  %+v", before, after)
		}

		// The emblem is anyone's to see, served so that even an SVG opened alone runs nothing.
		anon := s.visitor(t)
		_, _, home := anon.do("GET", "/", nil)
		src := regexpFind(`<img class="emblem" src="(/emblem/[0-9a-f]+)"`, home)
		status, h, _ := anon.do("GET", src, nil)
		if src == "" || status != 200 || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
			h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Cache-Control"), "immutable") {
			t.Errorf("the emblem %s: %d %v", src, status, h)
		}
		if status, _, _ := anon.do("GET", "/emblem/0123456789abcdef", nil); status != http.StatusNotFound {
			t.Errorf("an emblem that is not the site's: %d, want 404", status)
		}
	})
}

// latinIn reports whether a refusal shows English words (three Latin letters or more).
// Usernames and codes the test sends are shown as sent.
func latinIn(s string) bool {
	return regexpFind(`([A-Za-z]{3,})`, strings.NewReplacer("handler", "", "NOPE", "").Replace(s)) != ""
}

// regexpFind returns the first group of pattern in s, or "".
func regexpFind(pattern, s string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

type regionMapChild struct {
	Code           string
	Counted        bool
	Grids, Members int
}

// regionMapChildren reads the children a regions page puts on its map.
func regionMapChildren(t *testing.T, page string) []regionMapChild {
	t.Helper()
	_, after, ok := strings.Cut(page, `id="region-map-data">`)
	raw, _, ok2 := strings.Cut(after, "</script>")
	var d struct{ Children []regionMapChild }
	if !ok || !ok2 || json.Unmarshal([]byte(raw), &d) != nil {
		t.Errorf("no region map on the page")
	}
	return d.Children
}
