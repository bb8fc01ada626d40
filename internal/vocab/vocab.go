// Package vocab is a resident's words for the city's problems: the short list of common
// problems a resident meets, each named as residents say it, with an icon and the dictionary
// category it files as; the other words residents use for categories; and the search that finds
// categories by those words, by their names, and by pinyin and pinyin initials.
//
// The words are data (common.csv, words.csv) so that a city can read and change them in one
// place; the tests hold every row to the national dictionary.
package vocab

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/workflow"
)

// Problem is a common problem as residents name it.
type Problem struct {
	Group string // the kind of problem, e.g. 道路; the list shows problems by group
	Name  string // e.g. 路面坑洼
	Icon  string // the name of its icon, e.g. pothole
	Kind  workflow.CategoryKind
	Code  string   // the category it files as: (Kind, Code), e.g. matter 06013 道路破损
	Words []string // what else residents call it, e.g. 坑, 路面破损
}

// Key is the problem's category as the pickers post it: kind:code.
func (p Problem) Key() string { return Key(p.Kind, p.Code) }

// Key is a category's key as the pickers post it: kind:code.
func Key(kind workflow.CategoryKind, code string) string { return string(kind) + ":" + code }

// Group is a kind of problem and its problems, in the list's order.
type Group struct {
	Name     string
	Problems []Problem
}

// Vocabulary is the common problems and the other words residents use for categories.
type Vocabulary struct {
	problems []Problem
	words    map[string][]string // by category key
	pinyin   *readings
}

//go:embed common.csv
var commonCSV []byte

//go:embed words.csv
var wordsCSV []byte

// Default is the vocabulary of common.csv and words.csv.
func Default() *Vocabulary {
	v, err := Parse(bytes.NewReader(commonCSV), bytes.NewReader(wordsCSV))
	if err != nil {
		panic("embedded vocabulary: " + err.Error()) // a build defect, caught by tests
	}
	return v
}

// Parse reads a vocabulary: the common problems (columns group, name, kind, code, icon, words)
// and the other words (kind, code, words), words separated by 、. Lines starting with # are
// comments. Errors name the table and line.
func Parse(common, words io.Reader) (*Vocabulary, error) {
	v := &Vocabulary{words: map[string][]string{}, pinyin: &readings{}}
	named := map[string]int{}
	err := readTable(common, "common problems", []string{"group", "name", "kind", "code", "icon", "words"}, func(line int, f map[string]string) error {
		p := Problem{Group: f["group"], Name: f["name"], Icon: f["icon"], Kind: workflow.CategoryKind(f["kind"]), Code: f["code"], Words: splitWords(f["words"])}
		if p.Group == "" || p.Name == "" || p.Icon == "" {
			return errors.New("group, name and icon are required")
		}
		if err := checkKey(p.Kind, p.Code); err != nil {
			return err
		}
		for _, other := range v.problems {
			if other.Key() == p.Key() {
				return fmt.Errorf("%s files as %s like %s: one problem per category", p.Name, p.Key(), other.Name)
			}
		}
		if prev, dup := named[p.Name]; dup {
			return fmt.Errorf("%s repeats line %d", p.Name, prev)
		}
		named[p.Name] = line
		v.problems = append(v.problems, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readTable(words, "words", []string{"kind", "code", "words"}, func(line int, f map[string]string) error {
		kind, code := workflow.CategoryKind(f["kind"]), f["code"]
		if err := checkKey(kind, code); err != nil {
			return err
		}
		key := Key(kind, code)
		if _, dup := v.words[key]; dup {
			return fmt.Errorf("%s repeats an earlier line", key)
		}
		if slices.ContainsFunc(v.problems, func(p Problem) bool { return p.Key() == key }) {
			return fmt.Errorf("%s is a common problem: its words belong there", key)
		}
		ws := splitWords(f["words"])
		if len(ws) == 0 {
			return errors.New("no words")
		}
		v.words[key] = ws
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func checkKey(kind workflow.CategoryKind, code string) error {
	c := workflow.Category{Kind: kind, Code: code, Name: "-"}
	if len(code) >= 2 {
		c.MajorCode = code[:2]
	}
	return c.Validate()
}

// splitWords splits a words cell at 、 and drops blanks.
func splitWords(s string) []string {
	var out []string
	for w := range strings.SplitSeq(s, "、") {
		if w = strings.TrimSpace(w); w != "" && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// readTable reads a CSV table with a header naming at least the want columns, calling row
// with each line's cells by column name.
func readTable(r io.Reader, table string, want []string, row func(line int, f map[string]string) error) error {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	var cols []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		line, _ := cr.FieldPos(0)
		for i, cell := range rec {
			if !utf8.ValidString(cell) {
				return fmt.Errorf("%s line %d: column %d is not UTF-8", table, line, i+1)
			}
		}
		if cols == nil {
			cols = rec
			for _, w := range want {
				if !slices.Contains(cols, w) {
					return fmt.Errorf("%s line %d: no %q column", table, line, w)
				}
			}
			continue
		}
		if len(rec) != len(cols) {
			return fmt.Errorf("%s line %d: %d cells, want %d", table, line, len(rec), len(cols))
		}
		f := make(map[string]string, len(cols))
		for i, c := range cols {
			f[c] = strings.TrimSpace(rec[i])
		}
		if err := row(line, f); err != nil {
			return fmt.Errorf("%s line %d: %w", table, line, err)
		}
	}
	if cols == nil {
		return fmt.Errorf("%s: no header", table)
	}
	return nil
}

// Problems lists the common problems in the list's order.
func (v *Vocabulary) Problems() []Problem { return slices.Clone(v.problems) }

// Words are the other words residents use for the category key (kind:code), beside a common
// problem's own.
func (v *Vocabulary) Words(key string) []string { return slices.Clone(v.words[key]) }

// Keys lists every category the vocabulary names: the common problems' and the words'.
func (v *Vocabulary) Keys() []string {
	var out []string
	for _, p := range v.problems {
		out = append(out, p.Key())
	}
	for k := range v.words {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Check says which categories the vocabulary names that dict lacks: a common problem or a
// word for a category the dictionary does not have would file reports nowhere.
func (v *Vocabulary) Check(dict []workflow.Category) error {
	have := map[string]bool{}
	for _, c := range dict {
		have[Key(c.Kind, c.Code)] = true
	}
	var missing []string
	for _, k := range v.Keys() {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the vocabulary names categories the dictionary lacks: %s", strings.Join(missing, ", "))
	}
	return nil
}
