package grid

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// SyntheticCity builds a deterministic, correctly coded city of about the given number of unit
// grids (districts × subdistricts × communities × ~100 grids, up to 10 districts of 10
// subdistricts), for benchmarks and load tests. The city is an irregular 64-gon around Jiaozuo sized so a grid is about one
// hectare, as real courtyard grids are.
func SyntheticCity(grids int, seed uint64) []Region {
	const gridsPerCommunity = 100
	total := max(1, float64(grids)/gridsPerCommunity) // communities in all
	districts := int(max(1, min(10, math.Round(math.Cbrt(total)))))
	subdistricts := int(max(1, min(10, math.Round(math.Sqrt(total/float64(districts))))))
	communities := int(max(1, math.Round(total/float64(districts*subdistricts))))
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	radius := math.Sqrt(float64(grids)*10_000/math.Pi) / metresPerDegree // degrees of latitude
	centre := orb.Point{113.24, 35.24}
	ring := make(orb.Ring, 0, 65)
	for i := range 64 {
		a := 2 * math.Pi * float64(i) / 64
		r := radius * (0.85 + 0.3*rng.Float64())
		ring = append(ring, orb.Point{centre[0] + r*math.Cos(a)/math.Cos(centre[1]*math.Pi/180), centre[1] + r*math.Sin(a)})
	}
	ring = append(ring, ring[0])

	city := Region{Code: "4108", Name: "合成市", Level: City, AreaClass: AreaGeneral, Geometry: orb.Polygon{ring}}
	out := []Region{city}
	for di, dg := range Partition(city.Geometry, districts) {
		d := Region{Code: fmt.Sprintf("41%04d", 801+di), Name: fmt.Sprintf("第%d区", di+1), Level: District, ParentCode: city.Code, AreaClass: AreaGeneral, Geometry: dg}
		out = append(out, d)
		for si, sg := range Partition(dg, subdistricts) {
			s := Region{Code: fmt.Sprintf("%s%03d", d.Code, si+1), Name: fmt.Sprintf("%s第%d街道", d.Name, si+1), Level: Subdistrict, ParentCode: d.Code, AreaClass: AreaGeneral, Geometry: sg}
			out = append(out, s)
			for ci, cg := range Partition(sg, communities) {
				c := Region{Code: fmt.Sprintf("%s%03d", s.Code, ci+1), Name: fmt.Sprintf("%s第%d社区", s.Name, ci+1), Level: Community, ParentCode: s.Code, AreaClass: AreaGeneral, Geometry: cg}
				out = append(out, c)
				for gi, gg := range Cells(cg, AreaM2(cg)/gridsPerCommunity) {
					if gi >= 999 {
						break
					}
					out = append(out, Region{Code: fmt.Sprintf("%s%03d", c.Code, gi+1), Name: fmt.Sprintf("%s第%d网格", c.Name, gi+1), Level: Grid, ParentCode: c.Code, AreaClass: AreaCore, Geometry: gg})
				}
			}
		}
	}
	return out
}

// Comb is a sound ring of at most n points (the first repeated last) within size degrees
// north-east of (lon, lat): a spine with long, thin teeth that all span the same longitudes, the
// worst case for a check that compares the edges overlapping in longitude. For benchmarks.
func Comb(lon, lat, size float64, n int) orb.Ring {
	teeth := max(1, (n-3)/4)
	d := size / float64(2*teeth)
	ring := make(orb.Ring, 0, 4*teeth+3)
	for t := range teeth {
		y := lat + float64(2*t)*d
		ring = append(ring, orb.Point{lon + size*0.05, y}, orb.Point{lon + size, y + d*0.1},
			orb.Point{lon + size, y + d*0.9}, orb.Point{lon + size*0.05, y + d})
	}
	ring = append(ring, orb.Point{lon, lat + float64(2*teeth)*d}, orb.Point{lon, lat})
	return append(ring, ring[0])
}
