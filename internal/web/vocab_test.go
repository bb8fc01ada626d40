package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/vocab"
	"github.com/citygrid/citygrid/internal/workflow"
)

// offered lists the categories (kind:code) a picker's HTML offers, in order.
func offered(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`name="category" value="([a-z]+:[0-9]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

const unsureKey = "matter:" + workflow.UnclassifiedCode

// The picker speaks a resident's words: the common problems by group with their icons and
// 不确定/其他, a search by residents' words and pinyin, never an object beside its fault;
// staff keep the whole dictionary; hostile queries are refused or find nothing. Both engines.
func TestThePickerSpeaksResidentsWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		before := storedCases(t, s)
		resident, anonymous, operator := s.visitor(t), s.visitor(t), s.visitor(t)
		resident.signIn("resident")
		operator.signIn("operator")

		t.Run("the report page offers the common problems, icons drawn on the page", func(t *testing.T) {
			for name, v := range map[string]*visitor{"anonymous": anonymous, "resident": resident} {
				status, _, body := v.do("GET", "/report", nil)
				if status != http.StatusOK {
					t.Fatalf("%s: GET /report: %d", name, status)
				}
				got := offered(body)
				var want []string
				for _, p := range vocab.Default().Problems() {
					want = append(want, p.Key())
					if !strings.Contains(body, `<symbol id="i-`+p.Icon+`"`) {
						t.Errorf("%s: the page draws no icon %q for %s", name, p.Icon, p.Name)
					}
				}
				want = append(want, unsureKey)
				if !slices.Equal(got, want) {
					t.Errorf("%s: offered %v, want the common problems then 不确定/其他 %v", name, got, want)
				}
				for _, w := range []string{"路面坑洼", "井盖破损丢失", "道路</p>", "园林绿化</p>", "不确定/其他", `<symbol id="i-unsure"`} {
					if !strings.Contains(body, w) {
						t.Errorf("%s: the report page lacks %q", name, w)
					}
				}
			}
		})

		t.Run("a resident's search", func(t *testing.T) {
			for _, tc := range []struct{ q, first, named string }{
				{"坑", "matter:06013", "路面坑洼"},
				{"路面破损", "matter:06013", "路面坑洼"},
				{"lmps", "matter:06013", "路面坑洼"},
				{"井盖破损", "matter:01023", "井盖破损丢失"},
				{"垃圾箱", "matter:06042", "垃圾满溢"},
			} {
				status, _, body := anonymous.do("GET", "/report/categories?"+url.Values{"q": {tc.q}}.Encode(), nil)
				got := offered(body)
				if status != http.StatusOK || len(got) < 2 || got[0] != tc.first || got[len(got)-1] != unsureKey {
					t.Errorf("%q: %d %v, want %s first and 不确定/其他 last", tc.q, status, got, tc.first)
					continue
				}
				if !strings.Contains(body, tc.named) || !strings.Contains(body, "搜索结果") {
					t.Errorf("%q: the list does not name %s as residents do", tc.q, tc.named)
				}
				if slices.ContainsFunc(got, func(k string) bool { return strings.HasPrefix(k, "component:") }) {
					t.Errorf("%q offers a resident an object beside its fault: %v", tc.q, got)
				}
			}
			// Nothing found: said so, and 不确定/其他 stays offered.
			_, _, body := anonymous.do("GET", "/report/categories?q=zzzzqqq", nil)
			if got := offered(body); !slices.Equal(got, []string{unsureKey}) || !strings.Contains(body, `id="category-none"`) {
				t.Errorf("a search finding nothing offers %v", got)
			}
			// The chosen problem stays offered whatever is searched.
			_, _, body = resident.do("GET", "/report/categories?q=路灯&category=matter:06013", nil)
			if got := offered(body); len(got) == 0 || got[0] != "matter:06013" || !strings.Contains(body, `value="matter:06013" checked`) {
				t.Errorf("the chosen problem is lost by a search: %v", got)
			}
		})

		t.Run("staff keep the whole dictionary, a matter before its component", func(t *testing.T) {
			_, _, body := operator.do("GET", "/report/categories?q=路灯", nil)
			got := offered(body)
			if len(got) < 2 || got[0] != "matter:01037" || got[1] != "component:01037" || slices.Contains(got, unsureKey) {
				t.Errorf("an operator searching 路灯 is offered %v", got)
			}
			if strings.Contains(body, "路灯不亮") {
				t.Error("staff read a resident's name, not the dictionary's")
			}
			_, _, body = operator.do("GET", "/report/categories", nil)
			if got := offered(body); len(got) != 30 || !slices.Contains(got, "component:01001") {
				t.Errorf("an operator's picker before a search offers %d: %v", len(got), got)
			}
			_, _, body = operator.do("GET", "/report/categories?q=不确定", nil)
			if got := offered(body); len(got) == 0 || got[0] != unsureKey {
				t.Errorf("staff cannot find 不确定/其他: %v", got)
			}
		})

		t.Run("a category not public is for staff only", func(t *testing.T) {
			hidden := workflow.Category{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", VerificationRequired: true}
			if _, err := s.App.Settings.ImportCategories(t.Context(), access.SystemPrincipal("test"), []workflow.Category{hidden}); err != nil {
				t.Fatal(err)
			}
			for who, v := range map[string]*visitor{"anonymous": anonymous, "resident": resident, "operator": operator} {
				for _, q := range []string{"内部巡查", "nbxc", "99001"} {
					_, _, body := v.do("GET", "/report/categories?"+url.Values{"q": {q}, "category": {"matter:99001"}}.Encode(), nil)
					if got := slices.Contains(offered(body), "matter:99001"); got != (who == "operator") {
						t.Errorf("%s searching %q is offered 内部巡查事项: %v", who, q, got)
					}
				}
			}
		})

		t.Run("hostile queries", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				query  url.Values
				status int
			}{
				{"a NUL", url.Values{"q": {"坑\x00"}}, http.StatusBadRequest},
				{"invalid UTF-8", url.Values{"q": {"\xff\xfe坑"}}, http.StatusBadRequest},
				{"a NUL as the chosen category", url.Values{"category": {"matter:\x00"}}, http.StatusBadRequest},
				{"10 KB", url.Values{"q": {strings.Repeat("坑", 3500)}}, http.StatusOK},
				{"10 KB of letters", url.Values{"q": {strings.Repeat("lmps", 2600)}}, http.StatusOK},
				{"an unknown chosen category", url.Values{"category": {"matter:99999"}}, http.StatusOK},
				{"markup", url.Values{"q": {`<script>alert(1)</script>`}}, http.StatusOK},
			} {
				for who, v := range map[string]*visitor{"anonymous": anonymous, "operator": operator} {
					status, _, body := v.do("GET", "/report/categories?"+tc.query.Encode(), nil)
					if status != tc.status {
						t.Errorf("%s, %s: %d, want %d", tc.name, who, status, tc.status)
					}
					if strings.Contains(body, "<script>alert") || strings.Contains(body, "99999") {
						t.Errorf("%s, %s: the answer echoes the query", tc.name, who)
					}
				}
			}
		})
		sameCases(t, "searching", before, storedCases(t, s))
	})
}

// A resident who cannot tell what the problem is reports it as 不确定/其他; the operator cannot
// register it so, and classifies it when registering, through the case page's form. Both
// engines.
func TestAnUnsureReportIsClassifiedWhenRegistered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSiteOn(t, db)
		resident, operator, worker := s.visitor(t), s.visitor(t), s.visitor(t)
		resident.signIn("resident")
		operator.signIn("operator")
		worker.signIn("gridworker")
		lon, lat := pointIn(t, s, demo.GridWorkerGrid)
		status, h, _ := resident.do("POST", "/report", url.Values{"category": {unsureKey}, "description": {"路边冒出一根铁管，不知道是什么"}, "lon": {lon}, "lat": {lat}})
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/track/") {
			t.Fatalf("reporting 不确定/其他: %d %s", status, h.Get("Location"))
		}
		ticket := strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/track/"), "?new=1")
		id := caseIDByTicket(t, s, ticket)
		path := "/cases/" + itoa(id)
		stored := func() string {
			c, err := s.App.Cases.Case(t.Context(), access.SystemPrincipal("test"), id)
			if err != nil {
				t.Fatal(err)
			}
			return string(c.Status) + " " + string(c.Category.Kind) + ":" + c.Category.Code
		}
		if got := stored(); got != "reported "+unsureKey {
			t.Fatalf("the report is stored as %s", got)
		}
		// The operator's case page asks for the category, with the whole dictionary to pick from.
		_, _, page := operator.do("GET", path, nil)
		if !strings.Contains(page, `id="classify-hint"`) || !strings.Contains(page, "请选择问题类别后立案") || !slices.Contains(offered(page), "component:01001") {
			t.Error("the operator's case page does not ask for the category from the dictionary")
		}
		for _, tc := range []struct {
			name   string
			who    *visitor
			form   url.Values
			status int
			words  string // in the refusal
		}{
			{"kept as 不确定/其他", operator, url.Values{"action": {"register"}}, http.StatusUnprocessableEntity, "请选择具体的问题类别"},
			{"chosen as 不确定/其他", operator, url.Values{"action": {"register"}, "category": {unsureKey}}, http.StatusUnprocessableEntity, "请选择具体的问题类别"},
			{"an unknown category", operator, url.Values{"action": {"register"}, "category": {"matter:99999"}}, http.StatusUnprocessableEntity, "没有该问题类别"},
			{"a malformed category", operator, url.Values{"action": {"register"}, "category": {"matter:9x"}}, http.StatusUnprocessableEntity, ""},
			{"a NUL in the category", operator, url.Values{"action": {"register"}, "category": {"matter:06013\x00"}}, http.StatusBadRequest, ""},
			{"invalid UTF-8 in the category", operator, url.Values{"action": {"register"}, "category": {"matter:\xff"}}, http.StatusBadRequest, ""},
			{"a huge category", operator, url.Values{"action": {"register"}, "category": {strings.Repeat("6", 10<<10)}}, http.StatusUnprocessableEntity, ""},
			{"the grid worker", worker, url.Values{"action": {"register"}, "category": {"matter:06013"}}, http.StatusForbidden, ""},
		} {
			status, _, body := tc.who.do("POST", path+"/actions", tc.form)
			if status != tc.status || (tc.words != "" && !strings.Contains(problemText(body), tc.words)) {
				t.Errorf("%s: %d %q, want %d saying %q", tc.name, status, problemText(body), tc.status, tc.words)
			}
			if got := stored(); got != "reported "+unsureKey {
				t.Fatalf("%s: refused, yet the case is now %s", tc.name, got)
			}
		}
		// Classified as the picker posts it (kind:code): registered as 道路破损.
		status, _, body := operator.do("POST", path+"/actions", url.Values{"action": {"register"}, "category": {"matter:06013"}})
		if status != http.StatusSeeOther {
			t.Fatalf("classifying: %d %s", status, problemText(body))
		}
		if got := stored(); got != "registered matter:06013" {
			t.Errorf("after classifying the case is %s, want registered matter:06013", got)
		}
	})
}
