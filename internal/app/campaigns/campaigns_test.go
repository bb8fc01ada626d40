package campaigns_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/campaigns"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// fixture is the demo city (解放区 410802 and 山阳区 410811) on a clock starting Monday
// 2026-03-02 09:00, with the city's housing bureau (4108-ZJJ) as a campaign owner with two
// people, and a leader of 山阳区.
type fixture struct {
	*apptest.CaseRun
	ctx   context.Context
	svc   *campaigns.Service
	grids map[string][]string // unit grids by district
}

const owner = "4108-ZJJ"

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	run := apptest.NewCaseRun(t, db, "2026-03-02 09:00", "")
	f := &fixture{CaseRun: run, ctx: context.Background(), svc: run.A.Campaigns, grids: map[string][]string{}}
	for _, d := range []string{"410802", "410811"} {
		f.grids[d] = apptest.UnitGrids(t, run.A, d)
	}
	for _, u := range []people.NewUser{
		{Username: "zjj", Role: string(access.Handler), Department: owner},
		{Username: "zjj2", Role: string(access.Handler), Department: owner},
		{Username: "shanyang.leader", Role: string(access.Leader), Scope: "410811"},
	} {
		u.Password = "a-long-password-1"
		if _, err := run.A.People.AddUser(f.ctx, apptest.System, u); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) as(t *testing.T, who string) *access.Principal {
	if who == "system" {
		return apptest.System
	}
	return apptest.As(t, f.DB, who)
}

// create starts a campaign as who over scope, to zero by the end of March.
func (f *fixture) create(t *testing.T, who string, scope ...string) campaigns.View {
	t.Helper()
	v, err := f.svc.Create(f.ctx, f.as(t, who), campaigns.NewCampaign{Name: "农村旱厕清零", Kind: "dry_toilets", Scope: scope, Owner: owner,
		DueOn: "2026-03-31", CategoryKind: "matter", Category: "03001"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// assets are n dry toilets in a district's unit grids, one a grid from the i-th on.
func (f *fixture) assets(t *testing.T, district string, from, n int) []campaign.TargetRow {
	t.Helper()
	var out []campaign.TargetRow
	for i := from; i < from+n; i++ {
		g := f.grids[district][i%len(f.grids[district])]
		p := apptest.PointIn(t, f.A, g)
		out = append(out, campaign.TargetRow{Line: len(out) + 2, Name: fmt.Sprintf("%s 旱厕 %d", district, i), Type: "旱厕", Lon: p[0], Lat: p[1], Unit: "村委会"})
	}
	return out
}

// twoTargets starts a campaign over 解放区 with two dry toilets on its list.
func (f *fixture) twoTargets(t *testing.T) (campaigns.View, []campaigns.Target) {
	t.Helper()
	v := f.create(t, "admin", "410802")
	if _, err := f.svc.ImportTargets(f.ctx, apptest.System, v.ID, f.assets(t, "410802", 0, 2)); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.Targets(f.ctx, apptest.System, v.ID, campaigns.TargetQuery{})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d targets, %v", len(list), err)
	}
	return v, list
}

// state is what must not change when a use case refuses: users, the audit trail, and every
// campaign's counts and history.
type state struct {
	apptest.Snapshot
	counts string
}

func (f *fixture) snap(t *testing.T) state {
	t.Helper()
	counts, err := f.DB.CampaignCounts(f.ctx, 0, store.TargetScope{All: true}, "2099-01-01")
	if err != nil {
		t.Fatal(err)
	}
	all, err := f.DB.Campaigns(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := fmt.Sprintf("%d campaigns %v", len(all), counts)
	for _, c := range all {
		d, err := f.DB.CampaignDeltas(f.ctx, c.ID, store.TargetScope{All: true})
		if err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprint(d)
	}
	return state{apptest.Snap(t, f.DB), s}
}

func (f *fixture) unchanged(t *testing.T, before state) {
	t.Helper()
	if after := f.snap(t); after != before {
		t.Errorf("a refusal changed something:\n%+v\n→ %+v", before, after)
	}
}

func wantRefusal(t *testing.T, err error, kind errs.Kind, reason string) {
	t.Helper()
	got, _ := errs.Detail(err)
	if !errs.Is(err, kind) || got != reason {
		t.Fatalf("got %v (kind %s, reason %s), want %s %s", err, errs.KindOf(err), got, kind, reason)
	}
}

func TestACampaignIsCreatedByLeadersWithinTheirScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v := f.create(t, "leader", "410802")
		if v.ID == 0 || v.StartsOn != "2026-03-02" || v.OwnerName != "焦作市住房和城乡建设局" || len(v.ScopeRegions) != 1 || v.ScopeRegions[0].Name != "解放区" || !v.Partial {
			t.Errorf("created: %+v", v)
		}
		good := campaigns.NewCampaign{Name: "农贸市场整治", Kind: "markets", Scope: []string{"410802"}, Owner: owner, DueOn: "2026-06-30"}
		before := f.snap(t)
		for _, tc := range []struct {
			name   string
			who    string
			edit   func(*campaigns.NewCampaign)
			kind   errs.Kind
			reason string
		}{
			{"an operator", "operator", nil, errs.Forbidden, "campaign_organizers_only"},
			{"an inspector", "inspector", nil, errs.Forbidden, "campaign_organizers_only"},
			{"a resident", "resident", nil, errs.Forbidden, "staff_only"},
			{"another district", "leader", func(c *campaigns.NewCampaign) { c.Scope = []string{"410811"} }, errs.Forbidden, "region_outside_scope"},
			{"the whole city by a district's leader", "leader", func(c *campaigns.NewCampaign) { c.Scope = []string{"4108"} }, errs.Forbidden, "region_outside_scope"},
			{"an unknown region", "admin", func(c *campaigns.NewCampaign) { c.Scope = []string{"999999"} }, errs.Invalid, "no_region"},
			{"an unknown owner", "admin", func(c *campaigns.NewCampaign) { c.Owner = "NOPE" }, errs.Invalid, "no_department"},
			{"an unknown category", "admin", func(c *campaigns.NewCampaign) { c.CategoryKind, c.Category = "matter", "99999" }, errs.Invalid, "no_category"},
			{"a bad category kind", "admin", func(c *campaigns.NewCampaign) { c.CategoryKind, c.Category = "thing", "03001" }, errs.Invalid, "bad_value"},
			{"NUL in the name", "admin", func(c *campaigns.NewCampaign) { c.Name = "清\x00零" }, errs.BadRequest, "bad_text"},
			{"invalid UTF-8 in the note", "admin", func(c *campaigns.NewCampaign) { c.Note = "\xc3\x28" }, errs.BadRequest, "bad_text"},
			{"due before the start", "admin", func(c *campaigns.NewCampaign) { c.StartsOn = "2026-07-01" }, errs.Invalid, "campaign_bad_dates"},
			{"an unknown kind", "admin", func(c *campaigns.NewCampaign) { c.Kind = "parade" }, errs.Invalid, "bad_value"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := good
				in.Scope = slices.Clone(good.Scope)
				if tc.edit != nil {
					tc.edit(&in)
				}
				_, err := f.svc.Create(f.ctx, f.as(t, tc.who), in)
				wantRefusal(t, err, tc.kind, tc.reason)
			})
		}
		f.unchanged(t, before)

		// Who sees it: staff whose scope overlaps it, and the owner's people.
		for who, sees := range map[string]bool{"leader": true, "gridworker": true, "inspector": true, "admin": true, "zjj": true, "shanyang.leader": false, "handler": false} {
			list, err := f.svc.Campaigns(f.ctx, f.as(t, who))
			if err != nil || (len(list) == 1) != sees {
				t.Errorf("%s lists %d campaigns (%v), sees it: %v", who, len(list), err, sees)
			}
			_, err = f.svc.Campaign(f.ctx, f.as(t, who), v.ID)
			if sees && err != nil {
				t.Errorf("%s: %v", who, err)
			} else if !sees {
				wantRefusal(t, err, errs.NotFound, "campaign_not_found")
			}
		}
		_, err := f.svc.Campaigns(f.ctx, f.as(t, "resident"))
		wantRefusal(t, err, errs.Forbidden, "staff_only")
		_, err = f.svc.Campaigns(f.ctx, nil)
		wantRefusal(t, err, errs.Unauthorized, "unauthorized")
	})
}

func TestTargetsAreLocatedAndListedAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v := f.create(t, "admin", "410802")
		leader := f.as(t, "leader")
		good := f.assets(t, "410802", 0, 4)
		rep, err := f.svc.ImportTargets(f.ctx, leader, v.ID, good)
		if err != nil || rep.Added != 4 || rep.Counts.Total != 4 || rep.Counts.Open != 4 || rep.Counts.Remaining != 4 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		list, err := f.svc.Targets(f.ctx, leader, v.ID, campaigns.TargetQuery{})
		if err != nil || len(list) != 4 {
			t.Fatalf("targets: %d %v", len(list), err)
		}
		for i, tg := range list {
			if tg.Grid != f.grids["410802"][i] || len(tg.RegionPath) != 5 || tg.RegionPath[1] != "410802" || tg.DueOn != "2026-03-31" || tg.State != campaign.Open {
				t.Errorf("target %d: grid %s (want %s), path %v, due %s, %s", i, tg.Grid, f.grids["410802"][i], tg.RegionPath, tg.DueOn, tg.State)
			}
		}

		before := f.snap(t)
		shanyang := f.assets(t, "410811", 0, 1)[0]
		far := campaign.TargetRow{Name: "远方旱厕", Type: "旱厕", Lon: 100, Lat: 30}
		again := good[1]
		twice := f.assets(t, "410802", 10, 1)[0]
		bad := append(f.assets(t, "410802", 20, 2), far, shanyang, again, twice, twice, campaign.TargetRow{Name: "", Type: "旱厕", Lon: 113.2, Lat: 35.2})
		for i := range bad {
			bad[i].Line = i + 2
		}
		_, err = f.svc.ImportTargets(f.ctx, leader, v.ID, bad)
		wantRefusal(t, err, errs.Invalid, "bad_targets")
		for _, want := range []string{"5 targets refused", "line 4: (100, 30) is outside the managed area", "line 5: lies outside the campaign's regions",
			"line 6: is already on the campaign's list", "line 8: 旱厕 \"410802 旱厕 10\"", "is given twice (also line 7)", "line 9: name is empty"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not say %q: %v", want, err)
			}
		}
		if strings.Contains(err.Error(), "line 2:") || strings.Contains(err.Error(), "line 3:") {
			t.Errorf("good lines are named: %v", err)
		}
		// 山阳区's leader does not see a campaign over 解放区 at all; a grid worker may not list.
		_, err = f.svc.ImportTargets(f.ctx, f.as(t, "shanyang.leader"), v.ID, f.assets(t, "410811", 0, 1))
		wantRefusal(t, err, errs.NotFound, "campaign_not_found")
		_, err = f.svc.ImportTargets(f.ctx, f.as(t, "gridworker"), v.ID, f.assets(t, "410802", 30, 1))
		wantRefusal(t, err, errs.Forbidden, "campaign_organizers_only")
		_, err = f.svc.ImportTargets(f.ctx, leader, v.ID+100, good)
		wantRefusal(t, err, errs.NotFound, "campaign_not_found")
		_, err = f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{})
		wantRefusal(t, err, errs.Invalid, "required")
		f.unchanged(t, before)
		// A city-wide campaign: 解放区's leader lists only in 解放区.
		city := f.create(t, "admin", "4108")
		before = f.snap(t)
		_, err = f.svc.ImportTargets(f.ctx, leader, city.ID, f.assets(t, "410811", 0, 1))
		if err == nil || !strings.Contains(err.Error(), "lies outside your scope") {
			t.Errorf("解放区's leader listing in 山阳区: %v", err)
		}
		f.unchanged(t, before)
	})
}

func TestSitesOfTheRegistryBecomeTargets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if _, err := f.A.Assessment.EnsureDemoChecklists(f.ctx, apptest.System); err != nil {
			t.Fatal(err)
		}
		var rows []assessSite
		for i, d := range []string{"410802", "410802", "410802", "410811"} {
			p := apptest.PointIn(t, f.A, f.grids[d][i])
			rows = append(rows, assessSite{fmt.Sprintf("M%d", i), "market", d, p[0], p[1]})
		}
		f.addSites(t, rows)
		v, err := f.svc.Create(f.ctx, f.as(t, "leader"), campaigns.NewCampaign{Name: "农贸市场整治", Kind: "markets", Scope: []string{"410802"}, Owner: owner, DueOn: "2026-04-30"})
		if err != nil {
			t.Fatal(err)
		}
		leader := f.as(t, "leader")
		before := f.snap(t)
		for _, tc := range []struct {
			name  string
			sites []string
			want  []string
		}{
			{"an unknown site", []string{"M0", "NOPE"}, []string{"site NOPE: no such site"}},
			{"a site outside the campaign", []string{"M0", "M3"}, []string{"site M3: lies outside the campaign's regions"}},
			{"a site twice", []string{"M0", "M1", "M0"}, []string{"site M0: given twice"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{Sites: tc.sites})
				wantRefusal(t, err, errs.Invalid, "bad_targets")
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("the refusal does not say %q: %v", w, err)
					}
				}
			})
		}
		f.unchanged(t, before)
		rep, err := f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{Sites: []string{"M0"}, DueOn: "2026-04-15"})
		if err != nil || rep.Added != 1 {
			t.Fatalf("one site: %+v %v", rep, err)
		}
		_, err = f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{Sites: []string{"M0"}})
		if err == nil || !strings.Contains(err.Error(), "site M0: is already on the campaign's list") {
			t.Errorf("a site listed again: %v", err)
		}
		// Every market of the campaign's regions not listed yet.
		rep, err = f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{SiteType: "market"})
		if err != nil || rep.Added != 2 || rep.Counts.Total != 3 {
			t.Fatalf("every market: %+v %v", rep, err)
		}
		before = f.snap(t)
		if rep, err := f.svc.AddTargets(f.ctx, leader, v.ID, campaigns.NewTargets{SiteType: "market"}); err != nil || rep.Added != 0 || rep.Counts.Total != 3 {
			t.Errorf("every market again: %+v %v", rep, err)
		}
		f.unchanged(t, before) // nothing new: nothing written, nor recorded
		list, err := f.svc.Targets(f.ctx, leader, v.ID, campaigns.TargetQuery{})
		if err != nil || len(list) != 3 || list[0].SiteCode != "M0" || list[0].DueOn != "2026-04-15" || list[0].Type != "market" || list[0].Unit != "410802-CGJ" {
			t.Errorf("the site targets: %+v %v", list, err)
		}
	})
}

// TestATargetsLifeFollowsTheRulesAndItsCase walks one target through every state: its case's
// closure marks it done, and each refusal on the way changes nothing.
func TestATargetsLifeFollowsTheRulesAndItsCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v, list := f.twoTargets(t)
		tid, other := list[0].ID, list[1].ID
		act := func(who string, in campaigns.ActionInput) (campaigns.TargetView, error) {
			return f.svc.Act(f.ctx, f.as(t, who), v.ID, tid, in)
		}
		refused := func(who string, in campaigns.ActionInput, kind errs.Kind, reason string) {
			t.Helper()
			before := f.snap(t)
			_, err := act(who, in)
			wantRefusal(t, err, kind, reason)
			f.unchanged(t, before)
		}
		refused("inspector", campaigns.ActionInput{Action: "verify"}, errs.Conflict, "target_wrong_state")
		refused("leader", campaigns.ActionInput{Action: "done"}, errs.Conflict, "target_wrong_state")
		refused("handler", campaigns.ActionInput{Action: "open_case"}, errs.NotFound, "campaign_not_found")
		refused("shanyang.leader", campaigns.ActionInput{Action: "open_case"}, errs.NotFound, "campaign_not_found")
		refused("leader", campaigns.ActionInput{Action: "fly"}, errs.Invalid, "bad_value")
		refused("leader", campaigns.ActionInput{Action: "case_closed"}, errs.Invalid, "bad_value")
		refused("leader", campaigns.ActionInput{Action: "open_case", Category: "99999", CategoryKind: "matter"}, errs.Invalid, "no_category")
		refused("leader", campaigns.ActionInput{Action: "open_case", Photos: []string{"nope"}}, errs.Invalid, "photo_unknown")
		stale := 9
		refused("leader", campaigns.ActionInput{Action: "open_case", Version: &stale}, errs.Conflict, "target_version_conflict")
		_, err := f.svc.Act(f.ctx, f.as(t, "leader"), v.ID, 999999, campaigns.ActionInput{Action: "open_case"})
		wantRefusal(t, err, errs.NotFound, "target_not_found")

		one := 1
		opened, err := act("leader", campaigns.ActionInput{Action: "open_case", Version: &one, Note: "粪池渗漏"})
		if err != nil {
			t.Fatal(err)
		}
		if opened.State != campaign.InProgress || opened.CaseID == 0 || opened.Ticket == "" || opened.CaseStatus != "reported" || opened.Version != 2 {
			t.Fatalf("opened: %+v", opened.Target)
		}
		c, err := f.A.Cases.Case(f.ctx, apptest.System, opened.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Source != "campaign" || c.Category.Code != "03001" || c.Grid.Code != opened.Grid || !strings.Contains(c.Description, "【专项整治】农村旱厕清零") || !strings.Contains(c.Description, "粪池渗漏") {
			t.Errorf("the case: source %s, category %s, grid %s, %q", c.Source, c.Category.Code, c.Grid.Code, c.Description)
		}
		refused("leader", campaigns.ActionInput{Action: "open_case"}, errs.Conflict, "target_wrong_state")
		refused("leader", campaigns.ActionInput{Action: "done"}, errs.Conflict, "target_case_open")
		refused("inspector", campaigns.ActionInput{Action: "verify"}, errs.Conflict, "target_wrong_state")

		// The case goes round the loop; its closure marks the target done.
		f.ID = c.ID
		f.Act("operator", "register", workflow.Input{})
		f.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		f.Act("handler", "accept", workflow.Input{})
		if h := f.Act("handler", "handle", workflow.Input{Result: "已改水冲式", Photos: []string{f.Photo()}}); h.Status == workflow.Handled {
			yes := true
			f.Act("gridworker", "verify", workflow.Input{Pass: &yes})
		}
		done, err := f.svc.Target(f.ctx, f.as(t, "leader"), v.ID, tid)
		if err != nil || done.State != campaign.Done || done.CaseStatus != "closed" {
			t.Fatalf("after the case's closure: %+v %v", done.Target, err)
		}
		if !slices.Contains(done.Allowed, campaign.Reopen) || slices.Contains(done.Allowed, campaign.Verify) {
			t.Errorf("the leader may now %v", done.Allowed)
		}
		if last := done.History[len(done.History)-1]; last.Action != "case_closed" || last.From != "in_progress" || last.To != "done" || last.Delta != -1 || last.Actor == "" {
			t.Errorf("the closure's history line: %+v", last)
		}
		refused("gridworker", campaigns.ActionInput{Action: "verify"}, errs.Forbidden, "target_role")
		verified, err := act("inspector", campaigns.ActionInput{Action: "verify", Note: "已验收"})
		if err != nil || verified.State != campaign.Verified {
			t.Fatalf("verify: %+v %v", verified.Target, err)
		}
		// A later inspection fails: reopened with a reason.
		refused("inspector", campaigns.ActionInput{Action: "reopen"}, errs.Invalid, "required")
		reopened, err := act("inspector", campaigns.ActionInput{Action: "reopen", Reason: "复查发现仍在使用旱厕"})
		if err != nil || reopened.State != campaign.Open || reopened.CaseID != c.ID {
			t.Fatalf("reopen: %+v %v", reopened.Target, err)
		}

		// Exemption: a reason, and the owner's approval by someone other than who asked.
		exempt := func(who string, in campaigns.ActionInput) (campaigns.TargetView, error) {
			return f.svc.Act(f.ctx, f.as(t, who), v.ID, other, in)
		}
		before := f.snap(t)
		_, err = exempt("operator", campaigns.ActionInput{Action: "exempt", Reason: " "})
		wantRefusal(t, err, errs.Invalid, "required")
		_, err = exempt("operator", campaigns.ActionInput{Action: "exempt", Reason: "a\x00b"})
		wantRefusal(t, err, errs.BadRequest, "bad_text")
		_, err = exempt("operator", campaigns.ActionInput{Action: "exempt", Reason: strings.Repeat("长", 501)})
		wantRefusal(t, err, errs.Invalid, "too_long")
		_, err = exempt("zjj", campaigns.ActionInput{Action: "approve_exempt"})
		wantRefusal(t, err, errs.Conflict, "no_exempt_request")
		f.unchanged(t, before)
		asked, err := exempt("operator", campaigns.ActionInput{Action: "exempt", Reason: "户主已改建水冲厕所"})
		if err != nil || asked.State != campaign.Open || asked.ExemptBy != "operator" {
			t.Fatalf("asked: %+v %v", asked.Target, err)
		}
		before = f.snap(t)
		_, err = exempt("leader", campaigns.ActionInput{Action: "approve_exempt"})
		wantRefusal(t, err, errs.Forbidden, "not_campaign_owner")
		_, err = exempt("leader", campaigns.ActionInput{Action: "open_case"})
		wantRefusal(t, err, errs.Conflict, "exempt_pending")
		f.unchanged(t, before)
		ok, err := exempt("zjj", campaigns.ActionInput{Action: "approve_exempt"})
		if err != nil || ok.State != campaign.Exempt || ok.ExemptApprovedBy != "zjj" {
			t.Fatalf("approved: %+v %v", ok.Target, err)
		}
		p, err := f.svc.Progress(f.ctx, apptest.System, v.ID, "", "")
		if err != nil || p.Total.Open != 1 || p.Total.Exempt != 1 || p.Total.Remaining != 1 {
			t.Errorf("progress: %+v %v", p.Total, err)
		}
	})
}

func TestARejectedOrReopenedCaseMovesItsTargetBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v, list := f.twoTargets(t)
		state := func(id int64) campaign.State {
			t.Helper()
			tg, err := f.svc.Target(f.ctx, apptest.System, v.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return tg.State
		}
		open := func(id int64) int64 {
			t.Helper()
			tg, err := f.svc.Act(f.ctx, f.as(t, "gridworker"), v.ID, id, campaigns.ActionInput{Action: "open_case"})
			if err != nil {
				t.Fatal(err)
			}
			return tg.CaseID
		}
		f.ID = open(list[0].ID)
		f.Act("operator", "reject", workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "不属实"})
		if s := state(list[0].ID); s != campaign.Open {
			t.Errorf("after its case was rejected the target is %s, want open", s)
		}
		// Opened again: a new case; closed by the leader's override, then reopened.
		second := open(list[0].ID)
		if second == f.ID {
			t.Fatal("the same case twice")
		}
		f.ID = second
		f.Act("operator", "register", workflow.Input{})
		f.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		f.Act("leader", "close", workflow.Input{Reason: "已整改到位"})
		if s := state(list[0].ID); s != campaign.Done {
			t.Errorf("after the special closure the target is %s, want done", s)
		}
		f.Act("leader", "reopen", workflow.Input{Reason: "群众反映仍未整改"})
		if s := state(list[0].ID); s != campaign.InProgress {
			t.Errorf("after its case was reopened the target is %s, want in_progress", s)
		}
		// A case of another source moves no target.
		if s := state(list[1].ID); s != campaign.Open {
			t.Errorf("the other target is %s", s)
		}
	})
}

type assessSite struct {
	code, typ, district string
	lon, lat            float64
}

// addSites adds evaluation sites to the assessment's registry, each the responsibility of its
// district's city management bureau.
func (f *fixture) addSites(t *testing.T, sites []assessSite) {
	t.Helper()
	rows := make([]assess.SiteRow, len(sites))
	for i, s := range sites {
		rows[i] = assess.SiteRow{Code: s.code, SiteType: s.typ, Name: "农贸市场 " + s.code, Lon: s.lon, Lat: s.lat, Department: s.district + "-CGJ"}
	}
	if _, err := f.A.Assessment.AddSites(f.ctx, apptest.System, rows); err != nil {
		t.Fatal(err)
	}
}
