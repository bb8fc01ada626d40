package demo

import (
	"sync/atomic"
	"time"
)

// Clock is the use cases' clock while the demo's history is made: it stands where the history
// puts it, and once released it is the wall clock again. Give its Now to app.Options.Clock.
type Clock struct {
	at atomic.Pointer[time.Time]
}

// Now is the simulated moment, or the wall clock's when none is set.
func (c *Clock) Now() time.Time {
	if t := c.at.Load(); t != nil {
		return *t
	}
	return time.Now()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.at.Store(&t) }

// Release hands the clock back to the wall.
func (c *Clock) Release() { c.at.Store(nil) }
