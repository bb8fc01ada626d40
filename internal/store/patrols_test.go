package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/patrol"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestPatrolsRunOneAtATimeAndKeepTheirTrack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		u, err := db.CreateUser(ctx, access.User{Username: "gw", Role: access.GridWorker, Scope: "410802001"}, "x", t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RunningPatrol(ctx, u.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("before any patrol: %v, want not_found", err)
		}
		if _, err := db.StartPatrol(ctx, u.ID, "999", t0); !errs.Is(err, errs.Invalid) {
			t.Errorf("a patrol in no grid: %v, want invalid", err)
		}
		p, err := db.StartPatrol(ctx, u.ID, "410802001", t0)
		if err != nil || p.ID == 0 {
			t.Fatalf("start: %+v %v", p, err)
		}
		if _, err := db.StartPatrol(ctx, u.ID, "410802001", t0.Add(time.Minute)); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second running patrol: %v, want conflict", err)
		}
		if _, ok, err := db.LastPatrolPoint(ctx, p.ID); ok || err != nil {
			t.Errorf("an empty track has a last point (%v)", err)
		}
		pts := []patrol.Point{{At: t0.Add(time.Minute), Lon: 113.2, Lat: 35.2, Accuracy: 5}, {At: t0.Add(2 * time.Minute), Lon: 113.2, Lat: 35.201, Accuracy: 7}}
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.LockPatrol(ctx, p.ID); err != nil {
				return err
			}
			return db.AddPatrolPoints(ctx, p.ID, pts, 111.2)
		})
		if err != nil {
			t.Fatal(err)
		}
		last, ok, err := db.LastPatrolPoint(ctx, p.ID)
		if err != nil || !ok || !last.At.Equal(pts[1].At) || last.Lat != 35.201 || last.Accuracy != 7 {
			t.Errorf("last point %+v %v %v", last, ok, err)
		}
		track, err := db.PatrolPoints(ctx, p.ID)
		if err != nil || len(track) != 2 || !track[0].At.Equal(pts[0].At) {
			t.Errorf("track %+v %v", track, err)
		}
		if err := db.StopPatrol(ctx, p.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.StopPatrol(ctx, p.ID, t0.Add(2*time.Hour)); !errs.Is(err, errs.Conflict) {
			t.Errorf("stopping twice: %v, want conflict", err)
		}
		next, err := db.StartPatrol(ctx, u.ID, "410802001", t0.Add(3*time.Hour))
		if err != nil {
			t.Fatalf("a new patrol after stopping: %v", err)
		}
		list, err := db.Patrols(ctx, u.ID, t0, 10)
		if err != nil || len(list) != 2 || list[0].ID != next.ID || !list[0].Running() {
			t.Fatalf("patrols %+v %v", list, err)
		}
		first := list[1]
		if first.Running() || !first.Stopped.Equal(t0.Add(time.Hour)) || first.Points != 2 || first.DistanceM != 111.2 || first.Grid != "410802001" {
			t.Errorf("the first patrol reads back as %+v", first)
		}
		if later, _ := db.Patrols(ctx, u.ID, t0.Add(2*time.Hour), 10); len(later) != 1 {
			t.Errorf("patrols since a later time: %d, want 1", len(later))
		}
	})
}
