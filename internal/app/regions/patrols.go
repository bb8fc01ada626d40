package regions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/patrol"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/worktime"
)

// A grid worker's patrol (巡查, DESIGN §4) is a session in one of the worker's unit grids: it
// starts and stops on the worker's word, and while it runs the phone posts the GPS fixes it
// takes. The session keeps its number of fixes and the distance they add up to, as evidence of
// presence; what a page cannot see (a phone asleep, a closed tab) is simply not in the track.

// mayPatrol checks that the actor is a grid worker.
func mayPatrol(actor *access.Principal) error {
	if actor == nil || actor.System || actor.User.Role != access.GridWorker {
		return errs.Refuse(errs.Forbidden, "gridworkers_only", nil, "only grid workers patrol")
	}
	return nil
}

// StartPatrol begins the worker's patrol in gridCode, one of the worker's grids (empty: the
// first of them).
func (a *Service) StartPatrol(ctx context.Context, actor *access.Principal, gridCode string) (store.Patrol, error) {
	if err := mayPatrol(actor); err != nil {
		return store.Patrol{}, err
	}
	switch {
	case len(actor.Grids) == 0:
		return store.Patrol{}, errs.Refuse(errs.Invalid, "no_grid", nil, "you are not a member of any grid: an admin adds you to one")
	case gridCode == "":
		gridCode = actor.Grids[0]
	case !slices.Contains(actor.Grids, gridCode):
		return store.Patrol{}, errs.Refuse(errs.Forbidden, "not_your_grid", errs.Params{"grid": gridCode}, "grid %s is not one of yours", gridCode)
	}
	var p store.Patrol
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = a.DB.StartPatrol(ctx, actor.User.ID, gridCode, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, actor, "patrol.start", fmt.Sprintf("patrol:%d", p.ID), nil, map[string]any{"grid": gridCode})
	})
	return p, err
}

// StopPatrol ends the worker's running patrol.
func (a *Service) StopPatrol(ctx context.Context, actor *access.Principal) (store.Patrol, error) {
	if err := mayPatrol(actor); err != nil {
		return store.Patrol{}, err
	}
	var p store.Patrol
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = a.DB.RunningPatrol(ctx, actor.User.ID); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.Coded(errs.Conflict, "no_patrol", "no patrol is running")
			}
			return err
		}
		p.Stopped = a.Now()
		if err := a.DB.StopPatrol(ctx, p.ID, p.Stopped); err != nil {
			return err
		}
		return a.Record(ctx, actor, "patrol.stop", fmt.Sprintf("patrol:%d", p.ID), nil,
			map[string]any{"grid": p.Grid, "points": p.Points, "distance_m": p.DistanceM})
	})
	return p, err
}

// RecordPatrolPoints adds the fixes a phone took to the worker's running patrol and returns
// how many were new. Fixes at or before the track's last one are taken as already sent (a
// retried post) and skipped; a batch with any fix that is no position is refused whole.
func (a *Service) RecordPatrolPoints(ctx context.Context, actor *access.Principal, points []patrol.Point) (int, error) {
	if err := mayPatrol(actor); err != nil {
		return 0, err
	}
	if len(points) > patrol.MaxBatch {
		return 0, errs.E(errs.Invalid, "at most %d points at once, not %d", patrol.MaxBatch, len(points))
	}
	added := 0
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		p, err := a.DB.RunningPatrol(ctx, actor.User.ID)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.Coded(errs.Conflict, "no_patrol", "no patrol is running: start one first")
			}
			return err
		}
		now := a.Now()
		for i, pt := range points {
			if err := pt.Validate(p.Started, now); err != nil {
				return errs.E(errs.Invalid, "point %d: %v", i+1, err)
			}
		}
		if err := a.DB.LockPatrol(ctx, p.ID); err != nil {
			return err
		}
		last, ok, err := a.DB.LastPatrolPoint(ctx, p.ID)
		if err != nil {
			return err
		}
		fresh := slices.Clone(points)
		slices.SortStableFunc(fresh, func(x, y patrol.Point) int { return x.At.Compare(y.At) })
		fresh = slices.CompactFunc(fresh, func(x, y patrol.Point) bool { return x.At.Equal(y.At) })
		var prev *patrol.Point
		if ok {
			fresh = slices.DeleteFunc(fresh, func(x patrol.Point) bool { return !x.At.After(last.At) })
			if last.Accuracy <= patrol.CountedAccuracy {
				prev = &last
			}
		}
		for i := range fresh {
			fresh[i].At = fresh[i].At.Truncate(time.Microsecond) // as stored
		}
		if len(fresh) == 0 {
			return nil
		}
		distance, _ := patrol.Length(prev, fresh)
		added = len(fresh)
		return a.DB.AddPatrolPoints(ctx, p.ID, fresh, distance)
	})
	return added, err
}

// PatrolDay is what a worker's workspace shows: the running patrol, if any, and the day's.
type PatrolDay struct {
	Running *store.Patrol  `json:"running"`
	Today   []store.Patrol `json:"today"`
	Grids   []string       `json:"grids"`
	// GridNames name the grids above for people (the community's name with the grid's).
	GridNames map[string]string `json:"grid_names"`
}

// MyPatrols returns the worker's patrols started today (China time), newest first.
func (a *Service) MyPatrols(ctx context.Context, actor *access.Principal) (PatrolDay, error) {
	if err := mayPatrol(actor); err != nil {
		return PatrolDay{}, err
	}
	now := a.Now().In(worktime.China)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, worktime.China)
	list, err := a.DB.Patrols(ctx, actor.User.ID, midnight, 50)
	if err != nil {
		return PatrolDay{}, err
	}
	day := PatrolDay{Today: list, Grids: actor.Grids, GridNames: map[string]string{}}
	if r, err := a.DB.RunningPatrol(ctx, actor.User.ID); err == nil {
		day.Running = &r
	} else if !errs.Is(err, errs.NotFound) {
		return PatrolDay{}, err
	}
	codes := slices.Clone(actor.Grids)
	for _, p := range list {
		codes = append(codes, p.Grid)
	}
	for _, code := range codes {
		if _, ok := day.GridNames[code]; ok {
			continue
		}
		path, err := a.PathOf(ctx, code)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return PatrolDay{}, err
		}
		day.GridNames[code] = GridLabel(path, code)
	}
	return day, nil
}

// GridLabel names a unit grid as people on the ground say it: its name, after its community's
// when the grid's own name does not say which community it is in ("第3网格"). A path that
// names nothing gives the code.
func GridLabel(path []grid.Ref, code string) string {
	if len(path) == 0 || path[len(path)-1].Name == "" {
		return code
	}
	name := path[len(path)-1].Name
	if len(path) < 2 {
		return name
	}
	community := path[len(path)-2].Name
	for _, suffix := range []string{"居民委员会", "村民委员会", "委员会"} {
		community = strings.TrimSuffix(community, suffix)
	}
	if community == "" || strings.Contains(name, community) {
		return name
	}
	return community + name
}
