package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
)

// TargetListP95 is the list issue's target for the 95th percentile of filtered list queries.
const TargetListP95 = 50 * time.Millisecond

// ListConfig says what `bench list` builds and asks.
type ListConfig struct {
	Cases   int    // cases to generate
	Queries int    // list queries to time, spread evenly over the kinds
	Seed    uint64 // seeds the cases and the queries
	// Small seeds the small demo city (two districts, coarse grids) instead of the whole one:
	// for tests.
	Small bool
}

// ListResult is what `bench list` measured.
type ListResult struct {
	Gen     GenStats
	Kinds   []KindResult
	Overall Percentiles
}

// KindResult is one kind of query's timings.
type KindResult struct {
	Name    string
	Queries int
	Rows    int // cases returned, over all its queries
	Percentiles
}

// Percentiles of a set of timings.
type Percentiles struct{ P50, P95, P99 time.Duration }

// ListQuery is one kind of list query: who asks, and a filter drawn for each query.
type ListQuery struct {
	Name string
	Who  string // a demo username
	// Filter draws the filter of one query; prev is the page the previous query of the same
	// kind returned, for kinds that page on.
	Filter func(rng *mrand.Rand, prev cases.CasePage) cases.CaseFilter
}

// listQueries is the mix: what dispatchers, handlers, grid workers and operators ask all day.
func listQueries(subdistricts, departments []string) []ListQuery {
	majors := []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}
	open := []string{"reported", "registered", "dispatched", "in_progress", "handled", "suspended"}
	pick := func(rng *mrand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }
	return []ListQuery{
		{"dispatcher: newest in scope", "dispatcher", func(*mrand.Rand, cases.CasePage) cases.CaseFilter { return cases.CaseFilter{} }},
		{"dispatcher: status (dispatch queue)", "dispatcher", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Statuses: []string{pick(rng, []string{"registered", "reported", "handled"})}}
		}},
		{"dispatcher: open, major class", "dispatcher", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Statuses: open, Category: pick(rng, majors)}
		}},
		{"dispatcher: subdistrict subtree", "dispatcher", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Regions: []string{pick(rng, subdistricts)}}
		}},
		{"dispatcher: overdue, by deadline", "dispatcher", func(*mrand.Rand, cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Overdue: true, SortByDue: true}
		}},
		{"dispatcher: department", "dispatcher", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Department: pick(rng, departments)}
		}},
		{"dispatcher: text", "dispatcher", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Text: pick(rng, descriptionWords)}
		}},
		{"dispatcher: page 1, then 2 by cursor", "dispatcher", func(_ *mrand.Rand, prev cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Cursor: prev.Next} // the first query of the kind has no cursor: page one
		}},
		{"handler: department queue", "handler", func(*mrand.Rand, cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Statuses: []string{"dispatched", "in_progress"}}
		}},
		{"handler: by deadline", "handler", func(*mrand.Rand, cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{SortByDue: true, Statuses: []string{"dispatched", "in_progress"}}
		}},
		{"grid worker: own grids", "gridworker", func(*mrand.Rand, cases.CasePage) cases.CaseFilter { return cases.CaseFilter{} }},
		{"admin: status and category, city-wide", "admin", func(rng *mrand.Rand, _ cases.CasePage) cases.CaseFilter {
			return cases.CaseFilter{Statuses: []string{pick(rng, open)}, Category: pick(rng, majors)}
		}},
	}
}

// List generates cfg.Cases cases in db (fresh and migrated) over the demo city and times a mix
// of filtered list queries through app.ListCases, as the principals who ask them.
func List(ctx context.Context, w io.Writer, db *store.DB, where string, cfg ListConfig) (*ListResult, error) {
	if cfg.Cases < 0 || cfg.Queries < 1 {
		return nil, fmt.Errorf("bench list: cases must not be negative and queries positive (got %d, %d)", cfg.Cases, cfg.Queries)
	}
	fmt.Fprintf(w, "citygrid bench list: %s generated cases, %s filtered list queries through app.ListCases\n\n", count(cfg.Cases), count(cfg.Queries))
	fmt.Fprintf(w, "database    %s\n", where)
	a, err := app.New(db, app.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := demo.Seed(ctx, a, demo.Options{Full: !cfg.Small}); err != nil {
		return nil, fmt.Errorf("bench list: seed the demo city: %w", err)
	}
	fmt.Fprintf(w, "city        the demo city seeded in %s\n", dur(time.Since(start)))
	res := &ListResult{}
	if res.Gen, err = GenerateCases(ctx, db, GenConfig{Cases: cfg.Cases, Seed: cfg.Seed, Now: time.Now()}); err != nil {
		return nil, fmt.Errorf("bench list: generate cases: %w", err)
	}
	fmt.Fprintf(w, "cases       %s over %s unit grids in %s (%s cases/s, multi-row INSERTs, 50,000 a transaction)\n",
		count(res.Gen.Cases), count(res.Gen.Grids), dur(res.Gen.Elapsed), count(int(float64(res.Gen.Cases)/res.Gen.Elapsed.Seconds())))
	var mix []string
	for _, s := range statusMix {
		mix = append(mix, fmt.Sprintf("%s %d", s.status, res.Gen.ByStatus[s.status]))
	}
	fmt.Fprintf(w, "            %s\n", strings.Join(mix, ", "))
	start = time.Now()
	if err := db.Analyze(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "            statistics gathered (ANALYZE) in %s\n\n", dur(time.Since(start)))

	// Who asks, and what they may ask about.
	principals := map[string]*access.Principal{}
	for _, l := range demo.Logins() {
		u, _, err := db.UserByUsername(ctx, l.Username)
		if err != nil {
			return nil, err
		}
		p := &access.Principal{User: u, Via: "session"}
		if u.Role == access.GridWorker {
			if p.Grids, err = db.UserGrids(ctx, u.ID); err != nil {
				return nil, err
			}
		}
		principals[l.Username] = p
	}
	scope := principals["dispatcher"].User.Scope
	var subdistricts []string
	err = db.EachRegion(ctx, false, func(r grid.Region) error {
		if r.Level == grid.Subdistrict && strings.HasPrefix(r.Code, scope) {
			subdistricts = append(subdistricts, r.Code)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	depts, err := db.Departments(ctx)
	if err != nil {
		return nil, err
	}
	var departments []string
	for _, d := range depts {
		if strings.HasPrefix(d.RegionCode, scope) || d.Level == grid.City {
			departments = append(departments, d.Code)
		}
	}
	kinds := listQueries(subdistricts, departments)

	// Warm up: one query of each kind, untimed.
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 0x6c697374)) // "list"
	prev := make([]cases.CasePage, len(kinds))
	for i, k := range kinds {
		if prev[i], err = a.Cases.ListCases(ctx, principals[k.Who], k.Filter(rng, cases.CasePage{})); err != nil {
			return nil, fmt.Errorf("bench list: %s: %w", k.Name, err)
		}
	}
	times := make([][]time.Duration, len(kinds))
	rows := make([]int, len(kinds))
	var all []time.Duration
	for q := range cfg.Queries {
		i := q % len(kinds)
		k := kinds[i]
		f := k.Filter(rng, prev[i])
		t0 := time.Now()
		page, err := a.Cases.ListCases(ctx, principals[k.Who], f)
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("bench list: %s: %w", k.Name, err)
		}
		if f.Cursor != "" || page.Next == "" {
			prev[i] = cases.CasePage{} // page one next time
		} else {
			prev[i] = page
		}
		times[i] = append(times[i], d)
		all = append(all, d)
		rows[i] += len(page.Cases)
	}
	fmt.Fprintf(w, "queries     app.ListCases, one page of 50, as the demo users; %s queries in turn over %d kinds after one warm-up each\n", count(cfg.Queries), len(kinds))
	fmt.Fprintf(w, "  %-40s %7s %10s %10s %10s %9s\n", "kind", "queries", "p50", "p95", "p99", "rows/page")
	for i, k := range kinds {
		p := percentiles(times[i], 50, 95, 99)
		kr := KindResult{Name: k.Name, Queries: len(times[i]), Rows: rows[i], Percentiles: Percentiles{p[0], p[1], p[2]}}
		res.Kinds = append(res.Kinds, kr)
		perPage := 0.0
		if kr.Queries > 0 {
			perPage = float64(kr.Rows) / float64(kr.Queries)
		}
		fmt.Fprintf(w, "  %-40s %7d %s %s %s %9.1f\n", k.Name, kr.Queries, ms(kr.P50), ms(kr.P95), ms(kr.P99), perPage)
	}
	p := percentiles(all, 50, 95, 99)
	res.Overall = Percentiles{p[0], p[1], p[2]}
	fmt.Fprintf(w, "  %-40s %7d %s %s %s\n", "all", len(all), ms(p[0]), ms(p[1]), ms(p[2]))
	fmt.Fprintf(w, "\n  p95 over all queries %s   (target ≤ %s: %s)\n", strings.TrimSpace(ms(p[1])), strings.TrimSpace(ms(TargetListP95)), verdict(p[1] <= TargetListP95))
	worst := slices.MaxFunc(res.Kinds, func(a, b KindResult) int { return int(a.P95 - b.P95) })
	fmt.Fprintf(w, "  slowest kind's p95   %s (%s)\n\n", strings.TrimSpace(ms(worst.P95)), worst.Name)
	machine(w)
	return res, nil
}
