// Package basemap draws the offline base layer from the region tree (the 数字城管 单元网格图层
// and the outlines above it): each level's outlines simplified and quantised for the zooms it
// is shown at, labelled with a short name, and encoded as GeoJSON once per region epoch. It
// also finds regions by name, and names the tile layers a city may configure under it.
package basemap

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"
	"github.com/tidwall/rtree"

	"github.com/citygrid/citygrid/internal/grid"
)

// Format names the shape of the answers; it is part of their ETag, so a server that draws
// differently never answers 304 to a body an older one drew.
const Format = "bm1"

// spec is how one level is drawn: Douglas-Peucker tolerance and decimals kept, both in
// degrees, chosen so the error stays under about a pixel at the deepest zoom the level is
// drawn at without the level below it; and how many outlines one answer may carry.
type spec struct {
	tolerance float64
	decimals  int
	max       int  // outlines in one answer
	needBox   bool // only asked for by bounding box
}

var specs = map[grid.Level]spec{
	grid.District:    {tolerance: 0.0003, decimals: 4, max: 100},
	grid.Subdistrict: {tolerance: 0.0001, decimals: 4, max: 1000},
	grid.Community:   {tolerance: 0.00002, decimals: 5, max: 3000},
	grid.Grid:        {tolerance: 0.000003, decimals: 6, max: MaxGrids, needBox: true},
}

// MaxGrids is the most unit grids one answer carries, however large the box asked for: a city
// has tens of thousands, and a map at the zoom that draws them shows a few hundred.
const MaxGrids = 1500

// Levels are the levels the base layer draws, from the top.
var Levels = []grid.Level{grid.District, grid.Subdistrict, grid.Community, grid.Grid}

// NeedsBox reports whether a level is only served by bounding box.
func NeedsBox(l grid.Level) bool { return specs[l].needBox }

// Feature is one region as the base layer draws and the search finds it.
type Feature struct {
	Code   string
	Name   string
	Label  string // the short name drawn on the map: 枫华园社区 for 枫华园社区居民委员会
	Level  grid.Level
	Parent string
	Bound  orb.Bound // of the stored outline
	At     orb.Point // where the label goes: a point inside the outline
	json   []byte    // the GeoJSON feature, simplified and quantised for its level
}

// Layers is the base layer of one region epoch: immutable once built, so any number of
// requests read it while a newer one is built beside it.
type Layers struct {
	Epoch  int64
	levels map[grid.Level]*layer
	byCode map[string]*Feature
	all    []*Feature // every drawn region, for the search
}

type layer struct {
	feats []*Feature // by code
	tree  rtree.RTreeG[*Feature]
}

// Build draws the base layer of the given regions (retired ones and those without an outline
// are left out).
func Build(epoch int64, regions []grid.Region) *Layers {
	ls := &Layers{Epoch: epoch, levels: map[grid.Level]*layer{}, byCode: map[string]*Feature{}}
	for _, l := range Levels {
		ls.levels[l] = &layer{}
	}
	labels := map[string]string{}
	for _, r := range regions {
		labels[r.Code] = ShortName(r.Name)
	}
	for _, r := range regions {
		sp, ok := specs[r.Level]
		if !ok || r.Geometry == nil || !r.ValidTo.IsZero() {
			continue
		}
		f := &Feature{Code: r.Code, Name: r.Name, Label: labels[r.Code], Level: r.Level, Parent: r.ParentCode, Bound: r.Geometry.Bound()}
		if r.Level == grid.Grid {
			// 枫华园社区第1网格 is drawn inside 枫华园社区 as 第1网格.
			if p := labels[r.ParentCode]; p != "" && strings.HasPrefix(f.Label, p) && len(f.Label) > len(p) {
				f.Label = strings.TrimPrefix(f.Label, p)
			}
		}
		if at, ok := grid.PointInside(r.Geometry); ok {
			f.At = at
		} else {
			f.At = f.Bound.Center()
		}
		g := drawn(r.Geometry, sp)
		if g == nil {
			continue // smaller than the level's precision: nothing to draw
		}
		f.json = encodeFeature(f, g, sp.decimals)
		l := ls.levels[r.Level]
		l.feats = append(l.feats, f)
		l.tree.Insert(f.Bound.Min, f.Bound.Max, f)
		ls.byCode[f.Code] = f
		ls.all = append(ls.all, f)
	}
	for _, l := range ls.levels {
		slices.SortFunc(l.feats, func(a, b *Feature) int { return strings.Compare(a.Code, b.Code) })
	}
	slices.SortFunc(ls.all, func(a, b *Feature) int { return strings.Compare(a.Code, b.Code) })
	return ls
}

// ShortName is the name drawn on a map: a community's committee (居民委员会, 村民委员会) and a
// subdistrict's office (办事处) are left off.
func ShortName(name string) string {
	for _, suffix := range []string{"居民委员会", "村民委员会", "委员会", "办事处"} {
		if strings.HasSuffix(name, suffix) {
			if s := strings.TrimSuffix(name, suffix); s != "" {
				return s
			}
			return name // nothing but the committee's name
		}
	}
	return name
}

// drawn simplifies and quantises an outline for a level; nil when nothing is left.
func drawn(g orb.Geometry, sp spec) orb.MultiPolygon {
	var polys orb.MultiPolygon
	switch t := g.(type) {
	case orb.Polygon:
		polys = orb.MultiPolygon{t}
	case orb.MultiPolygon:
		polys = t
	default:
		return nil
	}
	dp := simplify.DouglasPeucker(sp.tolerance)
	var out orb.MultiPolygon
	for _, p := range polys {
		var np orb.Polygon
		for i, ring := range p {
			r := quantise(dp.Ring(slices.Clone(ring)), sp.decimals)
			if len(r) < 4 {
				if i == 0 {
					break // the outer ring vanished: so does the polygon
				}
				continue // a hole too small to see
			}
			np = append(np, r)
		}
		if len(np) > 0 {
			out = append(out, np)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// quantise rounds a ring's points to the decimals and drops the repeats that makes.
func quantise(r orb.Ring, decimals int) orb.Ring {
	scale := math.Pow10(decimals)
	out := make(orb.Ring, 0, len(r))
	for _, p := range r {
		q := orb.Point{math.Round(p[0]*scale) / scale, math.Round(p[1]*scale) / scale}
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if len(out) > 0 && out[0] != out[len(out)-1] {
		out = append(out, out[0])
	}
	return out
}

// encodeFeature writes one GeoJSON feature, with the numbers at the level's precision (the
// encoder would write every double's shortest form, up to 17 digits).
func encodeFeature(f *Feature, g orb.MultiPolygon, decimals int) []byte {
	var b bytes.Buffer
	props, _ := json.Marshal(struct {
		Name  string     `json:"name"`
		Label string     `json:"label"`
		At    [2]float64 `json:"at"`
	}{f.Name, f.Label, [2]float64{round(f.At[0], decimals), round(f.At[1], decimals)}})
	id, _ := json.Marshal(f.Code)
	b.WriteString(`{"type":"Feature","id":`)
	b.Write(id)
	b.WriteString(`,"properties":`)
	b.Write(props)
	if len(g) == 1 {
		b.WriteString(`,"geometry":{"type":"Polygon","coordinates":`)
		writePolygon(&b, g[0], decimals)
	} else {
		b.WriteString(`,"geometry":{"type":"MultiPolygon","coordinates":[`)
		for i, p := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			writePolygon(&b, p, decimals)
		}
		b.WriteByte(']')
	}
	b.WriteString(`}}`)
	return b.Bytes()
}

func writePolygon(b *bytes.Buffer, p orb.Polygon, decimals int) {
	b.WriteByte('[')
	for i, r := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for j, pt := range r {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			b.Write(number(pt[0], decimals))
			b.WriteByte(',')
			b.Write(number(pt[1], decimals))
			b.WriteByte(']')
		}
		b.WriteByte(']')
	}
	b.WriteByte(']')
}

// number writes v with at most the decimals, without trailing zeros.
func number(v float64, decimals int) []byte {
	s := strconv.AppendFloat(nil, v, 'f', decimals, 64)
	if bytes.IndexByte(s, '.') >= 0 {
		s = bytes.TrimRight(s, "0")
		s = bytes.TrimSuffix(s, []byte("."))
	}
	if string(s) == "-0" {
		s = []byte("0")
	}
	return s
}

func round(v float64, decimals int) float64 {
	scale := math.Pow10(decimals)
	return math.Round(v*scale) / scale
}

// Answer is one level of the base layer, whole or within a box, as GeoJSON.
type Answer struct {
	Body      []byte
	Count     int
	Truncated bool // the box held more outlines than one answer carries
}

// Query returns the outlines of a level, all of them (box nil) or those meeting the box, at
// most the level's cap, by code.
func (ls *Layers) Query(level grid.Level, box *orb.Bound) Answer {
	l, sp := ls.levels[level], specs[level]
	var feats []*Feature
	truncated := false
	if l != nil {
		if box == nil {
			feats = l.feats
		} else {
			l.tree.Search(box.Min, box.Max, func(_, _ [2]float64, f *Feature) bool {
				feats = append(feats, f)
				return true
			})
			slices.SortFunc(feats, func(a, b *Feature) int { return strings.Compare(a.Code, b.Code) })
		}
		if len(feats) > sp.max {
			feats, truncated = feats[:sp.max], true
		}
	}
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","level":`)
	lv, _ := json.Marshal(level)
	b.Write(lv)
	b.WriteString(`,"epoch":`)
	b.WriteString(strconv.FormatInt(ls.Epoch, 10))
	b.WriteString(`,"truncated":`)
	b.WriteString(strconv.FormatBool(truncated))
	b.WriteString(`,"features":[`)
	for i, f := range feats {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(f.json)
	}
	b.WriteString("]}")
	return Answer{Body: b.Bytes(), Count: len(feats), Truncated: truncated}
}

// GeoJSON is the feature as the base layer sends it: simplified and quantised for its level,
// with its code, name, label and label point.
func (f *Feature) GeoJSON() []byte { return f.json }

// Region returns a drawn region by code.
func (ls *Layers) Region(code string) (*Feature, bool) {
	f, ok := ls.byCode[code]
	return f, ok
}

// Path is the short names of a region's ancestors that the base layer draws, top first:
// [解放区 民生街道] for 枫华园社区.
func (ls *Layers) Path(f *Feature) []string {
	var out []string
	for p, ok := ls.byCode[f.Parent]; ok; p, ok = ls.byCode[p.Parent] {
		out = append(out, p.Label)
	}
	slices.Reverse(out)
	return out
}

// Find returns up to limit regions whose name contains q, best first: a name that is q, then
// one that starts with it, then any; larger regions before smaller ones; then by code.
func (ls *Layers) Find(q string, limit int) []*Feature {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || limit <= 0 {
		return nil
	}
	type hit struct {
		f    *Feature
		rank int
	}
	var hits []hit
	for _, f := range ls.all {
		name, label := strings.ToLower(f.Name), strings.ToLower(f.Label)
		switch {
		case name == q || label == q:
			hits = append(hits, hit{f, 0})
		case strings.HasPrefix(label, q) || strings.HasPrefix(name, q):
			hits = append(hits, hit{f, 1})
		case strings.Contains(name, q):
			hits = append(hits, hit{f, 2})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.f.Level.Depth(), b.f.Level.Depth()), strings.Compare(a.f.Code, b.f.Code))
	})
	out := make([]*Feature, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.f)
	}
	return out
}

// Bound is the box around every drawn region: the city's extent.
func (ls *Layers) Bound() (orb.Bound, bool) {
	var b orb.Bound
	ok := false
	for _, f := range ls.levels[grid.District].feats {
		if !ok {
			b, ok = f.Bound, true
			continue
		}
		b = b.Union(f.Bound)
	}
	return b, ok
}
