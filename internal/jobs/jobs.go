// Package jobs runs the background work of a server process on a timer: the deadline sweep,
// the outbox fan-out and the deliveries. Every serve process runs it; the use cases claim each
// item in the database, so any number of processes may, and notices keep flowing when one stops.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Job is one step of the loop; it returns how many items it handled.
type Job struct {
	Name string
	Run  func(context.Context) (int, error)
}

// Runner runs jobs every interval until its context ends.
type Runner struct {
	Every  time.Duration
	Jobs   []Job
	Logger *slog.Logger
}

// Start runs the loop in a goroutine and returns a function that stops it and waits until the
// step in progress has ended, so a shutdown never cuts a delivery off half way.
func (r Runner) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

func (r Runner) run(ctx context.Context) {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	tick := time.NewTicker(r.Every)
	defer tick.Stop()
	for {
		for _, job := range r.Jobs {
			if _, err := job.Run(ctx); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "job failed", "job", job.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
