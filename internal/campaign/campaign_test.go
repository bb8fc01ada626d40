package campaign_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
)

func good() campaign.Campaign {
	return campaign.Campaign{Name: "农村旱厕清零", Kind: campaign.DryToilets, Scope: []string{"410821", "410822"}, Owner: "4108-AWB",
		StartsOn: "2026-03-01", DueOn: "2026-06-30", CategoryKind: "component", Category: "02005"}
}

func TestACampaignIsChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*campaign.Campaign)
		reason string // "" when it passes
	}{
		{"a good campaign", func(*campaign.Campaign) {}, ""},
		{"to zero on one day", func(c *campaign.Campaign) { c.DueOn = c.StartsOn }, ""},
		{"no name", func(c *campaign.Campaign) { c.Name = " " }, "required"},
		{"a long name", func(c *campaign.Campaign) { c.Name = strings.Repeat("厕", 101) }, "too_long"},
		{"NUL in the name", func(c *campaign.Campaign) { c.Name = "a\x00" }, "bad_text"},
		{"invalid UTF-8 in the note", func(c *campaign.Campaign) { c.Note = "\xff" }, "bad_text"},
		{"an unknown kind", func(c *campaign.Campaign) { c.Kind = "parade" }, "bad_value"},
		{"no scope", func(c *campaign.Campaign) { c.Scope = nil }, "required"},
		{"a scope that is not a code", func(c *campaign.Campaign) { c.Scope = []string{"4108;--"} }, "no_region"},
		{"a region twice", func(c *campaign.Campaign) { c.Scope = []string{"410821", "410821"} }, "bad_value"},
		{"no owner", func(c *campaign.Campaign) { c.Owner = "" }, "required"},
		{"a bad date", func(c *campaign.Campaign) { c.DueOn = "30/06/2026" }, "bad_value"},
		{"due before the start", func(c *campaign.Campaign) { c.DueOn = "2026-02-28" }, "campaign_bad_dates"},
		{"more than five years", func(c *campaign.Campaign) { c.DueOn = "2032-03-01" }, "campaign_bad_dates"},
		{"a negative goal", func(c *campaign.Campaign) { c.Goal = -1 }, "bad_value"},
		{"half a category", func(c *campaign.Campaign) { c.Category = "" }, "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.edit(&c)
			err := c.Validate()
			if reason, _ := errs.Detail(err); (tc.reason == "") != (err == nil) || (err != nil && reason != tc.reason) {
				t.Errorf("got %v (reason %s), want %q", err, reason, tc.reason)
			}
		})
	}
}

func TestInScopeIsAnyRegionOfThePath(t *testing.T) {
	c := good()
	if !c.InScope([]string{"4108", "410821", "410821100"}) || c.InScope([]string{"4108", "410802", "410802001"}) {
		t.Error("InScope")
	}
}

func TestTheBurnDown(t *testing.T) {
	c := campaign.Campaign{StartsOn: "2026-03-02", DueOn: "2026-03-12"}
	// Ten targets listed before the start; two done on the 3rd, one reopened on the 4th, four
	// done on the 9th.
	deltas := []campaign.DayDelta{{"2026-02-27", 10}, {"2026-03-09", -4}, {"2026-03-03", -2}, {"2026-03-04", 1}}
	for _, tc := range []struct {
		name      string
		every     campaign.Every
		today     string
		days      []string
		remaining []int
		ideal     []float64
	}{
		{"daily", campaign.Daily, "2026-03-05", []string{"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"}, []int{10, 8, 9, 9}, []float64{10, 9, 8, 7}},
		{"weekly, with today last", campaign.Weekly, "2026-03-10", []string{"2026-03-02", "2026-03-09", "2026-03-10"}, []int{10, 5, 5}, []float64{10, 3, 2}},
		{"past the due date the line stays at the goal", campaign.Weekly, "2026-03-20", []string{"2026-03-02", "2026-03-09", "2026-03-16", "2026-03-20"}, []int{10, 5, 5, 5}, []float64{10, 3, 0, 0}},
		{"before the start, one point", campaign.Daily, "2026-02-28", []string{"2026-03-02"}, []int{10}, []float64{10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := campaign.BurnDown(c, tc.every, 10, 0, deltas, tc.today)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Points) != len(tc.days) {
				t.Fatalf("got %d points %+v, want %v", len(b.Points), b.Points, tc.days)
			}
			for i, p := range b.Points {
				if p.Day != tc.days[i] || p.Remaining != tc.remaining[i] || p.Ideal != tc.ideal[i] {
					t.Errorf("point %d: got %+v, want %s %d %v", i, p, tc.days[i], tc.remaining[i], tc.ideal[i])
				}
			}
			if last := b.Points[len(b.Points)-1]; b.Remaining != last.Remaining {
				t.Errorf("remaining %d, the last point %d", b.Remaining, last.Remaining)
			}
		})
	}
	long := campaign.Campaign{StartsOn: "2026-01-01", DueOn: "2030-12-31"}
	_, err := campaign.BurnDown(long, campaign.Daily, 1, 0, nil, "2029-01-01")
	if reason, _ := errs.Detail(err); reason != "burndown_too_long" {
		t.Errorf("three years by the day: %v", err)
	}
	if b, err := campaign.BurnDown(long, campaign.Weekly, 1, 0, nil, "2029-01-01"); err != nil || len(b.Points) < 150 {
		t.Errorf("three years by the week: %d points, %v", len(b.Points), err)
	}
	if _, err := campaign.ParseEvery("month"); err == nil {
		t.Error("every month is taken")
	}
}
