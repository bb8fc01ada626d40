package vocab_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/vocab"
	"github.com/citygrid/citygrid/internal/workflow"
)

func keys(hits []vocab.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Key()
	}
	return out
}

// What residents type, and the category that must come first, named as residents say it.
func TestAResidentsSearch(t *testing.T) {
	ix := vocab.Default().Index(dictionary(), true)
	tests := []struct {
		name, q  string
		first    string // kind:code
		named    string // the first hit's name as shown
		alsoFind string // another category among the hits ("" = none asked)
	}{
		{"the words of the issue: 路面破损", "路面破损", "matter:06013", "路面坑洼", ""},
		{"one character: 坑", "坑", "matter:06013", "路面坑洼", ""},
		{"井盖破损 finds the manhole problem", "井盖破损", "matter:01023", "井盖破损丢失", ""},
		{"垃圾箱 finds 垃圾站（箱）满溢 first, and the bin's own fault", "垃圾箱", "matter:06042", "垃圾满溢", "matter:03005"},
		{"the bracket's word: 垃圾箱满溢", "垃圾箱满溢", "matter:06042", "垃圾满溢", ""},
		{"pinyin initials of a word: lmps (路面破损)", "lmps", "matter:06013", "路面坑洼", ""},
		{"pinyin initials of the name: lmkw (路面坑洼)", "lmkw", "matter:06013", "路面坑洼", ""},
		{"full pinyin", "lumianposun", "matter:06013", "路面坑洼", ""},
		{"full pinyin begun", "lumianpo", "matter:06013", "路面坑洼", ""},
		{"pinyin, spaced", "lu mian po sun", "matter:06013", "路面坑洼", ""},
		{"full-width initials", "ＬＭＰＳ", "matter:06013", "路面坑洼", ""},
		{"initials mixed with full syllables", "ludengbl", "matter:01037", "路灯不亮", ""},
		{"a character of several readings: hangdaoshu (行道树)", "hangdaoshu", "matter:04002", "树木倒伏枯死", ""},
		{"a sentence holding a word", "井盖破损了", "matter:01023", "井盖破损丢失", ""},
		{"two words, both found", "路灯 不亮", "matter:01037", "路灯不亮", ""},
		{"乱停放 finds parking, not bicycles, first", "乱停放", "matter:09009", "违章停车", "matter:09010"},
		{"a dictionary name not among the common problems", "充电桩", "matter:01054", "充电桩异常", ""},
		{"a word for a dictionary category", "僵尸车", "matter:06034", "废弃车辆", ""},
		{"a common problem before the dictionary: 停车", "停车", "matter:09009", "违章停车", "matter:02001"},
		{"the fault, never the object: 路灯", "路灯", "matter:01037", "路灯不亮", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.q, 30)
			if len(hits) == 0 {
				t.Fatalf("%q found nothing", tt.q)
			}
			if hits[0].Key() != tt.first || hits[0].Name != tt.named {
				t.Fatalf("%q: first %s %q, want %s %q (all: %v)", tt.q, hits[0].Key(), hits[0].Name, tt.first, tt.named, keys(hits))
			}
			if tt.alsoFind != "" && !slices.Contains(keys(hits), tt.alsoFind) {
				t.Errorf("%q: %v lacks %s", tt.q, keys(hits), tt.alsoFind)
			}
			for _, h := range hits {
				if h.Category.Kind == workflow.Component {
					t.Errorf("%q offers the resident the object %s %s beside its fault", tt.q, h.Category.Code, h.Name)
				}
			}
		})
	}
}

func TestStaffSearchTheWholeDictionary(t *testing.T) {
	ix := vocab.Default().Index(dictionary(), false)
	tests := []struct {
		name, q string
		want    []string // the first hits, in order
		named   string   // the first hit's name
	}{
		{"a twin pair: the matter just before its component", "路灯", []string{"matter:01037", "component:01037"}, "路灯异常"},
		{"a code's first digits", "0900", []string{"matter:09001", "matter:09002"}, "无照经营游商"},
		{"a whole code", "01002", []string{"matter:01002", "component:01002"}, "污水井盖异常"},
		{"residents' words help staff too, under the dictionary's name", "坑", []string{"matter:06013"}, "道路破损"},
		{"垃圾站（箱）满溢 is found by 垃圾箱", "垃圾箱满溢", []string{"matter:06042"}, "垃圾站（箱）满溢"},
		{"staff may choose 不确定/其他", "不确定", []string{"matter:" + workflow.UnclassifiedCode}, "不确定/其他"},
		{"a bracket's word stands for the characters before it", "车辆加气站", []string{"matter:05003", "component:05003"}, "车辆加油（气、电）站异常"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.q, 30)
			got := keys(hits)
			if len(got) < len(tt.want) || !slices.Equal(got[:len(tt.want)], tt.want) || hits[0].Name != tt.named {
				t.Fatalf("%q: %v (first named %q), want %v first, named %q", tt.q, got, func() string {
					if len(hits) > 0 {
						return hits[0].Name
					}
					return ""
				}(), tt.want, tt.named)
			}
			if hits[0].Problem != nil {
				t.Errorf("staff see %q as a common problem", tt.q)
			}
		})
	}
	// Staff keep the whole dictionary: every category is there, the twins too.
	if all := ix.All(1000); len(all) != len(dictionary()) {
		t.Errorf("staff are offered %d of %d categories", len(all), len(dictionary()))
	}
}

func TestAResidentsIndex(t *testing.T) {
	ix := vocab.Default().Index(dictionary(), true)
	all := ix.All(1000)
	for _, h := range all {
		if h.Category.Kind == workflow.Component {
			t.Errorf("a resident is offered the object %s %s: every component has its fault", h.Category.Code, h.Name)
		}
		if workflow.IsUnclassified(h.Category.Kind, h.Category.Code) {
			t.Error("不确定/其他 is among the categories: it is offered apart")
		}
	}
	if want := 250; len(all) != want {
		t.Errorf("a resident is offered %d categories, want the %d matters", len(all), want)
	}
	if u, ok := ix.Unsure(); !ok || u.Name != "不确定/其他" {
		t.Errorf("Unsure = %+v, %v", u, ok)
	}
	if hits := ix.Search("不确定", 30); len(hits) != 0 {
		t.Errorf("a resident's search offers %v: 不确定/其他 is offered apart", keys(hits))
	}
	groups := ix.Common()
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
		for _, p := range g.Problems {
			if p.Group != g.Name {
				t.Errorf("%s of %s listed under %s", p.Name, p.Group, g.Name)
			}
		}
	}
	if want := []string{"道路", "环境卫生", "市容秩序", "公共设施", "园林绿化"}; !slices.Equal(names, want) {
		t.Errorf("groups %v, want %v", names, want)
	}
	if p := groups[0].Problems[0]; p.Name != "路面坑洼" || p.Key() != "matter:06013" || p.Icon != "pothole" {
		t.Errorf("the first common problem is %+v, want 路面坑洼 (matter 06013, pothole)", p)
	}
	// A city without some category is not offered the common problem filed as it.
	var fewer []workflow.Category
	for _, c := range dictionary() {
		if c.Code != "06013" {
			fewer = append(fewer, c)
		}
	}
	for _, g := range vocab.Default().Index(fewer, true).Common() {
		for _, p := range g.Problems {
			if p.Code == "06013" {
				t.Error("路面坑洼 is offered without its category")
			}
		}
	}
	if _, ok := vocab.Default().Index(workflow.NationalCategories(), true).Unsure(); ok {
		t.Error("不确定/其他 is offered where the city does not have it")
	}
}

// Hostile and odd queries find nothing or something, never fail, and keep to the limit.
func TestOddQueries(t *testing.T) {
	ix := vocab.Default().Index(dictionary(), true)
	tests := []struct {
		name, q string
		any     bool // some hit expected
	}{
		{"empty", "", false},
		{"spaces", "  \u3000 ", false},
		{"a NUL", "\x00", false},
		{"a NUL inside a word", "坑\x00", true},
		{"invalid UTF-8", "\xff\xfe\xfd", false},
		{"invalid UTF-8 around a word", "\xff井盖\xfe", true},
		{"10 KB", strings.Repeat("坑", 3500), false},
		{"10 KB of letters", strings.Repeat("l", 10240), false},
		{"punctuation only", "、，。！", false},
		{"a right-to-left mark", "\u200f坑", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.q, 5)
			if len(hits) > 5 || (len(hits) > 0) != tt.any {
				t.Errorf("%d hits: %v", len(hits), keys(hits))
			}
		})
	}
	if hits := ix.Search("l", 0); hits != nil {
		t.Errorf("a limit of 0 found %v", keys(hits))
	}
}

// The search's time on the whole dictionary, printed: a picker searches at every keystroke.
func TestSearchTime(t *testing.T) {
	v := vocab.Default()
	dict := dictionary()
	for _, q := range []string{"坑", "lmps", "lumianposun", "l"} {
		start := time.Now()
		const n = 20
		for range n {
			v.Index(dict, true).Search(q, 30)
		}
		t.Logf("index and search %q: %v each", q, time.Since(start)/n)
	}
}

func FuzzSearch(f *testing.F) {
	for _, q := range []string{"路面破损", "坑", "井盖破损", "垃圾箱", "lmps", "lu mian", "0900", "\x00", "\xff", "ＬＭ", "（", "a'b c"} {
		f.Add(q, true)
	}
	v := vocab.Default()
	dict := dictionary()
	resident, staff := v.Index(dict, true), v.Index(dict, false)
	f.Fuzz(func(t *testing.T, q string, asResident bool) {
		ix := staff
		if asResident {
			ix = resident
		}
		hits := ix.Search(q, 30)
		if len(hits) > 30 {
			t.Fatalf("%d hits", len(hits))
		}
		seen := map[string]bool{}
		for _, h := range hits {
			if seen[h.Key()] {
				t.Fatalf("%s found twice", h.Key())
			}
			seen[h.Key()] = true
			if _, ok := ix.Find(h.Key()); !ok {
				t.Fatalf("%s found but not in the index", h.Key())
			}
			if asResident && h.Category.Kind == workflow.Component {
				t.Fatalf("a resident offered the object %s", h.Key())
			}
		}
		if again := ix.Search(q, 30); !slices.Equal(keys(again), keys(hits)) {
			t.Fatalf("the same query found %v, then %v", keys(hits), keys(again))
		}
	})
}
