package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/patrol"
)

// Grid workers find most problems on patrol (巡查): a session in one of their grids with a GPS
// fix every few minutes, the reports made on the way. Some patrols find nothing, and are
// still the evidence of presence that coverage counts.

// patrolGap splits a worker's day into separate patrols where reports lie this far apart.
const patrolGap = 2 * time.Hour

// idlePatrols is how many patrols a working day brings that report nothing, across the ten
// districts.
const idlePatrols = 40

func (s *sim) planPatrols(day time.Time, working bool, reports []*arrival) {
	byWorker := map[string][]*arrival{}
	var workers []string
	for _, ar := range reports {
		w := s.st.GridWorker[ar.grid.Code]
		if w == "" {
			continue
		}
		if byWorker[w] == nil {
			workers = append(workers, w)
		}
		byWorker[w] = append(byWorker[w], ar)
	}
	if working {
		for i := 0; i < idlePatrols*len(s.districts)/10; i++ {
			d := s.districts[s.rng.IntN(len(s.districts))]
			g := d.grid(s.rng)
			w := s.st.GridWorker[g.Code]
			if w == "" || byWorker[w] != nil {
				continue
			}
			workers = append(workers, w)
			at := day.Add(time.Duration(8*60+s.rng.IntN(8*60)) * time.Minute)
			byWorker[w] = []*arrival{{at: at, grid: g, source: "none"}}
		}
	}
	for _, w := range workers {
		ars := byWorker[w]
		slices.SortStableFunc(ars, func(a, b *arrival) int { return a.at.Compare(b.at) })
		from := 0
		for i := 1; i <= len(ars); i++ {
			if i == len(ars) || ars[i].at.Sub(ars[i-1].at) > patrolGap {
				s.planPatrol(w, ars[from:i])
				from = i
			}
		}
	}
}

// planPatrol schedules one patrol through the places of its reports.
func (s *sim) planPatrol(worker string, ars []*arrival) {
	start := ars[0].at.Add(-time.Duration(10+s.rng.IntN(30)) * time.Minute)
	stop := ars[len(ars)-1].at.Add(time.Duration(10+s.rng.IntN(40)) * time.Minute)
	track := s.track(start, stop, ars)
	g := ars[0].grid.Code
	s.schedule(start, func(ctx context.Context) error {
		if s.patrolling[worker] {
			return nil // still out on an earlier patrol
		}
		if _, err := s.a.Regions.StartPatrol(ctx, s.who[worker], g); err != nil {
			return fmt.Errorf("%s starts a patrol in %s: %w", worker, g, err)
		}
		s.patrolling[worker] = true
		s.report.Patrols++
		return nil
	})
	sent := 0
	post := func(ctx context.Context) error {
		if !s.patrolling[worker] {
			return nil
		}
		var batch []patrol.Point
		for sent < len(track) && !track[sent].At.After(s.now) {
			batch = append(batch, track[sent])
			sent++
		}
		if len(batch) == 0 {
			return nil
		}
		n, err := s.a.Regions.RecordPatrolPoints(ctx, s.who[worker], batch)
		s.report.Points += n
		return err
	}
	for t := start.Add(30 * time.Minute); t.Before(stop); t = t.Add(30 * time.Minute) {
		s.schedule(t, post)
	}
	for _, ar := range ars {
		if ar.source == "none" {
			continue
		}
		s.schedule(ar.at, func(ctx context.Context) error {
			if err := post(ctx); err != nil {
				return err
			}
			return s.patrolReport(ctx, worker, ar)
		})
	}
	s.schedule(stop, func(ctx context.Context) error {
		if !s.patrolling[worker] {
			return nil
		}
		if err := post(ctx); err != nil {
			return err
		}
		s.patrolling[worker] = false
		_, err := s.a.Regions.StopPatrol(ctx, s.who[worker])
		return err
	})
}

// track is a walk from report to report, a fix every three to five minutes.
func (s *sim) track(start, stop time.Time, ars []*arrival) []patrol.Point {
	lon, lat := s.pointIn(ars[0].grid)
	var out []patrol.Point
	next := 0
	for t := start; t.Before(stop); t = t.Add(time.Duration(180+s.rng.IntN(120)) * time.Second) {
		for next < len(ars) && !ars[next].at.After(t) {
			next++
		}
		var tlon, tlat float64
		if next < len(ars) {
			tlon, tlat = ars[next].lon, ars[next].lat
			if ars[next].source == "none" {
				tlon, tlat = s.pointIn(ars[next].grid)
			}
		} else {
			tlon, tlat = lon+(s.rng.Float64()-0.5)*0.004, lat+(s.rng.Float64()-0.5)*0.004
		}
		// About 200 m a step toward the next place, wandering a little.
		dx, dy := tlon-lon, tlat-lat
		d := math.Hypot(dx, dy)
		step := 0.002
		if d > 0 {
			f := math.Min(1, step/d)
			lon += dx*f + (s.rng.Float64()-0.5)*0.0004
			lat += dy*f + (s.rng.Float64()-0.5)*0.0004
		}
		out = append(out, patrol.Point{At: t, Lon: round6(lon), Lat: round6(lat), Accuracy: float64(5 + s.rng.IntN(20))})
	}
	return out
}

// patrolReport: the grid worker reports what they found, or fixes it on the spot.
func (s *sim) patrolReport(ctx context.Context, worker string, ar *arrival) error {
	ar.reporter = worker
	in := cases.NewCase{CategoryKind: ar.topic.kind, Category: ar.topic.code, Lon: &ar.lon, Lat: &ar.lat, CRS: "wgs84",
		Address: place(ar.grid), Urgency: ar.urgency, Source: "patrol"}
	in.Description = s.describe(ar.topic, in.Address)
	id, err := s.photos.before(ctx, ar.topic)
	if err != nil {
		return err
	}
	in.Photos = []string{id}
	if ar.source == "self_handle" {
		after, err := s.photos.after(ctx, ar.topic)
		if err != nil {
			return err
		}
		in.Action, in.Result, in.Photos = "self_handle", "网格员现场自行处置完毕", []string{id, after}
		in.Urgency = ""
	}
	intake, err := s.a.Cases.Report(ctx, s.who[worker], in)
	if err != nil {
		return fmt.Errorf("%s reports on patrol: %w", worker, err)
	}
	return s.filed(ar, intake)
}
