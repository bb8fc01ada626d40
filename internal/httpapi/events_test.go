package httpapi_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// stream opens GET /api/v1/events for a caller and returns its lines as they come.
func stream(t *testing.T, c *client, query string, header ...string) (<-chan string, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := (&http.Client{Jar: c.hc.Jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines, res
}

// waitFor reads lines until one contains want, failing after a while.
func waitFor(t *testing.T, lines <-chan string, want string) []string {
	t.Helper()
	var seen []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q; saw %q", want, seen)
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %q within 10 s; saw %q", want, seen)
		}
	}
}

func TestEventsStreamCommittedChangesInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		if _, err := ts.App.People.AddUser(t.Context(), access.SystemPrincipal("test"), people.NewUser{Username: "shanyang", Role: "operator", Scope: "410811", Password: demo.Password}); err != nil {
			t.Fatal(err)
		}
		operator, outsider := ts.signedIn(t, "operator"), ts.signedIn(t, "shanyang")
		mine, res := stream(t, operator, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("got %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		theirs, _ := stream(t, outsider, "")
		waitFor(t, mine, ": following from")
		waitFor(t, theirs, ": following from")

		r := ts.anonymous().do(t, "POST", "/api/v1/cases", reportAt(casePoint(t, operator, demo.GridWorkerGrid, 0.0005), nil))
		wantStatus(t, r, http.StatusCreated)
		var c struct {
			ID     int64  `json:"id"`
			Ticket string `json:"ticket"`
		}
		r.decode(t, &c)
		seen := waitFor(t, mine, `"ticket":"`+c.Ticket+`"`)
		if !strings.Contains(strings.Join(seen, "\n"), "event: case") || strings.Contains(strings.Join(seen, "\n"), "13800000000") {
			t.Errorf("the event: %q", seen)
		}
		// The outsider's stream moves on past the change without showing it.
		for _, l := range waitFor(t, theirs, ": nothing you may see") {
			if strings.Contains(l, c.Ticket) {
				t.Errorf("an operator of 山阳区 was told of %s", c.Ticket)
			}
		}
		// A client reconnecting with Last-Event-ID gets what it missed.
		again, _ := stream(t, operator, "", "Last-Event-ID", "0")
		waitFor(t, again, `"ticket":"`+c.Ticket+`"`)

		r = ts.anonymous().do(t, "GET", "/api/v1/events", nil)
		wantError(t, r, http.StatusUnauthorized, "unauthorized")
	})
}

func TestEventStreamsEndWhenTheServerStops(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ts := newServer(t, db)
	lines, _ := stream(t, ts.signedIn(t, "operator"), "")
	waitFor(t, lines, ": following from")
	ts.Server.StopStreams()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("the stream is still open after StopStreams")
		}
	}
}
