package demo

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/georeport"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/hotline"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The demo's history is made by simulation: reports arrive at a city's rhythm and every step
// of every case is taken by the person whose step it is, through the same use cases a server
// runs, on a clock that the simulation moves forward. So the audit chain, the timelines, the
// stage clocks, the notices and the outbox are what three months of work would have left.
//
// The simulation is a queue of future steps ordered by time. Taking a step may schedule the
// next steps of its case; the clock jumps from one step to the next. Every random choice comes
// from one generator seeded by HistoryOptions.Seed, and steps are taken in a fixed order, so
// the same seed over the same days gives the same cases.

// HistoryOptions say how much history to make.
type HistoryOptions struct {
	Days  int       // how many days before Until the history starts; 0 makes none
	Seed  uint64    // the same seed gives the same history
	Until time.Time // where the history ends: now, or a fixed moment for a reproducible city
	// Clock is the clock the app was made with (app.Options{Clock: clock.Now}); the history
	// moves it and leaves it at Until.
	Clock *Clock
	// Progress, when set, is told now and then how far the history has come.
	Progress func(Progress)
	// PerWorkingDay is the number of reports a working day brings across the city's ten
	// districts (fewer districts, proportionally fewer); 0 means 370.
	PerWorkingDay int
}

// Progress is how far the history has come: Done runs from 0 to 1 as the simulated clock
// goes from the first day to Until.
type Progress struct {
	Done    float64
	At      time.Time
	Reports int
}

// HistoryReport says what the history made.
type HistoryReport struct {
	Reports  int // cases reported
	Steps    int // use-case calls that acted on a case
	Merged   int // hotline repeats joined to open cases
	Patrols  int
	Points   int // GPS fixes of the patrols
	Notices  int // outbox messages fanned out
	Photos   int
	Failures int // steps a use case refused (a bug in the simulation; should be 0)
	// Cases are the cases as the history left them, for the realism checks.
	Cases []*simCase
}

// step is one scheduled action of the simulation.
type step struct {
	at  time.Time
	seq uint64
	run func(ctx context.Context) error
}

type steps []*step

func (q steps) Len() int { return len(q) }
func (q steps) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q steps) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *steps) Push(x any)   { *q = append(*q, x.(*step)) }
func (q *steps) Pop() any {
	old := *q
	s := old[len(old)-1]
	*q = old[:len(old)-1]
	return s
}

// sim is one run of the history.
type sim struct {
	a      *app.App
	c      *City
	st     *Staff
	opts   HistoryOptions
	rng    *rand.Rand
	cal    *worktime.Calendar
	limits []workflow.TimeLimit
	start  time.Time
	q      steps
	seq    uint64
	now    time.Time

	who        map[string]*access.Principal
	system     *access.Principal
	topics     []*topic
	districts  []districtWeight
	photos     *photoPool
	open311    *access.Principal
	open311Key georeport.Open311Client
	hotline    []hotline.Row // received, waiting for the next import
	// hotlineArrivals are the calls of the rows in hotline, in the same order.
	hotlineArrivals []*arrival
	hotlineSeq      int
	supports        map[string]bool // case id/username: who said "me too" already
	namer           *namer
	recent          []*simCase // reports of the last days, for duplicates, repeats and "me too"
	patrolling      map[string]bool
	all             []*simCase
	report          HistoryReport
}

// districtWeight is how much of the city's reporting a district does, and its communities'
// unit grids. Communities are drawn alike, since each holds a few thousand households however
// large its area; then a grid of it.
type districtWeight struct {
	code        string
	weight      float64
	communities [][]*UnitGrid
}

func (d districtWeight) grid(rng *rand.Rand) *UnitGrid {
	gs := d.communities[rng.IntN(len(d.communities))]
	return gs[rng.IntN(len(gs))]
}

// MakeHistory fills the seeded city (Seed with Staff) with opts.Days of history ending at
// opts.Until, through the use cases. Run it on a city without cases: it does not look at what
// is there.
func MakeHistory(ctx context.Context, a *app.App, opts HistoryOptions) (HistoryReport, error) {
	if opts.Days <= 0 {
		return HistoryReport{}, nil
	}
	if opts.Clock == nil {
		return HistoryReport{}, fmt.Errorf("history: the app's clock is needed")
	}
	if opts.PerWorkingDay == 0 {
		opts.PerWorkingDay = 370
	}
	s := &sim{a: a, opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x6a69616f7a756f)), system: access.SystemPrincipal("demo"),
		patrolling: map[string]bool{}, supports: map[string]bool{}}
	until := opts.Until.In(worktime.China)
	day0 := time.Date(until.Year(), until.Month(), until.Day(), 0, 0, 0, 0, worktime.China).AddDate(0, 0, -opts.Days)
	s.start = day0
	s.setClock(day0)
	if err := s.prepare(ctx); err != nil {
		return s.report, err
	}
	for d := day0; d.Before(until); d = d.AddDate(0, 0, 1) {
		s.planDay(d)
	}
	s.schedule(day0, s.jobs)
	s.schedule(lastMorning(until), s.readNotices)
	err := s.run(ctx, until)
	opts.Clock.Set(until)
	s.report.Cases = s.all
	if s.photos != nil {
		s.report.Photos = len(s.photos.ids)
	}
	return s.report, err
}

func (s *sim) setClock(t time.Time) {
	s.now = t
	s.opts.Clock.Set(t)
}

// schedule queues fn at t.
func (s *sim) schedule(t time.Time, fn func(ctx context.Context) error) {
	s.seq++
	heap.Push(&s.q, &step{at: t, seq: s.seq, run: fn})
}

// batchSteps is how many steps share one transaction: seeding is one writer at the console,
// and a commit per step would spend the time flushing. Each step is still one use case with
// its checks, audit record and outbox message.
const batchSteps = 3000

// run takes the steps in order until the queue is empty or the next lies past until.
func (s *sim) run(ctx context.Context, until time.Time) error {
	total := until.Sub(s.start).Seconds()
	lastShown := -1.0
	for len(s.q) > 0 && !s.q[0].at.After(until) {
		err := s.a.Batch(ctx, func(ctx context.Context) error {
			for n := 0; n < batchSteps && len(s.q) > 0 && !s.q[0].at.After(until); n++ {
				st := heap.Pop(&s.q).(*step)
				s.setClock(st.at)
				if err := st.run(ctx); err != nil {
					return fmt.Errorf("history at %s: %w", st.at.In(worktime.China).Format("2006-01-02 15:04"), err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if s.opts.Progress != nil {
			if done := s.now.Sub(s.start).Seconds() / total; done-lastShown >= 0.002 {
				s.opts.Progress(Progress{Done: min(done, 1), At: s.now, Reports: s.report.Reports})
				lastShown = done
			}
		}
	}
	if s.opts.Progress != nil {
		s.opts.Progress(Progress{Done: 1, At: until, Reports: s.report.Reports})
	}
	return nil
}

// jobsEvery is how often the simulated server runs its jobs: the deadline sweep and the
// outbox fan-out, as `serve` does on its timer (every few seconds there; half an hour of
// simulated time is close enough for notices and costs the seeding little).
const jobsEvery = 30 * time.Minute

func (s *sim) jobs(ctx context.Context) error {
	for {
		n, err := s.a.Notices.SweepDeadlines(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	for {
		n, err := s.a.Notices.DeliverOutbox(ctx)
		if err != nil {
			return err
		}
		s.report.Notices += n
		if n == 0 {
			break
		}
	}
	s.schedule(s.now.Add(jobsEvery), s.jobs)
	return nil
}

// readMorning is when people open citygrid at work and read what came in since yesterday.
const readMorning = 8*time.Hour + 45*time.Minute

// lastMorning is the last readMorning at or before t.
func lastMorning(t time.Time) time.Time {
	t = t.In(worktime.China)
	m := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, worktime.China).Add(readMorning)
	if m.After(t) {
		m = m.AddDate(0, 0, -1)
	}
	return m
}

// readNotices: everybody has read their notifications up to this morning, as people who work
// with citygrid do; what arrived since is unread, so a leader meets today's news, not a quarter's.
func (s *sim) readNotices(ctx context.Context) error {
	names := make([]string, 0, len(s.who))
	for name := range s.who {
		names = append(names, name)
	}
	slices.Sort(names) // the same order every run
	for _, name := range names {
		if _, err := s.a.Notices.MarkNotificationsRead(ctx, s.who[name], math.MaxInt64); err != nil {
			return fmt.Errorf("history: %s reads notifications: %w", name, err)
		}
	}
	return nil
}

// prepare reads the city and its people and makes what the reports use: photos, an Open311
// client.
func (s *sim) prepare(ctx context.Context) error {
	var err error
	if s.c, err = LoadCity(ctx, s.a); err != nil {
		return err
	}
	s.st = NewStaff(s.c)
	if s.limits, s.cal, err = s.a.Cases.TimeSettings(ctx); err != nil {
		return err
	}
	users, err := s.a.People.ListUsers(ctx, s.system)
	if err != nil {
		return err
	}
	s.who = map[string]*access.Principal{}
	for _, u := range users {
		s.who[u.Username] = &access.Principal{User: u, Via: "session"}
	}
	for _, p := range s.st.People {
		if s.who[p.Username] == nil {
			return fmt.Errorf("history: demo user %s is missing: seed the city with its staff first", p.Username)
		}
		s.who[p.Username].Grids = p.Grids
	}
	if err := s.loadTopics(ctx); err != nil {
		return err
	}
	for _, d := range s.c.Districts {
		dw := districtWeight{code: d.Code, weight: districtShare(d)}
		for _, sd := range s.c.Subdistricts[d.Code] {
			for _, cm := range s.c.Communities[sd.Code] {
				var gs []*UnitGrid
				for i := range s.c.Grids[cm.Code] {
					// A grid lying in a sliver where two districts' published borders overlap is
					// located to the other district's grid: nobody reports from there.
					g := &s.c.Grids[cm.Code][i]
					if p, ok := grid.PointInside(g.Geometry); ok && !s.locatesTo(p[0], p[1], g.Code) {
						continue
					}
					gs = append(gs, g)
				}
				if len(gs) > 0 {
					dw.communities = append(dw.communities, gs)
				}
			}
		}
		if len(dw.communities) > 0 {
			s.districts = append(s.districts, dw)
		}
	}
	if len(s.districts) == 0 {
		return fmt.Errorf("history: the city has no unit grids")
	}
	s.photos = newPhotoPool(s.a, s.system)
	return s.a.Batch(ctx, func(ctx context.Context) error {
		key, client, err := s.a.Open311.CreateOpen311Key(ctx, s.system, "wechat")
		if err != nil {
			return fmt.Errorf("history: open311 key: %w", err)
		}
		s.open311Key = client
		s.open311, _, err = s.a.Open311.AuthenticateOpen311(ctx, key)
		return err
	})
}

// districtShare: the four urban districts report most.
func districtShare(d grid.Region) float64 {
	switch d.Code {
	case "410802", "410811":
		return 1.6
	case "410803", "410804":
		return 1.0
	}
	return 0.8
}

// Rhythm.

// hourWeights are the reports of each hour of a day, relative: mornings are busiest, nights
// quiet.
var hourWeights = [24]float64{0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 3, 9, 12, 11, 8, 3, 3, 7, 8, 7, 5, 3, 2, 1.5, 1, 0.7, 0.5}

// dayKind tells a working day, a weekend and a public holiday apart.
func (s *sim) dayKind(d time.Time) (working, holiday bool) {
	if s.cal.IsWorkingDay(d) {
		return true, false
	}
	// A day off in a run of days off that holds a weekday is a holiday (National Day, Spring
	// Festival); a plain weekend is not.
	for _, dir := range []int{-1, 1} {
		for i := 0; i < 9; i++ {
			x := d.AddDate(0, 0, dir*i)
			if s.cal.IsWorkingDay(x) {
				break
			}
			if wd := x.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return false, true
			}
		}
	}
	return false, false
}

// planDay schedules the reports of one day.
func (s *sim) planDay(day time.Time) {
	working, holiday := s.dayKind(day)
	share := 0.0
	for _, d := range s.districts {
		share += d.weight
	}
	base := float64(s.opts.PerWorkingDay) * share / 11.6 // the ten districts' weights add up to 11.6
	switch {
	case holiday:
		base *= 0.22
	case !working:
		base *= 0.4
	}
	n := int(math.Round(base * (0.9 + 0.2*s.rng.Float64())))
	var patrolReports []*arrival
	for i := 0; i < n; i++ {
		ar := s.newArrival(day, working)
		if ar.source == "patrol" || ar.source == "self_handle" {
			patrolReports = append(patrolReports, ar)
			continue
		}
		s.schedule(ar.at, func(ctx context.Context) error { return s.arrive(ctx, ar) })
	}
	s.planPatrols(day, working, patrolReports)
	// The 12345 platform hands its tickets over every hour from 08:00 to 20:00.
	for h := 8; h <= 20; h++ {
		s.schedule(day.Add(time.Duration(h)*time.Hour+5*time.Minute), s.importHotline)
	}
}

// arrival is a report about to be made.
type arrival struct {
	at        time.Time
	source    string // patrol, self_handle, resident, hotline, open311
	topic     *topic
	grid      *UnitGrid
	district  string
	lon, lat  float64
	reporter  string   // a registered reporter's username
	duplicate *simCase // a second report of a case already open
	urgency   workflow.Urgency
}

// newArrival draws a report of the day: its hour, source, district, grid and category.
func (s *sim) newArrival(day time.Time, working bool) *arrival {
	ar := &arrival{urgency: workflow.UrgencyNormal}
	h := pickWeighted(s.rng, hourWeights[:])
	ar.at = day.Add(time.Duration(h)*time.Hour + time.Duration(s.rng.IntN(3600))*time.Second)
	switch r := s.rng.Float64(); {
	case r < 0.47 && working && h >= 8 && h < 18:
		ar.source = "patrol"
		if s.rng.Float64() < 0.16 {
			ar.source = "self_handle"
		}
	case r < 0.47 && !working && h >= 9 && h < 17 && s.rng.Float64() < 0.5:
		ar.source = "patrol" // fewer grid workers on duty on days off
	case r < 0.72:
		ar.source = "resident"
	case r < 0.93:
		ar.source = "hotline"
	default:
		ar.source = "open311"
	}
	weights := make([]float64, len(s.districts))
	for i, d := range s.districts {
		weights[i] = d.weight
	}
	d := s.districts[pickWeighted(s.rng, weights)]
	ar.district = d.code
	ar.grid = d.grid(s.rng)
	ar.topic = s.pickTopic(ar.at, ar.source)
	ar.lon, ar.lat = s.pointIn(ar.grid)
	if u := s.rng.Float64(); u < 0.01 {
		ar.urgency = workflow.UrgencyEmergency
	} else if u < 0.08 {
		ar.urgency = workflow.UrgencyUrgent
	}
	return ar
}

// pointIn draws a point inside a grid that the city also locates to that grid: published
// district borders overlap a little, and a point in such a sliver belongs to one of them only.
func (s *sim) pointIn(g *UnitGrid) (float64, float64) {
	b := g.Bound
	for i := 0; i < 50; i++ {
		lon := round6(b.Min[0] + s.rng.Float64()*(b.Max[0]-b.Min[0]))
		lat := round6(b.Min[1] + s.rng.Float64()*(b.Max[1]-b.Min[1]))
		if grid.Contains(g.Geometry, [2]float64{lon, lat}) && s.locatesTo(lon, lat, g.Code) {
			return lon, lat
		}
	}
	p, _ := grid.PointInside(g.Geometry)
	return p[0], p[1]
}

// locatesTo tells whether the city locates a point to the grid with code.
func (s *sim) locatesTo(lon, lat float64, code string) bool {
	loc, err := s.a.Cases.Locate(context.Background(), lon, lat, crs.WGS84)
	return err == nil && loc.Region.Code == code
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// pickWeighted returns an index drawn with the given weights.
func pickWeighted(rng *rand.Rand, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	r := rng.Float64() * sum
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

// Duty hours. Departments work office hours (the working calendar); the supervision and
// command centres are staffed 07:30–21:30 every day; grid workers are out 08:00–18:00.

type window struct{ from, to time.Duration }

var (
	centreHours = window{7*time.Hour + 30*time.Minute, 21*time.Hour + 30*time.Minute}
	gridHours   = window{8 * time.Hour, 18 * time.Hour}
)

// onDuty returns the moment d of duty time after t in a daily window.
func onDuty(t time.Time, w window, d time.Duration) time.Time {
	t = t.In(worktime.China)
	for {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, worktime.China)
		open, close := day.Add(w.from), day.Add(w.to)
		if t.Before(open) {
			t = open
		}
		if t.Before(close) {
			if left := close.Sub(t); d <= left {
				return t.Add(d)
			} else {
				d -= left
			}
		}
		t = day.AddDate(0, 0, 1)
	}
}

// office returns the moment d of office time after t.
func (s *sim) office(t time.Time, d time.Duration) time.Time {
	return s.cal.AddWork(t, d)
}

// minutes draws a duration of about mean minutes (exponential), at least 1.
func (s *sim) minutes(mean float64) time.Duration {
	return time.Duration(max(1, s.rng.ExpFloat64()*mean)) * time.Minute
}

func (s *sim) chance(p float64) bool { return s.rng.Float64() < p }

func (s *sim) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

// remember keeps a report among the recent ones for a week.
func (s *sim) remember(c *simCase) {
	s.recent = append(s.recent, c)
	cut := s.now.Add(-7 * 24 * time.Hour)
	i := slices.IndexFunc(s.recent, func(x *simCase) bool { return x.reportedAt.After(cut) })
	if i > 0 {
		s.recent = slices.Delete(s.recent, 0, i)
	}
}

// recentOpen returns a recent case still open, or nil.
func (s *sim) recentOpen(match func(*simCase) bool) *simCase {
	for tries := 0; tries < 8 && len(s.recent) > 0; tries++ {
		c := s.recent[s.rng.IntN(len(s.recent))]
		if !c.status.Terminal() && c.id != 0 && (match == nil || match(c)) {
			return c
		}
	}
	return nil
}
