package assess_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
)

func item(code string, rule assess.Rule, max, deduction float64) assess.Item {
	return assess.Item{Code: code, Level1: "市容环境", What: "检查", Max: max, Rule: rule, Deduction: deduction,
		Evidence: assess.Photo, CategoryKind: "matter", Category: "06010"}
}

func TestScoresAddUpPerTheRules(t *testing.T) {
	pf := item("A", assess.PassFail, 4, 0)
	de := item("B", assess.Deduction, 3, 1)
	pt := item("C", assess.Points, 5, 0)
	for _, tc := range []struct {
		name       string
		it         assess.Item
		mark       assess.Mark
		got        float64
		applicable bool
	}{
		{"a pass earns the maximum", pf, assess.Mark{Result: assess.Pass}, 4, true},
		{"a failed pass/fail item earns nothing", pf, assess.Mark{Result: assess.Fail}, 0, true},
		{"not applicable leaves the maximum out", pf, assess.Mark{Result: assess.NA}, 0, false},
		{"a failure without a count deducts once", de, assess.Mark{Result: assess.Fail}, 2, true},
		{"two findings deduct twice", de, assess.Mark{Result: assess.Fail, Findings: 2}, 1, true},
		{"deductions floor at zero", de, assess.Mark{Result: assess.Fail, Findings: 7}, 0, true},
		{"partial points are what was given", pt, assess.Mark{Result: assess.Partial, Points: 2.5}, 2.5, true},
		{"a points item may fail", pt, assess.Mark{Result: assess.Fail}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.it.Check(tc.mark); err != nil {
				t.Fatalf("check: %v", err)
			}
			got, applicable := tc.it.Score(tc.mark)
			if got != tc.got || applicable != tc.applicable {
				t.Errorf("got %v (applicable %t), want %v (%t)", got, applicable, tc.got, tc.applicable)
			}
		})
	}

	c := assess.Checklist{Items: []assess.Item{pf, de, pt}}
	s := assess.ScoreSite(c, map[string]assess.Mark{"A": {Result: assess.NA}, "B": {Result: assess.Fail, Findings: 5}, "C": {Result: assess.Partial, Points: 4}})
	if s.Got != 4 || s.Max != 8 || s.Percent == nil || *s.Percent != 50 || s.Failed != 1 {
		t.Errorf("site score: got %+v (percent %v), want 4 of 8 = 50 %% with 1 failure", s, s.Percent)
	}
	if all := assess.ScoreSite(c, map[string]assess.Mark{"A": {Result: assess.NA}}); all.Percent != nil {
		t.Errorf("a site where nothing applies has a percentage: %v", *all.Percent)
	}
	if m := assess.Missing(c, map[string]assess.Mark{"B": {Result: assess.Pass}}); !slices.Equal(m, []string{"A", "C"}) {
		t.Errorf("missing: got %v, want [A C]", m)
	}
}

func TestMarksAnItemCannotTakeAreRefusedByName(t *testing.T) {
	pf := item("A1", assess.PassFail, 4, 0)
	pt := item("C1", assess.Points, 5, 0)
	for _, tc := range []struct {
		name   string
		it     assess.Item
		mark   assess.Mark
		reason string
	}{
		{"points beyond the maximum", pt, assess.Mark{Result: assess.Partial, Points: 5.5}, "above_maximum"},
		{"negative points", pt, assess.Mark{Result: assess.Partial, Points: -1}, "above_maximum"},
		{"points on a pass/fail item", pf, assess.Mark{Result: assess.Partial, Points: 1}, "not_points_item"},
		{"points in odd steps", pt, assess.Mark{Result: assess.Partial, Points: 1.3}, "half_points"},
		{"an unknown result", pf, assess.Mark{Result: "good"}, "bad_value"},
		{"points with a pass", pt, assess.Mark{Result: assess.Pass, Points: 3}, "points_without_result"},
		{"findings counted by a pass/fail item", pf, assess.Mark{Result: assess.Fail, Findings: 3}, "findings_not_counted"},
		{"findings with a pass", pf, assess.Mark{Result: assess.Pass, Findings: 1}, "findings_without_failure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.it.Check(tc.mark)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v, want an invalid-input refusal", err)
			}
			if reason, params := errs.Detail(err); reason != tc.reason || params["item"] != tc.it.Code {
				t.Errorf("got reason %q params %v, want %q naming item %s", reason, params, tc.reason, tc.it.Code)
			}
		})
	}
}

func candidates() []assess.Candidate {
	var out []assess.Candidate
	for _, d := range []string{"D1", "D2", "D3"} {
		for _, typ := range []string{"market", "toilet"} {
			for i := range 10 {
				out = append(out, assess.Candidate{Code: d + typ + string(rune('a'+i)), SiteType: typ, Path: []string{"C", d, d + "s"}})
			}
		}
	}
	return out
}

func TestSamplingIsReproducibleAndRespectsStrata(t *testing.T) {
	strata := []assess.Stratum{{"market", "D1", 3}, {"toilet", "D2", 4}, {"market", "C", 5}}
	a, err := assess.Sample(42, strata, candidates())
	if err != nil {
		t.Fatal(err)
	}
	shuffled := candidates()
	slices.Reverse(shuffled)
	b, err := assess.Sample(42, strata, shuffled)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a, b) {
		t.Errorf("the same seed drew differently:\n%v\n%v", a, b)
	}
	if len(a) != 12 {
		t.Fatalf("drew %d sites, want 12", len(a))
	}
	for i, code := range a {
		switch {
		case i < 3 && !strings.HasPrefix(code, "D1market"):
			t.Errorf("site %d (%s) is not a market in D1", i, code)
		case i >= 3 && i < 7 && !strings.HasPrefix(code, "D2toilet"):
			t.Errorf("site %d (%s) is not a toilet in D2", i, code)
		case i >= 7 && !strings.Contains(code, "market"):
			t.Errorf("site %d (%s) is not a market", i, code)
		}
	}
	seen := map[string]bool{}
	for _, c := range a {
		if seen[c] {
			t.Errorf("%s drawn twice", c)
		}
		seen[c] = true
	}
	other, _ := assess.Sample(43, strata, candidates())
	if slices.Equal(a, other) {
		t.Errorf("seeds 42 and 43 drew the same sites: %v", a)
	}
	// A stratum added at the end leaves the earlier draws as they were.
	more, err := assess.Sample(42, append(slices.Clone(strata), assess.Stratum{"toilet", "D3", 1}), candidates())
	if err != nil || !slices.Equal(more[:12], a) {
		t.Errorf("adding a stratum changed the earlier draws: %v (%v)", more, err)
	}
}

func TestASampleAskingMoreThanAStratumHasIsRefused(t *testing.T) {
	_, err := assess.Sample(1, []assess.Stratum{{"market", "D1", 8}, {"market", "D1", 3}}, candidates())
	reason, params := errs.Detail(err)
	if reason != "stratum_too_small" || params["stratum"] != 2 || params["available"] != 2 {
		t.Errorf("got %v (%s %v), want stratum 2 too small with 2 available", err, reason, params)
	}
	if _, err := assess.Sample(1, []assess.Stratum{{"market", "D1", 0}}, candidates()); !errs.Is(err, errs.Invalid) {
		t.Errorf("a count of 0: got %v, want invalid", err)
	}
}

const header = "standard,standard_name,edition,year,site_type,site_type_name,code,level1,level2,level3,item,max_score,rule,deduction,evidence,category_kind,category\n"

func TestTheDemoChecklistsRead(t *testing.T) {
	f, err := os.Open("../app/assessment/checklists.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := assess.ReadChecklistCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Standards) != 1 || got.Standards[0].Name == "" {
		t.Errorf("standards: %+v", got.Standards)
	}
	want := []string{"market", "back_alley", "main_road", "residential", "public_toilet", "bus_stop", "park_square", "hospital", "school"}
	for _, c := range got.Checklists {
		want = slices.DeleteFunc(want, func(s string) bool { return s == c.SiteType })
		if len(c.Items) < 8 || c.SiteTypeName == "" {
			t.Errorf("%s (%s) has %d items, want at least 8 and a name", c.SiteType, c.SiteTypeName, len(c.Items))
		}
	}
	if len(want) > 0 {
		t.Errorf("no checklist for %v", want)
	}
}

func TestEveryBadLineOfAChecklistFileIsNamed(t *testing.T) {
	file := header +
		"s1,标准,2021,2021,market,农贸市场,M01,卫生,,,公示齐全,5,pass_fail,,photo,matter,09020\n" +
		"s1,,,,market,,M02,卫生,,,防鼠,0,pass_fail,,photo,matter,09020\n" + // line 3: max 0
		"s1,,,,market,,M01,卫生,,,again,5,pass_fail,,photo,matter,09020\n" + // line 4: repeats
		"s1,,,,market,,M03,卫生,,,x,5,deduction,,photo,matter,09020\n" + // line 5: no deduction
		"s1,,,,market,,M04,卫生,,,x,5,pass_fail,,smell,matter,9020\n" + // line 6: evidence and category
		"s1,,,,market,,M05,卫生,,,x\x00,5,pass_fail,,photo,matter,09020\n" + // line 7: NUL
		"s1,另一个名字,,,market,,M06,卫生,,,x,5,pass_fail,,photo,matter,09020\n" // line 8: renamed standard
	_, err := assess.ReadChecklistCSV(strings.NewReader(file))
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v, want invalid", err)
	}
	for _, want := range []string{"line 3: max_score", "line 4: item M01", "line 5: deduction", "line 6: evidence", "category \"9020\"", "line 7: column item", "line 8: standard s1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "line 2:") {
		t.Errorf("the good line is named: %v", err)
	}
	if _, err := assess.ReadChecklistCSV(strings.NewReader("standard,code\ns,1\n")); err == nil || !strings.Contains(err.Error(), "site_type") {
		t.Errorf("a header without columns: got %v", err)
	}
}

func TestAChecklistReadsFromExcel(t *testing.T) {
	f := excelize.NewFile()
	for i, line := range strings.Split(strings.TrimSpace(header+"s1,标准,2021,2021,market,农贸市场,M01,卫生,,,公示齐全,5,deduction,1,photo,matter,09020"), "\n") {
		cells := strings.Split(line, ",")
		row := make([]any, len(cells))
		for j, c := range cells {
			row[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	got, err := assess.ReadChecklistXLSX(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Checklists) != 1 || got.Checklists[0].Items[0].Deduction != 1 || got.Standards[0].Year != 2021 {
		t.Errorf("got %+v", got)
	}
	if _, err := assess.ReadChecklistXLSX(strings.NewReader("not a workbook")); !errs.Is(err, errs.Invalid) {
		t.Errorf("a file that is no workbook: got %v, want invalid", err)
	}
}

func TestEveryBadLineOfASitesFileIsNamed(t *testing.T) {
	file := "code,site_type,name,address,lon,lat,crs,department\n" +
		"S1,market,菜市场,路1号,113.2,35.2,,\n" +
		"S2,market,,路2号,113.2,35.2,,\n" + // no name
		"S1,market,again,,113.2,35.2,,\n" + // repeats
		"S3,market,x,,east,35.2,,\n" + // lon
		"S4,market,x,,113.2,35.2,utm,\n" // crs
	_, err := assess.ReadSitesCSV(strings.NewReader(file))
	for _, want := range []string{"line 3: name is empty", "line 4: site S1 repeats line 2", "line 5: lon", "line 6: crs"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not say %q: %v", want, err)
		}
	}
	got, err := assess.ReadSitesCSV(strings.NewReader("\ufeffCode,Site_Type,Name,Lon,Lat\nS1,market,菜市场,113.2,35.2\n"))
	if err != nil || len(got) != 1 || got[0].Name != "菜市场" || got[0].Line != 2 {
		t.Errorf("got %+v, %v", got, err)
	}
}

func FuzzReadChecklistCSV(f *testing.F) {
	f.Add([]byte(header + "s1,标准,2021,2021,market,农贸市场,M01,卫生,,,公示齐全,5,pass_fail,,photo,matter,09020\n"))
	f.Add([]byte(header + "s1,n,,,m,,M1,l,,,x,2.5,deduction,0.5,photo,component,01001\n\"unterminated"))
	f.Add([]byte("standard\n\xff\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := assess.ReadChecklistCSV(bytes.NewReader(b))
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("an unreadable file is not invalid input: %v", err)
			}
			return
		}
		for _, c := range got.Checklists {
			if len(c.Items) == 0 || len(c.Items) > assess.MaxItems {
				t.Fatalf("a checklist of %d items", len(c.Items))
			}
			for _, it := range c.Items {
				if err := it.Validate(); err != nil {
					t.Fatalf("an item that does not validate was read: %v", err)
				}
			}
		}
	})
}

func FuzzReadSitesCSV(f *testing.F) {
	f.Add([]byte("code,site_type,name,lon,lat\nS1,market,菜市场,113.2,35.2\n"))
	f.Add([]byte("code,site_type,name,lon,lat,crs\nS1,market,x,NaN,1e400,bd09\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := assess.ReadSitesCSV(bytes.NewReader(b))
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("an unreadable file is not invalid input: %v", err)
			}
			return
		}
		for _, s := range got {
			if err := s.Validate(); err != nil {
				t.Fatalf("a site that does not validate was read: %v", err)
			}
		}
	})
}
