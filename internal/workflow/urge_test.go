package workflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// An urging (督办) leaves the status and the holder as they were, counts, remembers when, and
// names in its event the party pressed: the department holding the case (evaluation counts
// the urging for it), a centre or the grid.
func TestUrgingPressesTheHolderWithoutMovingTheCase(t *testing.T) {
	urge := func(who, note string, at time.Duration) step {
		return step{who, workflow.Urge, workflow.Input{Note: note}, at}
	}
	c := last(play(t, reportByAlice(t), register, dispatch, accept))
	trs := play(t, c, urge(leaderIn, "  请今日内处置完毕 ", 2*time.Hour), urge(dispIn, "", 3*time.Hour))
	first, second := trs[0], trs[1]
	if first.From != workflow.InProgress || first.To != workflow.InProgress || first.Case.Holder != c.Holder || first.Case.Department != lead {
		t.Fatalf("urged: %s → %s held by %+v, want in progress, still with %s", first.From, first.To, first.Case.Holder, lead)
	}
	if first.EventCode != "urged" || first.EventParams[workflow.UrgedDepartment] != lead || first.EventParams["note"] != "请今日内处置完毕" {
		t.Errorf("the urging's event: %s %v, want urged with the department and the trimmed note", first.EventCode, first.EventParams)
	}
	if _, ok := second.EventParams["note"]; ok {
		t.Errorf("an urging without a note carries one: %v", second.EventParams)
	}
	if got := second.Case; got.Counters.Urges != 2 || !got.UrgedAt.Equal(t0.Add(3*time.Hour)) || got.Version != c.Version+2 {
		t.Errorf("after two urgings: %d urges, last at %s, version %d; want 2, %s, %d", got.Counters.Urges, got.UrgedAt, got.Version, t0.Add(3*time.Hour), c.Version+2)
	}

	t.Run("a case at its centre or with the grid presses them", func(t *testing.T) {
		reported := reportByAlice(t)
		tr := play(t, reported, urge(leaderIn, "", time.Minute))[0]
		if tr.EventParams["to_centre"] != "410802001" || tr.EventParams[workflow.UrgedDepartment] != nil {
			t.Errorf("a reported case's urging: %v", tr.EventParams)
		}
		handled := last(play(t, c, handle))
		tr = play(t, handled, urge(dispIn, "", 4*time.Hour))[0]
		if tr.EventParams["to_grid"] != grid {
			t.Errorf("a handled case's urging: %v", tr.EventParams)
		}
	})

	t.Run("a note of 500 characters is taken, 501 are too long", func(t *testing.T) {
		if _, err := workflow.Decide(c, principal(leaderIn), workflow.Urge, workflow.Input{Note: strings.Repeat("催", 500)}, t0); err != nil {
			t.Fatalf("500 characters: %v", err)
		}
		for _, n := range []int{501, 3000} {
			_, err := workflow.Decide(c, principal(leaderIn), workflow.Urge, workflow.Input{Note: strings.Repeat("催", n)}, t0)
			reason, params := errs.Detail(err)
			if !errs.Is(err, errs.Invalid) || reason != workflow.ReasonTooLong || params["max"] != workflow.MaxUrgeNote {
				t.Errorf("%d characters: %v (%s %v), want too_long with max %d", n, err, reason, params, workflow.MaxUrgeNote)
			}
		}
	})

	t.Run("a closed case is past urging", func(t *testing.T) {
		closed := last(play(t, c, handle, pass))
		_, err := workflow.Decide(closed, principal(leaderIn), workflow.Urge, workflow.Input{}, t0.Add(5*time.Hour))
		if code, _ := errs.Public(err); !errs.Is(err, errs.Conflict) || code != "wrong_state" {
			t.Errorf("urging a closed case: %v, want wrong_state", err)
		}
	})
}
