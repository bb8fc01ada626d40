package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/grid"
)

// siteKinds are the demo's evaluation sites per subdistrict: how many of each type, and how
// a site of the type is named after its community.
var siteKinds = []struct {
	typ, suffix string
	per         int
}{
	{"market", "农贸市场", 1},
	{"back_alley", "背街小巷", 3},
	{"main_road", "主干道路段", 2},
	{"residential", "小区", 3},
	{"public_toilet", "公共厕所", 1},
	{"bus_stop", "公交站", 1},
	{"park_square", "游园广场", 1},
	{"hospital", "卫生服务中心周边", 1},
	{"school", "小学周边", 1},
}

// urban are the city's four urban districts, where the demo's evaluation sites are.
var urban = map[string]bool{"410802": true, "410803": true, "410804": true, "410811": true}

// SeedSites gives the seeded city its assessment: the demo's checklists, and evaluation sites
// in every subdistrict of the urban districts (14 each: a few hundred), each in a
// unit grid of the subdistrict, named after its community and the responsibility of the
// subdistrict's office. The same seed places the same sites; seeding again updates them in
// place (sites are keyed by code).
func SeedSites(ctx context.Context, a *app.App, seed uint64) (int, error) {
	actor := access.SystemPrincipal("demo")
	if _, err := a.Assessment.EnsureDemoChecklists(ctx, actor); err != nil {
		return 0, fmt.Errorf("seed checklists: %w", err)
	}
	c, err := LoadCity(ctx, a)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5173))
	var rows []assess.SiteRow
	for _, d := range c.Districts {
		if !urban[d.Code] {
			continue // the assessors sample the urban districts (城区)
		}
		for _, sd := range c.Subdistricts[d.Code] {
			comms := c.Communities[sd.Code]
			n := 0
			for _, k := range siteKinds {
				for i := 0; i < k.per; i++ {
					var (
						comm grid.Region
						g    *UnitGrid
					)
					// A community with unit grids, drawn at random.
					for try := 0; try < 20 && g == nil && len(comms) > 0; try++ {
						comm = comms[rng.IntN(len(comms))]
						if gs := c.Grids[comm.Code]; len(gs) > 0 {
							g = &gs[rng.IntN(len(gs))]
						}
					}
					if g == nil {
						continue
					}
					lon, lat, ok := pointLocatedIn(ctx, a, rng, g)
					if !ok {
						continue
					}
					n++
					rows = append(rows, assess.SiteRow{Code: fmt.Sprintf("%s-%02d", sd.Code, n), SiteType: k.typ,
						Name: shortName(comm.Name) + k.suffix + number(k.per, i), Address: sd.Name + comm.Name,
						Lon: lon, Lat: lat, CRS: "wgs84", Department: sd.Code + "-BSC", Contact: sd.Name + "办事处"})
				}
			}
		}
	}
	if len(rows) == 0 {
		return 0, nil
	}
	r, err := a.Assessment.AddSites(ctx, actor, rows)
	if err != nil {
		return 0, fmt.Errorf("seed sites: %w", err)
	}
	return r.New + r.Updated, nil
}

// pointLocatedIn draws a point in a grid that the city locates to that grid.
func pointLocatedIn(ctx context.Context, a *app.App, rng *rand.Rand, g *UnitGrid) (float64, float64, bool) {
	b := g.Bound
	for i := 0; i < 50; i++ {
		lon := round6(b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]))
		lat := round6(b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]))
		if !grid.Contains(g.Geometry, [2]float64{lon, lat}) {
			continue
		}
		if loc, err := a.Cases.Locate(ctx, lon, lat, crs.WGS84); err == nil && loc.Region.Code == g.Code {
			return lon, lat, true
		}
	}
	return 0, 0, false
}

// number tells apart the sites of a type a subdistrict has several of: "", or 一, 二, 三 ….
func number(per, i int) string {
	if per == 1 {
		return ""
	}
	return string([]rune("一二三四五六七八九十")[i%10])
}
