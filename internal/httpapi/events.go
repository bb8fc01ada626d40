package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/internal/access"
)

// How the event stream follows the outbox: a poll of the database each interval works across
// server processes on one database; the keep-alive comment keeps proxies from closing an idle
// stream.
const (
	eventsPoll      = 500 * time.Millisecond
	eventsKeepAlive = 15 * time.Second
	eventsBatch     = 200
)

// events answers GET /api/v1/events: the committed changes to cases the caller may see, as
// server-sent events, from Last-Event-ID (or ?after=) or from now.
func (s *Handler) events(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ctx := r.Context()
	after := int64(-1)
	for _, v := range []string{r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")} {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			after = n
			break
		}
	}
	if after < 0 {
		head, err := s.app.Cases.ChangesHead(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		after = head
	}
	// Check the caller may follow at all before the stream starts: errors after it cannot be
	// told in a status.
	if _, _, err := s.app.Cases.CaseChanges(ctx, p, after, 0); err != nil {
		s.fail(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // the server's write timeout would cut the stream
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n: following from %d\n\n", after)
	if err := rc.Flush(); err != nil {
		return
	}
	poll := time.NewTicker(eventsPoll)
	defer poll.Stop()
	quiet := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.streams:
			return // shutting down: the client reconnects to another process, or later
		case <-poll.C:
		}
		changes, next, err := s.app.Cases.CaseChanges(ctx, p, after, eventsBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.log.WarnContext(ctx, "event stream", "err", err)
			}
			return // the client reconnects with Last-Event-ID and misses nothing
		}
		for _, c := range changes {
			data, _ := json.Marshal(c)
			fmt.Fprintf(w, "id: %d\nevent: case\ndata: %s\n\n", c.Seq, data)
		}
		if next != after && len(changes) == 0 {
			fmt.Fprintf(w, "id: %d\n: nothing you may see\n\n", next) // move the client's Last-Event-ID on
		}
		switch {
		case next != after:
			after, quiet = next, time.Now()
		case time.Since(quiet) > eventsKeepAlive:
			fmt.Fprint(w, ": keep-alive\n\n")
			quiet = time.Now()
		default:
			continue
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
