package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// A leader's case page offers reopen only within the 7 days after closing: afterwards it is
// among the actions not open now, with the reason (too_late), as Decide would refuse it.
func TestReopenIsOfferedOnlyWithinItsDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009")
		pass := true
		r.Act("operator", "register", workflow.Input{})
		r.Act("dispatcher", "dispatch", workflow.Input{})
		r.Act("handler", "accept", workflow.Input{})
		r.Act("handler", "handle", workflow.Input{Result: "挪走了", Photos: []string{r.Photo()}})
		r.Act("gridworker", "verify", workflow.Input{Pass: &pass})
		closed := *r.Now
		for _, tt := range []struct {
			name    string
			after   time.Duration
			allowed bool
			reason  string
		}{
			{"on the seventh day", 7*24*time.Hour - time.Minute, true, ""},
			{"after it", 7*24*time.Hour + time.Minute, false, "too_late"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				*r.Now = closed.Add(tt.after)
				choices, err := r.A.Cases.ActionChoices(context.Background(), apptest.As(t, db, "leader"), r.ID)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, c := range choices {
					if c.Action == workflow.Reopen {
						found = true
						if c.Allowed != tt.allowed || c.Reason != tt.reason {
							t.Errorf("reopen offered %v (reason %q), want %v (%q)", c.Allowed, c.Reason, tt.allowed, tt.reason)
						}
					}
				}
				if !found {
					t.Errorf("reopen is not among the leader's choices")
				}
			})
		}
	})
}
