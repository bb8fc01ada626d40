package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// visitor is a browser without JavaScript: a cookie jar that does not follow redirects.
type visitor struct {
	t    *testing.T
	base string
	hc   *http.Client
	lang string
}

func (s *site) visitor(t *testing.T) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: s.URL, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (v *visitor) do(method, path string, form url.Values, header ...string) (int, http.Header, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, v.base+path, body)
	if err != nil {
		v.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if v.lang != "" {
		req.Header.Set("Accept-Language", v.lang)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func (v *visitor) signIn(username string) {
	v.t.Helper()
	status, h, body := v.do("POST", "/login", url.Values{"username": {username}, "password": {demo.Password}})
	if status != http.StatusSeeOther {
		v.t.Fatalf("sign in %s: %d %s", username, status, body)
	}
	_ = h
}

// missingKey finds a message key the catalogue lacks: T shows those as [key].
var missingKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.0-9]+\]`)

// reportIn files a report as the system and returns it.
func reportIn(t *testing.T, s *site, gridCode, category string) cases.Intake {
	t.Helper()
	reg, err := s.App.Regions.Region(t.Context(), gridCode, true)
	if err != nil {
		t.Fatal(err)
	}
	pt, ok := grid.PointInside(reg.Geometry)
	if !ok {
		t.Fatalf("no point inside %s", gridCode)
	}
	in := cases.NewCase{CategoryKind: "matter", Category: category, Description: "井盖缺失 near the school gate", Lon: &pt[0], Lat: &pt[1]}
	in.Contact.Name, in.Contact.Phone = "王女士", "13800000000"
	out, err := s.App.Cases.Report(t.Context(), nil, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPagesRenderInBothLanguagesWithEveryString(t *testing.T) {
	s := newSite(t)
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	pages := []struct {
		who, path string
	}{
		{"", "/"}, {"", "/login"}, {"", "/report"}, {"", "/track/" + c.Ticket}, {"", "/nowhere"},
		{"operator", "/tasks"}, {"operator", "/tasks?status=all"}, {"operator", "/cases/" + itoa(c.ID)},
		{"operator", "/dashboard"}, {"gridworker", "/tasks"},
		{"admin", "/admin/users"}, {"admin", "/admin/departments"}, {"admin", "/admin/categories?q=090"}, {"admin", "/admin/rules"},
		{"admin", "/admin/regions"}, {"admin", "/admin/regions?code=" + demo.GridWorkerGrid}, {"gridworker", "/report"}, {"resident", "/report"},
		{"admin", "/admin/time-limits"}, {"admin", "/admin/calendar"}, {"admin", "/admin/webhooks"}, {"handler", "/notifications"},
		{"admin", "/admin/site"}, {"admin", "/admin/users/handler"}, {"admin", "/admin/rules?t_category=matter:09009&t_region=410802001&t_at=22:00"},
		{"admin", "/admin/categories?page=2&kind=matter"}, {"leader", "/dashboard/wall"}, {"leader", "/evaluation"}, {"operator", "/tasks?status=open&light=red&region=410802&kind=matter&category=09009"},
	}
	for _, lang := range []string{"zh-CN,zh;q=0.9", "en-GB,en;q=0.8"} {
		for _, p := range pages {
			v := s.visitor(t)
			v.lang = lang
			if p.who != "" {
				v.signIn(p.who)
			}
			status, h, body := v.do("GET", p.path, nil)
			if status != 200 && !(p.path == "/nowhere" && status == 404) {
				t.Errorf("%s %s as %q: status %d", lang, p.path, p.who, status)
			}
			if m := missingKey.FindString(body); m != "" {
				t.Errorf("%s %s: message %s is missing from the catalogue", lang, p.path, m)
			}
			wantLang := lang[:2]
			if !strings.HasPrefix(h.Get("Content-Language"), wantLang) || !strings.Contains(body, `<html lang="`+wantLang) {
				t.Errorf("%s %s: Content-Language %q", lang, p.path, h.Get("Content-Language"))
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self';") {
				t.Errorf("%s: CSP %q", p.path, h.Get("Content-Security-Policy"))
			}
		}
	}
}

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	read := func(name string) map[string]string {
		b, err := os.ReadFile(filepath.Join("i18n", name))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	zh, en := read("zh-CN.json"), read("en.json")
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %s", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh-CN.json lacks %s", k)
		}
	}
}

// A drill-down link narrows the workspace by light, region and category; what it does not
// know, or a region outside the viewer's scope, is refused, and nobody else's cases show.
func TestWorkspaceNarrowedByADrillDown(t *testing.T) {
	s := newSite(t)
	mine := reportIn(t, s, demo.GridWorkerGrid, "09009")
	other := reportIn(t, s, demo.GridWorkerGrid, "06001")
	elsewhere := reportIn(t, s, "410811001001001", "09009") // 山阳区: outside the operator's scope
	v := s.visitor(t)
	v.signIn("operator")
	cases := []struct {
		query      string
		status     int
		shows      []string
		hides      []string
		narrowedBy string
	}{
		{"status=open&kind=matter&category=09009", 200, []string{mine.Ticket}, []string{other.Ticket, elsewhere.Ticket}, "机动车乱停放"},
		{"status=open&region=" + demo.GridWorkerGrid, 200, []string{mine.Ticket, other.Ticket}, []string{elsewhere.Ticket}, ""},
		{"status=open&light=red", 200, nil, []string{mine.Ticket, other.Ticket, elsewhere.Ticket}, "超期"},
		{"status=open&light=purple", 422, nil, []string{mine.Ticket}, ""},
		{"status=open&region=410811", 403, nil, []string{elsewhere.Ticket}, ""},
		{"status=open&category=09009&kind=animal", 422, nil, []string{mine.Ticket}, ""},
		{"status=open&region=" + url.QueryEscape("4108'--"), 422, nil, []string{mine.Ticket}, ""},
	}
	for _, c := range cases {
		status, _, body := v.do("GET", "/tasks?"+c.query, nil)
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.query, status, c.status)
		}
		for _, tk := range c.shows {
			if !strings.Contains(body, tk) {
				t.Errorf("%s: %s is not listed", c.query, tk)
			}
		}
		for _, tk := range c.hides {
			if strings.Contains(body, tk) {
				t.Errorf("%s: %s is listed", c.query, tk)
			}
		}
		if c.narrowedBy != "" && !strings.Contains(body, "<strong>"+c.narrowedBy+"</strong>") {
			t.Errorf("%s: the page does not say it is narrowed by %s", c.query, c.narrowedBy)
		}
	}
}

func TestOutOfScopeStaffGetNotFound(t *testing.T) {
	s := newSite(t)
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	if _, err := s.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{Username: "shanyang", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
		t.Fatal(err)
	}
	v := s.visitor(t)
	v.signIn("shanyang")
	status, _, body := v.do("GET", "/cases/"+itoa(c.ID), nil)
	if status != 404 || strings.Contains(body, c.Ticket) || strings.Contains(body, "13800000000") {
		t.Errorf("out of scope: got %d, body mentions the case: %v", status, strings.Contains(body, c.Ticket))
	}
	status, _, _ = v.do("POST", "/cases/"+itoa(c.ID)+"/actions", url.Values{"action": {"register"}, "version": {"1"}})
	if status != 404 {
		t.Errorf("out-of-scope action: got %d, want 404", status)
	}
	got, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), c.ID)
	if err != nil || got.Status != "reported" || got.Version != 1 {
		t.Errorf("the case changed: %v %v", got.Status, err)
	}
	anon := s.visitor(t)
	status, h, _ := anon.do("GET", "/cases/"+itoa(c.ID), nil)
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
		t.Errorf("anonymous: got %d %s, want a redirect to sign in", status, h.Get("Location"))
	}
}

// The tracking page shows what Open311 publishes of a case (its description, as the reporter
// wrote it) and nothing of its reporter.
func TestTrackShowsNoPersonalData(t *testing.T) {
	s := newSite(t)
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	v := s.visitor(t)
	status, _, body := v.do("GET", "/track/"+c.Ticket, nil)
	if status != 200 || !strings.Contains(body, c.Ticket) || !strings.Contains(body, "井盖缺失") {
		t.Fatalf("track: %d, or without the ticket or the description", status)
	}
	for _, private := range []string{"王女士", "13800000000", "system:"} {
		if strings.Contains(body, private) {
			t.Errorf("the public tracking page shows %q", private)
		}
	}
	for _, bad := range []string{"/track/2026", "/track/x", "/track/20991231-999999"} {
		if status, _, _ := v.do("GET", bad, nil); status != 404 {
			t.Errorf("%s: got %d, want 404", bad, status)
		}
	}
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	s := newSite(t)
	c := reportIn(t, s, demo.GridWorkerGrid, "09009")
	v := s.visitor(t)
	v.signIn("operator")
	status, _, _ := v.do("POST", "/cases/"+itoa(c.ID)+"/actions", url.Values{"action": {"register"}, "version": {"1"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if status != http.StatusForbidden {
		t.Errorf("cross-site action: got %d, want 403", status)
	}
	got, _ := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), c.ID)
	if got.Status != "reported" {
		t.Errorf("a cross-site form changed the case to %s", got.Status)
	}
	status, _, _ = v.do("POST", "/cases/"+itoa(c.ID)+"/actions", url.Values{"action": {"register"}, "version": {"1"}}, "Sec-Fetch-Site", "same-origin")
	if status != http.StatusSeeOther {
		t.Errorf("same-site action: got %d, want 303", status)
	}
}

func TestSignInGoesOnlyToLocalPages(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct{ next, want string }{
		{"/cases/1", "/cases/1"}, {"", "/tasks"}, {"https://evil.example/", "/tasks"}, {"//evil.example", "/tasks"}, {`/\evil.example`, "/tasks"},
	} {
		v := s.visitor(t)
		status, h, _ := v.do("POST", "/login", url.Values{"username": {"operator"}, "password": {demo.Password}, "next": {tc.next}})
		if status != http.StatusSeeOther || h.Get("Location") != tc.want {
			t.Errorf("next=%q: got %d %q, want %q", tc.next, status, h.Get("Location"), tc.want)
		}
	}
	v := s.visitor(t)
	status, _, body := v.do("POST", "/login", url.Values{"username": {"operator"}, "password": {"wrong"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Errorf("wrong password: got %d", status)
	}
}

func itoa(n int64) string { return strconvI(n) }

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func TestThePublicMapShowsNoPeopleAndBlursSensitivePlaces(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	cats, err := s.App.Settings.Categories(t.Context(), system)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		if c.Kind == "matter" && c.Code == "06010" { // 暴露垃圾: say a city keeps its places private
			c.Sensitive = true
			if _, err := s.App.Settings.ImportCategories(t.Context(), system, []workflow.Category{c}); err != nil {
				t.Fatal(err)
			}
		}
	}
	plain := reportIn(t, s, demo.GridWorkerGrid, "09009")
	// A little way from the grid's own point, as a real place would be.
	lon, lat := plain.Lon+0.0007, plain.Lat+0.0004
	private, err := s.App.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: "matter", Category: "06010", Description: "垃圾堆在王女士家门口", Lon: &lon, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	_, _, body := s.visitor(t).do("GET", "/", nil)
	m := regexp.MustCompile(`(?s)<script type="application/json" id="public-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no public map data on the portal")
	}
	var data struct {
		Cases []cases.PublicPoint `json:"cases"`
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("%v: %s", err, m[1])
	}
	got := map[string]cases.PublicPoint{}
	for _, p := range data.Cases {
		got[p.Ticket] = p
	}
	if p := got[plain.Ticket]; p.Blurred || p.Lon != plain.Lon || p.Lat != plain.Lat {
		t.Errorf("an ordinary case shows at %v,%v (blurred %v), want its own place %v,%v", p.Lon, p.Lat, p.Blurred, plain.Lon, plain.Lat)
	}
	if p, ok := got[private.Ticket]; !ok || !p.Blurred || (p.Lon == private.Lon && p.Lat == private.Lat) {
		t.Errorf("a sensitive case shows at %+v, want its grid's point", p)
	}
	for _, personal := range []string{"王女士", "13800000000", "井盖缺失", "垃圾堆在"} {
		if strings.Contains(m[1], personal) {
			t.Errorf("the public map carries %q", personal)
		}
	}
}

func TestBulkActionsEachCheckedOnTheirOwn(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	a, b, c := reportIn(t, s, demo.GridWorkerGrid, "09009"), reportIn(t, s, demo.GridWorkerGrid, "09009"), reportIn(t, s, demo.GridWorkerGrid, "09009")
	if _, err := s.App.Cases.Act(t.Context(), system, c.ID, "reject", nil, workflow.Input{RejectReason: "invalid", Reason: "not found"}); err != nil {
		t.Fatal(err)
	}
	v := s.visitor(t)
	v.signIn("operator")
	_, _, page := v.do("GET", "/tasks", nil)
	// The bulk action is chosen, never preset: a leader's list of suspended cases must not
	// offer 立案 as if it were the thing to do.
	if !strings.Contains(page, `name="action" required><option value="" selected>`) {
		t.Errorf("the bulk action is preset to something")
	}
	if !strings.Contains(page, `id="bulk-go"`) || !strings.Contains(page, `value="`+itoa(a.ID)+`"`) {
		t.Fatal("the operator's workspace offers no bulk register")
	}
	status, h, _ := v.do("POST", "/tasks/bulk", url.Values{"action": {"register"}, "status": {"todo"}, "case": {itoa(a.ID), itoa(b.ID), itoa(c.ID)}})
	if status != http.StatusSeeOther {
		t.Fatalf("bulk: %d", status)
	}
	loc, _ := url.Parse(h.Get("Location"))
	if n, p := loc.Query().Get("notice"), loc.Query().Get("problem"); !strings.Contains(n, "2") || !strings.Contains(p, "#"+itoa(c.ID)) {
		t.Errorf("notice %q, problem %q; want 2 done and case %d refused", n, p, c.ID)
	}
	for id, want := range map[int64]string{a.ID: "registered", b.ID: "registered", c.ID: "rejected"} {
		if got, _ := s.App.Cases.Case(t.Context(), system, id); string(got.Status) != want {
			t.Errorf("case %d is %s, want %s", id, got.Status, want)
		}
	}
	// A handler may not register, in bulk or otherwise.
	hv := s.visitor(t)
	hv.signIn("handler")
	if status, _, _ := hv.do("POST", "/tasks/bulk", url.Values{"action": {"register"}, "case": {itoa(a.ID)}}); status != http.StatusUnprocessableEntity {
		t.Errorf("a handler's bulk register: got %d, want 422", status)
	}
}

func TestAdminPagesChangeThroughTheUseCases(t *testing.T) {
	s := newSite(t)
	system := access.SystemPrincipal("test")
	op := s.visitor(t)
	op.signIn("operator")
	if status, _, _ := op.do("GET", "/admin/users", nil); status != http.StatusForbidden {
		t.Errorf("an operator on the admin pages: %d, want 403", status)
	}
	if status, _, _ := op.do("POST", "/admin/users", url.Values{"username": {"sneaky"}, "role": {"admin"}, "password": {"long-enough-password"}}); status != http.StatusForbidden {
		t.Errorf("an operator adding a user: %d, want 403", status)
	}
	admin := s.visitor(t)
	admin.signIn("admin")
	steps := []struct {
		path string
		form url.Values
	}{
		{"/admin/users", url.Values{"username": {"wang"}, "display_name": {"王网格员"}, "role": {"gridworker"}, "scope": {"410802"}, "password": {"a-long-password-1"}}},
		{"/admin/regions/" + demo.GridWorkerGrid + "/members", url.Values{"username": {"wang"}, "role": {"worker"}}},
		{"/admin/departments", url.Values{"code": {"410802-SW"}, "name": {"解放区水务局"}, "level": {"district"}, "region_code": {"410802"}}},
		{"/admin/categories", url.Values{"key": {"matter:09009"}, "public": {"1"}, "sensitive": {"1"}, "verification_required": {"1"}}},
		{"/admin/users/wang/disabled", url.Values{"disabled": {"1"}}},
	}
	for _, st := range steps {
		if status, h, body := admin.do("POST", st.path, st.form); status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s %s", st.path, status, h.Get("Location"), missingKey.FindString(body)+regexp.MustCompile(`(?s)id="problem">(.*?)<`).FindString(body))
		}
	}
	members, err := s.App.Regions.GridMembers(t.Context(), system, demo.GridWorkerGrid)
	if err != nil || !slices.ContainsFunc(members, func(m store.GridMember) bool { return m.Username == "wang" }) {
		t.Errorf("members %v (%v), want wang", members, err)
	}
	users, _ := s.App.People.ListUsers(t.Context(), system)
	if i := slices.IndexFunc(users, func(u access.User) bool { return u.Username == "wang" }); i < 0 || !users[i].Disabled {
		t.Errorf("wang was not added and disabled")
	}
	cats, _ := s.App.Settings.Categories(t.Context(), system)
	if i := slices.IndexFunc(cats, func(c workflow.Category) bool { return c.Kind == "matter" && c.Code == "09009" }); i < 0 || !cats[i].Sensitive {
		t.Errorf("09009 is not sensitive after the change")
	}
	// A refusal shows the page again with the reason and changes nothing.
	status, _, body := admin.do("POST", "/admin/regions/"+demo.GridWorkerGrid+"/members", url.Values{"username": {"operator"}, "role": {"worker"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `id="problem"`) {
		t.Errorf("making an operator a grid worker: %d", status)
	}
}

// The wall screen shows a viewer's own scope only, and is for staff: a resident and anyone
// signed out are kept from it.
func TestWallScreenKeepsToScope(t *testing.T) {
	s := newSite(t)
	mine := reportIn(t, s, demo.GridWorkerGrid, "09009")
	elsewhere := reportIn(t, s, "410811001001001", "09009") // 山阳区
	op := s.visitor(t)
	op.signIn("operator") // 解放区
	status, _, body := op.do("GET", "/dashboard/wall/data", nil)
	if status != 200 || !strings.Contains(body, mine.Ticket) || strings.Contains(body, elsewhere.Ticket) {
		t.Errorf("the operator's wall data (%d) lists %s: %v, %s: %v; want only the district's", status,
			mine.Ticket, strings.Contains(body, mine.Ticket), elsewhere.Ticket, strings.Contains(body, elsewhere.Ticket))
	}
	res := s.visitor(t)
	res.signIn("resident")
	for _, path := range []string{"/dashboard/wall", "/dashboard/wall/data"} {
		if status, _, body := res.do("GET", path, nil); status != http.StatusForbidden || strings.Contains(body, mine.Ticket) {
			t.Errorf("a resident at %s: %d", path, status)
		}
	}
	if status, h, _ := s.visitor(t).do("GET", "/dashboard/wall", nil); status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("signed out at the wall: %d %s, want a redirect to sign in", status, h.Get("Location"))
	}
}
