package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/jobs"
)

// The runner runs every job at once and on every tick, goes on after a failing job, and its
// stop waits for the step in progress to end.
func TestRunnerRunsEveryJobAndStopWaits(t *testing.T) {
	var first, second atomic.Int32
	inStep := make(chan struct{}, 1)
	release := make(chan struct{})
	var finished atomic.Bool
	r := jobs.Runner{Every: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Jobs: []jobs.Job{
		{Name: "fails", Run: func(context.Context) (int, error) { first.Add(1); return 0, errors.New("boom") }},
		{Name: "counts", Run: func(ctx context.Context) (int, error) {
			if second.Add(1) == 3 {
				inStep <- struct{}{}
				<-release // a slow step: stop must wait for it
				finished.Store(true)
			}
			return 1, nil
		}},
	}}
	stop := r.Start(t.Context())
	<-inStep
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned while a step was still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if !finished.Load() {
		t.Error("the step in progress did not finish before stop returned")
	}
	if first.Load() < 3 || second.Load() < 3 {
		t.Errorf("ran the failing job %d times and the other %d, want both at least 3 (a failure stops nothing)", first.Load(), second.Load())
	}
}
