package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// nearbyWorld is a few reports around the demo grid worker's grid: the fixtures of the nearby
// search and the public list.
type nearbyWorld struct {
	s      *site
	p      orb.Point // the grid's own point: where the resident stands
	grid   string    // the grid it lies in
	near   cases.Intake
	far    cases.Intake // the same category, 450 m off
	class  cases.Intake // the same class (09), another category, near
	other  cases.Intake // another class, near
	closed cases.Intake // the same category, near, rejected
	hidden cases.Intake // a non-public category, near
	secret cases.Intake // a sensitive category, in the grid, 55 m from its southern edge
}

// makeSensitiveAndHidden makes 06010 (暴露垃圾) sensitive and adds a non-public category 99001.
func makeSensitiveAndHidden(t *testing.T, s *site) {
	t.Helper()
	system := access.SystemPrincipal("test")
	cats, err := s.App.Settings.Categories(t.Context(), system)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cats, func(c workflow.Category) bool { return c.Kind == workflow.Matter && c.Code == "06010" })
	cats[i].Sensitive = true
	if _, err := s.App.Settings.ImportCategories(t.Context(), system, []workflow.Category{cats[i],
		{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false, VerificationRequired: true}}); err != nil {
		t.Fatal(err)
	}
}

// reportAt files an anonymous report of a matter at a point, with a contact and a description
// the public must never see.
func reportAt(t *testing.T, s *site, category string, lon, lat float64) cases.Intake {
	t.Helper()
	in := cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: "王女士家门口 " + category, Lon: &lon, Lat: &lat}
	in.Contact.Name, in.Contact.Phone = "王女士", "13800000000"
	out, err := s.App.Cases.Report(t.Context(), nil, in)
	if err != nil {
		t.Fatalf("report %s at %.6f,%.6f: %v", category, lon, lat, err)
	}
	return out
}

func newNearbyWorld(t *testing.T, s *site) nearbyWorld {
	t.Helper()
	makeSensitiveAndHidden(t, s)
	reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := grid.PointInside(reg.Geometry)
	w := nearbyWorld{s: s, p: p, grid: demo.GridWorkerGrid}
	w.near = reportAt(t, s, "09009", p[0]+0.0005, p[1])                 // about 45 m east
	w.far = reportAt(t, s, "09009", p[0], p[1]+0.004)                   // about 445 m north
	w.class = reportAt(t, s, "09010", p[0]-0.0005, p[1])                // 非机动车乱停放
	w.other = reportAt(t, s, "01001", p[0], p[1]+0.0005)                // 供水井盖异常
	w.closed = reportAt(t, s, "09009", p[0], p[1]-0.0005)               // rejected below
	w.hidden = staffReport(t, s, "operator", w.grid, "matter", "99001") // at the grid's point
	south := reg.Geometry.Bound().Min.Lat()
	w.secret = reportAt(t, s, "06010", p[0], south+0.0005)
	if _, err := s.App.Cases.Act(t.Context(), access.SystemPrincipal("test"), w.closed.ID, "reject", nil,
		workflow.Input{RejectReason: "invalid", Reason: "不属实"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// locate is the grid a point lies in ("" outside every grid).
func (w nearbyWorld) locate(t *testing.T, lon, lat float64) string {
	t.Helper()
	loc, err := w.s.App.Cases.Locate(t.Context(), lon, lat, crs.WGS84)
	if err != nil {
		return ""
	}
	return loc.Region.Code
}

type nearbyAnswer struct {
	Cases []struct {
		cases.NearbyCase
		StatusName string `json:"status_name"`
		Thumbnail  string `json:"thumbnail"`
	} `json:"cases"`
	Error string `json:"error"`
}

func (a nearbyAnswer) tickets() []string {
	var out []string
	for _, c := range a.Cases {
		out = append(out, c.Ticket)
	}
	return out
}

func askNearby(t *testing.T, v *visitor, query string) (int, nearbyAnswer, string) {
	t.Helper()
	status, h, body := v.do("GET", "/report/nearby?"+query, nil)
	var a nearbyAnswer
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("%s: %v in %s", query, err, body)
		}
	}
	return status, a, body
}

func at(lon, lat float64) string { return fmt.Sprintf("lon=%.7f&lat=%.7f", lon, lat) }

// The report form's nearby search: open reports of public categories within 200 m, the chosen
// category first and then its class; sensitive ones by grid, blurred and without distance;
// never a non-public, closed or far one; nothing about people. Hostile input is refused.
func TestNearbyReportsOnTheReportForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		w := newNearbyWorld(t, s)
		v := s.visitor(t)
		here := at(w.p[0], w.p[1])
		secretGrid := w.locate(t, w.secret.Lon, w.secret.Lat)
		if secretGrid != w.grid {
			t.Fatalf("fixture: the sensitive case lies in %q, want %s", secretGrid, w.grid)
		}

		t.Run("with a category: its own first, then its class, nothing else", func(t *testing.T) {
			status, a, body := askNearby(t, v, here+"&category=matter:09009")
			if status != http.StatusOK {
				t.Fatalf("got %d %s", status, body)
			}
			if got, want := a.tickets(), []string{w.near.Ticket, w.class.Ticket}; !slices.Equal(got, want) {
				t.Errorf("got %v, want %v (near 09009, then 09010)", got, want)
			}
			if len(a.Cases) == 2 && (!a.Cases[0].SameCategory || a.Cases[1].SameCategory) {
				t.Errorf("same_category: %v, %v", a.Cases[0].SameCategory, a.Cases[1].SameCategory)
			}
			if len(a.Cases) > 0 {
				c := a.Cases[0]
				if c.DistanceM == nil || *c.DistanceM < 30 || *c.DistanceM > 60 || c.CategoryName != "机动车乱停放" || c.StatusName != "待受理" || c.Phase != cases.Waiting {
					t.Errorf("the near case reads %+v (distance %v)", c, c.DistanceM)
				}
			}
		})

		t.Run("without a category: every public class, the sensitive one blurred by its grid", func(t *testing.T) {
			_, a, body := askNearby(t, v, here)
			got := a.tickets()
			for _, want := range []string{w.near.Ticket, w.class.Ticket, w.other.Ticket, w.secret.Ticket} {
				if !slices.Contains(got, want) {
					t.Errorf("%s missing from %v", want, got)
				}
			}
			for name, no := range map[string]string{"far": w.far.Ticket, "rejected": w.closed.Ticket, "non-public": w.hidden.Ticket} {
				if slices.Contains(got, no) {
					t.Errorf("the %s case %s is there", name, no)
				}
			}
			for _, c := range a.Cases {
				if c.Ticket != w.secret.Ticket {
					continue
				}
				if !c.Blurred || c.DistanceM != nil || (c.Lon == w.secret.Lon && c.Lat == w.secret.Lat) || c.Thumbnail != "" {
					t.Errorf("the sensitive case shows %+v: want blurred, at its grid's point, with no distance or photo", c)
				}
			}
			for _, private := range []string{"王女士", "13800000000", "内部巡查"} {
				if strings.Contains(body, private) {
					t.Errorf("the answer carries %q", private)
				}
			}
		})

		t.Run("a sensitive case counts by grid, not by distance", func(t *testing.T) {
			// 545 m west of the grid's point, still in its grid: the sensitive case is there,
			// the ordinary ones near the grid's point are not.
			west := orb.Point{w.p[0] - 0.006, w.p[1]}
			if g := w.locate(t, west[0], west[1]); g != w.grid {
				t.Fatalf("fixture: %v lies in %q, want %s", west, g, w.grid)
			}
			_, a, _ := askNearby(t, v, at(west[0], west[1]))
			if got := a.tickets(); !slices.Equal(got, []string{w.secret.Ticket}) {
				t.Errorf("from the grid's west: %v, want only the sensitive %s", got, w.secret.Ticket)
			}
			// 110 m from it across the grid's edge: not there, though within 200 m.
			across := orb.Point{w.secret.Lon, w.secret.Lat - 0.001}
			if g := w.locate(t, across[0], across[1]); g == w.grid || g == "" {
				t.Fatalf("fixture: %v lies in %q, want a neighbouring grid", across, g)
			}
			_, a, _ = askNearby(t, v, at(across[0], across[1]))
			if slices.Contains(a.tickets(), w.secret.Ticket) {
				t.Errorf("the sensitive case shows from the next grid: it would give its place away")
			}
		})

		t.Run("hostile or wrong input is refused and tells nothing", func(t *testing.T) {
			long := strings.Repeat("9", 10_000)
			for name, q := range map[string]string{
				"no point":             "category=matter:09009",
				"NaN":                  "lon=NaN&lat=NaN",
				"infinite":             "lon=Inf&lat=0",
				"huge":                 "lon=1e308&lat=1e308",
				"latitude off the map": fmt.Sprintf("lon=%.6f&lat=91", w.p[0]),
				"words":                "lon=east&lat=north",
				"a 10 KB longitude":    "lon=" + long + "&lat=35",
				"NUL":                  "lon=113%00&lat=35",
				"invalid UTF-8":        "lon=113&lat=35&category=%ff%fe",
				"an unknown category":  here + "&category=matter:99999",
				"a non-public one":     here + "&category=matter:99001",
				"a made-up kind":       here + "&category=thing:09009",
				"a 10 KB category":     here + "&category=matter:" + long,
			} {
				status, a, body := askNearby(t, v, q)
				if status < 400 || status >= 500 {
					t.Errorf("%s: got %d, want a 4xx refusal", name, status)
				}
				if len(a.Cases) > 0 || strings.Contains(body, "内部巡查") || strings.Contains(body, long) {
					t.Errorf("%s: the refusal tells %s", name, body)
				}
			}
		})

		t.Run("far from any report: none", func(t *testing.T) {
			status, a, _ := askNearby(t, v, at(w.p[0]+0.03, w.p[1]-0.03))
			if status != http.StatusOK || len(a.Cases) != 0 {
				t.Errorf("got %d %v, want 200 and none", status, a.tickets())
			}
		})
	})
}

// supports reads a case's number of supporters.
func supports(t *testing.T, s *site, id int64) int {
	t.Helper()
	c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Counters.Supports
}

// "Me too" from the report form is the tracking page's: once per device, once per resident;
// never to a case the public may not see, nor to a closed one; hostile tickets are refused
// with nothing changed.
func TestSupportingANearbyReportFromTheForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		w := newNearbyWorld(t, s)
		post := func(v *visitor, ticket string) (int, map[string]any) {
			t.Helper()
			status, _, body := v.do("POST", "/report/support", url.Values{"ticket": {ticket}})
			var out map[string]any
			_ = json.Unmarshal([]byte(body), &out)
			return status, out
		}
		phone, other, resident := s.visitor(t), s.visitor(t), s.visitor(t)
		resident.signIn("resident")
		steps := []struct {
			name   string
			v      *visitor
			status int
			want   int // supports after
			says   string
		}{
			{"an anonymous phone", phone, http.StatusOK, 1, "已附议"},
			{"the same phone again", phone, http.StatusConflict, 1, "您已附议"},
			{"another phone", other, http.StatusOK, 2, "共 2 人附议"},
			{"a signed-in resident", resident, http.StatusOK, 3, w.near.Ticket},
			{"the resident again", resident, http.StatusConflict, 3, "您已附议"},
		}
		for _, st := range steps {
			status, out := post(st.v, w.near.Ticket)
			said := fmt.Sprint(out["message"], out["error"])
			if status != st.status || !strings.Contains(said, st.says) {
				t.Errorf("%s: got %d %q, want %d saying %q", st.name, status, said, st.status, st.says)
			}
			if n := supports(t, s, w.near.ID); n != st.want {
				t.Errorf("%s: %d supports, want %d", st.name, n, st.want)
			}
		}
		if _, out := post(other, w.near.Ticket); out["url"] != nil {
			t.Errorf("a refused support answers with a link: %v", out)
		}
		if _, out := post(s.visitor(t), w.class.Ticket); out["url"] != "/track/"+w.class.Ticket {
			t.Errorf("a support's answer links to %v, want its tracking page", out["url"])
		}

		for name, ticket := range map[string]string{
			"a non-public case": w.hidden.Ticket,
			"a rejected case":   w.closed.Ticket,
			"no ticket":         "",
			"a made-up ticket":  "20991231-999999",
			"NUL":               w.near.Ticket + "\x00",
			"invalid UTF-8":     "\xff\xfe",
			"10 KB":             strings.Repeat("1", 10_000),
		} {
			before := map[int64]int{w.hidden.ID: supports(t, s, w.hidden.ID), w.closed.ID: supports(t, s, w.closed.ID), w.near.ID: supports(t, s, w.near.ID)}
			status, out := post(s.visitor(t), ticket)
			if status < 400 || status >= 500 || out["url"] != nil {
				t.Errorf("%s: got %d %v, want a 4xx refusal", name, status, out)
			}
			if ticket == w.hidden.Ticket && strings.Contains(fmt.Sprint(out), "内部巡查") {
				t.Errorf("%s: the refusal tells %v", name, out)
			}
			for id, n := range before {
				if got := supports(t, s, id); got != n {
					t.Errorf("%s: case %d went from %d to %d supports", name, id, n, got)
				}
			}
		}
	})
}

// publicList reads the tickets the public list shows, and its map's points.
func publicList(t *testing.T, v *visitor, query string) (int, []string, []cases.PublicPoint, string) {
	t.Helper()
	status, _, body := v.do("GET", "/reports?"+query, nil)
	var tickets []string
	for _, m := range regexp.MustCompile(`data-ticket="([0-9-]+)"`).FindAllStringSubmatch(body, -1) {
		tickets = append(tickets, m[1])
	}
	var data struct {
		Cases []cases.PublicPoint `json:"cases"`
	}
	if m := regexp.MustCompile(`(?s)<script type="application/json" id="public-data">(.*?)</script>`).FindStringSubmatch(body); m != nil {
		if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	return status, tickets, data.Cases, body
}

// The public list: the reports of public categories, newest first, by area, phase and class;
// a sensitive one blurred; paged; a filter there is none of refused.
func TestThePublicListFiltersByAreaPhaseAndClass(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		w := newNearbyWorld(t, s)
		// One more in another district (山阳区), accepted (registered): in hand.
		elsewhere := firstGridUnder(t, s, "410811")
		away := reportIn(t, s, elsewhere, "09009")
		if _, err := s.App.Cases.Act(t.Context(), access.SystemPrincipal("test"), away.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		v := s.visitor(t)
		open := []string{w.near.Ticket, w.far.Ticket, w.class.Ticket, w.other.Ticket, w.secret.Ticket}
		for _, tc := range []struct {
			name, query string
			want        []string // in this order: newest first
		}{
			{"everything", "", append([]string{away.Ticket}, reversed(open)...)},
			{"a district", "area=410811", []string{away.Ticket}},
			{"a subdistrict", "area=410802001", reversed(open)},
			{"waiting", "phase=waiting", reversed(open)},
			{"in hand", "phase=working", []string{away.Ticket}},
			{"done", "phase=done", nil},
			{"a class", "class=matter:09", []string{away.Ticket, w.class.Ticket, w.far.Ticket, w.near.Ticket}},
			{"a class in a subdistrict, waiting", "area=410802001&phase=waiting&class=matter:09", []string{w.class.Ticket, w.far.Ticket, w.near.Ticket}},
		} {
			status, got, points, body := publicList(t, v, tc.query)
			if status != http.StatusOK || !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %d %v, want %v", tc.name, status, got, tc.want)
			}
			if len(points) != len(tc.want) {
				t.Errorf("%s: the map has %d points, want %d", tc.name, len(points), len(tc.want))
			}
			for _, p := range points {
				if p.Ticket == w.secret.Ticket && (!p.Blurred || (p.Lon == w.secret.Lon && p.Lat == w.secret.Lat)) {
					t.Errorf("%s: the sensitive case is on the map at its own place", tc.name)
				}
			}
			for _, private := range []string{"王女士", "13800000000", "内部巡查", w.hidden.Ticket, w.closed.Ticket} {
				if strings.Contains(body, private) {
					t.Errorf("%s: the list shows %q", tc.name, private)
				}
			}
		}

		t.Run("the filters offer areas and classes by name", func(t *testing.T) {
			_, _, _, body := publicList(t, v, "")
			for _, name := range []string{"解放区", "民生街道", "山阳区", "街面秩序类", "市政公用设施类"} {
				if !strings.Contains(body, ">"+name+"<") && !strings.Contains(body, ">　"+name+"<") {
					t.Errorf("no %s among the filters", name)
				}
			}
			if strings.Contains(body, "本地事项类") {
				t.Errorf("the class of a non-public category is offered")
			}
		})

		t.Run("pages of twenty, forward and back", func(t *testing.T) {
			var more []string
			for range 20 {
				more = append(more, reportIn(t, s, elsewhere, "01001").Ticket)
			}
			_, first, _, body := publicList(t, v, "area=410811")
			next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
			if len(first) != 20 || next == nil || next[1] == "" {
				t.Fatalf("first page: %d items, next %v", len(first), next)
			}
			if first[0] != more[19] {
				t.Errorf("the first page starts with %s, want the newest %s", first[0], more[19])
			}
			u := strings.ReplaceAll(next[1], "&amp;", "&")
			status, _, body2 := v.do("GET", u, nil)
			second := regexp.MustCompile(`data-ticket="([0-9-]+)"`).FindAllStringSubmatch(body2, -1)
			if status != http.StatusOK || len(second) != 1 || second[0][1] != away.Ticket {
				t.Errorf("second page (%s): %d %v, want only %s", u, status, second, away.Ticket)
			}
			if !strings.Contains(u, "area=410811") || !strings.Contains(body2, `rel="prev"`) {
				t.Errorf("the next page %s forgets the area or has no way back", u)
			}
		})

		t.Run("a filter there is none of is refused", func(t *testing.T) {
			for name, q := range map[string]string{
				"an unknown area":  "area=999999",
				"a grid":           "area=" + w.grid,
				"the city":         "area=4108",
				"a 10 KB area":     "area=" + strings.Repeat("4", 10_000),
				"an unknown phase": "phase=finished",
				"a class code":     "class=matter:09009",
				"a made-up kind":   "class=thing:09",
				"a bad cursor":     "after=nonsense",
				"NUL":              "area=%00",
				"invalid UTF-8":    "class=%ff",
			} {
				status, got, _, body := publicList(t, v, q)
				if status < 400 || status >= 500 || len(got) > 0 {
					t.Errorf("%s: got %d with %d items, want a 4xx refusal", name, status, len(got))
				}
				if problem := problemText(body); problem == "" || strings.Contains(problem, "4444") {
					t.Errorf("%s: the refusal says %q", name, problem)
				}
			}
		})
	})
}

func reversed(xs []string) []string {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}

// firstGridUnder is the first unit grid under a region.
func firstGridUnder(t *testing.T, s *site, code string) string {
	t.Helper()
	for {
		kids, err := s.App.Regions.RegionChildren(t.Context(), code, false)
		if err != nil || len(kids) == 0 {
			t.Fatalf("no region under %s: %v", code, err)
		}
		if kids[0].Level == grid.Grid {
			return kids[0].Code
		}
		code = kids[0].Code
	}
}
