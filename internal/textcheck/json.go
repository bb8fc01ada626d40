package textcheck

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON refuses a JSON document with a string (a value or a member name) that is not Valid or
// that decoding would change without a word: raw bytes that are not UTF-8 and lone surrogate
// escapes ("\ud800") both become U+FFFD in encoding/json, and "\u0000" becomes NUL. The
// refusal names the string's place: "contact.name", "photos[2]", or "body" for a bare string.
// A document that is not JSON at all passes: the decoder that reads it next says what is wrong.
func JSON(b []byte) error {
	// Most bodies have neither bad bytes nor escapes; only the others need the walk.
	if utf8.Valid(b) && !bytes.Contains(b, []byte(`\u`)) {
		return nil
	}
	return walk(b)
}

// frame is a container the walk is in: an object (with the member being read) or an array
// (with the index of the element being read).
type frame struct {
	object  bool
	wantKey bool
	key     string
	index   int
}

func walk(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers are not converted, so none stops the walk early
	var stack []frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	// A value begins: in an array it is the next element.
	begin := func() {
		if f := top(); f != nil && !f.object {
			f.index++
		}
	}
	// A value ends: in an object the next string is a member name.
	end := func() {
		if f := top(); f != nil && f.object {
			f.wantKey = true
		}
	}
	for {
		from := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: the decoder's to report
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				begin()
				stack = append(stack, frame{object: t == '{', wantKey: t == '{', index: -1})
			default:
				stack = stack[:len(stack)-1]
				end()
			}
			continue
		case string:
			lit := b[from:dec.InputOffset()]
			if q := bytes.IndexByte(lit, '"'); q >= 0 {
				lit = lit[q:]
			}
			if f := top(); f != nil && f.object && f.wantKey {
				if p := literalProblem(lit); p != "" {
					// Named as written: the decoded name has lost what was wrong with it.
					return refuse(join(stack[:len(stack)-1], Printable(string(lit[1:len(lit)-1]))), p)
				}
				f.key, f.wantKey = t, false
				continue
			}
			begin()
			if p := literalProblem(lit); p != "" {
				return refuse(join(stack, ""), p)
			}
		default:
			begin()
		}
		end()
	}
}

// join names a place: the members and indexes of the frames, then last (a member name), or
// "body" for the document itself.
func join(stack []frame, last string) string {
	var b strings.Builder
	for _, f := range stack {
		switch {
		case f.object && b.Len() > 0:
			b.WriteString("." + f.key)
		case f.object:
			b.WriteString(f.key)
		default:
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
		}
	}
	switch {
	case last != "" && b.Len() > 0:
		b.WriteString("." + last)
	case last != "":
		b.WriteString(last)
	case b.Len() == 0:
		return "body"
	}
	return b.String()
}

// literalProblem checks a JSON string literal, quotes included, as written: what decoding
// would make of it is not Valid, or not what was sent.
func literalProblem(lit []byte) string {
	end := len(lit) - 1 // the closing quote
	for i := 1; i < end; {
		c := lit[i]
		switch {
		case c == '\\' && i+1 < end && lit[i+1] == 'u':
			r, ok := hex4(lit, i+2)
			switch {
			case !ok:
				return problemUTF8
			case r == 0:
				return problemNUL
			case r >= 0xD800 && r < 0xDC00: // a high surrogate must come with a low one
				low, ok := rune(0), i+11 < end && lit[i+6] == '\\' && lit[i+7] == 'u'
				if ok {
					low, ok = hex4(lit, i+8)
				}
				if !ok || low < 0xDC00 || low > 0xDFFF {
					return problemUTF8
				}
				i += 12
				continue
			case r >= 0xDC00 && r <= 0xDFFF:
				return problemUTF8
			}
			i += 6
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(lit[i:end])
			if r == utf8.RuneError && n <= 1 {
				return problemUTF8
			}
			i += n
		}
	}
	return ""
}

// hex4 reads the four hex digits at lit[i:].
func hex4(lit []byte, i int) (rune, bool) {
	if i+4 > len(lit) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(lit[i:i+4]), 16, 32)
	return rune(n), err == nil
}
