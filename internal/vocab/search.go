package vocab

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"github.com/citygrid/citygrid/internal/workflow"
)

// MaxQuery is how much of a query the search reads, in characters: a search box's worth.
const MaxQuery = 32

// Index is the categories one viewer may choose from, ready to search. A resident's index
// leaves out each component (an object, 路灯) whose matter twin (its fault, 路灯异常) is there,
// and names the common problems as residents do; staff keep the whole dictionary under its own
// names. Build one per request: it is cheap, and the dictionary may change between requests.
type Index struct {
	v        *Vocabulary
	resident bool
	entries  []entry
	byKey    map[string]int
}

type entry struct {
	hit   Hit
	terms []term
	twin  bool // a component whose matter twin is in the index
}

// term is a text an entry is found by, with the score an exact match earns.
type term struct {
	text string // normalised
	base int
}

// The scores of what a term is: a name, another word for it, its class.
const (
	nameScore  = 100
	wordScore  = 95
	classScore = 40
	// commonBonus lifts a common problem in a resident's search (停车 finds 违章停车 before
	// 停车场异常): the dictionary is for the rest.
	commonBonus = 10
)

// Hit is a category found, as the viewer reads it.
type Hit struct {
	Category workflow.Category
	// Name is a common problem's name for a resident (路面坑洼), else the dictionary's (道路破损).
	Name string
	// Problem is the common problem filed as this category, for a resident (who sees its
	// icon); nil otherwise.
	Problem *Problem
}

// Key is the hit's category as the pickers post it: kind:code.
func (h Hit) Key() string { return Key(h.Category.Kind, h.Category.Code) }

// Index readies cats for a viewer: a resident (resident true) or staff.
func (v *Vocabulary) Index(cats []workflow.Category, resident bool) *Index {
	ix := &Index{v: v, resident: resident, byKey: make(map[string]int, len(cats))}
	matters := map[string]bool{}
	for _, c := range cats {
		if c.Kind == workflow.Matter {
			matters[c.Code] = true
		}
	}
	problems := map[string]*Problem{}
	for i := range v.problems {
		problems[v.problems[i].Key()] = &v.problems[i]
	}
	for _, c := range cats {
		key := Key(c.Kind, c.Code)
		if _, dup := ix.byKey[key]; dup {
			continue
		}
		e := entry{hit: Hit{Category: c, Name: c.Name}, twin: c.Kind == workflow.Component && matters[c.Code]}
		if resident && e.twin {
			continue
		}
		for _, n := range variants(c.Name) {
			e.terms = append(e.terms, term{normalise(n), nameScore})
		}
		words := v.words[key]
		if p := problems[key]; p != nil {
			e.terms = append(e.terms, term{normalise(p.Name), nameScore})
			words = p.Words
			if resident {
				e.hit.Name, e.hit.Problem = p.Name, p
			}
		}
		for _, w := range words {
			e.terms = append(e.terms, term{normalise(w), wordScore})
		}
		if c.MajorName != "" {
			e.terms = append(e.terms, term{normalise(c.MajorName), classScore})
		}
		ix.byKey[key] = len(ix.entries)
		ix.entries = append(ix.entries, e)
	}
	// The dictionary's order, a matter before its component twin.
	slices.SortStableFunc(ix.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.hit.Category.Code, b.hit.Category.Code), kindOrder(a.hit.Category.Kind)-kindOrder(b.hit.Category.Kind))
	})
	for i, e := range ix.entries {
		ix.byKey[e.hit.Key()] = i
	}
	return ix
}

func kindOrder(k workflow.CategoryKind) int {
	if k == workflow.Matter {
		return 0
	}
	return 1
}

// Find returns the category key (kind:code) if the viewer may choose it.
func (ix *Index) Find(key string) (Hit, bool) {
	i, ok := ix.byKey[key]
	if !ok {
		return Hit{}, false
	}
	return ix.entries[i].hit, true
}

// Unsure is the category 不确定/其他 for a reporter who cannot tell, if the viewer may choose it.
func (ix *Index) Unsure() (Hit, bool) {
	return ix.Find(Key(workflow.Matter, workflow.UnclassifiedCode))
}

// Common lists the common problems the viewer may choose, by group in the list's order.
func (ix *Index) Common() []Group {
	var out []Group
	for _, p := range ix.v.problems {
		if _, ok := ix.byKey[p.Key()]; !ok {
			continue
		}
		if n := len(out); n == 0 || out[n-1].Name != p.Group {
			out = append(out, Group{Name: p.Group})
		}
		g := &out[len(out)-1]
		g.Problems = append(g.Problems, p)
	}
	return out
}

// All lists the first limit categories in the dictionary's order (a matter before its
// component twin), leaving out 不确定/其他 for a resident, who is offered it apart.
func (ix *Index) All(limit int) []Hit {
	var out []Hit
	for _, e := range ix.entries {
		if len(out) >= limit {
			break
		}
		if ix.resident && isUnsure(e.hit) {
			continue
		}
		out = append(out, e.hit)
	}
	return out
}

func isUnsure(h Hit) bool { return workflow.IsUnclassified(h.Category.Kind, h.Category.Code) }

// Search finds at most limit categories for q, best first: by name (the dictionary's, a name
// the dictionary gives in brackets, a common problem's), by another word residents use, by the
// code's first digits, by pinyin or pinyin initials (lmps, lumianposun, lumianps all find 路面
// 破损), or by the class's name. Every word of q must be found. Where a matter and its
// component twin are both found, the matter comes first. An empty query finds nothing; a
// resident's search leaves out 不确定/其他, offered apart.
func (ix *Index) Search(q string, limit int) []Hit {
	words := queryWords(q)
	if len(words) == 0 || limit <= 0 {
		return nil
	}
	type scored struct {
		i     int
		score int
	}
	var found []scored
	score := make(map[string]int)
	for i, e := range ix.entries {
		if ix.resident && isUnsure(e.hit) {
			continue
		}
		best := 0
		for j, w := range words {
			s := ix.matchWord(e, w)
			if s == 0 {
				best = 0
				break
			}
			if j == 0 || s < best {
				best = s
			}
		}
		if best > 0 && e.hit.Problem != nil {
			best += commonBonus // what residents meet most, before the rest of the dictionary
		}
		if best > 0 {
			found = append(found, scored{i, best})
			score[e.hit.Key()] = best
		}
	}
	// Twins found together share the better score, so the matter stands just before its component.
	for k := range found {
		c := ix.entries[found[k].i].hit.Category
		twin := Key(workflow.Matter, c.Code)
		if c.Kind == workflow.Matter {
			twin = Key(workflow.Component, c.Code)
		}
		if s, ok := score[twin]; ok && s > found[k].score {
			found[k].score = s
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		ea, eb := ix.entries[a.i], ix.entries[b.i]
		return cmp.Or(cmp.Compare(b.score, a.score),
			boolOrder(ea.hit.Problem != nil, eb.hit.Problem != nil),
			cmp.Compare(ea.hit.Category.Code, eb.hit.Category.Code),
			kindOrder(ea.hit.Category.Kind)-kindOrder(eb.hit.Category.Kind))
	})
	out := make([]Hit, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, ix.entries[f.i].hit)
	}
	return out
}

// boolOrder sorts true before false.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// matchWord scores how well the query word w finds e: 0 not at all.
func (ix *Index) matchWord(e entry, w string) int {
	best := 0
	if isDigits(w) {
		switch code := e.hit.Category.Code; {
		case code == w:
			best = nameScore
		case strings.HasPrefix(code, w):
			best = nameScore - 10
		}
	}
	letters := isLetters(w)
	for _, t := range e.terms {
		best = max(best, textScore(t, w))
		if letters && best < t.base-5 {
			best = max(best, ix.pinyinScore(t, w))
		}
	}
	return best
}

// textScore: the term is the word, begins with it, holds it, or is held in it (a word typed
// as a sentence, 井盖破损了).
func textScore(t term, w string) int {
	switch {
	case t.text == w:
		return t.base
	case strings.HasPrefix(t.text, w):
		return t.base - 10
	case strings.Contains(t.text, w):
		return t.base - 20
	case t.base > classScore && utf8.RuneCountInString(t.text) >= 2 && strings.Contains(w, t.text):
		return t.base - 25
	}
	return 0
}

// pinyinScore: the word spells the term in pinyin, each syllable in full or by its initial,
// the last perhaps only begun: the whole term, its beginning, or (from two letters) a part.
func (ix *Index) pinyinScore(t term, w string) int {
	syl := ix.v.syllables(t.text)
	if len(syl) == 0 {
		return 0
	}
	m := spell{syl: syl, w: w, memo: make(map[[2]int]reach)}
	switch r := m.from(0, 0); {
	case r.end:
		return t.base - 5
	case r.any:
		return t.base - 12
	}
	if len(w) >= 2 {
		for s := 1; s < len(syl); s++ {
			if m.from(s, 0).any {
				return t.base - 30
			}
		}
	}
	return 0
}

// spell matches a pinyin query against a term's syllables (each with its readings).
type spell struct {
	syl  [][]string
	w    string
	memo map[[2]int]reach
}

// reach says whether the rest of the query is spelt from a syllable on: at all (any), or
// ending with the term's last syllable (end).
type reach struct{ any, end bool }

func (m *spell) from(i, j int) reach {
	if j == len(m.w) {
		return reach{true, i == len(m.syl)}
	}
	if i == len(m.syl) {
		return reach{}
	}
	k := [2]int{i, j}
	if r, ok := m.memo[k]; ok {
		return r
	}
	var r reach
	or := func(x reach) { r.any, r.end = r.any || x.any, r.end || x.end }
	rest := m.w[j:]
	for _, py := range m.syl[i] {
		if strings.HasPrefix(rest, py) {
			or(m.from(i+1, j+len(py)))
		}
		if rest[0] == py[0] && len(py) > 1 {
			or(m.from(i+1, j+1))
		}
		if len(rest) < len(py) && strings.HasPrefix(py, rest) {
			or(reach{true, i+1 == len(m.syl)})
		}
	}
	m.memo[k] = r
	return r
}

// syllables are the pinyin readings of each character of s that has any: every reading of a
// character with several (行 xing, hang), a letter or digit as itself.
func (v *Vocabulary) syllables(s string) [][]string {
	var out [][]string
	for _, r := range s {
		if r < utf8.RuneSelf {
			if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
				out = append(out, []string{string(r)})
			}
			continue
		}
		if py := v.pinyin.of(r); len(py) > 0 {
			out = append(out, py)
		}
	}
	return out
}

// readings remembers the pinyin of the characters met, as go-pinyin's styling is not free.
type readings struct {
	mu sync.Mutex
	m  map[rune][]string
}

var pinyinArgs = pinyin.Args{Style: pinyin.Normal, Heteronym: true, Fallback: func(rune, pinyin.Args) []string { return nil }}

func (p *readings) of(r rune) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if py, ok := p.m[r]; ok {
		return py
	}
	if p.m == nil {
		p.m = map[rune][]string{}
	}
	var py []string
	if unicode.Is(unicode.Han, r) {
		for _, s := range pinyin.SinglePinyin(r, pinyinArgs) {
			if s != "" && !slices.Contains(py, s) {
				py = append(py, s)
			}
		}
	}
	p.m[r] = py
	return py
}

// queryWords reads a query: valid UTF-8 only, no control characters, full-width letters and
// digits as ASCII, lower case, at most MaxQuery characters; split into words at spaces and
// punctuation. A query of letters only (pinyin, perhaps spaced: lu mian) is one word.
func queryWords(q string) []string {
	q = normalise(q)
	if n := 0; len(q) > 0 {
		for i := range q {
			if n == MaxQuery {
				q = q[:i]
				break
			}
			n++
		}
	}
	if strings.IndexFunc(q, func(r rune) bool { return !(r == ' ' || r == '\'' || ('a' <= r && r <= 'z')) }) < 0 {
		if w := strings.NewReplacer(" ", "", "'", "").Replace(q); w != "" {
			return []string{w}
		}
		return nil
	}
	return strings.FieldsFunc(q, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
}

// normalise makes a text comparable: valid UTF-8, no control or format characters, full-width
// ASCII as ASCII, the ideographic space as a space, lower case.
func normalise(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSpace(b.String())
}

// variants are a dictionary name and the names it gives in brackets: 垃圾站（箱）满溢 is also
// 垃圾站满溢 and 垃圾箱满溢; 车辆加油（气、电）站 also 车辆加气站; 边坡（挡土墙）破损 also 挡土墙破损.
// A bracket's word stands for as many characters before it as it has (at most all of them).
func variants(name string) []string {
	out := []string{name}
	open := strings.IndexAny(name, "（(")
	if open < 0 {
		return out
	}
	_, size := utf8.DecodeRuneInString(name[open:])
	end := strings.IndexAny(name[open:], "）)")
	if end < 0 {
		return out
	}
	before, inside, after := []rune(name[:open]), name[open+size:open+end], name[open+end:]
	_, size = utf8.DecodeRuneInString(after)
	after = after[size:]
	rests := variants(after)
	for _, alt := range append([]string{""}, strings.FieldsFunc(inside, func(r rune) bool { return r == '、' || r == ',' || r == '，' })...) {
		n := min(utf8.RuneCountInString(alt), len(before))
		head := string(before[:len(before)-n]) + alt
		for _, rest := range rests {
			if v := head + rest; v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

func isLetters(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < 'a' || r > 'z' }) < 0
}
