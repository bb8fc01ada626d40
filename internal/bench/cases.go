package bench

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// GenConfig says what GenerateCases makes.
type GenConfig struct {
	Cases int
	Seed  uint64
	// Now is the end of the year the cases were created in.
	Now time.Time
	// TxRows is how many cases one transaction carries; 0 means 50,000.
	TxRows int
	// Chronological makes cases in the order they were reported, as a city's database holds
	// them (ids rising with time), instead of at random moments of the year.
	Chronological bool
}

// GenStats is what GenerateCases made.
type GenStats struct {
	Cases    int
	Grids    int // unit grids the cases were spread over
	ByStatus map[workflow.Status]int
	Elapsed  time.Duration
}

// statusMix is the share of each status in a city's year of cases: most closed, a working
// set open, a few rejected or suspended.
var statusMix = []struct {
	status workflow.Status
	permil int
}{
	{workflow.Closed, 520}, {workflow.Rejected, 50}, {workflow.Reported, 50}, {workflow.Registered, 50},
	{workflow.Dispatched, 80}, {workflow.InProgress, 150}, {workflow.Handled, 80}, {workflow.Suspended, 20},
}

var sourceMix = []string{"patrol", "patrol", "patrol", "patrol", "resident", "resident", "resident", "hotline", "hotline", "inspection"}

// Words descriptions are made of, so that text search has something to find.
var descriptionWords = []string{"井盖破损", "占道经营", "垃圾堆放", "路灯不亮", "违章停车", "树木倒伏", "污水外溢", "广告牌松动", "噪音扰民", "道路破损"}

// GenerateCases fills db (seeded with a city: regions with unit grids, categories,
// departments) with cfg.Cases realistic cases, fast: multi-row INSERTs in large transactions
// straight through the store, with no timelines or audit records. The cases are spread over
// every unit grid, the statuses of statusMix, every category, the departments that would
// handle them, and creation times over the year before cfg.Now (open cases mostly recent);
// dispatched cases carry handling deadlines, some of them past.
func GenerateCases(ctx context.Context, db *store.DB, cfg GenConfig) (GenStats, error) {
	start := time.Now()
	if cfg.Cases < 0 {
		return GenStats{}, fmt.Errorf("bench: cases must not be negative (got %d)", cfg.Cases)
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.TxRows <= 0 {
		cfg.TxRows = 50_000
	}
	byCode := map[string]grid.Region{}
	var grids []grid.Region
	err := db.EachRegion(ctx, true, func(r grid.Region) error {
		byCode[r.Code] = grid.Region{Code: r.Code, ParentCode: r.ParentCode, Level: r.Level, Name: r.Name}
		if r.Level == grid.Grid && r.Geometry != nil {
			grids = append(grids, r)
		}
		return nil
	})
	if err != nil {
		return GenStats{}, err
	}
	if len(grids) == 0 {
		return GenStats{}, errors.New("bench: the database has no unit grids to put cases in")
	}
	cats, err := db.Categories(ctx, false)
	if err != nil {
		return GenStats{}, err
	}
	// 不确定/其他 is classified when registered: no case past registration keeps it.
	cats = slices.DeleteFunc(cats, func(c workflow.Category) bool { return workflow.IsUnclassified(c.Kind, c.Code) })
	depts, err := db.Departments(ctx)
	if err != nil {
		return GenStats{}, err
	}
	var lineDepts []string // district and city departments; subdistrict offices are chosen by place
	offices := map[string]bool{}
	for _, d := range depts {
		if d.Level == grid.Subdistrict {
			offices[d.Code] = true
		} else {
			lineDepts = append(lineDepts, d.Code)
		}
	}
	if len(cats) == 0 || len(lineDepts) == 0 {
		return GenStats{}, errors.New("bench: the database needs categories and departments first")
	}

	// Where each grid's cases lie: its path and a few points inside it.
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 0x6361736573)) // "cases"
	type place struct {
		path   []string
		points []orb.Point
		office string
	}
	places := make([]place, len(grids))
	for i, g := range grids {
		var path []string
		for c := g.Code; c != ""; c = byCode[c].ParentCode {
			path = append([]string{c}, path...)
		}
		p := place{path: path}
		for range 4 {
			p.points = append(p.points, randomPointIn(rng, g.Geometry))
		}
		for _, c := range path {
			if byCode[c].Level == grid.Subdistrict && offices[c+"-BSC"] {
				p.office = c + "-BSC"
			}
		}
		places[i] = p
	}

	stats := GenStats{Grids: len(grids), ByStatus: map[workflow.Status]int{}}
	tickets := map[string]int64{}
	year := 365 * 24 * time.Hour
	batch := make([]store.CaseRecord, 0, cfg.TxRows)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.InTx(ctx, func(ctx context.Context) error { return db.InsertCasesBulk(ctx, batch) })
		batch = batch[:0]
		return err
	}
	for n := range cfg.Cases {
		pl := places[rng.IntN(len(places))]
		cat := cats[rng.IntN(len(cats))]
		status := pickStatus(rng)
		open := !status.Terminal()
		var age time.Duration
		if open && rng.IntN(10) < 8 { // the working set is mostly this month's
			age = time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))
		} else {
			age = time.Duration(rng.Int64N(int64(year)))
		}
		if cfg.Chronological {
			age = year - time.Duration(int64(year)/int64(cfg.Cases)*int64(n)) // the oldest first
		}
		created := cfg.Now.Add(-age).Truncate(time.Microsecond).UTC()
		c := workflow.Case{Status: status, Version: 1, Kind: cat.Kind, Category: cat.Code, Urgency: workflow.UrgencyNormal,
			RegionPath: pl.path, VerificationRequired: cat.VerificationRequired}
		if rng.IntN(20) == 0 {
			c.Urgency = workflow.UrgencyUrgent
		}
		source := sourceMix[rng.IntN(len(sourceMix))]
		switch source {
		case "resident":
			c.Reporter = "resident"
		case "patrol":
			c.Reporter = "gridworker"
		}
		district := pl.path[min(1, len(pl.path)-1)]
		switch status {
		case workflow.Reported, workflow.Registered:
			c.Holder = workflow.Holder{Kind: workflow.HolderCentre, Code: district}
			c.Version = map[workflow.Status]int{workflow.Reported: 1, workflow.Registered: 2}[status]
		case workflow.Rejected:
			c.Version = 2
		default: // dispatched at some point: a department and a handling deadline
			c.Department = lineDepts[rng.IntN(len(lineDepts))]
			if pl.office != "" && rng.IntN(2) == 0 {
				c.Department = pl.office
			}
			dispatched := created.Add(time.Duration(rng.Int64N(int64(4 * time.Hour))))
			c.HandleDue = dispatched.Add(time.Duration(1+rng.IntN(10)) * 24 * time.Hour).Truncate(time.Microsecond)
			c.Version = 3
			switch status {
			case workflow.Dispatched, workflow.InProgress, workflow.Suspended:
				c.Holder = workflow.Holder{Kind: workflow.HolderDepartment, Code: c.Department}
			case workflow.Handled:
				c.Holder = workflow.Holder{Kind: workflow.HolderGridWorker, Code: pl.path[len(pl.path)-1]}
				c.Version = 5
			case workflow.Closed:
				c.Version = 6
				c.ClosedAt = c.HandleDue.Add(-time.Duration(rng.Int64N(int64(5 * 24 * time.Hour))))
				c.ClosureType = workflow.ClosureNormal
				if c.ClosedAt.After(c.HandleDue) {
					c.ClosureType = workflow.ClosureLate
				}
				c.Rating = 1 + rng.IntN(5)
			}
		}
		day := created.In(worktime.China).Format("20060102")
		tickets[day]++
		p := pl.points[rng.IntN(len(pl.points))]
		rec := store.CaseRecord{
			Ticket: fmt.Sprintf("%s-%06d", day, tickets[day]), Source: source,
			Description: fmt.Sprintf("%s，%s（第 %d 号）", cat.Name, descriptionWords[rng.IntN(len(descriptionWords))], n+1),
			Lon:         p[0], Lat: p[1], InputCRS: "wgs84", State: c, CreatedAt: created, UpdatedAt: created,
		}
		if source == "hotline" {
			rec.ContactName, rec.ContactPhone = "市民", "1380000"+fmt.Sprintf("%04d", rng.IntN(10_000))
		}
		rec.LightWarn, rec.LightDue = benchLight(c, created)
		batch = append(batch, rec)
		stats.ByStatus[status]++
		if len(batch) == cfg.TxRows {
			if err := flush(); err != nil {
				return stats, err
			}
		}
	}
	if err := flush(); err != nil {
		return stats, err
	}
	err = db.InTx(ctx, func(ctx context.Context) error {
		for day, seq := range tickets {
			if err := db.RaiseTicketDay(ctx, day, seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return stats, err
	}
	stats.Cases = cfg.Cases
	stats.Elapsed = time.Since(start)
	return stats, nil
}

func pickStatus(rng *mrand.Rand) workflow.Status {
	k := rng.IntN(1000)
	for _, s := range statusMix {
		if k < s.permil {
			return s.status
		}
		k -= s.permil
	}
	return workflow.Closed
}

// benchLight is when a generated case's running stage turns yellow and red, as the stage
// clocks would have it: acceptance and dispatch within half an hour and an hour of the report,
// handling by the handling deadline, verification an hour after it; none once suspended or
// finished.
func benchLight(c workflow.Case, created time.Time) (warn, due time.Time) {
	start := created
	switch c.Status {
	case workflow.Reported:
		due = created.Add(30 * time.Minute)
	case workflow.Registered:
		due = created.Add(time.Hour)
	case workflow.Dispatched, workflow.InProgress:
		due = c.HandleDue
	case workflow.Handled:
		start, due = c.HandleDue, c.HandleDue.Add(time.Hour)
	default:
		return time.Time{}, time.Time{}
	}
	return start.Add(due.Sub(start) * 4 / 5).Truncate(time.Microsecond), due
}
