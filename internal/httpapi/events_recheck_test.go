package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// waitForEnd reads lines until the stream ends, failing if it is still open after within.
func waitForEnd(t *testing.T, lines <-chan string, within time.Duration) []string {
	t.Helper()
	var seen []string
	timeout := time.After(within)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return seen
			}
			seen = append(seen, l)
		case <-timeout:
			t.Fatalf("the stream is still open after %s; saw %q", within, seen)
		}
	}
}

// stillOpen fails if the stream ends within d.
func stillOpen(t *testing.T, lines <-chan string, d time.Duration) {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended within %s though its caller may still follow", d)
			}
		case <-timeout:
			return
		}
	}
}

// An event stream proves its caller again every EventsRecheck (30 s in service) and ends once
// the user is disabled, the session ended or the token revoked: it must not outlive them.
func TestAnEventStreamEndsWithItsCallersRight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const recheck = 200 * time.Millisecond
		ts := newServer(t, db, func(c *server.Config) { c.API.EventsRecheck = recheck })
		sys := access.SystemPrincipal("test")
		admin := ts.signedIn(t, "admin")

		t.Run("a revoked token's stream ends", func(t *testing.T) {
			operator := ts.signedIn(t, "operator")
			tok := createToken(t, operator, "dashboard")
			lines, res := stream(t, ts.anonymous(), "", "Authorization", "Bearer "+tok.Token)
			wantStatus(t, &response{Status: res.StatusCode}, http.StatusOK)
			waitFor(t, lines, ": following from")
			stillOpen(t, lines, 3*recheck)
			wantStatus(t, operator.do(t, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil), http.StatusNoContent)
			if seen := waitForEnd(t, lines, 5*time.Second); !strings.Contains(strings.Join(seen, "\n"), "event: ended") {
				t.Errorf("the stream ended without saying so: %q", seen)
			}
		})
		t.Run("a disabled user's session stream ends", func(t *testing.T) {
			dispatcher := ts.signedIn(t, "dispatcher")
			lines, _ := stream(t, dispatcher, "")
			waitFor(t, lines, ": following from")
			stillOpen(t, lines, 3*recheck)
			if _, err := ts.App.People.SetDisabled(t.Context(), sys, "dispatcher", true); err != nil {
				t.Fatal(err)
			}
			waitForEnd(t, lines, 5*time.Second)
			wantError(t, dispatcher.do(t, "GET", "/api/v1/events", nil), http.StatusUnauthorized, "unauthorized")
		})
		t.Run("a signed-out session's stream ends", func(t *testing.T) {
			leader := ts.signedIn(t, "leader")
			lines, _ := stream(t, leader, "")
			waitFor(t, lines, ": following from")
			wantStatus(t, leader.do(t, "POST", "/api/v1/auth/logout", nil), http.StatusNoContent)
			waitForEnd(t, lines, 5*time.Second)
		})
		t.Run("a stream whose caller is still good goes on", func(t *testing.T) {
			lines, _ := stream(t, admin, "")
			waitFor(t, lines, ": following from")
			stillOpen(t, lines, 5*recheck)
		})
	})
}
