package server_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/testkit"
	"github.com/citygrid/citygrid/internal/web"
	"github.com/citygrid/citygrid/internal/workflow"
)

// badBytes is one kind of bytes that are not text, as each way of sending it writes it.
type badBytes struct {
	name string
	json string // inside a JSON string literal
	raw  string // in a form or query value, before URL encoding
	path string // in a path, URL encoded
}

var badKinds = []badBytes{
	{"a NUL byte", `\u0000`, "\x00", "%00"},
	{"bytes that are not UTF-8", "\xff\xfe", "\xff\xfe", "%FF%FE"},
}

// probe is one request carrying bad bytes in one field.
type probe struct {
	name    string
	who     string // the demo user who sends it; "" for anonymous
	method  string
	path    string // {BAD} marks bad bytes in the path or query
	body    func(b badBytes) (contentType, body string)
	adapter string // "api", "open311" or "web": how the refusal looks
	field   string // the field the refusal names
	shown   string // for pages: the field as the Chinese page names it
}

func jsonBody(tmpl string) func(badBytes) (string, string) {
	return func(b badBytes) (string, string) {
		return "application/json", strings.ReplaceAll(tmpl, "{BAD}", b.json)
	}
}

// formBody is an urlencoded form of name, value pairs; {BAD} in a value marks the bad bytes.
func formBody(pairs ...string) func(badBytes) (string, string) {
	return func(b badBytes) (string, string) {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Add(pairs[i], strings.ReplaceAll(pairs[i+1], "{BAD}", b.raw))
		}
		return "application/x-www-form-urlencoded", v.Encode()
	}
}

// formQuery is an urlencoded form written out; {BAD} marks the bad bytes.
func formQuery(encoded string) func(badBytes) (string, string) {
	return func(b badBytes) (string, string) {
		return "application/x-www-form-urlencoded", strings.ReplaceAll(encoded, "{BAD}", url.QueryEscape(b.raw))
	}
}

// demoFront is the whole front door (API, Open311, pages) over a database of either engine
// seeded with the demo city, with a raw connection to fingerprint what is stored.
type demoFront struct {
	URL   string
	App   *app.App
	Raw   *sql.DB
	Blobs string // the attachments' directory
}

func newDemoFront(t *testing.T, e store.Engine) *demoFront {
	t.Helper()
	dsn := storetest.DSN(t, e)
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	dir := t.TempDir()
	blobs, err := blob.NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Blobs: blobs})
	log := slog.New(slog.NewTextHandler(&testkit.SyncBuffer{}, nil))
	s, err := server.New(server.Config{App: a, Logger: log, Version: "test", Web: &web.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &demoFront{URL: hs.URL, App: a, Raw: storetest.Raw(t, dsn), Blobs: dir}
}

// TestBadBytesAreRefusedEverywhere: a NUL byte or bytes that are not UTF-8 in any text a
// request carries (JSON body, form, query string, path) are refused with 400 naming the field,
// and nothing at all is stored: on PostgreSQL such text was a 500, on SQLite it was kept.
func TestBadBytesAreRefusedEverywhere(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			testBadBytes(t, newDemoFront(t, e))
		})
	}
}

func testBadBytes(t *testing.T, f *demoFront) {
	a, raw := f.App, f.Raw
	pt := apptest.PointIn(t, a, demo.GridWorkerGrid)
	cs, err := a.Cases.Report(t.Context(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009",
		Description: "a car across the pavement", Lon: &pt[0], Lat: &pt[1], CRS: "wgs84"})
	if err != nil {
		t.Fatal(err)
	}
	// 09009 with an attribute, so that a request carrying one is good but for the bad bytes.
	cats, err := workflow.ReadCategories(strings.NewReader("kind,code,major_code,major_name,name,attributes\n" +
		`matter,09009,09,街面秩序类,机动车乱停放,"[{""code"":""plate"",""datatype"":""string"",""description"":""车牌号""}]"` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Settings.ImportCategories(t.Context(), access.SystemPrincipal("test"), cats); err != nil {
		t.Fatal(err)
	}
	key, _, err := a.Open311.CreateOpen311Key(t.Context(), access.SystemPrincipal("test"), "fms")
	if err != nil {
		t.Fatal(err)
	}
	where := fmt.Sprintf("&lat=%v&long=%v", pt[1], pt[0])
	id, ticket := fmt.Sprint(cs.ID), cs.Ticket
	o311 := "api_key=" + url.QueryEscape(key) + "&service_code=matter-09009" + where

	probes := []probe{
		// The REST API: JSON bodies, query strings, paths.
		{"sign-in username", "", "POST", "/api/v1/auth/login", jsonBody(`{"username": "admin{BAD}", "password": "x"}`), "api", "username", ""},
		{"sign-in password", "", "POST", "/api/v1/auth/login", jsonBody(`{"username": "admin", "password": "x{BAD}"}`), "api", "password", ""},
		{"report description", "", "POST", "/api/v1/cases", jsonBody(`{"category": "09009", "category_kind": "matter", "lon": ` +
			fmt.Sprint(pt[0]) + `, "lat": ` + fmt.Sprint(pt[1]) + `, "description": "a car{BAD}"}`), "api", "description", ""},
		{"report contact name", "", "POST", "/api/v1/cases", jsonBody(`{"category": "09009", "category_kind": "matter", "lon": ` +
			fmt.Sprint(pt[0]) + `, "lat": ` + fmt.Sprint(pt[1]) + `, "contact": {"name": "张{BAD}", "phone": "1"}}`), "api", "contact.name", ""},
		{"comment", "operator", "POST", "/api/v1/cases/" + id + "/actions", jsonBody(`{"action": "comment", "note": "see{BAD}"}`), "api", "note", ""},
		{"me too's supporter", "", "POST", "/api/v1/cases/" + id + "/actions", jsonBody(`{"action": "support", "supporter": "device:{BAD}"}`), "api", "supporter", ""},
		{"new user's name", "admin", "POST", "/api/v1/users", jsonBody(`{"username": "newbie", "role": "resident", "password": "a long enough password", "display_name": "新{BAD}"}`), "api", "display_name", ""},
		{"token name", "admin", "POST", "/api/v1/tokens", jsonBody(`{"name": "ci{BAD}"}`), "api", "name", ""},
		{"webhook name", "admin", "POST", "/api/v1/webhooks", jsonBody(`{"name": "hook{BAD}", "url": "https://example.com/hook"}`), "api", "name", ""},
		{"calendar note", "admin", "PUT", "/api/v1/calendar/overrides/2026-12-01", jsonBody(`{"working": false, "note": "off{BAD}"}`), "api", "note", ""},
		{"time-limit source", "admin", "PUT", "/api/v1/time-limits", jsonBody(`[{"stage": "handle", "limit": {"value": 1, "unit": "work_day"}, "source": "x{BAD}"}]`), "api", "[0].source", ""},
		{"grid member role", "admin", "PUT", "/api/v1/regions/" + demo.GridWorkerGrid + "/members/resident", jsonBody(`{"role": "x{BAD}"}`), "api", "role", ""},
		{"case search", "operator", "GET", "/api/v1/cases?q=car{BAD}", nil, "api", "q", ""},
		{"case list filter", "operator", "GET", "/api/v1/cases?category=0900{BAD}", nil, "api", "category", ""},
		{"regions by parent", "", "GET", "/api/v1/regions?parent=4108{BAD}", nil, "api", "parent", ""},
		{"a region by code", "", "GET", "/api/v1/regions/4108{BAD}", nil, "api", "path", ""},
		{"an attachment by id", "", "GET", "/api/v1/attachments/ab{BAD}", nil, "api", "path", ""},
		{"grid member removal", "admin", "DELETE", "/api/v1/regions/" + demo.GridWorkerGrid + "/members/res{BAD}", nil, "api", "path", ""},

		// Open311: forms and query strings, in its own error shape.
		{"Open311 request description", "", "POST", "/open311/v2/requests.json", formQuery(o311 + "&description=x{BAD}"), "open311", "description", ""},
		{"Open311 request attribute", "", "POST", "/open311/v2/requests.json", formQuery(o311 + "&attribute[plate]=x{BAD}"), "open311", "attribute[plate]", ""},
		{"Open311 update", "", "POST", "/open311/v2/servicerequestupdates.json",
			formQuery("api_key=" + url.QueryEscape(key) + "&service_request_id=" + ticket + "&description=x{BAD}"), "open311", "description", ""},
		{"Open311 request search", "", "GET", "/open311/v2/requests.json?service_request_id=" + ticket + "{BAD}", nil, "open311", "service_request_id", ""},
		{"Open311 request by id", "", "GET", "/open311/v2/requests/" + ticket + "{BAD}.json", nil, "open311", "path", ""},

		// The pages: forms, query strings, paths.
		{"sign-in page", "", "POST", "/login", formBody("username", "admin{BAD}", "password", "x"), "web", "username", "用户名"},
		{"report page", "", "POST", "/report", formBody("category", "matter:09009", "lon", fmt.Sprint(pt[0]), "lat", fmt.Sprint(pt[1]),
			"description", "a car{BAD}"), "web", "description", "问题描述"},
		{"case page action", "operator", "POST", "/cases/" + id + "/actions", formBody("action", "comment", "note", "see{BAD}"), "web", "note", "说明"},
		{"tracking page me too", "", "POST", "/track/" + ticket, formBody("action", "support", "note", "x{BAD}"), "web", "note", "说明"},
		{"tracking search", "", "GET", "/track?ticket=" + ticket + "{BAD}", nil, "web", "ticket", "受理编号"},
		{"tracking page", "", "GET", "/track/" + ticket + "{BAD}", nil, "web", "path", "网址路径"},
		{"category picker", "", "GET", "/report/categories?q=井{BAD}", nil, "web", "q", "搜索内容"},
		{"admin: add user", "admin", "POST", "/admin/users", formBody("username", "newbie", "role", "resident", "password", "a long enough password",
			"display_name", "新{BAD}"), "web", "display_name", "姓名"},
		{"admin: department", "admin", "POST", "/admin/departments", formBody("code", "410802-NEW", "name", "新部门{BAD}", "level", "district",
			"region_code", "410802"), "web", "name", "名称"},
		{"admin: category", "admin", "POST", "/admin/categories", formBody("key", "matter:09009", "public", "1", "filing_condition", "x{BAD}"), "web", "filing_condition", "立案条件"},
		{"admin: grid member", "admin", "POST", "/admin/regions/" + demo.GridWorkerGrid + "/members", formBody("username", "resident{BAD}", "role", "worker"), "web", "username", "用户名"},
		{"admin: time limits", "admin", "POST", "/admin/time-limits", formBody("csv", "stage,limit,unit,source\nhandle,1,work_day,x{BAD}\n"), "web", "csv", "表格内容"},
		{"admin: calendar", "admin", "POST", "/admin/calendar", formBody("date", "2026-12-01", "working", "0", "note", "off{BAD}"), "web", "note", "说明"},
		{"admin: webhook", "admin", "POST", "/admin/webhooks", formBody("name", "hook{BAD}", "url", "https://example.com/hook"), "web", "name", "名称"},
		{"admin: user search", "admin", "GET", "/admin/users?q=a{BAD}", nil, "web", "q", "搜索内容"},
		{"tasks filter", "operator", "GET", "/tasks?status=reported{BAD}", nil, "web", "status", "状态"},
	}

	clients := map[string]*http.Client{}
	client := func(who string) *http.Client {
		if c, ok := clients[who]; ok {
			return c
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if who != "" {
			body := fmt.Sprintf(`{"username": %q, "password": %q}`, who, demo.Password)
			res, err := c.Post(f.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("sign in %s: %d", who, res.StatusCode)
			}
		}
		clients[who] = c
		return c
	}

	for _, p := range probes {
		for _, b := range badKinds {
			t.Run(p.name+" with "+b.name, func(t *testing.T) {
				c := client(p.who)
				before := storetest.Fingerprint(t, raw)
				path := strings.ReplaceAll(p.path, "{BAD}", b.path)
				var rd io.Reader
				var ct string
				if p.body != nil {
					var body string
					ct, body = p.body(b)
					rd = strings.NewReader(body)
				}
				req, err := http.NewRequestWithContext(t.Context(), p.method, f.URL+path, rd)
				if err != nil {
					t.Fatal(err)
				}
				if ct != "" {
					req.Header.Set("Content-Type", ct)
				}
				req.Header.Set("Accept-Language", "zh-CN")
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("%s %s: status %d, want 400 (body %.300s)", p.method, path, res.StatusCode, got)
				}
				if why := namesField(p, got); why != "" {
					t.Errorf("%s %s: %s (body %.300s)", p.method, path, why, got)
				}
				if after := storetest.Fingerprint(t, raw); after != before {
					t.Errorf("%s %s changed what is stored", p.method, path)
				}
			})
		}
	}
}

// namesField says what is wrong with a refusal's body for p, or "" when it names p's field as
// its adapter does.
func namesField(p probe, body []byte) string {
	switch p.adapter {
	case "api":
		var e struct {
			Error struct {
				Code   string         `json:"code"`
				Params map[string]any `json:"params"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != "bad_text" || e.Error.Params["field"] != p.field {
			return fmt.Sprintf("want error code bad_text naming field %q", p.field)
		}
	case "open311":
		var e []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(body, &e); err != nil || len(e) != 1 || e[0].Code != 400 || !strings.HasPrefix(e[0].Description, p.field+" ") {
			return fmt.Sprintf("want one Open311 error 400 naming %q", p.field)
		}
	case "web":
		if !strings.Contains(string(body), "“"+p.shown+"”含有无法保存的字符") {
			return fmt.Sprintf("want the page to say “%s” holds characters that cannot be stored", p.shown)
		}
	}
	return ""
}
