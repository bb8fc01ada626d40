package assessment_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/assessment"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// fixture is the demo city with the demo checklists and a few hand-placed sites: for each of
// 解放区 (410802) and 山阳区 (410811), four markets and four back alleys, each in its own grid,
// the responsibility of the district's city management bureau.
type fixture struct {
	*apptest.CaseRun
	ctx context.Context
	svc *assessment.Service
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	run := apptest.NewCaseRun(t, db, "2026-03-02 09:00", "") // a Monday
	f := &fixture{CaseRun: run, ctx: context.Background(), svc: run.A.Assessment}
	if _, err := f.svc.EnsureDemoChecklists(f.ctx, apptest.System); err != nil {
		t.Fatal(err)
	}
	c, err := demo.LoadCity(f.ctx, run.A)
	if err != nil {
		t.Fatal(err)
	}
	var rows []assess.SiteRow
	for _, d := range []string{"410802", "410811"} {
		var grids []string
		for _, sd := range c.Subdistricts[d] {
			for _, cm := range c.Communities[sd.Code] {
				for _, g := range c.Grids[cm.Code] {
					grids = append(grids, g.Code)
				}
			}
		}
		for i, typ := range []string{"market", "market", "market", "market", "back_alley", "back_alley", "back_alley", "back_alley"} {
			p := apptest.PointIn(t, run.A, grids[i*3])
			rows = append(rows, assess.SiteRow{Code: fmt.Sprintf("%s-%s-%d", d, typ, i), SiteType: typ, Name: fmt.Sprintf("%s 测评点 %d", d, i),
				Lon: p[0], Lat: p[1], Department: d + "-CGJ"})
		}
	}
	if _, err := f.svc.AddSites(f.ctx, apptest.System, rows); err != nil {
		t.Fatal(err)
	}
	f.addUser(t, "shanyang.inspector", access.Inspector, "410811", "")
	f.addUser(t, "handler2", access.Handler, "", "410811-CGJ")
	return f
}

func (f *fixture) addUser(t *testing.T, name string, role access.Role, scope, dept string) {
	t.Helper()
	_, err := f.A.People.AddUser(f.ctx, apptest.System, people.NewUser{Username: name, Role: string(role), Scope: scope, Department: dept, Password: "a-long-password-1"})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) as(t *testing.T, who string) *access.Principal { return apptest.As(t, f.DB, who) }

// round creates a round of hand-picked sites (or a sample) by the admin.
func (f *fixture) round(t *testing.T, in assessment.NewRound) assessment.RoundView {
	t.Helper()
	if in.Name == "" {
		in.Name = "三月第一轮"
	}
	if in.Standard == "" {
		in.Standard = "wmcs-2021"
	}
	if in.DueOn == "" {
		in.DueOn = "2026-03-06"
	}
	v, err := f.svc.CreateRound(f.ctx, f.as(t, "admin"), in)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func wantRefusal(t *testing.T, err error, kind errs.Kind, reason string) {
	t.Helper()
	got, _ := errs.Detail(err)
	if !errs.Is(err, kind) || got != reason {
		t.Fatalf("got %v (kind %s, reason %s), want %s %s", err, errs.KindOf(err), got, kind, reason)
	}
}

func TestChecklistsAreVersionedAndImportsAreAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		again, err := f.svc.EnsureDemoChecklists(f.ctx, apptest.System)
		if err != nil || len(again.New) != 0 || again.Unchanged != 9 {
			t.Fatalf("importing the same checklists again: %+v %v, want 9 unchanged", again, err)
		}
		cl, _ := assessment.DemoChecklists()
		market := cl.Checklists[0]
		market.Items = slices.Clone(market.Items)
		market.Items[0].Max = 6
		r, err := f.svc.ImportChecklists(f.ctx, apptest.System, assess.Checklists{Standards: cl.Standards, Checklists: []assess.Checklist{market}})
		if err != nil || len(r.New) != 1 || r.New[0].Version != 2 {
			t.Fatalf("an edited checklist: %+v %v, want version 2", r, err)
		}
		before := apptest.Snap(t, db)
		bad := market
		bad.Items = slices.Clone(market.Items)
		bad.Items[1].Category = "99999"
		_, err = f.svc.ImportChecklists(f.ctx, apptest.System, assess.Checklists{Standards: cl.Standards, Checklists: []assess.Checklist{bad}})
		wantRefusal(t, err, errs.Invalid, "no_category")
		if !strings.Contains(err.Error(), "item M02") {
			t.Errorf("the refusal does not name the item: %v", err)
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("a refused import changed something: %+v → %+v", before, after)
		}
		_, err = f.svc.ImportChecklists(f.ctx, f.as(t, "leader"), cl)
		wantRefusal(t, err, errs.Forbidden, "city_admin_only")
	})
}

func TestSitesAreLocatedToTheirGridAndKeptInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		all, err := f.svc.Sites(f.ctx, f.as(t, "inspector"), assessment.SiteQuery{})
		if err != nil || len(all) != 16 {
			t.Fatalf("the city's inspector sees %d sites (%v), want 16", len(all), err)
		}
		for _, s := range all {
			if len(s.Grid) != 15 || s.RegionPath[4] != s.Grid || s.District != s.Code[:6] {
				t.Errorf("site %s is located to grid %q, path %v, district %s", s.Code, s.Grid, s.RegionPath, s.District)
			}
		}
		mine, err := f.svc.Sites(f.ctx, f.as(t, "shanyang.inspector"), assessment.SiteQuery{})
		if err != nil || len(mine) != 8 || slices.ContainsFunc(mine, func(s store.Site) bool { return s.District != "410811" }) {
			t.Errorf("山阳区's inspector sees %d sites (%v), want its 8", len(mine), err)
		}
		_, err = f.svc.Sites(f.ctx, f.as(t, "shanyang.inspector"), assessment.SiteQuery{Region: "410802"})
		wantRefusal(t, err, errs.Forbidden, "outside_scope")
		for _, who := range []string{"operator", "gridworker", "handler", "resident"} {
			_, err := f.svc.Sites(f.ctx, f.as(t, who), assessment.SiteQuery{})
			wantRefusal(t, err, errs.Forbidden, "assessors_only")
		}

		before := apptest.Snap(t, db)
		p := apptest.PointIn(t, f.A, demo.GridWorkerGrid)
		_, err = f.svc.AddSites(f.ctx, f.as(t, "leader"), []assess.SiteRow{
			{Line: 2, Code: "ok-1", SiteType: "market", Name: "好的", Lon: p[0], Lat: p[1]},
			{Line: 3, Code: "far", SiteType: "market", Name: "远方", Lon: 100, Lat: 30},
			{Line: 4, Code: "t", SiteType: "airport", Name: "机场", Lon: p[0], Lat: p[1]},
			{Line: 5, Code: "d", SiteType: "market", Name: "x", Lon: p[0], Lat: p[1], Department: "NOPE"},
		})
		wantRefusal(t, err, errs.Invalid, "bad_sites")
		for _, want := range []string{"line 3: (100, 30) is outside the managed area", "line 4: site type \"airport\"", "line 5: department \"NOPE\""} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the refusal does not say %q: %v", want, err)
			}
		}
		if strings.Contains(err.Error(), "line 2") {
			t.Errorf("the good site is named: %v", err)
		}
		q := apptest.PointIn(t, f.A, "410811001001001")
		_, err = f.svc.AddSites(f.ctx, f.as(t, "leader"), []assess.SiteRow{{Code: "x", SiteType: "market", Name: "山阳", Lon: q[0], Lat: q[1]}})
		if err == nil || !strings.Contains(err.Error(), "outside your scope") {
			t.Errorf("a leader of 解放区 adding a site in 山阳区: %v", err)
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("refused sites changed something: %+v → %+v", before, after)
		}
	})
}

func TestTheDemoCitysSitesAreAFewHundredAndTheSameForASeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := apptest.At(t, "2026-03-02 09:00")
		a := apptest.New(t, db, &now)
		n, err := demo.SeedSites(context.Background(), a, 7)
		if err != nil {
			t.Fatal(err)
		}
		if n < 200 || n > 1000 {
			t.Errorf("the demo city has %d sites, want a few hundred", n)
		}
		first, _ := a.Assessment.Sites(context.Background(), apptest.System, assessment.SiteQuery{})
		again, err := demo.SeedSites(context.Background(), a, 7)
		if err != nil || again != n {
			t.Fatalf("seeding again: %d %v", again, err)
		}
		second, _ := a.Assessment.Sites(context.Background(), apptest.System, assessment.SiteQuery{})
		if len(first) != len(second) {
			t.Fatalf("seeding again made %d sites of %d", len(second), len(first))
		}
		types := map[string]int{}
		for i := range first {
			if first[i].Code != second[i].Code || first[i].Lon != second[i].Lon || first[i].Grid != second[i].Grid {
				t.Fatalf("the same seed placed %s at %v, then %s at %v", first[i].Code, first[i].Lon, second[i].Code, second[i].Lon)
			}
			types[first[i].SiteType]++
		}
		if len(types) != 9 {
			t.Errorf("site types: %v, want the 9 of the demo checklists", types)
		}
	})
}

func TestSamplingIsReproducibleAcrossRounds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seed := uint64(2026)
		sample := &assessment.Sample{Seed: &seed, Strata: []assess.Stratum{{SiteType: "market", Region: "410802", Count: 2}, {SiteType: "back_alley", Region: "410811", Count: 3}}}
		// The preview draws what the round will, and stores nothing.
		before := apptest.Snap(t, db)
		preview, err := f.svc.PreviewRound(f.ctx, f.as(t, "admin"), assessment.NewRound{Name: "预览", Standard: "wmcs-2021", DueOn: "2026-03-06",
			Sample: sample, Inspectors: []string{"inspector", "shanyang.inspector"}})
		if err != nil {
			t.Fatal(err)
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("a preview changed something: %+v → %+v", before, after)
		}
		_, err = f.svc.PreviewRound(f.ctx, f.as(t, "admin"), assessment.NewRound{Name: "预览", Standard: "wmcs-2021", DueOn: "2026-03-06",
			Sample: &assessment.Sample{Strata: []assess.Stratum{{SiteType: "market", Region: "410802", Count: 9}}}, Inspectors: []string{"inspector"}})
		wantRefusal(t, err, errs.Invalid, "stratum_too_small")
		a := f.round(t, assessment.NewRound{Sample: sample, Inspectors: []string{"inspector", "shanyang.inspector"}})
		b := f.round(t, assessment.NewRound{Sample: sample, Inspectors: []string{"inspector", "shanyang.inspector"}})
		codes := func(v assessment.RoundView) (out []string) {
			for _, x := range v.Inspections {
				out = append(out, x.Site.Code)
			}
			return out
		}
		if !slices.Equal(codes(a), codes(b)) || len(codes(a)) != 5 || !slices.Equal(codes(preview), codes(a)) {
			t.Fatalf("the same seed drew %v, then %v (the preview %v)", codes(a), codes(b), codes(preview))
		}
		for i, x := range a.Inspections {
			wantType, wantDistrict := "market", "410802"
			if i >= 2 {
				wantType, wantDistrict = "back_alley", "410811"
			}
			if x.Site.SiteType != wantType || x.Site.District != wantDistrict {
				t.Errorf("site %d is a %s in %s, want a %s in %s", i, x.Site.SiteType, x.Site.District, wantType, wantDistrict)
			}
			if x.Status != "open" || x.ChecklistID == 0 {
				t.Errorf("inspection %d: %+v", x.ID, x)
			}
			if x.Site.District == "410811" && x.Inspector == "" {
				t.Errorf("no inspector for %s", x.Site.Code)
			}
		}
		if !strings.Contains(string(a.Sample), `"seed":2026`) {
			t.Errorf("the round does not keep its seed: %s", a.Sample)
		}
	})
}

func TestRoundsRefuseWhatCannotBeDone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		seed := uint64(1)
		before := apptest.Snap(t, db)
		for _, tc := range []struct {
			name   string
			who    string
			in     assessment.NewRound
			kind   errs.Kind
			reason string
		}{
			{"a stratum asking more than it has", "admin", assessment.NewRound{Sample: &assessment.Sample{Seed: &seed, Strata: []assess.Stratum{{SiteType: "market", Region: "410802", Count: 5}}}, Inspectors: []string{"inspector"}}, errs.Invalid, "stratum_too_small"},
			{"a site type without sites", "admin", assessment.NewRound{Sample: &assessment.Sample{Strata: []assess.Stratum{{SiteType: "school", Region: "410802", Count: 1}}}, Inspectors: []string{"inspector"}}, errs.Invalid, "stratum_too_small"},
			{"an unknown standard", "admin", assessment.NewRound{Standard: "nope", Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}}, errs.Invalid, "no_standard"},
			{"an inspector who does not cover a site", "admin", assessment.NewRound{Sites: []string{"410802-market-0"}, Assignments: map[string]string{"410802-market-0": "shanyang.inspector"}}, errs.Invalid, "inspector_out_of_scope"},
			{"someone who is no inspector", "admin", assessment.NewRound{Sites: []string{"410802-market-0"}, Inspectors: []string{"gridworker"}}, errs.Invalid, "not_inspector"},
			{"dates out of order", "admin", assessment.NewRound{StartsOn: "2026-03-09", DueOn: "2026-03-06", Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}}, errs.Invalid, "bad_dates"},
			{"both a sample and sites", "admin", assessment.NewRound{Sample: &assessment.Sample{}, Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}}, errs.Invalid, "sample_or_sites"},
			{"a leader sampling outside the district", "leader", assessment.NewRound{Sample: &assessment.Sample{Strata: []assess.Stratum{{SiteType: "market", Region: "410811", Count: 1}}}, Inspectors: []string{"inspector"}}, errs.Forbidden, "outside_scope"},
			{"a leader picking a site outside the district", "leader", assessment.NewRound{Sites: []string{"410811-market-0"}, Inspectors: []string{"inspector"}}, errs.Invalid, "no_site"},
			{"an inspector", "inspector", assessment.NewRound{Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}}, errs.Forbidden, "organizers_only"},
			{"a resident", "resident", assessment.NewRound{Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}}, errs.Forbidden, "assessors_only"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				in.Name, in.Standard = "r", firstOf(in.Standard, "wmcs-2021")
				in.DueOn = firstOf(in.DueOn, "2026-03-06")
				_, err := f.svc.CreateRound(f.ctx, f.as(t, tc.who), in)
				wantRefusal(t, err, tc.kind, tc.reason)
			})
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("refused rounds changed something: %+v → %+v", before, after)
		}
	})
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// scoreAll marks every item of an inspection: pass, except fail for the codes in fails.
func (f *fixture) scoreAll(t *testing.T, who string, id int64, fails map[string]assessment.MarkInput) {
	t.Helper()
	v, err := f.svc.Inspection(f.ctx, f.as(t, who), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range v.Checklist.Items {
		in, ok := fails[it.Code]
		if !ok {
			in = assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}
		}
		if _, err := f.svc.MarkItem(f.ctx, f.as(t, who), id, it.Code, in); err != nil {
			t.Fatalf("mark %s: %v", it.Code, err)
		}
	}
}

func TestScoringRefusesBadInputAndChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round(t, assessment.NewRound{Sites: []string{"410802-market-0", "410802-back_alley-4"}, Inspectors: []string{"inspector"}})
		market := r.Inspections[0]
		photo := f.Photo()
		at := apptest.At(t, "2026-02-27 10:00") // before the round begins
		before := apptest.Snap(t, db)
		for _, tc := range []struct {
			name   string
			who    string
			code   string
			in     assessment.MarkInput
			kind   errs.Kind
			reason string
		}{
			{"an item scored beyond its maximum", "inspector", "M09", assessment.MarkInput{Mark: assess.Mark{Result: assess.Partial, Points: 4}}, errs.Invalid, "above_maximum"},
			{"an item not in the inspection's version", "inspector", "A01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}, errs.Invalid, "unknown_item"},
			{"a site not assigned to you", "shanyang.inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}, errs.NotFound, "inspection_not_found"},
			{"a site assigned to another, in your scope", "leader", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}, errs.Forbidden, "not_your_inspection"},
			{"a mark outside the round's dates", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}, At: &at}, errs.Conflict, "outside_round_dates"},
			{"a failure without its photo", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Fail}}, errs.Invalid, "photo_required"},
			{"a photo never uploaded", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Fail}, Photos: []string{"nope"}}, errs.Invalid, "photo_unknown"},
			{"an unknown result", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: "ok"}}, errs.Invalid, "bad_value"},
			{"a note with NUL", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}, Note: "a\x00b"}, errs.BadRequest, "bad_text"},
			{"half a position", "inspector", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}, Lon: &at2lon}, errs.Invalid, "half_position"},
			{"a resident", "resident", "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Pass}}, errs.Forbidden, "assessors_only"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.MarkItem(f.ctx, f.as(t, tc.who), market.ID, tc.code, tc.in)
				wantRefusal(t, err, tc.kind, tc.reason)
			})
		}
		_, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), market.ID)
		wantRefusal(t, err, errs.Invalid, "incomplete")
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("refused marks changed something: %+v → %+v", before, after)
		}
		f.scoreAll(t, "inspector", market.ID, map[string]assessment.MarkInput{"M02": {Mark: assess.Mark{Result: assess.Fail, Findings: 2}, Photos: []string{photo}, Note: "挡鼠板缺失"}})
		if _, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), market.ID); err != nil {
			t.Fatal(err)
		}
		before = apptest.Snap(t, db)
		_, err = f.svc.Submit(f.ctx, f.as(t, "inspector"), market.ID)
		wantRefusal(t, err, errs.Conflict, "already_submitted")
		_, err = f.svc.MarkItem(f.ctx, f.as(t, "inspector"), market.ID, "M01", assessment.MarkInput{Mark: assess.Mark{Result: assess.Fail}, Photos: []string{photo}})
		wantRefusal(t, err, errs.Conflict, "already_submitted")
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("a second submit changed something: %+v → %+v", before, after)
		}
	})
}

var at2lon = 113.2

func TestAFailedItemBecomesExactlyOneCaseAndItsReinspectionClosesIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round(t, assessment.NewRound{Sites: []string{"410802-market-0"}, Inspectors: []string{"inspector"}})
		id := r.Inspections[0].ID
		photo := f.Photo()
		lon, lat := 113.25, 35.2
		f.scoreAll(t, "inspector", id, map[string]assessment.MarkInput{
			"M02": {Mark: assess.Mark{Result: assess.Fail, Findings: 7}, Photos: []string{photo}, Note: "挡鼠板缺失", Lon: &lon, Lat: &lat},
			"M09": {Mark: assess.Mark{Result: assess.Partial, Points: 1.5}},
			"M10": {Mark: assess.Mark{Result: assess.NA}},
		})
		v, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), id)
		if err != nil {
			t.Fatal(err)
		}
		// Maxima 5+5+4+4+3+4+4+2+3 = 34 applicable (M10 not); earned 34 − 5 (M02 floored at 0) − 1.5 (M09) = 27.5.
		if v.Score == nil || *v.Score != 27.5 || *v.Max != 34 || *v.Percent != 80.88 || v.Failed != 1 || v.Status != "submitted" {
			t.Fatalf("submitted: score %v of %v (%v %%), failed %d, status %s; want 27.5 of 34 (80.88 %%), 1 failed", deref(v.Score), deref(v.Max), deref(v.Percent), v.Failed, v.Status)
		}
		if len(v.Findings) != 1 || v.Findings[0].ItemCode != "M02" {
			t.Fatalf("findings: %+v, want one for M02", v.Findings)
		}
		// The map of sites shows the site's last score, and no score for those never scored.
		scored, err := f.svc.SiteScores(f.ctx, f.as(t, "leader"))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range scored {
			switch {
			case x.District != "410802":
				t.Errorf("the leader of 410802 sees site %s of %s", x.Code, x.District)
			case x.Code == v.Site.Code && (x.Last == nil || deref(x.Last.Percent) != 80.88 || x.Last.InspectionID != id):
				t.Errorf("the scored site's last score: %+v", x.Last)
			case x.Code != v.Site.Code && x.Last != nil:
				t.Errorf("site %s was never scored, yet shows %+v", x.Code, x.Last)
			}
		}
		if len(scored) != 8 {
			t.Errorf("the leader's map has %d sites, want the 8 of 410802", len(scored))
		}
		caseID := v.Findings[0].CaseID
		c, err := f.A.Cases.Case(f.ctx, apptest.System, caseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Source != "inspection" || c.Category.Code != "09020" || c.Grid.Code != v.Site.Grid || c.Status != workflow.Reported ||
			!slices.Contains(c.Photos, photo) || c.Lon != v.Site.Lon || !strings.Contains(c.Description, "挡鼠板缺失") {
			t.Errorf("the case: source %s, category %s, grid %s (site's %s), status %s, photos %v, at %v, %q", c.Source, c.Category.Code, c.Grid.Code, v.Site.Grid, c.Status, c.Photos, c.Lon, c.Description)
		}
		// The notice to the responsible unit reaches its handlers.
		if _, err := f.A.Notices.DeliverOutbox(f.ctx); err != nil {
			t.Fatal(err)
		}
		page, err := f.A.Notices.Notifications(f.ctx, f.as(t, "handler"), false, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(page.Notifications, func(n store.Notification) bool { return n.Topic == "case.inspection_notice" && n.CaseID == caseID }) {
			t.Errorf("the responsible unit's handler was not told: %+v", page.Notifications)
		}

		// The case goes round the loop; handled, it is the inspector's to re-inspect.
		f.ID = caseID
		f.Act("operator", "register", workflow.Input{})
		f.Act("dispatcher", "dispatch", workflow.Input{Department: "410802-CGJ"})
		f.Act("handler", "accept", workflow.Input{})
		f.Act("handler", "handle", workflow.Input{Result: "已整改", Photos: []string{f.Photo()}})
		// The inspector who raised it hears that it waits on their re-inspection.
		if _, err := f.A.Notices.DeliverOutbox(f.ctx); err != nil {
			t.Fatal(err)
		}
		mine, err := f.A.Notices.Notifications(f.ctx, f.as(t, "inspector"), true, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(mine.Notifications, func(n store.Notification) bool { return n.Topic == "case.handle" && n.CaseID == caseID }) {
			t.Errorf("the inspector was not told the case is handled: %+v", mine.Notifications)
		}
		tasks, err := f.svc.Tasks(f.ctx, f.as(t, "inspector"), &lon, &lat)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 1 || tasks[0].Kind != "reinspect" || tasks[0].Finding.CaseID != caseID || tasks[0].DistanceM == nil {
			t.Fatalf("the inspector's tasks: %+v, want the re-inspection", tasks)
		}
		no, yes := false, true
		_, err = f.svc.Reinspect(f.ctx, f.as(t, "shanyang.inspector"), caseID, assessment.Reinspection{Pass: &yes})
		wantRefusal(t, err, errs.NotFound, "finding_not_found")
		if _, err := f.svc.Reinspect(f.ctx, f.as(t, "inspector"), caseID, assessment.Reinspection{Pass: &no, Note: "仍未整改"}); err != nil {
			t.Fatal(err)
		}
		if c := f.View(); c.Status != workflow.InProgress || c.Counters.Rework != 1 {
			t.Fatalf("a failed re-inspection left the case %s with rework %d, want in_progress and 1", c.Status, c.Counters.Rework)
		}
		f.Act("handler", "handle", workflow.Input{Result: "已整改", Photos: []string{f.Photo()}})
		fd, err := f.svc.Reinspect(f.ctx, f.as(t, "inspector"), caseID, assessment.Reinspection{Pass: &yes, Note: "整改到位"})
		if err != nil {
			t.Fatal(err)
		}
		if c := f.View(); c.Status != workflow.Closed {
			t.Errorf("a passed re-inspection left the case %s, want closed", c.Status)
		}
		if fd.Reinspections != 2 || fd.LastPass == nil || !*fd.LastPass {
			t.Errorf("the finding: %+v, want 2 re-inspections, the last passed", fd)
		}
		if tasks, _ := f.svc.Tasks(f.ctx, f.as(t, "inspector"), nil, nil); len(tasks) != 0 {
			t.Errorf("tasks left: %+v", tasks)
		}
	})
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

func TestConcurrentSubmitsMakeOneCasePerItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round(t, assessment.NewRound{Sites: []string{"410802-back_alley-4"}, Inspectors: []string{"inspector"}})
		id := r.Inspections[0].ID
		photo := f.Photo()
		f.scoreAll(t, "inspector", id, map[string]assessment.MarkInput{
			"A01": {Mark: assess.Mark{Result: assess.Fail}, Photos: []string{photo}},
			"A05": {Mark: assess.Mark{Result: assess.Fail, Findings: 2}, Photos: []string{photo}},
		})
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			wins   int
			errors []error
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), id)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else {
					errors = append(errors, err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d submits won, want 1 (refusals %v)", wins, errors)
		}
		for _, err := range errors {
			if r, _ := errs.Detail(err); r != "already_submitted" {
				t.Errorf("a losing submit: %v, want already_submitted", err)
			}
		}
		fs, err := db.Findings(f.ctx, store.FindingsWhere{InspectionID: id})
		if err != nil || len(fs) != 2 {
			t.Fatalf("findings: %d (%v), want 2", len(fs), err)
		}
		page, err := f.A.Cases.ListCases(f.ctx, apptest.System, casesFilter())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range page.Cases {
			if c.Source == "inspection" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d inspection cases, want 2", n)
		}
		// And the store itself refuses a second case for an item.
		err = db.AddFinding(f.ctx, store.Finding{InspectionID: id, ItemCode: "A01", CaseID: fs[1].CaseID, CreatedAt: time.Now()})
		wantRefusal(t, err, errs.Conflict, "finding_exists")
	})
}

func TestResultsAddUpByPlaceTypeAndItem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.round(t, assessment.NewRound{Sites: []string{"410802-market-0", "410802-market-1", "410811-market-0", "410811-back_alley-4"},
			Inspectors: []string{"inspector"}})
		photo := f.Photo()
		fail := func(codes ...string) map[string]assessment.MarkInput {
			m := map[string]assessment.MarkInput{}
			for _, c := range codes {
				m[c] = assessment.MarkInput{Mark: assess.Mark{Result: assess.Fail}, Photos: []string{photo}}
			}
			return m
		}
		f.scoreAll(t, "inspector", r.Inspections[0].ID, fail("M01"))        // 32/37 → 86.49
		f.scoreAll(t, "inspector", r.Inspections[1].ID, nil)                // 100
		f.scoreAll(t, "inspector", r.Inspections[2].ID, fail("M01", "M03")) // 28/37 → 75.68
		for _, x := range r.Inspections[:3] {
			if _, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), x.ID); err != nil {
				t.Fatal(err)
			}
		}
		res, err := f.svc.RoundResults(f.ctx, f.as(t, "admin"), r.ID, "district")
		if err != nil {
			t.Fatal(err)
		}
		if res.Sites != 4 || res.Submitted != 3 || len(res.Rows) != 2 {
			t.Fatalf("results: %+v", res)
		}
		first, second := res.Rows[0], res.Rows[1]
		if first.Code != "410802" || first.Rank != 1 || deref(first.MeanScore) != 93.25 || first.Failed != 1 || first.Name != "解放区" {
			t.Errorf("first: %+v (mean %v), want 解放区 at 93.25 (the mean of 86.49 and 100) with 1 failure", first, deref(first.MeanScore))
		}
		if second.Code != "410811" || second.Sites != 2 || second.Submitted != 1 || deref(second.MeanScore) != 75.68 || deref(second.Compliance) != 80 {
			t.Errorf("second: %+v (mean %v, compliance %v), want 山阳区 at 75.68, 8 of 10 items in full", second, deref(second.MeanScore), deref(second.Compliance))
		}
		items, err := f.svc.RoundResults(f.ctx, f.as(t, "admin"), r.ID, "item")
		if err != nil {
			t.Fatal(err)
		}
		if top := items.Rows[0]; top.Code != "M01" || top.Failed != 2 || top.Applicable != 3 || deref(top.FailRate) != 66.67 {
			t.Errorf("the most failed item: %+v (rate %v), want M01 failed 2 of 3", top, deref(top.FailRate))
		}
		book, err := f.svc.ResultsWorkbook(f.ctx, f.as(t, "admin"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(bytes.NewReader(book))
		if err != nil {
			t.Fatal(err)
		}
		if sheets := x.GetSheetList(); !slices.Equal(sheets, []string{"区县排名", "街道排名", "点位类型", "问题最多的指标", "点位得分"}) {
			t.Errorf("sheets: %v", sheets)
		}
		ranking, _ := x.GetRows("区县排名")
		if len(ranking) != 3 || ranking[1][2] != "解放区" || ranking[1][5] != "93.25" || ranking[2][2] != "山阳区" {
			t.Errorf("the district ranking: %v", ranking)
		}
		if sites, _ := x.GetRows("点位得分"); len(sites) != 5 {
			t.Errorf("the sites sheet has %d rows, want a header and 4 sites", len(sites))
		}
		if _, err := f.svc.ResultsWorkbook(f.ctx, f.as(t, "shanyang.inspector"), r.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another district's inspector downloads the report: %v", err)
		}
		// A second round: the trend over rounds shows both, oldest first, each as its results.
		r2 := f.round(t, assessment.NewRound{Sites: []string{"410811-market-0"}, Inspectors: []string{"inspector"}})
		f.scoreAll(t, "inspector", r2.Inspections[0].ID, nil)
		if _, err := f.svc.Submit(f.ctx, f.as(t, "inspector"), r2.Inspections[0].ID); err != nil {
			t.Fatal(err)
		}
		tr, err := f.svc.RoundsTrend(f.ctx, f.as(t, "admin"), "", "district")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Rounds) != 2 || tr.Rounds[0].Round != r.ID || tr.Rounds[1].Round != r2.ID {
			t.Fatalf("trend rounds %+v, want the first round then the second", tr.Rounds)
		}
		if p := tr.Rounds[0]; deref(p.MeanScore) != deref(res.MeanScore) || len(p.Rows) != 2 || deref(p.Rows[1].MeanScore) != 75.68 {
			t.Errorf("the first round in the trend: %+v, want its results (mean %v)", p, deref(res.MeanScore))
		}
		if p := tr.Rounds[1]; len(p.Rows) != 1 || p.Rows[0].Code != "410811" || deref(p.Rows[0].MeanScore) != 100 {
			t.Errorf("the second round in the trend: %+v, want 山阳区 at 100", p.Rows)
		}
		if _, err := f.svc.RoundsTrend(f.ctx, f.as(t, "admin"), "", "weather"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a trend by an unknown grouping: %v", err)
		}
		if _, err := f.svc.RoundsTrend(f.ctx, f.as(t, "resident"), "", ""); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident reads the trend: %v", err)
		}
		if _, err := f.svc.RoundResults(f.ctx, f.as(t, "admin"), r.ID, "weather"); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unknown grouping: %v", err)
		}
		_, err = f.svc.RoundResults(f.ctx, f.as(t, "shanyang.inspector"), r.ID, "")
		wantRefusal(t, err, errs.NotFound, "round_not_found")
		if _, err := f.svc.RoundResults(f.ctx, f.as(t, "inspector"), r.ID, "site_type"); err != nil {
			t.Errorf("the round's inspector reads its results: %v", err)
		}
	})
}

func casesFilter() cases.CaseFilter { return cases.CaseFilter{Source: "inspection", Limit: 100} }
