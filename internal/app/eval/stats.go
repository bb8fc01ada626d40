package eval

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/worktime"
)

// MaxDays is the longest period a table covers: three years.
const MaxDays = 3*366 + 1

// Query asks for an evaluation table: a period of China-time dates (To inclusive), a grouping,
// for people optionally one role, and optionally a region to look within (a drill-down: the
// subdistricts of a district, say).
type Query struct {
	From, To string // YYYY-MM-DD
	Group    string // department, district, subdistrict, community, grid or person
	Role     string // group person: only people of this role
	Within   string // a region code; "" = all the viewer may see
}

// TrendQuery asks for a series: the query's period cut into days, weeks (Monday to Sunday)
// or months, for one row (Key) or for all the rows together.
type TrendQuery struct {
	Query
	Every string // day, week or month
	Key   string // one row's key; "" = the total of the rows
}

// Value is one count of a row.
type Value struct {
	Key   string
	Value float64
}

// Counts are a row's counts in the order of CountKeys.
type Counts []Value

// MarshalJSON writes the counts as an object, in order.
func (c Counts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(v.Key)
		n, _ := json.Marshal(v.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(n)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns a count by key.
func (c Counts) Get(key string) float64 {
	for _, v := range c {
		if v.Key == key {
			return v.Value
		}
	}
	return 0
}

// Rate is one rate of a row; nil when its denominator is zero ("—" on pages).
type Rate struct {
	Key   string
	Value *float64
}

// Rates are a row's rates in the order of RateKeys.
type Rates []Rate

// MarshalJSON writes the rates as an object, in order, null for a zero denominator.
func (r Rates) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range r {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(v.Key)
		b.Write(k)
		b.WriteByte(':')
		if v.Value == nil {
			b.WriteString("null")
		} else {
			n, _ := json.Marshal(*v.Value)
			b.Write(n)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Get returns a rate by key (nil: no denominator).
func (r Rates) Get(key string) *float64 {
	for _, v := range r {
		if v.Key == key {
			return v.Value
		}
	}
	return nil
}

// Row is one group's line of a table.
type Row struct {
	Key    string   `json:"key"`
	Name   string   `json:"name"`
	Role   string   `json:"role,omitempty"` // a person's role
	Counts Counts   `json:"counts"`
	Rates  Rates    `json:"rates"`
	Score  *float64 `json:"score"` // 0–100; nil when no rate of its formula has a denominator
	Grade  *string  `json:"grade"`
	Rank   *int     `json:"rank"` // 1 for the best score; equal scores share a rank
}

// Table is an evaluation table, its rows ranked.
type Table struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Group string `json:"group"`
	Rows  []Row  `json:"rows"`
	// Role and Within repeat the query, for titles ("街道 in 红旗区, 2026-03").
	Role   string `json:"-"`
	Within string `json:"-"`
}

// Point is one period of a trend.
type Point struct {
	From   string   `json:"from"`
	To     string   `json:"to"`
	Counts Counts   `json:"counts"`
	Rates  Rates    `json:"rates"`
	Score  *float64 `json:"score"`
	Grade  *string  `json:"grade"`
}

// Trend is a series of periods.
type Trend struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Group  string  `json:"group"`
	Every  string  `json:"every"`
	Key    string  `json:"key,omitempty"`
	Points []Point `json:"points"`
}

// period is a checked query: its days as yyyymmdd and where to look.
type period struct {
	from, to int
	fromT    time.Time
	toT      time.Time
}

func badParam(field, format string, args ...any) error {
	return errs.Refuse(errs.BadRequest, "bad_value", errs.Params{"field": field}, "%s: "+format, append([]any{field}, args...)...)
}

// parseDate reads a YYYY-MM-DD date, strictly.
func parseDate(field, s string) (time.Time, error) {
	if err := textcheck.Check(field, s); err != nil {
		return time.Time{}, err
	}
	if s == "" {
		return time.Time{}, errs.Refuse(errs.BadRequest, "required", errs.Params{"field": field}, "%s is required (YYYY-MM-DD)", field)
	}
	t, err := time.ParseInLocation("2006-01-02", s, worktime.China)
	if err != nil || t.Format("2006-01-02") != s {
		return time.Time{}, badParam(field, "want a date as YYYY-MM-DD, not %q", truncate(s))
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, badParam(field, "the year must be 2000–2200")
	}
	return t, nil
}

func truncate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func checkPeriod(q Query) (period, error) {
	from, err := parseDate("from", q.From)
	if err != nil {
		return period{}, err
	}
	to, err := parseDate("to", q.To)
	if err != nil {
		return period{}, err
	}
	if to.Before(from) {
		return period{}, badParam("to", "the period ends (%s) before it starts (%s)", q.To, q.From)
	}
	if days := int(to.Sub(from).Hours()/24+0.5) + 1; days > MaxDays {
		return period{}, badParam("to", "a period covers at most %d days, not %d", MaxDays, days)
	}
	return period{from: Day(from), to: Day(to), fromT: from, toT: to}, nil
}

// regionDepth is a region grouping's depth in a case's region path.
var regionDepth = map[string]int{KindDistrict: 1, KindSubdistrict: 2, KindCommunity: 3, KindGrid: 4}

// target is one part of what a table covers: a region (its code, depth and district; the
// whole city when code is ""), and for a handler their department, for a grid worker themself.
type target struct {
	code, district string
	depth          int
}

// viewer is what a principal may see of the tables.
type viewer struct {
	all        bool     // the whole city
	roots      []string // the regions they cover (their scope, a grid worker's grids)
	department string   // a handler: their department's row
	self       string   // a handler or grid worker: their own row among people
}

func viewerOf(p *access.Principal) (viewer, error) {
	switch {
	case p == nil || (!p.System && p.User.Role == access.Resident):
		return viewer{}, errs.Refuse(errs.Forbidden, "staff_only", nil, "evaluation tables are for staff")
	case p.System || (p.User.Role == access.Admin && p.User.Scope == ""):
		return viewer{all: true}, nil
	case p.User.Role == access.Handler:
		return viewer{department: p.User.Department, self: p.User.Username}, nil
	}
	v := viewer{}
	if p.User.Scope != "" {
		v.roots = append(v.roots, p.User.Scope)
	}
	v.roots = append(v.roots, p.Grids...)
	if p.User.Role == access.GridWorker {
		v.self = p.User.Username
	}
	if len(v.roots) == 0 {
		return viewer{}, errs.Refuse(errs.Forbidden, "outside_scope", nil, "you have no region to see")
	}
	return v, nil
}

// targets resolves where a query looks: within, or else all the viewer sees.
func (s *Service) targets(ctx context.Context, v viewer, q Query) ([]target, error) {
	if err := textcheck.Check("within", q.Within); err != nil {
		return nil, err
	}
	resolve := func(code string, field string) (target, error) {
		path, err := s.PathOf(ctx, code)
		if errs.Is(err, errs.NotFound) {
			return target{}, errs.Refuse(errs.BadRequest, "no_region", errs.Params{"field": field, "region": truncate(code)}, "%s: no region %q", field, truncate(code))
		} else if err != nil {
			return target{}, err
		}
		t := target{code: code, depth: len(path) - 1}
		if len(path) > 1 {
			t.district = path[1].Code
		}
		return t, nil
	}
	if q.Within != "" {
		if len(q.Within) > 64 {
			return nil, badParam("within", "not a region code")
		}
		t, err := resolve(q.Within, "within")
		if err != nil {
			return nil, err
		}
		if !v.all {
			path, err := s.PathOf(ctx, q.Within)
			if err != nil {
				return nil, err
			}
			covered := slices.ContainsFunc(path, func(r grid.Ref) bool { return slices.Contains(v.roots, r.Code) })
			if v.department != "" || !covered {
				return nil, errs.Refuse(errs.Forbidden, "outside_scope", errs.Params{"field": "within", "region": q.Within}, "region %s is outside your scope", q.Within)
			}
		}
		return []target{t}, nil
	}
	if v.all {
		return []target{{}}, nil
	}
	var out []target
	for _, r := range v.roots {
		t, err := resolve(r, "scope")
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// storeQueries turns a query into the aggregate queries that answer it.
func (s *Service) storeQueries(ctx context.Context, actor *access.Principal, q Query, p period) ([]store.EvalQuery, viewer, error) {
	v, err := viewerOf(actor)
	if err != nil {
		return nil, v, err
	}
	if err := textcheck.Check("group", q.Group); err != nil {
		return nil, v, err
	}
	if !slices.Contains(Kinds, q.Group) {
		return nil, v, badParam("group", "want one of %s, not %q", strings.Join(Kinds, ", "), truncate(q.Group))
	}
	if q.Role != "" {
		if err := textcheck.Check("role", q.Role); err != nil {
			return nil, v, err
		}
		if _, err := access.ParseRole(q.Role); err != nil || q.Role == string(access.Resident) {
			return nil, v, badParam("role", "want a staff role, not %q", truncate(q.Role))
		}
		if q.Group != KindPerson {
			return nil, v, badParam("role", "a role selects people: use it with group=person")
		}
	}
	if v.department != "" { // a handler: their department, and themself
		if q.Within != "" {
			if _, err := s.targets(ctx, v, q); err != nil {
				return nil, v, err
			}
		}
		switch q.Group {
		case KindDepartment:
			return []store.EvalQuery{{Kind: q.Group, From: p.from, To: p.to, Key: v.department, CityRows: true}}, v, nil
		case KindPerson:
			return []store.EvalQuery{{Kind: q.Group, From: p.from, To: p.to, Key: v.self, CityRows: true}}, v, nil
		}
		return nil, v, errs.Refuse(errs.Forbidden, "group_outside_scope", errs.Params{"field": "group", "group": q.Group}, "a department sees its own row and its people's, not %s rows", q.Group)
	}
	if q.Group == KindPerson && v.self != "" && q.Within == "" {
		// A grid worker sees themself among people, wherever their cases lay.
		return []store.EvalQuery{{Kind: q.Group, From: p.from, To: p.to, Key: v.self, CityRows: true}}, v, nil
	}
	targets, err := s.targets(ctx, v, q)
	if err != nil {
		return nil, v, err
	}
	var out []store.EvalQuery
	for _, t := range targets {
		eq := store.EvalQuery{Kind: q.Group, From: p.from, To: p.to}
		if d, ok := regionDepth[q.Group]; ok {
			if d < t.depth {
				return nil, v, s.aboveScope(q, t)
			}
			if t.depth >= 1 {
				eq.District, eq.KeyPrefix = t.district, t.code
			}
		} else {
			// Departments and people are counted per district of the cases: a district sees
			// its share of a city department's work, and no more.
			if t.depth > 1 {
				return nil, v, s.aboveScope(q, t)
			}
			eq.District, eq.CityRows = t.district, t.depth == 0
			if q.Group == KindPerson && v.self != "" {
				eq.Key = v.self // a grid worker sees themself among people
			}
		}
		out = append(out, eq)
	}
	return out, v, nil
}

func (s *Service) aboveScope(q Query, t target) error {
	if q.Within != "" {
		return errs.Refuse(errs.BadRequest, "group_above_within", errs.Params{"field": "group", "group": q.Group, "within": t.code},
			"group: %s rows do not fit within %s; choose a finer grouping or a wider region", q.Group, t.code)
	}
	return errs.Refuse(errs.Forbidden, "group_outside_scope", errs.Params{"field": "group", "group": q.Group},
		"group: %s rows reach beyond your scope", q.Group)
}

// Stats returns the evaluation table a query asks for, as the actor may see it: every group's
// counts, rates, score, grade and rank.
func (s *Service) Stats(ctx context.Context, actor *access.Principal, q Query) (Table, error) {
	p, err := checkPeriod(q)
	if err != nil {
		return Table{}, err
	}
	eqs, _, err := s.storeQueries(ctx, actor, q, p)
	if err != nil {
		return Table{}, err
	}
	sums := map[string]*store.EvalCounts{}
	pending := map[string]int64{}
	for _, eq := range eqs {
		rows, err := s.DB.EvalSums(ctx, eq)
		if err != nil {
			return Table{}, err
		}
		for _, r := range rows {
			if c, ok := sums[r.Key]; ok {
				c.Add(&r.Counts, 1)
			} else {
				c := r.Counts
				sums[r.Key] = &c
			}
		}
		po, err := s.DB.EvalPendingOverdue(ctx, eq, p.to)
		if err != nil {
			return Table{}, err
		}
		for k, n := range po {
			pending[k] += n
			if _, ok := sums[k]; !ok {
				sums[k] = &store.EvalCounts{}
			}
		}
	}
	w, err := s.weights(ctx)
	if err != nil {
		return Table{}, err
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	names, roles, err := s.names(ctx, q.Group, keys)
	if err != nil {
		return Table{}, err
	}
	t := Table{From: q.From, To: q.To, Group: q.Group, Role: q.Role, Within: q.Within, Rows: []Row{}}
	for _, k := range keys {
		role := roles[k]
		if q.Role != "" && role != q.Role {
			continue
		}
		r := Row{Key: k, Name: names[k], Role: role}
		r.Counts, r.Rates = measure(sums[k], pending[k])
		r.Score, r.Grade = score(w, formulaOf(q.Group, role), r.Rates)
		t.Rows = append(t.Rows, r)
	}
	rank(t.Rows)
	return t, nil
}

// formulaOf names the formula that scores a row.
func formulaOf(group, role string) string {
	switch group {
	case KindDepartment:
		return FormulaDepartment
	case KindPerson:
		return role
	}
	return FormulaRegion
}

// names returns the groups' names (and people's roles).
func (s *Service) names(ctx context.Context, group string, keys []string) (names, roles map[string]string, err error) {
	names, roles = map[string]string{}, map[string]string{}
	switch group {
	case KindDepartment:
		depts, err := s.RefDepartments(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, d := range depts {
			names[d.Code] = d.Name
		}
	case KindPerson:
		users, err := s.DB.UsersNamed(ctx, keys)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range users {
			names[u.Username], roles[u.Username] = u.DisplayName, string(u.Role)
		}
	default:
		for _, k := range keys {
			if path, err := s.PathOf(ctx, k); err == nil && len(path) > 0 {
				names[k] = path[len(path)-1].Name
			} else if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, nil, err
			}
		}
	}
	for _, k := range keys {
		if names[k] == "" {
			names[k] = k
		}
	}
	return names, roles, nil
}

// measure turns a row's sums into its counts and rates.
func measure(c *store.EvalCounts, pendingOverdue int64) (Counts, Rates) {
	get := func(i int) float64 { return float64(c[i]) }
	hours := math.Round(get(cHandleMinutes)/60*100) / 100
	vals := map[string]float64{}
	for i, col := range store.EvalCountColumns {
		vals[col] = get(i)
	}
	vals["pending_overdue"] = float64(pendingOverdue)
	vals["handle_hours"] = hours
	counts := make(Counts, len(CountKeys))
	for i, k := range CountKeys {
		counts[i] = Value{k, vals[k]}
	}
	ratio := func(num, den float64) *float64 {
		if den == 0 {
			return nil
		}
		r := math.Round(num/den*10000) / 10000
		return &r
	}
	registered := vals["registered"]
	rates := Rates{
		{"valid_report_rate", ratio(vals["valid_reported"], vals["reported"])},
		{"on_time_register_rate", ratio(vals["registered_on_time"], registered)},
		// indicators.md: (立案数 − 作废数) ÷ 立案数, floored at 0: citygrid rejects (作废)
		// before registering, so the two are counted apart.
		{"accurate_register_rate", ratio(max(registered-vals["rejected"], 0), registered)},
		{"on_time_dispatch_rate", ratio(vals["dispatched_on_time"], vals["due_dispatch"])},
		{"accurate_dispatch_rate", ratio(max(vals["dispatched"]-vals["wrong_dispatch"], 0), vals["due_dispatch"])},
		{"handle_rate", ratio(vals["handled"], vals["due_handle"])},
		{"on_time_handle_rate", ratio(vals["handled_on_time"], vals["due_handle"])},
		{"rework_rate", ratio(vals["rework"], vals["due_close"])},
		{"extension_rate", ratio(vals["extended"], vals["due_handle"])},
		{"pending_overdue_rate", ratio(vals["pending_overdue"], vals["due_handle"])},
		{"on_time_verify_rate", ratio(vals["verified_on_time"], vals["due_verify"])},
		{"close_rate", ratio(vals["closed"], vals["due_close"])},
		{"on_time_close_rate", ratio(vals["closed_on_time"], vals["due_close"])},
		{"satisfaction_rate", ratio(vals["satisfied"], vals["rated"])},
		{"mean_handle_hours", nil},
	}
	if vals["handled"] > 0 {
		m := math.Round(get(cHandleMinutes)/60/vals["handled"]*100) / 100
		rates[len(rates)-1].Value = &m
	}
	return counts, rates
}

// score computes a row's composite score by a formula: the weighted mean of its terms (a term
// whose rate has no denominator is left out, and the rest carry the weight), on 0–100, and
// the grade it earns. nil when no term has a rate, or no formula scores the row.
func score(w Weights, formula string, rates Rates) (*float64, *string) {
	terms, ok := w.Formulas[formula]
	if !ok {
		terms = DefaultWeights().Formulas[formula]
	}
	sum, weight := 0.0, 0.0
	for _, t := range terms {
		r := rates.Get(t.Rate)
		if r == nil || t.Weight == 0 {
			continue
		}
		v := *r
		if t.Inverse {
			v = 1 - v
		}
		sum += t.Weight * min(max(v, 0), 1)
		weight += t.Weight
	}
	if weight == 0 {
		return nil, nil
	}
	sc := math.Round(sum/weight*1000) / 10
	for _, b := range w.Grades {
		if sc >= b.Min {
			g := b.Grade
			return &sc, &g
		}
	}
	return &sc, nil
}

// rank orders rows by score, best first (rows without a score last, by key), and numbers them:
// equal scores share a rank, the next rank skipping as many (1, 2, 2, 4).
func rank(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		switch {
		case a.Score != nil && b.Score != nil && *a.Score != *b.Score:
			return cmp.Compare(*b.Score, *a.Score)
		case (a.Score == nil) != (b.Score == nil):
			if a.Score == nil {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.Key, b.Key)
	})
	for i := range rows {
		if rows[i].Score == nil {
			continue
		}
		r := i + 1
		if i > 0 && rows[i-1].Score != nil && *rows[i-1].Score == *rows[i].Score {
			r = *rows[i-1].Rank
		}
		rows[i].Rank = &r
	}
}

// Groups are the groupings the actor may rank across their whole scope (Stats without a
// within), in Kinds' order: what an evaluation page offers as tabs. A handler has its
// department and people; a grid worker its grids and people; a district its regions under it,
// departments and people.
func (s *Service) Groups(ctx context.Context, actor *access.Principal) ([]string, error) {
	var out []string
	for _, k := range Kinds {
		_, _, err := s.storeQueries(ctx, actor, Query{Group: k}, period{})
		switch {
		case err == nil:
			out = append(out, k)
		case errs.Is(err, errs.Forbidden) || errs.Is(err, errs.BadRequest):
		default:
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, errs.Refuse(errs.Forbidden, "staff_only", nil, "evaluation tables are for staff")
	}
	return out, nil
}
