package exports

import (
	"encoding/json"
	"os"
	"testing"
)

// The export's words are the Chinese pages' words.
func TestLabelsAreThePagesWords(t *testing.T) {
	raw, err := os.ReadFile("../../web/i18n/zh-CN.json")
	if err != nil {
		t.Fatal(err)
	}
	var zh map[string]string
	if err := json.Unmarshal(raw, &zh); err != nil {
		t.Fatal(err)
	}
	for prefix, words := range map[string]map[string]string{
		"status.": statusNames, "source.": sourceNames, "urgency.": urgencyNames, "kind.": kindNames, "closure.": closureNames,
	} {
		for code, word := range words {
			if page, ok := zh[prefix+code]; !ok || page != word {
				t.Errorf("%s%s: export says %q, the pages %q", prefix, code, word, page)
			}
		}
	}
}
