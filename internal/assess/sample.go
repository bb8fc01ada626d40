package assess

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/citygrid/citygrid/internal/errs"
)

// Stratum asks for Count sites of one type within one region, drawn at random as the national
// assessors draw theirs.
type Stratum struct {
	SiteType string `json:"site_type"`
	Region   string `json:"region"`
	Count    int    `json:"count"`
}

// Candidate is a site the sample may draw: its code, type and region path (root first).
type Candidate struct {
	Code     string
	SiteType string
	Path     []string
}

// MaxSample bounds the sites one round draws.
const MaxSample = 5000

// Sample draws each stratum's count from the candidates of its type in its region, in the
// order the strata are given; a site drawn for one stratum is not drawn again for a later one.
// The same seed, strata and candidates (in any order) draw the same sites: each stratum
// shuffles its candidates, sorted by code, with a generator seeded by the seed and the
// stratum's place. A stratum with fewer candidates than it asks for is refused, naming it.
func Sample(seed uint64, strata []Stratum, candidates []Candidate) ([]string, error) {
	total := 0
	for i, s := range strata {
		p := errs.Params{"stratum": i + 1, "site_type": s.SiteType, "region": s.Region}
		if s.Count < 1 {
			p["field"], p["min"] = "count", 1
			return nil, errs.Refuse(errs.Invalid, "out_of_range", p, "stratum %d: count must be at least 1, not %d", i+1, s.Count)
		}
		total += s.Count
		if total > MaxSample {
			p["max"] = MaxSample
			return nil, errs.RefuseCoded(errs.Invalid, "sample_too_large", p, "a round draws at most %d sites", MaxSample)
		}
	}
	sorted := slices.Clone(candidates)
	slices.SortFunc(sorted, func(a, b Candidate) int { return cmp.Compare(a.Code, b.Code) })
	taken := map[string]bool{}
	var out []string
	for i, s := range strata {
		var pool []string
		for _, c := range sorted {
			if c.SiteType == s.SiteType && slices.Contains(c.Path, s.Region) && !taken[c.Code] {
				pool = append(pool, c.Code)
			}
		}
		if len(pool) < s.Count {
			return nil, errs.RefuseCoded(errs.Invalid, "stratum_too_small",
				errs.Params{"stratum": i + 1, "site_type": s.SiteType, "region": s.Region, "count": s.Count, "available": len(pool)},
				"stratum %d asks for %d sites of type %s in %s, which has %d", i+1, s.Count, s.SiteType, s.Region, len(pool))
		}
		r := rand.New(rand.NewPCG(seed, streamOf(i, s)))
		r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		for _, code := range pool[:s.Count] {
			taken[code] = true
			out = append(out, code)
		}
	}
	return out, nil
}

// streamOf gives each stratum its own random stream, so that adding a stratum at the end
// leaves the draws of the ones before unchanged.
func streamOf(i int, s Stratum) uint64 {
	h := fnv.New64a()
	h.Write([]byte{byte(i), byte(i >> 8)})
	h.Write([]byte(s.SiteType + "\x00" + s.Region))
	return h.Sum64()
}
