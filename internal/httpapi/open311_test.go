package httpapi_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

const o311 = "/open311/v2/"

// withOpen311 gives 09009 机动车乱停放 three attributes and returns a fresh api_key.
func withOpen311(t *testing.T, ts *testServer) string {
	t.Helper()
	console := access.SystemPrincipal("test")
	cats, err := workflow.ReadCategories(strings.NewReader(`kind,code,major_code,major_name,name,attributes
matter,09009,09,街面秩序类,机动车乱停放,"[{""code"":""plate"",""datatype"":""string"",""required"":true,""description"":""车牌号""},{""code"":""vehicle"",""datatype"":""singlevaluelist"",""description"":""车辆类型"",""values"":[{""key"":""car"",""name"":""小汽车""},{""key"":""truck"",""name"":""货车""}]},{""code"":""blocks"",""datatype"":""multivaluelist"",""description"":""占用"",""values"":[{""key"":""sidewalk"",""name"":""人行道""},{""key"":""blind"",""name"":""盲道""}]},{""code"":""seen"",""datatype"":""datetime"",""description"":""发现时间""},{""code"":""count"",""datatype"":""number"",""description"":""车辆数""}]"
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.App.Settings.ImportCategories(t.Context(), console, cats); err != nil {
		t.Fatal(err)
	}
	key, _, err := ts.App.Open311.CreateOpen311Key(t.Context(), console, "fms")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// form posts url-encoded parameters (raw, so tests control repeats and line ends).
func (c *client) form(t *testing.T, path, body string) *response {
	t.Helper()
	return c.do(t, "POST", path, body, "Content-Type", "application/x-www-form-urlencoded")
}

// multipartBody builds a multipart form with one PNG photo in the field "media".
func o311Multipart(t *testing.T, fields [][2]string, seed uint8) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	img.Set(1, 1, color.RGBA{seed, 9, 9, 255})
	fw, err := mw.CreateFormFile("media", "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(fw, img); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

type o311Request struct {
	ID               string   `json:"service_request_id" xml:"service_request_id"`
	Token            *string  `json:"token" xml:"token"`
	Status           string   `json:"status" xml:"status"`
	StatusNotes      *string  `json:"status_notes" xml:"status_notes"`
	ServiceCode      string   `json:"service_code" xml:"service_code"`
	Agency           *string  `json:"agency_responsible" xml:"agency_responsible"`
	Requested        string   `json:"requested_datetime" xml:"requested_datetime"`
	Expected         *string  `json:"expected_datetime" xml:"expected_datetime"`
	AddressID        *string  `json:"address_id" xml:"address_id"`
	Lat              *float64 `json:"lat" xml:"lat"`
	Long             *float64 `json:"long" xml:"long"`
	MediaURL         *string  `json:"media_url" xml:"media_url"`
	Description      *string  `json:"description" xml:"description"`
	ServiceNoticeRaw *string  `json:"service_notice" xml:"service_notice"`
}

type o311Errors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code" json:"code"`
		Description string `xml:"description" json:"description"`
	} `xml:"error"`
}

// wantO311Error checks an Open311 error answer in the format of the path and returns the
// descriptions.
func wantO311Error(t *testing.T, r *response, status int, format string) []string {
	t.Helper()
	wantStatus(t, r, status)
	var e o311Errors
	if format == "json" {
		if err := json.Unmarshal(r.Body, &e.Errors); err != nil {
			t.Fatalf("not a JSON error list: %s", r.Body)
		}
	} else {
		if !bytes.HasPrefix(r.Body, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
			t.Errorf("XML without the spec's declaration: %.60s", r.Body)
		}
		if err := xml.Unmarshal(r.Body, &e); err != nil {
			t.Fatalf("not an XML errors document: %s", r.Body)
		}
	}
	if len(e.Errors) == 0 {
		t.Fatalf("no errors in %s", r.Body)
	}
	var out []string
	for _, x := range e.Errors {
		if x.Code != status || x.Description == "" {
			t.Errorf("error %+v: want code %d and a description", x, status)
		}
		out = append(out, x.Description)
	}
	return out
}

func decodeRequests(t *testing.T, r *response, format string) []o311Request {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var out []o311Request
	if format == "json" {
		r.decode(t, &out)
		return out
	}
	var doc struct {
		Requests []o311Request `xml:"request"`
	}
	if err := xml.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("XML: %v: %s", err, r.Body)
	}
	return doc.Requests
}

func TestAnOpen311ClientReportsAndSeesTheCaseClose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		key := withOpen311(t, ts)
		anon := ts.anonymous()
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)

		t.Run("discovery, services and a definition answer in both formats", func(t *testing.T) {
			for _, format := range []string{"xml", "json"} {
				r := anon.do(t, "GET", o311+"discovery."+format, nil)
				wantStatus(t, r, http.StatusOK)
				if !bytes.Contains(r.Body, []byte(ts.URL+"/open311/v2")) {
					t.Errorf("discovery.%s does not name the endpoint: %s", format, r.Body)
				}
				r = anon.do(t, "GET", o311+"services."+format, nil)
				wantStatus(t, r, http.StatusOK)
				if !bytes.Contains(r.Body, []byte("matter-09009")) || !bytes.Contains(r.Body, []byte("component-01002")) {
					t.Errorf("services.%s lacks matter-09009 or component-01002", format)
				}
				r = anon.do(t, "GET", o311+"services/matter-09009."+format, nil)
				wantStatus(t, r, http.StatusOK)
				for _, want := range []string{"plate", "singlevaluelist", "multivaluelist", "小汽车"} {
					if !bytes.Contains(r.Body, []byte(want)) {
						t.Errorf("definition.%s lacks %s: %s", format, want, r.Body)
					}
				}
			}
			var svcs []map[string]any
			anon.do(t, "GET", o311+"services.json", nil).decode(t, &svcs)
			for _, s := range svcs {
				if s["service_code"] == "matter-09009" && s["metadata"] != true || s["service_code"] == "matter-09010" && s["metadata"] != false {
					t.Errorf("metadata of %v: want true only with attributes", s)
				}
			}
		})

		var ticket string
		t.Run("a multipart XML request with attributes and a photo becomes an open311 case", func(t *testing.T) {
			body, ct := o311Multipart(t, [][2]string{{"api_key", key}, {"service_code", "matter-09009"},
				{"lat", fmt.Sprint(p[1])}, {"long", fmt.Sprint(p[0])}, {"description", "车停在盲道上\r\n第二行"},
				{"attribute[plate]", "豫H12345"}, {"attribute[blocks][]", "blind"}, {"attribute[blocks][]", "sidewalk"},
				{"attribute[seen]", "2026-11-25T08:00:00+08:00"}, {"attribute[count]", "2"}, {"first_name", "李"}, {"phone", "13900000000"}}, 7)
			r := anon.do(t, "POST", o311+"requests.xml", body, "Content-Type", ct)
			reqs := decodeRequests(t, &response{Status: http.StatusOK, Body: r.Body}, "xml")
			wantStatus(t, r, http.StatusCreated)
			if len(reqs) != 1 || !ticketPattern.MatchString(reqs[0].ID) || reqs[0].Token == nil {
				t.Fatalf("answer: %s", r.Body)
			}
			ticket = reqs[0].ID
			cs := ts.caseByTicket(t, ticket)
			if cs.Source != "open311" || cs.Reporter != "open311.fms" || len(cs.Photos) != 1 || !strings.Contains(string(rawCaseBody(t, ts, cs.ID)), `车停在盲道上\n第二行`) {
				t.Errorf("case: source %q reporter %q photos %v ", cs.Source, cs.Reporter, cs.Photos)
			}
			if cs.Contact["phone"] != "13900000000" {
				t.Errorf("contact: %v", cs.Contact)
			}
			if n := len(cs.Timeline); n != 2 || cs.Timeline[1].Action != "attributes" || !strings.Contains(cs.Timeline[1].Note, "车牌号: 豫H12345") ||
				!strings.Contains(cs.Timeline[1].Note, "占用: 人行道, 盲道") {
				t.Errorf("timeline: %+v", cs.Timeline)
			}
			r = anon.do(t, "GET", o311+"tokens/"+*reqs[0].Token+".json", nil)
			wantStatus(t, r, http.StatusOK)
			if !bytes.Contains(r.Body, []byte(`"service_request_id":"`+ticket+`"`)) {
				t.Errorf("token lookup: %s", r.Body)
			}
		})
		if ticket == "" {
			t.FailNow()
		}

		fetch := func(t *testing.T, format string) o311Request {
			t.Helper()
			reqs := decodeRequests(t, anon.do(t, "GET", o311+"requests/"+ticket+"."+format, nil), format)
			if len(reqs) != 1 || reqs[0].ID != ticket {
				t.Fatalf("requests/%s.%s: %+v", ticket, format, reqs)
			}
			return reqs[0]
		}
		t.Run("the request reads back open, with its place, grid and public photo", func(t *testing.T) {
			for _, format := range []string{"xml", "json"} {
				got := fetch(t, format)
				if got.Status != "open" || got.ServiceCode != "matter-09009" || got.Lat == nil || got.AddressID == nil || *got.AddressID != demo.GridWorkerGrid {
					t.Errorf("%s: %+v", format, got)
				}
				if got.MediaURL == nil || !strings.HasPrefix(*got.MediaURL, ts.URL+"/api/v1/attachments/") {
					t.Errorf("%s: media_url %v", format, got.MediaURL)
				} else if r := anon.do(t, "GET", strings.TrimPrefix(*got.MediaURL, ts.URL), nil); r.Status != http.StatusOK {
					t.Errorf("media_url answers %d", r.Status)
				}
				if !strings.HasSuffix(got.Requested, "+08:00") || strings.Contains(got.Requested, ".") {
					t.Errorf("requested_datetime %q: want seconds and +08:00", got.Requested)
				}
			}
		})

		t.Run("closed through the REST API, the request reads closed", func(t *testing.T) {
			cs := ts.caseByTicket(t, ticket)
			for _, s := range []struct {
				user, action string
				inputs       map[string]any
			}{
				{"operator", "register", nil}, {"dispatcher", "dispatch", nil}, {"handler", "accept", nil},
				{"handler", "handle", map[string]any{"result": "已拖走", "photos": []string{ts.photo(t, 3)}}},
				{"gridworker", "verify", map[string]any{"pass": true}},
			} {
				cs = act(t, ts.signedIn(t, s.user), cs, s.action, s.inputs)
			}
			for _, format := range []string{"xml", "json"} {
				got := fetch(t, format)
				if got.Status != "closed" || got.StatusNotes == nil || !strings.Contains(*got.StatusNotes, "closed") ||
					got.Agency == nil || *got.Agency == "" || got.Expected == nil {
					t.Errorf("%s after closing: %+v", format, got)
				}
			}
			reqs := decodeRequests(t, anon.do(t, "GET", o311+"requests.json?status=closed&service_code=matter-09009", nil), "json")
			if len(reqs) != 1 || reqs[0].ID != ticket {
				t.Errorf("closed list: %+v", reqs)
			}
			if reqs := decodeRequests(t, anon.do(t, "GET", o311+"requests.json?status=open", nil), "json"); len(reqs) != 0 {
				t.Errorf("open list: %+v", reqs)
			}
			r := anon.do(t, "GET", o311+"servicerequestupdates.json", nil)
			wantStatus(t, r, http.StatusOK)
			for _, want := range []string{`"status":"fixed"`, `"external_status_code":"dispatched"`, `"description":"已拖走"`} {
				if !bytes.Contains(r.Body, []byte(want)) {
					t.Errorf("updates lack %s: %s", want, r.Body)
				}
			}
		})

		t.Run("a remote update becomes a comment once, however often it is posted", func(t *testing.T) {
			body := "api_key=" + key + "&service_request_id=" + ticket + "&update_id=fms-1&status=OPEN&description=" + url.QueryEscape("车又来了") + "&updated_datetime=2026-11-25T10:00:00Z"
			var ids []string
			for range 2 {
				r := anon.form(t, o311+"servicerequestupdates.json", body)
				wantStatus(t, r, http.StatusOK)
				var ups []map[string]string
				r.decode(t, &ups)
				ids = append(ids, ups[0]["update_id"])
			}
			if ids[0] == "" || ids[0] != ids[1] {
				t.Errorf("update ids %v: want one id twice", ids)
			}
			cs := ts.caseByTicket(t, ticket)
			if last := cs.Timeline[len(cs.Timeline)-1]; last.Action != "comment" || !strings.Contains(last.Note, "车又来了") ||
				cs.Timeline[len(cs.Timeline)-2].Action == "comment" {
				t.Errorf("timeline end: %+v", cs.Timeline[len(cs.Timeline)-2:])
			}
		})
	})
}

// caseByTicket reads a case through the REST API as the city admin.
func (ts *testServer) caseByTicket(t *testing.T, ticket string) caseBody {
	t.Helper()
	r := ts.adminClient(t).do(t, "GET", "/api/v1/cases?q="+ticket, nil)
	wantStatus(t, r, http.StatusOK)
	var page struct {
		Cases []struct {
			ID int64 `json:"id"`
		} `json:"cases"`
	}
	r.decode(t, &page)
	if len(page.Cases) != 1 {
		t.Fatalf("cases with ticket %s: %s", ticket, r.Body)
	}
	return ts.caseAsAdmin(t, page.Cases[0].ID)
}

func TestOpen311RefusesBadRequestsAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		key := withOpen311(t, ts)
		anon := ts.anonymous()
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		good := fmt.Sprintf("api_key=%s&service_code=matter-09009&lat=%v&long=%v&attribute[plate]=X1", key, p[1], p[0])
		revoked, _, err := ts.App.Open311.CreateOpen311Key(t.Context(), access.SystemPrincipal("test"), "gone")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.App.Open311.RevokeOpen311Keys(t.Context(), access.SystemPrincipal("test"), "gone"); err != nil {
			t.Fatal(err)
		}
		ordinary, _, err := ts.App.People.CreateToken(t.Context(), access.SystemPrincipal("test"), "resident", "")
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, method, path, body string
			status                   int
			want                     []string
		}{
			{"a request without api_key", "POST", "requests.xml", "service_code=matter-09009&lat=1&long=1", 403, []string{"api_key is required"}},
			{"an unknown api_key", "POST", "requests.json", strings.Replace(good, key, "cgt_"+strings.Repeat("A", 43), 1), 403, []string{"invalid api_key"}},
			{"a revoked api_key", "POST", "requests.json", strings.Replace(good, key, revoked, 1), 403, []string{"invalid api_key"}},
			{"an ordinary API token as api_key", "POST", "requests.json", strings.Replace(good, key, ordinary, 1), 403, []string{"invalid api_key"}},
			{"an update without api_key", "POST", "servicerequestupdates.xml", "service_request_id=1", 403, nil},
			{"an unknown service", "POST", "requests.json", strings.Replace(good, "matter-09009", "matter-99998", 1), 404, []string{"no service"}},
			{"a bare 5-digit code, ambiguous between kinds", "POST", "requests.json", strings.Replace(good, "matter-09009", "09009", 1), 404, []string{"matter-09009"}},
			{"an unknown jurisdiction", "POST", "requests.json", good + "&jurisdiction_id=1101", 404, []string{"jurisdiction"}},
			{"several things wrong at once", "POST", "requests.json", "api_key=" + key + "&service_code=matter-09009&lat=91&attribute[vehicle]=bike&attribute[count]=many&attribute[nope]=1", 400,
				[]string{"lat must be", "attribute[plate] is required", `"bike" is not one`, `"many" is not a number`, "attribute[nope]"}},
			{"no location", "POST", "requests.json", "api_key=" + key + "&service_code=matter-09009&attribute[plate]=X&lat=&long=", 400, []string{"a location is required"}},
			{"lat without long", "POST", "requests.json", "api_key=" + key + "&service_code=matter-09009&attribute[plate]=X&lat=35", 400, []string{"go together"}},
			{"no service_code", "POST", "requests.xml", "api_key=" + key + "&lat=35&long=113", 400, []string{"service_code is required"}},
			{"a description over 4000 characters", "POST", "requests.json", good + "&description=" + strings.Repeat("长", 4001), 400, []string{"4000"}},
			{"a place outside every grid", "POST", "requests.json", strings.Replace(good, fmt.Sprintf("lat=%v", p[1]), "lat=10", 1), 400, []string{"outside"}},
			{"a broken percent escape", "POST", "requests.json", good + "&description=%zz", 400, []string{"malformed"}},
			{"an unknown resource", "GET", "frobnicate.json", "", 404, nil},
			{"an unknown format", "GET", "services.csv", "", 404, nil},
			{"an unknown service definition", "GET", "services/matter-99998.xml", "", 404, nil},
			{"an unknown request id", "GET", "requests/20200101-000001.json", "", 404, nil},
			{"an unknown token", "GET", "tokens/abc.xml", "", 404, nil},
			{"a bad status filter", "GET", "requests.json?status=pending", "", 400, []string{"open or closed"}},
			{"a window over 90 days", "GET", "requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "", 400, []string{"90 days"}},
			{"an end before the start", "GET", "requests.xml?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", "", 400, []string{"before"}},
			{"a bad date", "GET", "requests.json?start_date=yesterday", "", 400, []string{"W3C"}},
			{"a page size over 1000", "GET", "requests.json?page_size=1001", "", 400, []string{"page_size"}},
			{"an update of a request that does not exist", "POST", "servicerequestupdates.json", "api_key=" + key + "&service_request_id=20200101-000001&description=x", 404, nil},
			{"a DELETE", "DELETE", "requests.json", "", 405, nil},
		}
		before := ts.snapshot(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var r *response
				if c.method == "POST" {
					r = anon.form(t, o311+c.path, c.body)
				} else {
					r = anon.do(t, c.method, o311+c.path, nil)
				}
				format := "xml"
				if strings.Contains(c.path, ".json") {
					format = "json"
				}
				got := strings.Join(wantO311Error(t, r, c.status, format), " | ")
				for _, w := range c.want {
					if !strings.Contains(got, w) {
						t.Errorf("errors %q lack %q", got, w)
					}
				}
			})
		}
		t.Run("an api_key past its burst gets 429 with Retry-After", func(t *testing.T) {
			bad := "api_key=cgt_" + strings.Repeat("B", 43) + "&service_code=matter-09009"
			var last *response
			for range 21 { // the default burst is 20
				last = anon.form(t, o311+"requests.json", bad)
			}
			wantO311Error(t, last, http.StatusTooManyRequests, "json")
			if last.Header.Get("Retry-After") == "" {
				t.Errorf("no Retry-After")
			}
		})
		r := ts.adminClient(t).do(t, "GET", "/api/v1/cases", nil)
		if !bytes.Contains(r.Body, []byte(`"cases":[]`)) {
			t.Errorf("refused requests stored cases: %s", r.Body)
		}
		ts.wantUnchanged(t, before)
	})
}

// rawCaseBody is a case as the city admin reads it, as sent.
func rawCaseBody(t *testing.T, ts *testServer, id int64) []byte {
	t.Helper()
	r := ts.adminClient(t).do(t, "GET", casePath(id), nil)
	wantStatus(t, r, http.StatusOK)
	return r.Body
}
