package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// Sixty wrong guesses sent at once on one account: only as many are checked as the throttle
// allows (5), the rest are refused before any password check, and the account is then shut
// for the window, right password or not.
func TestParallelGuessesAreThrottledLikeSerialOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		const guesses = 60
		statuses := make([]int, guesses)
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
		)
		for i := range guesses {
			wg.Go(func() {
				c := ts.anonymous()
				<-start
				statuses[i] = c.login(t, "operator", "guess-"+string(rune('a'+i%26))+"-wrong").Status
			})
		}
		close(start)
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[http.StatusUnauthorized] != 5 || count[http.StatusTooManyRequests] != guesses-5 {
			t.Errorf("answers %v: want 5 checked (401) and %d refused unchecked (429)", count, guesses-5)
		}
		wantError(t, ts.anonymous().login(t, "operator", demo.Password), http.StatusTooManyRequests, "too_many_requests")
	})
}
