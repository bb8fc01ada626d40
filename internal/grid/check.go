package grid

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Problem is one thing wrong with an import, tied to where it came from.
type Problem struct {
	Where   string `json:"where"` // "feature 12", "villages.csv line 340"
	Code    string `json:"code,omitempty"`
	Reason  string `json:"reason"`
	Warning bool   `json:"warning,omitempty"` // warnings are reported; they do not stop an import
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	if p.Code != "" {
		return fmt.Sprintf("%s: %s: region %s: %s", kind, p.Where, p.Code, p.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", kind, p.Where, p.Reason)
}

// Incoming is a region read from a file, with where it was read.
type Incoming struct {
	Region
	Where string
}

// CheckImport checks regions read from a file against each other and against the regions
// already stored (existing, by code, without geometry needed except for parents it names).
// Errors: duplicate code, missing parent, level out of order, code not extending its parent's,
// unsound geometry. Warnings: a child outside its parent, overlapping siblings, gaps in a
// parent's coverage.
func CheckImport(in []Incoming, existing func(code string) (Region, bool)) []Problem {
	var problems []Problem
	add := func(where, code string, warning bool, format string, args ...any) {
		problems = append(problems, Problem{Where: where, Code: code, Reason: fmt.Sprintf(format, args...), Warning: warning})
	}
	byCode := make(map[string]*Incoming, len(in))
	for i := range in {
		r := &in[i]
		if prev, dup := byCode[r.Code]; dup {
			add(r.Where, r.Code, false, "duplicate code (first at %s)", prev.Where)
			continue
		}
		byCode[r.Code] = r
	}
	lookup := func(code string) (Region, bool) {
		if r, ok := byCode[code]; ok {
			return r.Region, true
		}
		return existing(code)
	}
	children := map[string][]*Incoming{}
	for i := range in {
		r := &in[i]
		if byCode[r.Code] != r {
			continue // a duplicate, reported above
		}
		var parent *Region
		if r.ParentCode != "" {
			p, ok := lookup(r.ParentCode)
			if !ok {
				add(r.Where, r.Code, false, "parent %s does not exist", r.ParentCode)
				continue
			}
			parent = &p
			children[r.ParentCode] = append(children[r.ParentCode], r)
		}
		if err := r.Validate(parent); err != nil {
			add(r.Where, r.Code, false, "%s", trimRegionPrefix(err.Error(), r.Code))
		}
		if n := Vertices(r.Geometry); n > MaxRegionVertices {
			add(r.Where, r.Code, false, "geometry has %d points; a region may have at most %d (simplify it first)", n, MaxRegionVertices)
		} else if r.Geometry != nil {
			problems, warnings := checkGeometry(r.Geometry)
			for _, msg := range problems {
				add(r.Where, r.Code, false, "geometry: %s", msg)
			}
			for _, msg := range warnings {
				add(r.Where, r.Code, true, "geometry: %s", msg)
			}
		}
	}
	if hasErrors(problems) {
		return problems // spatial checks on broken input would only add noise
	}
	for parentCode, kids := range children {
		parent, _ := lookup(parentCode)
		problems = append(problems, checkCoverage(parent, kids)...)
	}
	return problems
}

func trimRegionPrefix(msg, code string) string {
	prefix := "region " + code + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return msg
}

func hasErrors(ps []Problem) bool {
	for _, p := range ps {
		if !p.Warning {
			return true
		}
	}
	return false
}

// checkCoverage warns about children that stick out of their parent, overlap each other, or
// leave part of the parent uncovered. Only children with geometry take part.
func checkCoverage(parent Region, kids []*Incoming) []Problem {
	var out []Problem
	var shaped []*Incoming
	for _, k := range kids {
		if k.Geometry != nil {
			shaped = append(shaped, k)
		}
	}
	if len(shaped) == 0 {
		return nil
	}
	if parent.Geometry != nil {
		covered := 0.0
		for _, k := range shaped {
			covered += AreaM2(k.Geometry)
			if v, ok := vertexOutside(k.Geometry, parent.Geometry); ok {
				out = append(out, Problem{Where: k.Where, Code: k.Code, Warning: true,
					Reason: fmt.Sprintf("lies partly outside its parent %s (vertex at %.6f, %.6f)", parent.Code, v[0], v[1])})
			}
		}
		if len(shaped) == len(kids) {
			if share := covered / AreaM2(parent.Geometry); share < 0.995 {
				out = append(out, Problem{Where: shaped[0].Where, Code: parent.Code, Warning: true,
					Reason: fmt.Sprintf("its children cover only %.1f%% of it (gaps)", math.Floor(share*1000)/10)})
			}
		}
	}
	for i, a := range shaped {
		ab := a.Geometry.Bound()
		for _, b := range shaped[i+1:] {
			if !ab.Intersects(b.Geometry.Bound()) {
				continue
			}
			if overlaps(a.Geometry, b.Geometry) {
				out = append(out, Problem{Where: b.Where, Code: b.Code, Warning: true,
					Reason: fmt.Sprintf("overlaps its sibling %s (%s)", a.Code, a.Where)})
			}
		}
	}
	return out
}

// onBoundaryTolerance is how far, in degrees (about 0.1 mm), a vertex may lie outside its
// parent and still count as on its boundary: a child cut from its parent has vertices computed
// on the parent's edges, which floating-point arithmetic puts a hair to either side.
const onBoundaryTolerance = 1e-9

// vertexOutside returns a vertex of g that lies outside container (boundary counts as in).
func vertexOutside(g, container orb.Geometry) (orb.Point, bool) {
	for _, p := range vertices(g) {
		if !Contains(container, p) && !nearBoundary(container, p) {
			return p, true
		}
	}
	return orb.Point{}, false
}

// nearBoundary reports whether p lies within onBoundaryTolerance of an edge of g.
func nearBoundary(g orb.Geometry, p orb.Point) bool {
	for _, s := range shapesOf(g) {
		for _, r := range s.rings {
			for i := 0; i+1 < len(r); i++ {
				if planar.DistanceFromSegment(r[i], r[i+1], p) <= onBoundaryTolerance {
					return true
				}
			}
		}
	}
	return false
}

// overlaps reports whether a vertex of either geometry lies strictly inside the other. Shared
// edges and vertices are not overlaps.
func overlaps(a, b orb.Geometry) bool {
	return strictVertexInside(a, b) || strictVertexInside(b, a)
}

func strictVertexInside(g, container orb.Geometry) bool {
	shapes := shapesOf(container)
	for _, p := range vertices(g) {
		for _, s := range shapes {
			if !s.bound.Contains(p) {
				continue
			}
			in, on := ringContains(s.rings[0], p)
			if !in || on {
				continue
			}
			inHole := false
			for _, h := range s.rings[1:] {
				if hin, hon := ringContains(h, p); hin || hon {
					inHole = true
					break
				}
			}
			if !inHole {
				return true
			}
		}
	}
	return false
}

func vertices(g orb.Geometry) []orb.Point {
	var out []orb.Point
	for _, s := range shapesOf(g) {
		for _, r := range s.rings {
			out = append(out, r...)
		}
	}
	return out
}
