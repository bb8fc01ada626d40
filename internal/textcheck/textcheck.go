// Package textcheck decides whether text from outside is fit to keep: valid UTF-8 with no NUL
// byte. PostgreSQL refuses both (an internal error, had nothing checked first) and SQLite keeps
// them as they are, to trip up whatever reads them later. Neither may be repaired silently (a
// replacement character is someone's text changed without their knowing), so a caller refuses
// the whole input, naming the field, and writes nothing.
//
// The adapters check every request at their one entry (JSON bodies, forms, query strings,
// paths); the use cases check what arrives by other ways (console commands, imported files).
package textcheck

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
)

// Reason is the refusal's reason and wire code; its params name the field and say what is
// wrong with it ("nul" or "utf8").
const Reason = "bad_text"

// What is wrong with a text.
const (
	problemNUL  = "nul"
	problemUTF8 = "utf8"
)

// Valid reports whether s may be kept: valid UTF-8 without NUL.
func Valid(s string) bool { return problem(s) == "" }

func problem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return problemUTF8
	case strings.IndexByte(s, 0) >= 0:
		return problemNUL
	}
	return ""
}

// Check refuses s unless it is Valid, naming the field it came in.
func Check(field, s string) error {
	if p := problem(s); p != "" {
		return refuse(field, p)
	}
	return nil
}

// Values refuses a form or query string with a name or value that is not Valid, naming the
// first such field (in name order, so the answer does not change from one try to the next).
func Values(v map[string][]string) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if p := problem(k); p != "" {
			return refuse(Printable(k), p)
		}
		for _, s := range v[k] {
			if err := Check(k, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func refuse(field, p string) error {
	what := "contains a NUL byte"
	if p == problemUTF8 {
		what = "is not valid UTF-8"
	}
	return errs.RefuseCoded(errs.BadRequest, Reason, errs.Params{"field": field, "problem": p},
		"%s %s: send text as UTF-8 without NUL bytes", field, what)
}

// Printable is s made fit to show in an answer naming it: bad bytes as \x escapes, NUL as \x00.
func Printable(s string) string {
	if Valid(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1, r == 0:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
