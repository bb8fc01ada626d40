package workflow

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/errs"
)

// Datatype is the kind of answer an attribute takes: the six of Open311 GeoReport v2's service
// definitions.
type Datatype string

// The datatypes.
const (
	DatatypeString   Datatype = "string"          // one line
	DatatypeNumber   Datatype = "number"          // a decimal number
	DatatypeDatetime Datatype = "datetime"        // an ISO 8601 / RFC 3339 time
	DatatypeText     Datatype = "text"            // free text, several lines
	DatatypeSingle   Datatype = "singlevaluelist" // one key of Values
	DatatypeMulti    Datatype = "multivaluelist"  // any number of keys of Values
)

var datatypes = []Datatype{DatatypeString, DatatypeNumber, DatatypeDatetime, DatatypeText, DatatypeSingle, DatatypeMulti}

// Attribute bounds: answers short enough for a case record; a text as long as a description.
const (
	maxAttributes     = 50
	maxStringAnswer   = 255
	maxTextAnswer     = 4000
	maxAttributeValue = 100 // list entries per attribute
)

// AttributeValue is one choice of a list attribute: the key a client sends and its name.
type AttributeValue struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Attribute is an extra question a category asks of a reporter (an Open311 service attribute),
// e.g. a car's plate for 机动车乱停放. An attribute that is not Variable only informs the
// reporter and takes no answer.
type Attribute struct {
	Code                string           `json:"code"`
	Datatype            Datatype         `json:"datatype"`
	Required            bool             `json:"required"`
	Variable            bool             `json:"variable"`
	Order               int              `json:"order"` // 1 is shown first
	Description         string           `json:"description"`
	DatatypeDescription string           `json:"datatype_description,omitempty"`
	Values              []AttributeValue `json:"values,omitempty"`
}

// ParseAttributes reads a category's attributes from JSON (an array of objects with the
// fields of Attribute; variable defaults to true, order to the position in the array) and
// checks them.
func ParseAttributes(data []byte) ([]Attribute, error) {
	var raw []struct {
		Attribute
		Variable *bool `json:"variable"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, errs.E(errs.Invalid, "attributes must be a JSON array of {code, datatype, required, variable, order, description, values}: %v", err)
	}
	out := make([]Attribute, len(raw))
	for i, r := range raw {
		out[i] = r.Attribute
		out[i].Variable = r.Variable == nil || *r.Variable
		if out[i].Order == 0 {
			out[i].Order = i + 1
		}
	}
	return out, ValidateAttributes(out)
}

// ValidateAttributes checks a category's attributes: known datatypes, unique codes of URL-safe
// characters, lists with unique keys and only lists with values, informational ones not required.
func ValidateAttributes(attrs []Attribute) error {
	if len(attrs) > maxAttributes {
		return errs.E(errs.Invalid, "at most %d attributes per category", maxAttributes)
	}
	seen := map[string]bool{}
	for _, a := range attrs {
		if !validAttributeCode(a.Code) {
			return errs.E(errs.Invalid, "attribute code %q must have 1 to 64 letters, digits, '_', '-' or '.'", a.Code)
		}
		if seen[a.Code] {
			return errs.E(errs.Invalid, "attribute %s appears twice", a.Code)
		}
		seen[a.Code] = true
		if !slices.Contains(datatypes, a.Datatype) {
			return errs.E(errs.Invalid, "attribute %s: datatype must be one of string, number, datetime, text, singlevaluelist, multivaluelist, not %q", a.Code, a.Datatype)
		}
		if strings.TrimSpace(a.Description) == "" {
			return errs.E(errs.Invalid, "attribute %s: description (the question shown to the reporter) is empty", a.Code)
		}
		if a.Order < 1 {
			return errs.E(errs.Invalid, "attribute %s: order must be 1 or more", a.Code)
		}
		if a.Required && !a.Variable {
			return errs.E(errs.Invalid, "attribute %s: an informational attribute (variable false) cannot be required", a.Code)
		}
		list := a.Datatype == DatatypeSingle || a.Datatype == DatatypeMulti
		switch {
		case list && len(a.Values) == 0:
			return errs.E(errs.Invalid, "attribute %s: a %s needs values", a.Code, a.Datatype)
		case !list && len(a.Values) > 0:
			return errs.E(errs.Invalid, "attribute %s: only list attributes have values", a.Code)
		case len(a.Values) > maxAttributeValue:
			return errs.E(errs.Invalid, "attribute %s: at most %d values", a.Code, maxAttributeValue)
		}
		keys := map[string]bool{}
		for _, v := range a.Values {
			if strings.TrimSpace(v.Key) == "" || strings.TrimSpace(v.Name) == "" {
				return errs.E(errs.Invalid, "attribute %s: every value needs a key and a name", a.Code)
			}
			if keys[v.Key] {
				return errs.E(errs.Invalid, "attribute %s: value key %q appears twice", a.Code, v.Key)
			}
			keys[v.Key] = true
		}
	}
	return nil
}

func validAttributeCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

// CheckAnswers checks a reporter's answers (attribute code → values as sent) against a
// category's attributes and returns them cleaned: trimmed, empty values dropped, numbers and
// times normalised, list keys de-duplicated in the order of the definition. Every problem is
// returned, each naming its attribute: a missing required answer, an unknown attribute, a
// number or time that does not parse, a key not in the list, several answers to a
// single-valued attribute, an answer too long. Answers to informational attributes are ignored.
func CheckAnswers(attrs []Attribute, answers map[string][]string) (map[string][]string, []string) {
	clean := map[string][]string{}
	var problems []string
	byCode := map[string]Attribute{}
	for _, a := range attrs {
		byCode[a.Code] = a
	}
	codes := make([]string, 0, len(answers))
	for c := range answers {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		if _, ok := byCode[c]; !ok {
			problems = append(problems, fmt.Sprintf("attribute[%s]: this service has no such attribute", c))
		}
	}
	for _, a := range attrs {
		if !a.Variable {
			continue
		}
		var vals []string
		for _, v := range answers[a.Code] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			if a.Required {
				problems = append(problems, fmt.Sprintf("attribute[%s] is required: %s", a.Code, a.Description))
			}
			continue
		}
		if a.Datatype != DatatypeMulti && len(vals) > 1 {
			problems = append(problems, fmt.Sprintf("attribute[%s] takes one value, not %d", a.Code, len(vals)))
			continue
		}
		out, problem := checkAnswer(a, vals)
		if problem != "" {
			problems = append(problems, fmt.Sprintf("attribute[%s]: %s", a.Code, problem))
			continue
		}
		clean[a.Code] = out
	}
	return clean, problems
}

func checkAnswer(a Attribute, vals []string) ([]string, string) {
	v := vals[0]
	switch a.Datatype {
	case DatatypeString:
		if strings.ContainsAny(v, "\r\n") {
			return nil, "a string is one line"
		}
		if n := utf8.RuneCountInString(v); n > maxStringAnswer {
			return nil, fmt.Sprintf("at most %d characters, not %d", maxStringAnswer, n)
		}
	case DatatypeText:
		if n := utf8.RuneCountInString(v); n > maxTextAnswer {
			return nil, fmt.Sprintf("at most %d characters, not %d", maxTextAnswer, n)
		}
	case DatatypeNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Sprintf("%q is not a number", shortQuote(v))
		}
		return []string{strconv.FormatFloat(f, 'f', -1, 64)}, ""
	case DatatypeDatetime:
		t, err := ParseW3CTime(v)
		if err != nil {
			return nil, fmt.Sprintf("%q is not a date and time like 2026-11-25T09:30:00+08:00", shortQuote(v))
		}
		return []string{t.Format(time.RFC3339)}, ""
	case DatatypeSingle, DatatypeMulti:
		var out []string
		for _, want := range a.Values {
			if slices.Contains(vals, want.Key) {
				out = append(out, want.Key)
			}
		}
		for _, v := range vals {
			if !slices.ContainsFunc(a.Values, func(av AttributeValue) bool { return av.Key == v }) {
				return nil, fmt.Sprintf("%q is not one of the listed keys", shortQuote(v))
			}
		}
		return out, ""
	}
	return []string{v}, ""
}

// ParseW3CTime reads the W3C date-time forms Open311 clients send: RFC 3339 with or without
// fractional seconds, and without a zone (taken as UTC), or a bare date.
func ParseW3CTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a W3C date-time: %q", s)
}

func shortQuote(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
