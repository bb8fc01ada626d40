package workflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
)

func TestSuggest(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	noon := time.Date(2026, 11, 25, 12, 0, 0, 0, cst)
	night := time.Date(2026, 11, 25, 23, 30, 0, 0, cst)
	rules := []workflow.Rule{
		{Order: 1, Region: "4108", Department: "CITY-CG"},                                // the city's catch-all
		{Order: 2, Region: "410802", Category: "09", Department: "JF-CG"},                // street order in 解放区
		{Order: 3, Region: "410802", Category: "09009", Department: "JF-JJ", Auto: true}, // parking → traffic police
		{Order: 4, Region: "410802001", Category: "06", Department: "MS-HW"},             // environment in 民生街道
		{Order: 5, Region: "410802", Category: "06", Department: "JF-HW"},                // environment in 解放区
		{Order: 6, Region: "410802", Category: "06", Department: "JF-HW2"},               // same specificity, later order
		{Order: 7, Region: "410802", Category: "09009", Department: "JF-NIGHT", From: "22:00", To: "06:00"},
		{Order: 8, Region: "410802", Category: "06010", CategoryKind: workflow.Component, Department: "JF-COMP"},
	}
	inMinsheng := []string{"4108", "410802", "410802001", "410802001001", "410802001001001"}
	inShanyang := []string{"4108", "410811", "410811001", "410811001001", "410811001001001"}
	tests := []struct {
		name string
		q    workflow.RouteQuery
		want string // "" = no rule
	}{
		{"an exact category beats its major class", workflow.RouteQuery{Kind: workflow.Matter, Category: "09009", RegionPath: inMinsheng, At: noon}, "JF-JJ"},
		{"a major class beats the catch-all", workflow.RouteQuery{Kind: workflow.Matter, Category: "09001", RegionPath: inMinsheng, At: noon}, "JF-CG"},
		{"a deeper region beats an exact category higher up", workflow.RouteQuery{Kind: workflow.Matter, Category: "06010", RegionPath: inMinsheng, At: noon}, "MS-HW"},
		{"equal rules go by order", workflow.RouteQuery{Kind: workflow.Matter, Category: "06010", RegionPath: []string{"4108", "410802", "410802002"}, At: noon}, "JF-HW"},
		{"a time window applies overnight", workflow.RouteQuery{Kind: workflow.Matter, Category: "09009", RegionPath: inMinsheng, At: night}, "JF-JJ"},
		{"another district falls to the city's catch-all", workflow.RouteQuery{Kind: workflow.Matter, Category: "09009", RegionPath: inShanyang, At: noon}, "CITY-CG"},
		{"a rule for the other kind does not apply", workflow.RouteQuery{Kind: workflow.Matter, Category: "06010", RegionPath: []string{"4108", "410802", "410802002"}, At: noon}, "JF-HW"},
		{"outside every rule's region there is none", workflow.RouteQuery{Kind: workflow.Matter, Category: "09009", RegionPath: []string{"4109", "410902"}, At: noon}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := workflow.Suggest(rules, tt.q)
			if tt.want == "" {
				if ok {
					t.Fatalf("Suggest = %v, want no rule", got)
				}
				return
			}
			if !ok || got.Department != tt.want {
				t.Fatalf("Suggest = %v (%v), want %s", got, ok, tt.want)
			}
		})
	}
	// The night rule is the more specific one at night only when its order wins among equals.
	nightOnly := []workflow.Rule{{Order: 1, Region: "410802", Category: "09009", Department: "DAY", From: "06:00", To: "22:00"}, {Order: 2, Region: "410802", Category: "09009", Department: "NIGHT", From: "22:00", To: "06:00"}}
	for at, want := range map[time.Time]string{noon: "DAY", night: "NIGHT"} {
		if got, _ := workflow.Suggest(nightOnly, workflow.RouteQuery{Kind: workflow.Matter, Category: "09009", RegionPath: inMinsheng, At: at}); got.Department != want {
			t.Errorf("at %s: %s, want %s", at.Format("15:04"), got.Department, want)
		}
	}
}

func TestRuleValidate(t *testing.T) {
	tests := []struct {
		name string
		r    workflow.Rule
		ok   bool
	}{
		{"a plain rule", workflow.Rule{Department: "D"}, true},
		{"an exact category and a window", workflow.Rule{Category: "09009", From: "08:00", To: "18:00", Department: "D"}, true},
		{"no department", workflow.Rule{Category: "09009"}, false},
		{"a three-digit category", workflow.Rule{Category: "090", Department: "D"}, false},
		{"a window without its end", workflow.Rule{From: "08:00", Department: "D"}, false},
		{"a bad time", workflow.Rule{From: "8am", To: "18:00", Department: "D"}, false},
		{"an empty window", workflow.Rule{From: "08:00", To: "08:00", Department: "D"}, false},
		{"a department as its own co-department", workflow.Rule{Department: "D", CoDepartments: []string{"D"}}, false},
		{"an unknown kind", workflow.Rule{CategoryKind: "event", Department: "D"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.r.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func FuzzReadRules(f *testing.F) {
	f.Add("order,category,region,from,to,department,co_departments,auto\n1,09009,410802,22:00,06:00,D,E;F,true\n")
	f.Add("department\nD\n")
	f.Fuzz(func(t *testing.T, in string) {
		rules, err := workflow.ReadRules(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, r := range rules {
			if err := r.Validate(); err != nil {
				t.Fatalf("ReadRules returned an invalid rule %+v: %v", r, err)
			}
		}
	})
}
