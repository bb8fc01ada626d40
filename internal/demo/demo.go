// Package demo seeds a ready demo city: Jiaozuo (焦作市, Henan) with its real district
// boundaries and its real subdistrict and community names and codes, unit grids generated
// inside them, departments, and one user per role. Its data is vendored in data/ (see
// data/SOURCE.md); nothing is downloaded.
package demo

import (
	"compress/gzip"
	"context"
	"embed"
	"fmt"
	"io"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/regionio"
	"github.com/citygrid/citygrid/internal/workflow"
)

//go:embed data/*.gz
var data embed.FS

// Password is every demo user's password. It is printed with the logins; a demo is not a
// deployment.
const Password = "citygrid-demo"

// Login is one demo account.
type Login struct {
	Username string
	Role     access.Role
	Scope    string
	Note     string
}

// GridWorkerGrid is the unit grid the demo grid worker works in.
const GridWorkerGrid = "410802001001001"

// Logins lists the demo accounts, one per role.
func Logins() []Login {
	return []Login{
		{"admin", access.Admin, "", "平台管理员 · 全市"},
		{"operator", access.Operator, "410802", "受理员 · 解放区监督中心"},
		{"leader", access.Leader, "410802", "值班长 · 解放区监督中心"},
		{"dispatcher", access.Dispatcher, "410802", "派遣员 · 解放区指挥中心"},
		{"handler", access.Handler, "", "处置员 · 解放区城市管理局"},
		{"gridworker", access.GridWorker, GridWorkerGrid, "网格员 · 枫华园社区第1网格"},
		{"inspector", access.Inspector, "4108", "测评员 · 焦作市文明办"},
		{"inspector2", access.Inspector, "4108", "测评员 · 焦作市文明办"},
		{"resident", access.Resident, "", "注册居民"},
	}
}

// handlerDepartment is the demo handler's department.
const handlerDepartment = "410802-CGJ"

// Rules returns the demo dispatch table; what it does not cover falls to the subdistrict
// offices (属地兜底).
func Rules() []workflow.Rule {
	return []workflow.Rule{
		{Order: 1, Region: "410802", Category: "06", Department: "410802-HW"},
		{Order: 2, Region: "410802", Category: "09", Department: handlerDepartment},
		{Order: 3, Region: "410802", Category: "09009", Department: handlerDepartment},
		// Exposed garbage always goes to sanitation: registered cases are dispatched at once.
		{Order: 6, Region: "410802", Category: "06010", Department: "410802-HW", Auto: true},
		{Order: 4, Region: "410811", Category: "09", Department: "410811-CGJ"},
		{Order: 5, Region: "4108", Category: "08", Department: "4108-ZJJ", CoDepartments: []string{handlerDepartment}},
	}
}

// subdistrictOffices gives every seeded subdistrict its office (街道办事处), the department
// of last resort for cases no rule routes.
func subdistrictOffices(in []grid.Incoming) []workflow.Department {
	var out []workflow.Department
	for _, r := range in {
		if r.Level == grid.Subdistrict {
			out = append(out, workflow.Department{Code: r.Code + "-BSC", Name: r.Name + "办事处", Level: grid.Subdistrict, RegionCode: r.Code})
		}
	}
	return out
}

// Departments returns the demo's district and city departments.
func Departments() []workflow.Department {
	return []workflow.Department{
		{Code: "4108-ZJJ", Name: "焦作市住房和城乡建设局", Level: grid.City, RegionCode: "4108"},
		{Code: handlerDepartment, Name: "解放区城市管理局", Level: grid.District, RegionCode: "410802"},
		{Code: "410802-HW", Name: "解放区环境卫生服务中心", Level: grid.District, RegionCode: "410802"},
		{Code: "410811-CGJ", Name: "山阳区城市管理局", Level: grid.District, RegionCode: "410811"},
	}
}

// Options choose how much of the city to seed.
type Options struct {
	// Full seeds every district with unit grids: about 24,000 grids, courtyard-sized in the
	// four urban districts and coarser in the counties (a few seconds). Without it only 解放区
	// and 山阳区 are seeded, with one coarse grid or a few per community: enough for tests.
	Full bool
	// Staff adds the city's people (see Staff): centre staff for every subdistrict, handlers
	// for every department, a grid worker on every unit grid, residents. The demo command
	// seeds them; tests leave them out, so their small city keeps one user per role.
	Staff bool
}

// cellArea is the size of generated unit grids in square metres.
func (o Options) cellArea(district string) float64 {
	switch {
	case !o.Full:
		return 4_000_000
	case district == "410802" || district == "410803" || district == "410804" || district == "410811":
		return 40_000
	}
	return 1_000_000
}

// included reports whether a district is seeded.
func (o Options) included(district string) bool {
	return o.Full || district == "410802" || district == "410811"
}

// Regions reads the vendored region data: the city, its districts with their boundaries
// (converted from GCJ-02 to WGS-84) and the subdistricts and communities under them.
func Regions(opts Options) ([]grid.Incoming, error) {
	in := []grid.Incoming{{Region: grid.Region{Code: "4108", Name: "焦作市", Level: grid.City, AreaClass: grid.AreaGeneral}, Where: "demo city"}}
	districts, err := open("jiaozuo-districts.geojson.gz")
	if err != nil {
		return nil, err
	}
	defer districts.Close()
	ds, problems, err := regionio.ReadGeoJSON(districts, nil)
	if err != nil || len(problems) > 0 {
		return nil, fmt.Errorf("demo districts: %v %v", err, problems)
	}
	have := map[string]bool{"4108": true}
	for _, d := range ds {
		if !opts.included(d.Code) {
			continue
		}
		// Repair in the source system, where the spikes are exactly straight (data/SOURCE.md).
		d.Geometry = grid.Transform(grid.Repair(d.Geometry), crs.GCJ02ToWGS84)
		in = append(in, d)
		have[d.Code] = true
	}
	streets, err := open("jiaozuo-streets.csv.gz")
	if err != nil {
		return nil, err
	}
	defer streets.Close()
	villages, err := open("jiaozuo-villages.csv.gz")
	if err != nil {
		return nil, err
	}
	defer villages.Close()
	divs, problems, err := regionio.ReadDivisions(streets, "streets.csv", villages, "villages.csv", "4108")
	if err != nil || len(problems) > 0 {
		return nil, fmt.Errorf("demo divisions: %v %v", err, problems)
	}
	// The divisions list a development zone (示范区) that has no boundary of its own in the
	// district data: leave it and what lies under it out.
	for _, r := range divs {
		if have[r.ParentCode] {
			have[r.Code] = true
			in = append(in, r)
		}
	}
	return in, nil
}

type gzipFile struct {
	*gzip.Reader
	f io.Closer
}

func (g gzipFile) Close() error { g.Reader.Close(); return g.f.Close() }

func open(name string) (io.ReadCloser, error) {
	f, err := data.Open("data/" + name)
	if err != nil {
		return nil, err
	}
	z, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("demo data %s: %w", name, err)
	}
	return gzipFile{z, f}, nil
}

// Seed creates the demo city. It is idempotent: regions and departments are updated in place,
// missing grids are generated, users that exist are left as they are.
func Seed(ctx context.Context, a *app.App, opts Options) error {
	actor := access.SystemPrincipal("demo")
	in, err := Regions(opts)
	if err != nil {
		return err
	}
	if _, err := a.Regions.ImportRegions(ctx, actor, in, nil, false); err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	// Generation only fills in what is missing, so seeding again leaves existing grids alone.
	for _, r := range in {
		if r.Level == grid.District {
			if _, err := a.Regions.GenerateGrids(ctx, actor, r.Code, opts.cellArea(r.Code)); err != nil {
				return fmt.Errorf("seed grids of %s: %w", r.Code, err)
			}
		}
	}
	if _, err := a.Settings.EnsureNationalCategories(ctx, actor); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	if _, err := a.Settings.EnsureUnclassifiedCategory(ctx, actor); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	if _, err := a.Settings.EnsureDefaultTimeLimits(ctx, actor); err != nil {
		return fmt.Errorf("seed time limits: %w", err)
	}
	if err := seedIdentity(ctx, a, actor); err != nil {
		return err
	}
	depts, rules := append(Departments(), subdistrictOffices(in)...), Rules()
	if opts.Full {
		var districts, subdistricts []grid.Incoming
		for _, r := range in {
			switch r.Level {
			case grid.District:
				districts = append(districts, r)
			case grid.Subdistrict:
				subdistricts = append(subdistricts, r)
			}
		}
		depts, rules = append(depts, fullDepartments(districts)...), append(rules, fullRules(districts, subdistricts)...)
	}
	if err := a.Settings.PutDepartments(ctx, actor, depts); err != nil {
		return fmt.Errorf("seed departments: %w", err)
	}
	if err := a.Settings.ReplaceRules(ctx, actor, rules); err != nil {
		return fmt.Errorf("seed dispatch rules: %w", err)
	}
	for _, l := range Logins() {
		u := people.NewUser{Username: l.Username, Role: string(l.Role), Scope: l.Scope, Password: Password, DisplayName: l.Note}
		if l.Role == access.Handler {
			u.Department = handlerDepartment
		}
		if _, err := a.People.AddUser(ctx, actor, u); err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("seed user %s: %w", l.Username, err)
		}
	}
	if err := a.Regions.PutGridMember(ctx, actor, GridWorkerGrid, "gridworker", regions.GridWorker); err != nil {
		return err
	}
	if !opts.Staff {
		return nil
	}
	c, err := LoadCity(ctx, a)
	if err != nil {
		return err
	}
	_, err = seedStaff(ctx, a, c)
	return err
}

// The demo city's name, unit and emblem (a star on red, drawn here): what a city's IT office
// sets in /admin/site.
const (
	SiteName = "焦作市数字化城市管理平台"
	SiteUnit = "焦作市城市管理局"
	emblem   = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="31" fill="#b91c1c"/>` +
		`<circle cx="32" cy="32" r="25" fill="none" stroke="#facc15" stroke-width="2"/>` +
		`<path d="M32 13l5.6 17.2H55.7L41 40.8l5.6 17.2L32 47.4 17.4 58 23 40.8 8.3 30.2h18.1z" fill="#facc15"/></svg>`
)

// seedIdentity names the demo deployment, once: seeding again leaves an administrator's own
// name and emblem alone.
func seedIdentity(ctx context.Context, a *app.App, actor *access.Principal) error {
	id, err := a.Settings.Identity(ctx)
	if err != nil || id.Name != "" {
		return err
	}
	if err := a.Settings.PutIdentity(ctx, actor, SiteName, SiteUnit); err != nil {
		return fmt.Errorf("seed the site's name: %w", err)
	}
	if err := a.Settings.PutEmblem(ctx, actor, []byte(emblem)); err != nil {
		return fmt.Errorf("seed the site's emblem: %w", err)
	}
	return nil
}
