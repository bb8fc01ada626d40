package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
)

// How the event stream follows the outbox: a poll of the database each interval works across
// server processes on one database; the keep-alive comment keeps proxies from closing an idle
// stream.
const (
	// maxEventsRecheck bounds how long a stream outlives its caller's right to it.
	maxEventsRecheck = 30 * time.Second
	eventsPoll       = 500 * time.Millisecond
	eventsKeepAlive  = 15 * time.Second
	eventsBatch      = 200
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
	recheck := time.NewTicker(s.cfg.EventsRecheck)
	defer recheck.Stop()
	quiet := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.streams:
			return // shutting down: the client reconnects to another process, or later
		case <-recheck.C:
			again, err := s.recheck(ctx, p)
			if err != nil {
				// Disabled, signed out, revoked, or not provable now: the stream ends, and the
				// client's reconnection meets the same answer any request would.
				s.log.InfoContext(ctx, "event stream ended: caller no longer proven", "user", p.User.Username, "err", err)
				fmt.Fprint(w, "event: ended\ndata: {\"reason\":\"session_expired\"}\n\n")
				_ = rc.Flush()
				return
			}
			p = again // a changed scope counts from now on
			continue
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

// recheck proves the stream's caller again with the credentials the request came with; it
// must still be the same user.
func (s *Handler) recheck(ctx context.Context, p *access.Principal) (*access.Principal, error) {
	again := httpx.RecheckOf(ctx)
	if again == nil {
		return nil, errs.E(errs.Unauthorized, "the caller cannot be proven again")
	}
	np, err := again(ctx)
	if err != nil {
		return nil, err
	}
	if np == nil || np.User.ID != p.User.ID {
		return nil, errs.E(errs.Unauthorized, "the credentials now name someone else")
	}
	return np, nil
}
