package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/workflow"
)

// The dispatch table (派遣规则) as the city's administrator edits it: one row a rule, each
// naming its category, region and departments by name, in the order that breaks ties, and a
// tester that asks the stored table who would get a case of a category in a place at a time.
// The table is city-wide: a scoped admin reads it and tests it, and does not change it.

type rulesBody struct {
	Edit  bool
	Rows  []ruleRow
	New   ruleRow // the row a new rule starts as (its index written __i__)
	Depts []workflow.Department
	Test  ruleTest
	// The pickers' options: departments, categories, and kinds and classes of categories.
	DeptOptions, CatLeaf, CatWide []pickOption
}

type ruleRow struct {
	I       string // the row's index in the form
	No      int    // its place in the table, from 1
	Rule    workflow.Rule
	What    string // the category, the class or "any", in words
	Where   string // the region's name, or the whole city
	Dept    string
	CoNames []string
	Cat     picker
	Region  picker
	Lead    picker
	Matched bool                  // the tester's answer came from this rule
	Depts   []workflow.Department // the choices of co-departments
	CoSet   map[string]bool
}

type ruleTest struct {
	Category, Region picker
	At               string
	Asked            bool
	Problem          string
	Dept             string   // the department the case would go to
	Co               []string // its co-departments
	Rule             int      // the rule's place in the table; 0 when the locality decided
	Locality         bool
	Auto             bool
	Place            string // the region asked about, in words
}

func (h *Handler) rulesRoutes() {
	h.mux.HandleFunc("POST /admin/rules", h.signedIn(h.adminPutRules))
}

// ruleCategory reads a rule's category choice: "" for any, "09" for a class, "matter:" for a
// whole kind, "matter:09009" for one category.
func ruleCategory(v string) (workflow.CategoryKind, string) {
	kind, code, ok := strings.Cut(strings.TrimSpace(v), ":")
	if !ok {
		return "", kind
	}
	return workflow.CategoryKind(kind), code
}

func ruleCategoryValue(r workflow.Rule) string {
	if r.CategoryKind == "" {
		return r.Category
	}
	return string(r.CategoryKind) + ":" + r.Category
}

// categoryOptions are the pickers' categories: every category of the dictionary, and for rules
// and time limits also each kind as a whole and (rules only) each major class.
func (h *Handler) categoryOptions(ctx context.Context, p *access.Principal, l Lang) (leaves, wider []pickOption, words map[string]string, err error) {
	cats, err := h.app.Settings.Categories(ctx, p)
	if err != nil {
		return nil, nil, nil, err
	}
	words = map[string]string{}
	for _, k := range []workflow.CategoryKind{workflow.Matter, workflow.Component} {
		v := string(k) + ":"
		words[v] = h.cat.T(l, "rules.kind_all."+string(k))
		wider = append(wider, pickOption{V: v, L: words[v]})
	}
	classes := map[string]bool{}
	for _, c := range cats {
		kind := h.cat.T(l, "kind."+string(c.Kind))
		v := string(c.Kind) + ":" + c.Code
		leaves = append(leaves, pickOption{V: v, L: c.Name, S: kind + " " + c.Code + " · " + c.MajorName})
		words[v] = c.Name
		if !classes[c.MajorCode] {
			classes[c.MajorCode] = true
			words[c.MajorCode] = h.cat.T(l, "rules.class", c.MajorName)
			wider = append(wider, pickOption{V: c.MajorCode, L: words[c.MajorCode], S: c.MajorCode})
		}
	}
	return leaves, wider, words, nil
}

func (h *Handler) rulesSection(ctx context.Context, r *http.Request, p *access.Principal, posted url.Values, b *rulesBody) error {
	l := h.lang(r)
	names := h.names(ctx)
	b.Edit = p.System || p.User.Scope == ""
	stored, err := h.app.Settings.Rules(ctx, p)
	if err != nil {
		return err
	}
	if b.Depts, err = h.app.Settings.Departments(ctx); err != nil {
		return err
	}
	for _, d := range b.Depts {
		b.DeptOptions = append(b.DeptOptions, pickOption{V: d.Code, L: d.Name, S: d.Code + " · " + names("region", d.RegionCode)})
	}
	var words map[string]string
	if b.CatLeaf, b.CatWide, words, err = h.categoryOptions(ctx, p, l); err != nil {
		return err
	}
	rules, index := stored, make([]string, len(stored))
	for i := range stored {
		index[i] = strconv.Itoa(i)
	}
	if posted != nil && posted.Has("row") {
		rules, index = postedRules(posted), posted["row"]
	}
	row := func(i string, n int, rule workflow.Rule) ruleRow {
		rr := ruleRow{I: i, No: n, Rule: rule, What: h.cat.T(l, "limits.any"), Where: h.cat.T(l, "rules.anywhere"),
			Depts: b.Depts, CoSet: map[string]bool{}}
		if v := ruleCategoryValue(rule); v != "" {
			// A rule may name a code without its kind: whichever kind has it.
			rr.What = firstNonBlank(words[v], words[string(workflow.Matter)+":"+v], words[string(workflow.Component)+":"+v], v)
		}
		if rule.Region != "" {
			rr.Where = names("region", rule.Region)
		}
		if rule.Department != "" {
			rr.Dept = names("department", rule.Department)
		}
		for _, c := range rule.CoDepartments {
			rr.CoNames = append(rr.CoNames, names("department", c))
			rr.CoSet[c] = true
		}
		rr.Cat = picker{ID: "r" + i + "-category", Name: "r" + i + ".category", Value: ruleCategoryValue(rule), Options: "cat-wide cat-leaf",
			Any: h.cat.T(l, "limits.any"), Placeholder: h.cat.T(l, "limits.any")}
		if rr.Cat.Value != "" {
			rr.Cat.Label = rr.What
		}
		rr.Region = picker{ID: "r" + i + "-region", Name: "r" + i + ".region", Value: rule.Region, Label: h.regionLabel(names, rule.Region),
			Src: "/admin/pick/regions?levels=city,district,subdistrict,community,grid", Any: h.cat.T(l, "rules.anywhere"), Placeholder: h.cat.T(l, "rules.anywhere")}
		rr.Lead = picker{ID: "r" + i + "-department", Name: "r" + i + ".department", Value: rule.Department, Label: rr.Dept, Options: "dept-options",
			Required: h.cat.T(l, "picker.required"), Placeholder: h.cat.T(l, "picker.department")}
		return rr
	}
	for n, rule := range rules {
		b.Rows = append(b.Rows, row(index[n], n+1, rule))
	}
	b.New = row("__i__", 0, workflow.Rule{})

	// The tester asks the stored table, whatever the form holds.
	q := r.URL.Query()
	t := &b.Test
	t.At = q.Get("t_at")
	catValue, region := q.Get("t_category"), q.Get("t_region")
	t.Category = picker{ID: "t-category", Name: "t_category", Value: catValue, Label: words[catValue], Options: "cat-leaf",
		Required: h.cat.T(l, "picker.required"), Placeholder: h.cat.T(l, "picker.category")}
	t.Region = picker{ID: "t-region", Name: "t_region", Value: region, Label: h.regionLabel(names, region),
		Src: "/admin/pick/regions?levels=subdistrict,community,grid", Required: h.cat.T(l, "picker.required"), Placeholder: h.cat.T(l, "picker.region")}
	if !q.Has("t_category") && !q.Has("t_region") {
		return nil
	}
	t.Asked = true
	if catValue == "" {
		catValue = strings.TrimSpace(q.Get("t_category_q"))
	}
	if region == "" {
		region = pickedCode(q, "t_region")
	}
	kind, code := ruleCategory(catValue)
	at, err := cases.ParseTestTime(t.At, h.app.Cases.Now())
	var got cases.Routing
	if err == nil {
		got, err = h.app.Cases.RouteIn(ctx, p, kind, code, region, at)
	}
	if err != nil {
		if statusOf(err) >= 500 {
			return err
		}
		t.Problem = h.problem(r, err)
		return nil
	}
	t.Place = names("region", region)
	t.Dept, t.Auto, t.Locality = names("department", got.Department), got.Auto, got.Locality
	for _, c := range got.CoDepartments {
		t.Co = append(t.Co, names("department", c))
	}
	if got.Rule != nil {
		if i := slices.IndexFunc(stored, func(s workflow.Rule) bool { return s.ID == got.Rule.ID }); i >= 0 {
			t.Rule = i + 1
			if posted == nil {
				b.Rows[i].Matched = true
			}
		}
	}
	return nil
}

// postedRules reads the editor's rows in the order posted: row lists each row's index, whose
// fields are r{index}.category, .region, .from, .to, .department, .co (many) and .auto.
func postedRules(f url.Values) []workflow.Rule {
	var out []workflow.Rule
	for n, i := range f["row"] {
		pre := "r" + i + "."
		kind, code := ruleCategory(pickedCode(f, pre+"category"))
		r := workflow.Rule{Order: n + 1, CategoryKind: kind, Category: code, Region: pickedCode(f, pre+"region"),
			From: strings.TrimSpace(f.Get(pre + "from")), To: strings.TrimSpace(f.Get(pre + "to")),
			Department: pickedCode(f, pre+"department"), Auto: f.Get(pre+"auto") == "1"}
		for _, c := range f[pre+"co"] {
			if c = strings.TrimSpace(c); c != "" && !slices.Contains(r.CoDepartments, c) {
				r.CoDepartments = append(r.CoDepartments, c)
			}
		}
		out = append(out, r)
	}
	return out
}

// adminPutRules replaces the dispatch table with the editor's rows; a refusal names the row
// and shows the table as it was sent, to correct.
func (h *Handler) adminPutRules(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := kernelCityWide(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.adminDone(w, r, p, "rules", "", h.app.Settings.ReplaceRules(r.Context(), p, postedRules(r.PostForm)))
}
