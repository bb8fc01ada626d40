package open311

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFormsAreReadLiberally(t *testing.T) {
	cases := []struct {
		name, body string
		values     map[string][]string
		attrs      map[string][]string
	}{
		{"repeated attribute keys", "attribute[x]=a&attribute[x]=b", map[string][]string{}, map[string][]string{"x": {"a", "b"}}},
		{"bracketed and indexed attribute keys", "attribute[x][]=a&attribute[x][0]=b&attribute[y]=c", map[string][]string{}, map[string][]string{"x": {"a", "b"}, "y": {"c"}}},
		{"percent-encoded brackets", "attribute%5Bx%5D%5B%5D=a", map[string][]string{}, map[string][]string{"x": {"a"}}},
		{"CRLF inside values and at the end", "description=a%0D%0Ab\r\n", map[string][]string{"description": {"a\nb"}}, map[string][]string{}},
		{"empty parameters are absent", "lat=&long=%20&attribute[x]=&a=1", map[string][]string{"a": {"1"}}, map[string][]string{}},
		{"a malformed attribute key stays a plain key", "attribute[x]junk=1", map[string][]string{"attribute[x]junk": {"1"}}, map[string][]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newForm()
			if err := f.parseQuery(c.body); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.values, c.values) || !reflect.DeepEqual(f.attrs, c.attrs) {
				t.Errorf("got values %v attrs %v, want %v %v", f.values, f.attrs, c.values, c.attrs)
			}
		})
	}
	bad := newForm()
	if err := bad.parseQuery("a=%zz"); err == nil || !strings.Contains(err.Error(), "malformed") {
		t.Errorf("a broken escape: got %v, want a malformed error", err)
	}
}

func TestAKeyIsLimitedToItsRate(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(60, 3, func() time.Time { return now })
	for i := range 3 {
		if w := l.take("k"); w != 0 {
			t.Fatalf("request %d of the burst waited %v", i+1, w)
		}
	}
	if w := l.take("k"); w <= 0 || w > time.Second {
		t.Errorf("the 4th at once: wait %v, want up to 1 s", w)
	}
	if w := l.take("other"); w != 0 {
		t.Errorf("another key waited %v", w)
	}
	now = now.Add(time.Second)
	if w := l.take("k"); w != 0 {
		t.Errorf("after a second: wait %v, want none", w)
	}
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{"attribute[x]=a&attribute[x][]=b", "a=%zz", "description=a%0D%0Ab\r\n", "&&=&a", "attribute[]=1&attribute[x][9]=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fm := newForm()
		if err := fm.parseQuery(s); err != nil {
			return
		}
		for k, vs := range fm.values {
			for _, v := range vs {
				if v == "" || strings.Contains(v, "\r\n") || k == "" {
					t.Fatalf("kept %q=%q from %q", k, v, s)
				}
			}
		}
		for code, vs := range fm.attrs {
			if code == "" || strings.Contains(code, "]") || len(vs) == 0 {
				t.Fatalf("attribute %q=%q from %q", code, vs, s)
			}
		}
	})
}
