package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
)

func TestSayFillsParamsClausesAndLists(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	names := func(what, code string) string {
		return map[string]string{"410802-CGJ": "解放区城市管理局", "410802-SWJ": "解放区水务局"}[code]
	}
	for _, tc := range []struct {
		lang   Lang
		key    string
		params errs.Params
		want   string
	}{
		{Chinese, "event.dispatched", errs.Params{"department": "410802-CGJ"}, "派遣至解放区城市管理局"},
		{Chinese, "event.dispatched", errs.Params{"department": "410802-CGJ", "co_departments": []any{"410802-SWJ"}}, "派遣至解放区城市管理局，协办：解放区水务局"},
		{Chinese, "event.registered", errs.Params{"kind": "matter", "category": "09009", "urgency": "urgent"}, "立案，类别更正为事件 09009，紧急程度更正为“紧急”"},
		{Chinese, "err.wrong_state", errs.Params{"action": "reject", "status": "registered", "allowed": []string{"verify", "comment"}},
			"案件当前为“已立案”，不能不予立案（当前可办理：核查、备注）"},
		{Chinese, "err.wrong_state", errs.Params{"action": "reject", "status": "registered", "allowed": []string{}}, "案件当前为“已立案”，不能不予立案（当前可办理：无）"},
		{English, "err.required", errs.Params{"field": "reason"}, "Reason is required"},
	} {
		if got, ok := c.say(tc.lang, tc.key, tc.params, names); !ok || got != tc.want {
			t.Errorf("%s %s %v: got %q (%v), want %q", tc.lang, tc.key, tc.params, got, ok, tc.want)
		}
	}
	if _, ok := c.say(Chinese, "err.no_such_reason", nil, names); ok {
		t.Error("an unknown key is worded")
	}
}

// TestEveryEventAndReasonHasWords holds the catalogue to the domain: each event code the state
// machine says and each refusal reason it gives has words in both languages, so no page falls
// back to English.
func TestEveryEventAndReasonHasWords(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile("../workflow/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	events := regexp.MustCompile(`t\.say\("([a-z_]+)"`).FindAllStringSubmatch(read("actions.go"), -1)
	reasons := regexp.MustCompile(`Reason[A-Za-z]+\s*=\s*"([a-z_]+)"`).FindAllStringSubmatch(read("refusals.go"), -1)
	if len(events) < 20 || len(reasons) < 20 {
		t.Fatalf("found %d events and %d reasons in the workflow's source; the patterns are stale", len(events), len(reasons))
	}
	for _, l := range Langs {
		for _, m := range events {
			if !c.has(l, "event."+m[1]) {
				t.Errorf("%s: no words for event %s", l, m[1])
			}
		}
		for _, m := range reasons {
			if !c.has(l, "err."+m[1]) {
				t.Errorf("%s: no words for refusal %s", l, m[1])
			}
		}
	}
}

// TestEveryReasonInTheCodeHasWords reads every refusal reason the program gives (the literal
// reasons of errs.Refuse, RefuseCoded and Coded, and the Reason of errs.Error values) and holds
// the catalogue to words for each in both languages: a reason without words reaches a Chinese
// page as the bare words of its kind.
func TestEveryReasonInTheCodeHasWords(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	calls := regexp.MustCompile(`errs\.(?:Refuse|RefuseCoded|Coded)\(\s*errs\.[A-Za-z]+,\s*"([a-z_]+)"|Reason:\s*"([a-z_]+)"`)
	seen := map[string]string{}
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range calls.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]+m[2]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 100 {
		t.Fatalf("found %d reasons in the source; the pattern is stale", len(seen))
	}
	for _, l := range Langs {
		for reason, where := range seen {
			if !c.has(l, "err."+reason) {
				t.Errorf("%s: no words for refusal %s (%s)", l, reason, where)
			}
		}
	}
}
