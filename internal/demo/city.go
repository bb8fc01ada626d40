package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// City is the seeded demo city as its people and its history see it: the region tree down to
// unit grids, and the departments.
type City struct {
	Code         string
	Districts    []grid.Region
	Subdistricts map[string][]grid.Region // by district code
	Communities  map[string][]grid.Region // by subdistrict code
	Grids        map[string][]UnitGrid    // by community code
	Departments  []workflow.Department
	Rules        []workflow.Rule
}

// UnitGrid is a unit grid with what the history needs of its shape: its bounds, to draw
// points from, and the polygon, to keep them inside.
type UnitGrid struct {
	Code      string
	Name      string
	AreaClass grid.AreaClass
	Geometry  orb.Geometry
	Bound     orb.Bound
}

// districtSlugs name the districts in user names (pinyin), so a visitor can tell them apart.
var districtSlugs = map[string]string{
	"410802": "jiefang", "410803": "zhongzhan", "410804": "macun", "410811": "shanyang",
	"410821": "xiuwu", "410822": "boai", "410823": "wuzhi", "410825": "wenxian",
	"410882": "qinyang", "410883": "mengzhou",
}

func slug(district string) string {
	if s, ok := districtSlugs[district]; ok {
		return s
	}
	return "d" + district
}

// LoadCity reads the seeded city back from the use cases.
func LoadCity(ctx context.Context, a *app.App) (*City, error) {
	c := &City{Code: "4108", Subdistricts: map[string][]grid.Region{}, Communities: map[string][]grid.Region{}, Grids: map[string][]UnitGrid{}}
	for r, err := range a.Regions.Regions(ctx, c.Code) {
		if err != nil {
			return nil, fmt.Errorf("read the demo city: %w", err)
		}
		switch r.Level {
		case grid.District:
			c.Districts = append(c.Districts, r)
		case grid.Subdistrict:
			c.Subdistricts[r.ParentCode] = append(c.Subdistricts[r.ParentCode], r)
		case grid.Community:
			c.Communities[r.ParentCode] = append(c.Communities[r.ParentCode], r)
		case grid.Grid:
			if r.Geometry == nil || !r.ValidTo.IsZero() {
				continue
			}
			c.Grids[r.ParentCode] = append(c.Grids[r.ParentCode], UnitGrid{Code: r.Code, Name: r.Name, AreaClass: r.AreaClass, Geometry: r.Geometry, Bound: r.Geometry.Bound()})
		}
	}
	byCode := func(a, b grid.Region) int { return strings.Compare(a.Code, b.Code) }
	slices.SortFunc(c.Districts, byCode)
	for _, m := range []map[string][]grid.Region{c.Subdistricts, c.Communities} {
		for _, rs := range m {
			slices.SortFunc(rs, byCode)
		}
	}
	for _, gs := range c.Grids {
		slices.SortFunc(gs, func(a, b UnitGrid) int { return strings.Compare(a.Code, b.Code) })
	}
	var err error
	if c.Departments, err = a.Settings.Departments(ctx); err != nil {
		return nil, err
	}
	slices.SortFunc(c.Departments, func(a, b workflow.Department) int { return strings.Compare(a.Code, b.Code) })
	return c, nil
}

// districtDepartment is a kind of department every district of the full city has, and the
// major classes its rules send it.
type districtDepartment struct {
	suffix, name string
	classes      []string
}

// districtDepartments: who handles what in each district of the full city. 08 (construction)
// goes to the city's housing bureau with the district's city management as co-department, and
// 05 and 10 (the rest) fall to the subdistrict offices (属地兜底).
var districtDepartments = []districtDepartment{
	{"CGJ", "城市管理局", []string{"07", "09"}},
	{"HW", "环境卫生服务中心", []string{"03", "06"}},
	{"SZ", "市政工程管理中心", []string{"01"}},
	{"JJ", "交警大队", []string{"02"}},
	{"YL", "园林绿化中心", []string{"04"}},
}

// fullDepartments are the departments of every district of the full city, besides
// Departments().
func fullDepartments(districts []grid.Incoming) []workflow.Department {
	have := map[string]bool{}
	for _, d := range Departments() {
		have[d.Code] = true
	}
	var out []workflow.Department
	for _, d := range districts {
		for _, k := range districtDepartments {
			code := d.Code + "-" + k.suffix
			if !have[code] {
				out = append(out, workflow.Department{Code: code, Name: d.Name + k.name, Level: grid.District, RegionCode: d.Code})
			}
		}
	}
	return out
}

// fullRules route every major class but 05 and 10 in every district of the full city to its
// department, and two categories in every subdistrict to its office, after Rules(): where
// Rules() already routes a class in a district, its rule stays the one that applies (the same
// region and category, and first in order).
func fullRules(districts, subdistricts []grid.Incoming) []workflow.Rule {
	have := map[string]bool{}
	order := 0
	for _, r := range Rules() {
		have[r.Region+"/"+r.Category] = true
		order = max(order, r.Order)
	}
	var out []workflow.Rule
	add := func(r workflow.Rule) {
		if have[r.Region+"/"+r.Category] {
			return
		}
		have[r.Region+"/"+r.Category] = true
		order++
		r.Order = order
		out = append(out, r)
	}
	for _, d := range districts {
		for _, k := range districtDepartments {
			for _, class := range k.classes {
				add(workflow.Rule{Region: d.Code, Category: class, Department: d.Code + "-" + k.suffix})
			}
		}
		// Illegal building is city management's, not sanitation's; exposed garbage goes to
		// sanitation without a dispatcher; construction is the city's, with the district.
		add(workflow.Rule{Region: d.Code, Category: "06001", Department: d.Code + "-CGJ"})
		add(workflow.Rule{Region: d.Code, Category: "06010", Department: d.Code + "-HW", Auto: true})
		if d.Code != "410802" { // the city-wide rule of Rules() names 解放区's already
			add(workflow.Rule{Region: d.Code, Category: "08", Department: "4108-ZJJ", CoDepartments: []string{d.Code + "-CGJ"}})
		}
	}
	// What a subdistrict sorts out itself (属地管理): stacked clutter and shops spilling onto
	// the pavement go to its office.
	for _, sd := range subdistricts {
		for _, cat := range []string{"06036", "09005"} {
			add(workflow.Rule{Region: sd.Code, Category: cat, Department: sd.Code + "-BSC"})
		}
	}
	return out
}
