package grid

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Ref names a region on a path.
type Ref struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level Level  `json:"level"`
	// AreaClass selects time limits; kept for use cases, not shown.
	AreaClass AreaClass `json:"-"`
}

// Located is the answer to "where is this point": the deepest region containing it and the
// path from the root down to that region.
type Located struct {
	Region Ref
	Path   []Ref // root first; the last element is Region
}

// Index answers point-in-region queries in memory: an R-tree over bounding boxes picks the
// few candidates, an exact point-in-polygon test decides. It is immutable once built, so any
// number of goroutines may query it while a new one is built beside it.
type Index struct {
	// One tree per level: a point is looked up in the unit grids first, and the few large boxes
	// of districts and cities never crowd the tree the grids are found in.
	trees [5]rtree.RTreeG[*indexed]
	n     int
	paths map[string][]Ref // every indexed region's path, and its ancestors'
}

type indexed struct {
	code   string
	shapes []shape
	path   []Ref
}

// shape is one polygon with its bounding box kept, so the hot path never recomputes it.
type shape struct {
	bound orb.Bound
	rings []orb.Ring // the outer ring, then holes
}

func shapesOf(g orb.Geometry) []shape {
	polys, _ := polygons(g)
	out := make([]shape, 0, len(polys))
	for _, p := range polys {
		if len(p) > 0 {
			out = append(out, shape{bound: p[0].Bound(), rings: p})
		}
	}
	return out
}

// contains reports whether the point lies in any of the shapes; the boundary counts as in.
func (e *indexed) contains(p orb.Point) bool {
	for i := range e.shapes {
		s := &e.shapes[i]
		if !s.bound.Contains(p) {
			continue
		}
		in, on := ringContains(s.rings[0], p)
		if on {
			return true
		}
		if !in {
			continue
		}
		inHole := false
		for _, h := range s.rings[1:] {
			hin, hon := ringContains(h, p)
			if hon {
				return true
			}
			if hin {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// ringContains casts a ray eastwards and counts crossings, deciding each with an exact
// orientation test so that points on an edge are recognised as such, not guessed by rounding.
func ringContains(r orb.Ring, p orb.Point) (in, on bool) {
	x, y := p[0], p[1]
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		xi, yi, xj, yj := r[i][0], r[i][1], r[j][0], r[j][1]
		if xi == x && yi == y {
			return false, true
		}
		if (yi > y) != (yj > y) {
			o := (xj-xi)*(y-yi) - (yj-yi)*(x-xi)
			if o == 0 {
				return false, true
			}
			if (yj > yi) == (o > 0) {
				in = !in
			}
		} else if yi == y && yj == y && (xi <= x) != (xj < x) {
			return false, true // on a horizontal edge
		}
	}
	return in, false
}

// NewIndex indexes the regions that have a geometry. Regions without one still lend their
// names to the paths of their descendants.
func NewIndex(regions []Region) (*Index, error) {
	byCode := make(map[string]*Region, len(regions))
	for i := range regions {
		byCode[regions[i].Code] = &regions[i]
	}
	paths := make(map[string][]Ref, len(regions))
	var pathOf func(code string, depth int) ([]Ref, error)
	pathOf = func(code string, depth int) ([]Ref, error) {
		if p, ok := paths[code]; ok {
			return p, nil
		}
		r, ok := byCode[code]
		if !ok {
			return nil, fmt.Errorf("region %s is missing from the tree", code)
		}
		if depth > len(Levels) {
			return nil, fmt.Errorf("region %s: parent chain is a loop", code)
		}
		var p []Ref
		if r.ParentCode != "" {
			parent, err := pathOf(r.ParentCode, depth+1)
			if err != nil {
				return nil, err
			}
			p = append(p, parent...)
		}
		p = append(p[:len(p):len(p)], Ref{Code: r.Code, Name: r.Name, Level: r.Level, AreaClass: r.AreaClass})
		paths[code] = p
		return p, nil
	}
	ix := &Index{paths: paths}
	for _, r := range regions {
		if r.Geometry == nil || !r.ValidTo.IsZero() {
			continue
		}
		path, err := pathOf(r.Code, 0)
		if err != nil {
			return nil, err
		}
		b := r.Geometry.Bound()
		depth := r.Level.Depth()
		if depth < 0 {
			return nil, fmt.Errorf("region %s: unknown level %q", r.Code, r.Level)
		}
		ix.trees[depth].Insert(b.Min, b.Max, &indexed{code: r.Code, shapes: shapesOf(r.Geometry), path: path})
		ix.n++
	}
	return ix, nil
}

// Path returns the path from the root to a region in the index (or an ancestor of one).
func (ix *Index) Path(code string) ([]Ref, bool) {
	p, ok := ix.paths[code]
	return p, ok
}

// Each calls fn with the path of every region the index knows whose code starts with prefix,
// in no particular order, until fn returns false.
func (ix *Index) Each(prefix string, fn func(path []Ref) bool) {
	for code, p := range ix.paths {
		if strings.HasPrefix(code, prefix) && !fn(p) {
			return
		}
	}
}

// Len is the number of regions with a geometry in the index.
func (ix *Index) Len() int { return ix.n }

// Locate returns the deepest region containing the point. A point on an edge shared by two
// regions of the same level goes to the one with the smaller code, whatever order they were
// indexed in.
func (ix *Index) Locate(p orb.Point) (Located, bool) {
	var buf [8]*indexed
	for depth := len(ix.trees) - 1; depth >= 0; depth-- {
		cands := buf[:0]
		ix.trees[depth].Search(p, p, func(_, _ [2]float64, e *indexed) bool {
			cands = append(cands, e)
			return true
		})
		// By code, so the first candidate that contains the point is the answer.
		for i := 1; i < len(cands); i++ {
			for j := i; j > 0 && cands[j].code < cands[j-1].code; j-- {
				cands[j], cands[j-1] = cands[j-1], cands[j]
			}
		}
		for _, c := range cands {
			if c.contains(p) {
				return Located{Region: c.path[len(c.path)-1], Path: c.path}, true
			}
		}
	}
	return Located{}, false
}
