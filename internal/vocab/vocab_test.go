package vocab_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/vocab"
	"github.com/citygrid/citygrid/internal/workflow"
)

// dictionary is what a city starts with: the national dictionary and 不确定/其他.
func dictionary() []workflow.Category {
	return append(workflow.NationalCategories(), workflow.Unclassified())
}

// Every common problem and every word files as a category of the national dictionary: a row
// naming a code the dictionary lacks fails here.
func TestTheVocabularyNamesTheDictionary(t *testing.T) {
	v := vocab.Default()
	if err := v.Check(workflow.NationalCategories()); err != nil {
		t.Fatal(err)
	}
	problems := v.Problems()
	if n := len(problems); n < 15 || n > 25 {
		t.Errorf("%d common problems: a resident's short list has 15 to 25", n)
	}
	byKey := map[string]workflow.Category{}
	for _, c := range workflow.NationalCategories() {
		byKey[vocab.Key(c.Kind, c.Code)] = c
	}
	for _, p := range problems {
		if c := byKey[p.Key()]; c.Kind != workflow.Matter {
			t.Errorf("%s files as %s %s: a resident reports a fault (a matter), not an object", p.Name, c.Kind, c.Code)
		}
		if p.Icon == "" || p.Group == "" || len(p.Words) == 0 {
			t.Errorf("%s: icon %q, group %q, %d words", p.Name, p.Icon, p.Group, len(p.Words))
		}
	}
}

func TestCheckNamesWhatTheDictionaryLacks(t *testing.T) {
	v, err := vocab.Parse(strings.NewReader("group,name,kind,code,icon,words\n道路,路面坑洼,matter,06013,pothole,坑\n道路,天坑,matter,06999,pothole,大坑\n"),
		strings.NewReader("kind,code,words\ncomponent,01099,不存在的井盖\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = v.Check(workflow.NationalCategories())
	if err == nil || !strings.Contains(err.Error(), "matter:06999") || !strings.Contains(err.Error(), "component:01099") || strings.Contains(err.Error(), "06013") {
		t.Errorf("Check = %v, want it to name matter:06999 and component:01099 only", err)
	}
}

func TestParse(t *testing.T) {
	const head = "group,name,kind,code,icon,words\n"
	const words = "kind,code,words\n"
	tests := []struct {
		name          string
		common, words string
		want          string // "" = read; else a substring of the error
	}{
		{"a problem and a word", head + "道路,路面坑洼,matter,06013,pothole,坑、坑洼\n", words + "matter,06042,垃圾箱\n", ""},
		{"comments and columns in another order", "# ours\nname,group,icon,code,kind,words\n路面坑洼,道路,pothole,06013,matter,坑\n", words, ""},
		{"no header", "", words, "no header"},
		{"a missing column", "group,name,kind,code,words\n道路,x,matter,06013,坑\n", words, `no "icon" column`},
		{"an unknown kind", head + "道路,x,event,06013,pothole,坑\n", words, "component or matter"},
		{"a short code", head + "道路,x,matter,0601,pothole,坑\n", words, "5 digits"},
		{"no icon", head + "道路,x,matter,06013,,坑\n", words, "icon"},
		{"two problems for one category", head + "道路,x,matter,06013,a,坑\n道路,y,matter,06013,b,洼\n", words, "one problem per category"},
		{"one name twice", head + "道路,x,matter,06013,a,坑\n道路,x,matter,06012,b,脏\n", words, "repeats line"},
		{"a ragged line", head + "道路,x,matter\n", words, "cells"},
		{"not UTF-8", head + "道路,\xff,matter,06013,a,坑\n", words, "UTF-8"},
		{"words for a common problem", head + "道路,x,matter,06013,a,坑\n", words + "matter,06013,洼\n", "common problem"},
		{"words without words", head, words + "matter,06042,、\n", "no words"},
		{"words twice", head, words + "matter,06042,a\nmatter,06042,b\n", "repeats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := vocab.Parse(strings.NewReader(tt.common), strings.NewReader(tt.words))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("group,name,kind,code,icon,words\n道路,路面坑洼,matter,06013,pothole,坑、坑洼\n", "kind,code,words\nmatter,06042,垃圾箱\n")
	f.Add("# c\nname,group,icon,code,kind,words\n\"a,b\",道路,x,06013,matter,\n", "kind,code,words\n")
	f.Add("group,name,kind,code,icon,words\n道路,\x00,matter,06013,\xff,坑\n", "")
	f.Fuzz(func(t *testing.T, common, words string) {
		v, err := vocab.Parse(strings.NewReader(common), strings.NewReader(words))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range v.Problems() {
			if p.Name == "" || p.Icon == "" || p.Group == "" || seen[p.Key()] {
				t.Fatalf("a problem read: %+v", p)
			}
			if err := (workflow.Category{Kind: p.Kind, Code: p.Code, MajorCode: p.Code[:2], Name: p.Name}).Validate(); err != nil {
				t.Fatalf("a problem read with a bad category: %v", err)
			}
			seen[p.Key()] = true
		}
		// Whatever was read, an index of it searches without failing.
		v.Index(dictionary(), true).Search("坑 lmps", 30)
	})
}
