package textcheck_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// refusedField returns the field a bad_text refusal names, failing the test for any other error.
func refusedField(t *testing.T, err error) string {
	t.Helper()
	reason, params := errs.Detail(err)
	if reason != textcheck.Reason || !errs.Is(err, errs.BadRequest) {
		t.Fatalf("got %v (reason %q), want a bad_text refusal", err, reason)
	}
	field, _ := params["field"].(string)
	return field
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"plain Chinese text is kept", "井盖缺失，请尽快处理", true},
		{"tabs, line ends and other controls but NUL are text", "a\tb\r\nc\x01", true},
		{"the replacement character itself is text", "\ufffd", true},
		{"an empty string is text", "", true},
		{"a NUL byte is refused", "abc\x00def", false},
		{"a byte that is not UTF-8 is refused", "abc\xffdef", false},
		{"a cut-off character is refused", "井"[:2], false},
		{"an encoded surrogate is refused", "\xed\xa0\x80", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := textcheck.Check("description", tc.in)
			if tc.ok {
				if err != nil || !textcheck.Valid(tc.in) {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if got := refusedField(t, err); got != "description" {
				t.Errorf("field: got %q, want description", got)
			}
		})
	}
}

func TestValuesNameTheFirstBadField(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string][]string
		want string // "" for no refusal
	}{
		{"good values pass", map[string][]string{"q": {"井盖"}, "status": {"reported", "closed"}}, ""},
		{"a bad second value is named by its field", map[string][]string{"status": {"reported", "x\x00"}}, "status"},
		{"the first bad field in name order is named", map[string][]string{"z": {"\xff"}, "b": {"\x00"}}, "b"},
		{"a bad name is named, escaped", map[string][]string{"a\x00b": {"1"}}, `a\x00b`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := textcheck.Values(tc.in)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Values: %v", err)
				}
				return
			}
			if got := refusedField(t, err); got != tc.want {
				t.Errorf("field: got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // the field named, "" for no refusal
	}{
		{"a plain body passes", `{"description": "井盖缺失", "lon": 113.2}`, ""},
		{"escaped text passes", `{"description": "\u4e95\u76d6 \u003cb\u003e \ud83d\ude00"}`, ""},
		{"an escaped backslash before u is no escape", `{"note": "C:\\u0000"}`, ""},
		{"an escaped control but NUL passes", `{"note": "\u0001"}`, ""},
		{"not JSON is left to the decoder", `{"note": "\u0000`, ""},
		{"a NUL escape is named", `{"description": "a\u0000b"}`, "description"},
		{"raw bytes that are not UTF-8 are named", "{\"address\": \"a\xffb\"}", "address"},
		{"a nested member is named by its path", `{"contact": {"name": "x", "phone": "\u0000"}}`, "contact.phone"},
		{"an array element is named by its index", `{"photos": ["a", "b", "\udc00"]}`, "photos[2]"},
		{"a lone high surrogate is named", `{"note": "\ud800x"}`, "note"},
		{"a high surrogate before a non-low escape is named", `{"note": "\ud800\u0041"}`, "note"},
		{"a bad member name is named, escaped", "{\"a\xffb\": 1}", `a\xffb`},
		{"a bad member name nested is named with its place", `{"attributes": {"k\u0000": "v"}}`, `attributes.k\u0000`},
		{"a bare string is the body", `"\u0000"`, "body"},
		{"objects in arrays are walked", `{"rows": [{"a": "ok"}, {"a": "\u0000"}]}`, "rows[1].a"},
		{"a huge number does not stop the walk", `{"n": 1e400, "note": "\u0000"}`, "note"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := textcheck.JSON([]byte(tc.body))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("JSON: %v", err)
				}
				return
			}
			if got := refusedField(t, err); got != tc.want {
				t.Errorf("field: got %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzJSON holds the check to its promise: whatever passes decodes to valid text, unchanged by
// the decoder; whatever does not is refused with a field named.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`{"a": "b"}`, `{"a": "\u0000"}`, "{\"a\": \"\xff\"}", `["\ud800"]`, `{"a": ["\ud83d\ude00", {"b": "\udc00"}]}`,
		`{"a\u0000": 1}`, `"x"`, `{"n": 1e999, "s": "\u0000"}`, `{"note": "C:\\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := textcheck.JSON(b)
		if err != nil {
			if reason, params := errs.Detail(err); reason != textcheck.Reason || params["field"] == "" {
				t.Fatalf("refusal %v: reason %q, params %v", err, reason, params)
			}
			return
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return // not JSON: the decoder refuses it
		}
		// Passed: every string decodes to valid text, and none was repaired: the decoder adds
		// a replacement character only where the body had bad bytes or a lone surrogate.
		replaced := strings.Count(string(b), "\ufffd") + strings.Count(strings.ToLower(string(b)), `\ufffd`)
		var check func(any)
		found := 0
		check = func(x any) {
			switch x := x.(type) {
			case string:
				if !textcheck.Valid(x) {
					t.Fatalf("%q passed but decodes to %q", b, x)
				}
				found += strings.Count(x, "\ufffd")
			case []any:
				for _, e := range x {
					check(e)
				}
			case map[string]any:
				for k, e := range x {
					check(k)
					check(e)
				}
			}
		}
		check(v)
		if found > replaced {
			t.Fatalf("%q passed but decoding replaced characters (%d replacement characters, %d sent)", b, found, replaced)
		}
		if !utf8.Valid(b) {
			t.Fatalf("%q passed with bytes that are not UTF-8", b)
		}
	})
}

// FuzzValues: a form passes exactly when all its names and values are valid text.
func FuzzValues(f *testing.F) {
	f.Add("q", "井盖")
	f.Add("q\x00", "x")
	f.Add("q", "\xff")
	f.Fuzz(func(t *testing.T, k, v string) {
		err := textcheck.Values(map[string][]string{k: {v}})
		if (err == nil) != (textcheck.Valid(k) && textcheck.Valid(v)) {
			t.Fatalf("Values(%q: %q) = %v", k, v, err)
		}
	})
}
