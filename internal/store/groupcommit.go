package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/citygrid/citygrid/internal/audit"
)

// maxIntakeBatch caps how many reports share one commit, so one commit's latency stays small.
const maxIntakeBatch = 128

// commitLanes is how many batches may commit at once. SQLite has one writer. PostgreSQL batches
// could overlap their writes, but each holds the audit head from writing its audit records until
// its commit is flushed, so their commits still follow one another: two or three lanes measured
// no faster than one.
const commitLanes = 1

// groupCommit joins the writes of concurrent reports into one transaction (group commit).
// A durable commit costs a flush to disk, the same for one report as for a hundred; and every
// report also updates the same audit head and ticket counter rows, so reports in separate
// transactions queue behind one another's flushes anyway. Reports that arrive while a commit is
// in flight wait and go together in the next one. Each caller still returns only after the
// transaction holding its writes has committed (or with its own error), so a 201 still means
// the report is on disk.
//
// There is no background goroutine: a caller that finds a free lane becomes a leader and
// commits itself and the waiting batch; when done it hands its lane to the oldest caller still
// waiting, if any.
type groupCommit struct {
	mu      sync.Mutex
	pending []*commitJob
	leaders int // batches committing now: at most commitLanes
}

type commitJob struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done chan commitResult // buffered: the lead, then the result, never both at once
}

type commitResult struct {
	lead bool // this caller now commits the next batch
	err  error
}

// GroupTx runs fn, the writes of one report, in a transaction shared with other reports
// submitted at the same time, and returns when that transaction has committed. Inside a
// transaction already (a hotline batch) fn simply joins it. fn may run more than once (alone,
// after a batch it shared failed), so it must not act outside the transaction.
func (db *DB) GroupTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.InTransaction(ctx) {
		return fn(ctx)
	}
	g := &db.group
	job := &commitJob{ctx: ctx, fn: fn, done: make(chan commitResult, 1)}
	g.mu.Lock()
	if g.leaders >= commitLanes {
		g.pending = append(g.pending, job)
		g.mu.Unlock()
		// The commit must be waited for even when the caller gives up: it may yet succeed.
		r := <-job.done
		if !r.lead {
			return r.err
		}
		g.mu.Lock() // handed a lane: the hand-off took this job off the queue
	} else {
		g.leaders++
	}
	n := min(len(g.pending), maxIntakeBatch-1)
	batch := append([]*commitJob{job}, g.pending[:n]...)
	g.pending = append([]*commitJob(nil), g.pending[n:]...)
	g.mu.Unlock()

	db.commitBatch(context.WithoutCancel(ctx), batch)

	g.mu.Lock()
	if len(g.pending) > 0 {
		next := g.pending[0]
		g.pending = g.pending[1:]
		next.done <- commitResult{lead: true}
	} else {
		g.leaders--
	}
	g.mu.Unlock()
	return (<-job.done).err
}

// commitBatch runs every job's writes in one transaction and tells each job how it went. If
// any job fails the transaction rolls back and each job is run again in its own transaction,
// so one bad report fails alone.
func (db *DB) commitBatch(ctx context.Context, batch []*commitJob) {
	if len(batch) > 1 {
		err := db.InTx(ctx, func(tx context.Context) error {
			for _, j := range batch {
				if err := runJob(jobContext(tx, j), j); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, j := range batch {
				j.done <- commitResult{}
			}
			return
		}
	}
	for _, j := range batch {
		j.done <- commitResult{err: db.InTx(ctx, func(tx context.Context) error { return runJob(jobContext(tx, j), j) })}
	}
}

// jobContext is the shared transaction's context carrying what the job's own context says
// about its request (the request id that audit records keep).
func jobContext(tx context.Context, j *commitJob) context.Context {
	return audit.WithRequestID(tx, audit.RequestID(j.ctx))
}

// runJob runs a job's writes, turning a panic into that job's error: the leader runs other
// callers' code, and a panic must not leave them waiting for ever.
func runJob(ctx context.Context, j *commitJob) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("intake: panic in a report's transaction: %v", r)
		}
	}()
	return j.fn(ctx)
}
