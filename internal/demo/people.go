package demo

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/app/regions"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Person is one of the demo city's staff or residents.
type Person struct {
	Username   string
	Name       string // a Chinese name
	Role       access.Role
	Scope      string
	Department string
	Grids      []string // a grid worker's unit grids
	Note       string   // what they do, as the logins table says it
}

// Staff is the demo city's people: for every subdistrict an operator and a dispatcher of its
// centre; for every district a leader, an operator and a dispatcher, and the city's three; two
// handlers for every department; a grid worker for the unit grids of every community; and some
// registered residents. Usernames say where each works (jiefang.001.dispatcher is the command
// centre's dispatcher of 解放区's subdistrict 001).
type Staff struct {
	People []Person
	// Named are the people the demo prints per district, so a visitor can sign in to one
	// district's city from several seats.
	Named map[string][]Person
	// By what they do, for the history.
	Operator, Dispatcher, Leader map[string]string   // region code (city, district, subdistrict) → username
	Handlers                     map[string][]string // department → usernames
	GridWorker                   map[string]string   // unit grid → username
	Residents                    []string
}

// residents is how many registered residents the demo city has.
const residents = 120

// NewStaff names the city's people. It is deterministic: the same city gives the same people.
func NewStaff(c *City) *Staff {
	s := &Staff{Named: map[string][]Person{}, Operator: map[string]string{}, Dispatcher: map[string]string{},
		Leader: map[string]string{}, Handlers: map[string][]string{}, GridWorker: map[string]string{}}
	names := newNamer()
	add := func(p Person) Person {
		p.Name = names.next()
		s.People = append(s.People, p)
		return p
	}
	centre := func(code, prefix, place string) (leader Person) {
		if code != c.Code && len(code) > 6 { // subdistricts have no leader of their own here
			s.Operator[code] = add(Person{Username: prefix + ".operator", Role: access.Operator, Scope: code, Note: place + " 监督中心受理员"}).Username
			s.Dispatcher[code] = add(Person{Username: prefix + ".dispatcher", Role: access.Dispatcher, Scope: code, Note: place + " 指挥中心派遣员"}).Username
			return Person{}
		}
		leader = add(Person{Username: prefix + ".leader", Role: access.Leader, Scope: code, Note: place + " 监督中心值班长"})
		s.Leader[code] = leader.Username
		s.Operator[code] = add(Person{Username: prefix + ".operator", Role: access.Operator, Scope: code, Note: place + " 监督中心受理员"}).Username
		s.Dispatcher[code] = add(Person{Username: prefix + ".dispatcher", Role: access.Dispatcher, Scope: code, Note: place + " 指挥中心派遣员"}).Username
		return leader
	}
	centre(c.Code, "jiaozuo", "焦作市")
	depts := map[string][]string{} // region → its departments' codes
	for _, d := range c.Departments {
		depts[d.RegionCode] = append(depts[d.RegionCode], d.Code)
		prefix := deptPrefix(d.Code)
		for i := 1; i <= 2; i++ {
			p := add(Person{Username: fmt.Sprintf("%s.%d", prefix, i), Role: access.Handler, Department: d.Code, Note: d.Name + " 处置员"})
			s.Handlers[d.Code] = append(s.Handlers[d.Code], p.Username)
		}
	}
	for _, d := range c.Districts {
		sl := slug(d.Code)
		named := []Person{centre(d.Code, sl, d.Name)}
		var workers []Person
		for i, sd := range c.Subdistricts[d.Code] {
			centre(sd.Code, sl+"."+sd.Code[6:], sd.Name)
			if i == 0 {
				named = append(named, s.person(s.Dispatcher[sd.Code]))
			}
			for _, cm := range c.Communities[sd.Code] {
				gs := c.Grids[cm.Code]
				if len(gs) == 0 {
					continue
				}
				codes := make([]string, len(gs))
				for i, g := range gs {
					codes[i] = g.Code
				}
				p := add(Person{Username: sl + ".gw." + cm.Code[6:], Role: access.GridWorker, Scope: cm.Code, Grids: codes,
					Note: fmt.Sprintf("%s 网格员 (%d 个网格)", shortName(cm.Name), len(codes))})
				for _, g := range codes {
					s.GridWorker[g] = p.Username
				}
				if len(workers) < 2 {
					workers = append(workers, p)
				}
			}
		}
		// Two handlers of different departments: city management and sanitation where the
		// district has them, else the first two departments of its own.
		var hs []Person
		for _, code := range depts[d.Code] {
			if strings.HasSuffix(code, "-CGJ") || strings.HasSuffix(code, "-HW") {
				hs = append(hs, s.person(s.Handlers[code][0]))
			}
		}
		for _, code := range depts[d.Code] {
			if len(hs) < 2 && !strings.HasSuffix(code, "-CGJ") && !strings.HasSuffix(code, "-HW") {
				hs = append(hs, s.person(s.Handlers[code][0]))
			}
		}
		named = append(named, hs...)
		s.Named[d.Code] = append(named, workers...)
	}
	for i := 1; i <= residents; i++ {
		s.Residents = append(s.Residents, add(Person{Username: fmt.Sprintf("resident.%03d", i), Role: access.Resident, Note: "居民"}).Username)
	}
	return s
}

func (s *Staff) person(username string) Person {
	for _, p := range s.People {
		if p.Username == username {
			return p
		}
	}
	return Person{}
}

// deptPrefix is the user-name prefix of a department's handlers: 410802-HW → jiefang.hw,
// 4108-ZJJ → jiaozuo.zjj, a subdistrict office 410802001-BSC → jiefang.001.bsc.
func deptPrefix(code string) string {
	region, suffix, _ := strings.Cut(code, "-")
	suffix = strings.ToLower(suffix)
	switch {
	case region == "4108":
		return "jiaozuo." + suffix
	case len(region) > 6:
		return slug(region[:6]) + "." + region[6:] + "." + suffix
	}
	return slug(region) + "." + suffix
}

// shortName drops the committee's formal tail from a community's name: 枫华园社区居民委员会 → 枫华园社区.
func shortName(name string) string {
	for _, tail := range []string{"居民委员会", "村民委员会", "居委会", "村委会"} {
		if n, ok := strings.CutSuffix(name, tail); ok {
			name = n
			break
		}
	}
	return name
}

// namer makes plausible Chinese names, the same sequence every time.
type namer struct {
	rng *rand.Rand
}

func newNamer() *namer { return &namer{rng: rand.New(rand.NewPCG(4108, 2026))} }

var (
	surnames = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌波宇浩凯鹏飞云海燕晨宁欣佳琳颖博瑞鑫泽昊晓梅婷雪丹倩")
)

func (n *namer) next() string {
	name := string(surnames[n.rng.IntN(len(surnames))]) + string(given[n.rng.IntN(len(given))])
	if n.rng.IntN(3) > 0 {
		name += string(given[n.rng.IntN(len(given))])
	}
	return name
}

// seedStaff creates the city's people and puts the grid workers on their grids. It skips
// whoever exists, so seeding again adds only what is missing. All in one transaction: a
// seeding cut short leaves nobody half made.
func seedStaff(ctx context.Context, a *app.App, c *City) (*Staff, error) {
	s := NewStaff(c)
	actor := access.SystemPrincipal("demo")
	existing, err := a.People.ListUsers(ctx, actor)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, u := range existing {
		have[u.Username] = true
	}
	err = a.Batch(ctx, func(ctx context.Context) error {
		for _, p := range s.People {
			if have[p.Username] {
				continue
			}
			u := people.NewUser{Username: p.Username, DisplayName: p.Name + " · " + p.Note, Role: string(p.Role), Password: Password, Department: p.Department}
			if p.Role.NeedsRegionScope() {
				u.Scope = p.Scope
			}
			if _, err := a.People.AddUser(ctx, actor, u); err != nil {
				return fmt.Errorf("seed user %s: %w", p.Username, err)
			}
			for _, g := range p.Grids {
				if err := a.Regions.PutGridMember(ctx, actor, g, p.Username, regions.GridWorker); err != nil {
					return fmt.Errorf("seed grid member %s of %s: %w", p.Username, g, err)
				}
			}
		}
		return nil
	})
	return s, err
}

// PreferBusyGridWorkers names, in each district, grid workers who have checks or
// verifications waiting now, where any have: a visitor signing in as one sees work to do.
func (s *Staff) PreferBusyGridWorkers(ctx context.Context, a *app.App) error {
	page, err := a.Cases.ListCases(ctx, access.SystemPrincipal("demo"), cases.CaseFilter{HolderKind: string(workflow.HolderGridWorker),
		Statuses: []string{string(workflow.Reported), string(workflow.Handled)}, Limit: 500})
	if err != nil {
		return err
	}
	busy := map[string]bool{}
	for _, c := range page.Cases {
		if w := s.GridWorker[c.Grid]; w != "" {
			busy[w] = true
		}
	}
	byName := map[string]Person{}
	for _, p := range s.People {
		byName[p.Username] = p
	}
	for district, named := range s.Named {
		var workers []Person
		for _, w := range slices.Sorted(maps.Keys(busy)) {
			if p := byName[w]; strings.HasPrefix(p.Scope, district) && len(workers) < 2 {
				workers = append(workers, p)
			}
		}
		kept := slices.DeleteFunc(slices.Clone(named), func(p Person) bool { return p.Role == access.GridWorker })
		for _, p := range named {
			if p.Role == access.GridWorker && len(workers) < 2 && !slices.ContainsFunc(workers, func(w Person) bool { return w.Username == p.Username }) {
				workers = append(workers, p)
			}
		}
		s.Named[district] = append(kept, workers...)
	}
	return nil
}
