package campaign_test

import (
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
)

var path = []string{"4108", "410802", "410802001", "410802001001", "410802001001001"}

func person(role access.Role, scope, dept string) *access.Principal {
	return &access.Principal{User: access.User{Username: string(role) + "@" + scope + dept, Role: role, Scope: scope, Department: dept}, Via: "session"}
}

var (
	leader    = person(access.Leader, "410802", "")
	elsewhere = person(access.Leader, "410811", "")
	inspector = person(access.Inspector, "4108", "")
	operator  = person(access.Operator, "410802", "")
	worker    = &access.Principal{User: access.User{Username: "gw", Role: access.GridWorker}, Grids: []string{path[4]}, Via: "session"}
	handler   = person(access.Handler, "", "410802-CGJ")
	owner     = person(access.Handler, "", "4108-AWB")
	owner2    = &access.Principal{User: access.User{Username: "owner2", Role: access.Handler, Department: "4108-AWB"}, Via: "session"}
	system    = access.SystemPrincipal("test")
)

var facts = campaign.Facts{Campaign: campaign.Campaign{ID: 1, Owner: "4108-AWB"}}

func target(s campaign.State) campaign.Target {
	return campaign.Target{ID: 7, CampaignID: 1, State: s, RegionPath: path, Version: 3, CaseID: 11, DueOn: "2026-06-30"}
}

func pending() campaign.Target {
	t := target(campaign.Open)
	t.ExemptReason, t.ExemptBy = "已拆除", leader.Name()
	return t
}

func TestTheStateRulesOfATarget(t *testing.T) {
	closed := facts
	closed.CaseClosed = true
	for _, tc := range []struct {
		name   string
		t      campaign.Target
		f      campaign.Facts
		who    *access.Principal
		action campaign.Action
		in     campaign.Input
		to     campaign.State // "" when refused
		kind   errs.Kind
		reason string
	}{
		{"a leader opens the rectification of an open target", target(campaign.Open), facts, leader, campaign.OpenCase, campaign.Input{}, campaign.InProgress, "", ""},
		{"the grid's worker opens it too", target(campaign.Open), facts, worker, campaign.OpenCase, campaign.Input{}, campaign.InProgress, "", ""},
		{"an operator opens it too", target(campaign.Open), facts, operator, campaign.OpenCase, campaign.Input{}, campaign.InProgress, "", ""},
		{"a handler may not open it", target(campaign.Open), facts, handler, campaign.OpenCase, campaign.Input{}, "", errs.Forbidden, "target_role"},
		{"another district's leader may not", target(campaign.Open), facts, elsewhere, campaign.OpenCase, campaign.Input{}, "", errs.Forbidden, "outside_scope"},
		{"nobody signed in may not", target(campaign.Open), facts, nil, campaign.OpenCase, campaign.Input{}, "", errs.Unauthorized, "unauthorized"},
		{"opening twice is a conflict", target(campaign.InProgress), facts, leader, campaign.OpenCase, campaign.Input{}, "", errs.Conflict, "target_wrong_state"},
		{"opening while an exemption is asked is a conflict", pending(), facts, leader, campaign.OpenCase, campaign.Input{}, "", errs.Conflict, "exempt_pending"},

		{"done while the case is open is refused", target(campaign.InProgress), facts, leader, campaign.MarkDone, campaign.Input{}, "", errs.Conflict, "target_case_open"},
		{"done once the case is closed", target(campaign.InProgress), closed, leader, campaign.MarkDone, campaign.Input{}, campaign.Done, "", ""},
		{"done skipping the case is refused", target(campaign.Open), closed, leader, campaign.MarkDone, campaign.Input{}, "", errs.Conflict, "target_wrong_state"},

		{"an inspector verifies a done target", target(campaign.Done), facts, inspector, campaign.Verify, campaign.Input{}, campaign.Verified, "", ""},
		{"verifying an open target skips steps", target(campaign.Open), facts, inspector, campaign.Verify, campaign.Input{}, "", errs.Conflict, "target_wrong_state"},
		{"verifying one in progress skips a step", target(campaign.InProgress), facts, inspector, campaign.Verify, campaign.Input{}, "", errs.Conflict, "target_wrong_state"},
		{"a grid worker does not verify", target(campaign.Done), facts, worker, campaign.Verify, campaign.Input{}, "", errs.Forbidden, "target_role"},
		{"nor does a leader: the check is an inspector's", target(campaign.Done), facts, leader, campaign.Verify, campaign.Input{}, "", errs.Forbidden, "target_role"},

		{"an exemption is asked with a reason", target(campaign.Open), facts, leader, campaign.RequestExempt, campaign.Input{Reason: "已拆除"}, campaign.Open, "", ""},
		{"an exemption without a reason is refused", target(campaign.Open), facts, leader, campaign.RequestExempt, campaign.Input{Reason: "  "}, "", errs.Invalid, "required"},
		{"an exemption with NUL in the reason is refused", target(campaign.Open), facts, leader, campaign.RequestExempt, campaign.Input{Reason: "a\x00b"}, "", errs.BadRequest, "bad_text"},
		{"an exemption of a done target is refused", target(campaign.Done), facts, leader, campaign.RequestExempt, campaign.Input{Reason: "x"}, "", errs.Conflict, "target_wrong_state"},
		{"asking twice is a conflict", pending(), facts, inspector, campaign.RequestExempt, campaign.Input{Reason: "x"}, "", errs.Conflict, "exempt_pending"},
		{"the owner approves", pending(), facts, owner, campaign.ApproveExempt, campaign.Input{}, campaign.Exempt, "", ""},
		{"the owner denies", pending(), facts, owner, campaign.DenyExempt, campaign.Input{}, campaign.Open, "", ""},
		{"a leader is not the owner", pending(), facts, leader, campaign.ApproveExempt, campaign.Input{}, "", errs.Forbidden, "not_campaign_owner"},
		{"another department is not the owner", pending(), facts, handler, campaign.ApproveExempt, campaign.Input{}, "", errs.Forbidden, "not_campaign_owner"},
		{"approving with nothing asked is a conflict", target(campaign.Open), facts, owner, campaign.ApproveExempt, campaign.Input{}, "", errs.Conflict, "no_exempt_request"},

		{"an inspection failure reopens a verified target", target(campaign.Verified), facts, inspector, campaign.Reopen, campaign.Input{Reason: "复查不合格"}, campaign.Open, "", ""},
		{"and a done one", target(campaign.Done), facts, leader, campaign.Reopen, campaign.Input{Reason: "复查不合格"}, campaign.Open, "", ""},
		{"and an exempt one", target(campaign.Exempt), facts, leader, campaign.Reopen, campaign.Input{Reason: "仍在使用"}, campaign.Open, "", ""},
		{"reopening needs a reason", target(campaign.Verified), facts, inspector, campaign.Reopen, campaign.Input{}, "", errs.Invalid, "required"},
		{"an open target is not reopened", target(campaign.Open), facts, inspector, campaign.Reopen, campaign.Input{Reason: "x"}, "", errs.Conflict, "target_wrong_state"},

		{"the system may do what the rules allow", target(campaign.Done), facts, system, campaign.Verify, campaign.Input{}, campaign.Verified, "", ""},
		{"a case's closure is not an action people take", target(campaign.InProgress), facts, system, campaign.CaseClosed, campaign.Input{}, "", errs.Invalid, "bad_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := campaign.Decide(tc.t, tc.f, tc.who, tc.action, tc.in)
			if tc.to == "" {
				if reason, _ := errs.Detail(err); err == nil || !errs.Is(err, tc.kind) || reason != tc.reason {
					t.Fatalf("got %v (kind %s, reason %s), want a refusal %s %s", err, errs.KindOf(err), reason, tc.kind, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if m.To != tc.to || m.Target.State != tc.to || m.From != tc.t.State || m.Target.Version != tc.t.Version+1 {
				t.Errorf("got %s → %s (target %s, version %d), want %s → %s at version %d", m.From, m.To, m.Target.State, m.Target.Version, tc.t.State, tc.to, tc.t.Version+1)
			}
			if m.Delta != campaign.Delta(tc.t.State, tc.to) {
				t.Errorf("delta %d, want %d", m.Delta, campaign.Delta(tc.t.State, tc.to))
			}
		})
	}
}

func TestAnExemptionIsDecidedBySomeoneElseOfTheOwner(t *testing.T) {
	asked, err := campaign.Decide(target(campaign.Open), facts, owner, campaign.RequestExempt, campaign.Input{Reason: "已改水冲式"})
	if err != nil {
		t.Fatal(err)
	}
	if !asked.Target.ExemptPending() || asked.Target.ExemptBy != owner.Name() {
		t.Fatalf("the request is not pending: %+v", asked.Target)
	}
	_, err = campaign.Decide(asked.Target, facts, owner, campaign.ApproveExempt, campaign.Input{})
	if reason, _ := errs.Detail(err); reason != "self_approval" {
		t.Errorf("approving one's own request: %v", err)
	}
	if slices.Contains(campaign.Allowed(asked.Target, facts, owner), campaign.ApproveExempt) {
		t.Errorf("the asker is offered to approve")
	}
	ok, err := campaign.Decide(asked.Target, facts, owner2, campaign.ApproveExempt, campaign.Input{})
	if err != nil || ok.Target.State != campaign.Exempt || ok.Target.ExemptApprovedBy != "owner2" || ok.Delta != -1 {
		t.Fatalf("another of the owner approves: %+v %v", ok, err)
	}
	back, err := campaign.Decide(ok.Target, facts, leader, campaign.Reopen, campaign.Input{Reason: "仍在使用"})
	if err != nil || back.Target.ExemptBy != "" || back.Target.ExemptReason != "" || back.Delta != 1 {
		t.Errorf("reopening an exempt target: %+v %v", back.Target, err)
	}
}

func TestACaseStepMovesItsTarget(t *testing.T) {
	for _, tc := range []struct {
		name   string
		from   campaign.State
		action campaign.Action
		caseID int64
		to     campaign.State // "" when nothing moves
	}{
		{"closure marks it done", campaign.InProgress, campaign.CaseClosed, 11, campaign.Done},
		{"a reopened case puts a done target back in progress", campaign.Done, campaign.CaseReopened, 11, campaign.InProgress},
		{"and a verified one", campaign.Verified, campaign.CaseReopened, 11, campaign.InProgress},
		{"a rejected case leaves it open", campaign.InProgress, campaign.CaseDropped, 11, campaign.Open},
		{"another case moves nothing", campaign.InProgress, campaign.CaseClosed, 12, ""},
		{"a closure of an exempt target moves nothing", campaign.Exempt, campaign.CaseClosed, 11, ""},
		{"an action people take is not a case step", campaign.InProgress, campaign.Verify, 11, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := campaign.Follow(target(tc.from), tc.action, tc.caseID)
			if ok != (tc.to != "") || m.To != tc.to {
				t.Fatalf("got %v %s, want %s", ok, m.To, tc.to)
			}
		})
	}
}

func TestAllowedIsWhatDecideTakes(t *testing.T) {
	closed := facts
	closed.CaseClosed = true
	people := []*access.Principal{leader, elsewhere, inspector, operator, worker, handler, owner, owner2, system}
	targets := []campaign.Target{target(campaign.Open), pending(), target(campaign.InProgress), target(campaign.Done), target(campaign.Verified), target(campaign.Exempt)}
	for _, f := range []campaign.Facts{facts, closed} {
		for _, tg := range targets {
			for _, p := range people {
				allowed := campaign.Allowed(tg, f, p)
				for _, a := range campaign.Actions {
					_, err := campaign.Decide(tg, f, p, a, campaign.Input{Reason: "理由"})
					if (err == nil) != slices.Contains(allowed, a) {
						t.Errorf("%s on a %s target (case closed %v) by %s: Decide says %v, Allowed %v", a, tg.State, f.CaseClosed, p.Name(), err, allowed)
					}
				}
			}
		}
	}
}

func TestDeltaCountsWhatRemains(t *testing.T) {
	for _, tc := range []struct {
		from, to campaign.State
		want     int
	}{
		{"", campaign.Open, 1}, {campaign.Open, campaign.InProgress, 0}, {campaign.InProgress, campaign.Done, -1},
		{campaign.Done, campaign.Verified, 0}, {campaign.Verified, campaign.Open, 1}, {campaign.Open, campaign.Exempt, -1},
		{campaign.Done, campaign.InProgress, 1},
	} {
		if got := campaign.Delta(tc.from, tc.to); got != tc.want {
			t.Errorf("%q → %q: got %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}
