package web

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/errs"
)

// Refusals, timeline events and notices reach the pages as codes with params (errs.Params);
// the catalogue words them. A message names its params in braces ("案件当前为“{status}”"), and
// a message key followed by ".param" is a clause added when that param is present (a
// registration that corrected the category says so).

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// namer gives the name of a department or region code, or the code itself when it has none:
// those names live in the database, not in the catalogue.
type namer func(what, code string) string

// paramPrefix is the catalogue's key prefix for params whose values are codes it words, or "".
func paramPrefix(name string) string {
	switch name {
	case "action", "allowed":
		return "action."
	case "status", "from", "to":
		return "status."
	case "role", "field", "kind", "urgency", "closure", "stage":
		return name + "."
	case "reject_reason":
		return "reject."
	case "target_action", "target_allowed":
		return "campaign.action."
	case "target_state":
		return "campaign.state."
	}
	return ""
}

// say words key in lang with params; ok is false when the catalogue has no such message.
func (c *catalogue) say(l Lang, key string, params errs.Params, names namer) (string, bool) {
	s, ok := c.msgs[l][key]
	if !ok {
		return "", false
	}
	fill := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			name := m[1 : len(m)-1]
			return c.param(l, name, params[name], names)
		})
	}
	out := fill(s)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if clause, ok := c.msgs[l][key+"."+k]; ok {
			out += fill(clause)
		}
	}
	return out, true
}

// param words one param's value: codes through the catalogue or names, lists joined in the
// language's way, anything else as it is.
func (c *catalogue) param(l Lang, name string, v any, names namer) string {
	switch list := v.(type) {
	case []string:
		return c.paramList(l, name, list, names)
	case []any:
		s := make([]string, len(list))
		for i, x := range list {
			s[i] = fmt.Sprint(x)
		}
		return c.paramList(l, name, s, names)
	case nil:
		return ""
	}
	s := fmt.Sprint(v)
	if p := paramPrefix(name); p != "" && c.has(l, p+s) {
		return c.T(l, p+s)
	}
	switch name {
	case "department", "co_departments", "departments", "lead", "to_department":
		return names("department", s)
	case "centre", "grid", "region", "to_centre", "to_grid":
		return names("region", s)
	case "field":
		// A form's field of a table's row (r3.department) or a picker's search box
		// (scope_q) is the field it stands for; an unknown one is no word to show a reader.
		base := strings.TrimSuffix(s[strings.LastIndex(s, ".")+1:], "_q")
		if c.has(l, "field."+base) {
			return c.T(l, "field."+base)
		}
		if l != English {
			return c.T(l, "field.unknown")
		}
	}
	return s
}

func (c *catalogue) paramList(l Lang, name string, list []string, names namer) string {
	if len(list) == 0 {
		return c.T(l, "list.none")
	}
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = c.param(l, name, x, names)
	}
	return strings.Join(out, c.T(l, "list.sep"))
}

// refusal words a refusal in lang from its reason and params; a refusal of one row of a table
// (a "row" param) says which row first. A reason the catalogue has no words for shows the
// words for its kind: in English followed by the detail, in Chinese without it, since a
// Chinese page shows no English (the log and the API keep the detail).
func (h *Handler) refusal(l Lang, err error, names namer) string {
	reason, params := errs.Detail(err)
	if s, ok := h.cat.say(l, "err."+reason, params, names); ok {
		if _, row := params["row"]; row {
			if pre, ok := h.cat.say(l, "err.row", errs.Params{"row": params["row"]}, names); ok {
				s = pre + s
			}
		}
		return s
	}
	_, msg := errs.Public(err)
	if errs.KindOf(err) == errs.Internal {
		return h.cat.T(l, "error.500") // its details are never shown
	}
	if l == English {
		return msg
	}
	return h.cat.T(l, fmt.Sprintf("error.%d", statusOf(err)))
}

// names returns a namer over the departments and regions, read as they are asked for (a page
// names a handful).
func (h *Handler) names(ctx context.Context) namer {
	var depts map[string]string
	regions := map[string]string{}
	return func(what, code string) string {
		switch what {
		case "department":
			if depts == nil {
				depts = map[string]string{}
				if ds, err := h.app.Settings.Departments(ctx); err == nil {
					for _, d := range ds {
						depts[d.Code] = d.Name
					}
				}
			}
			if n := depts[code]; n != "" {
				return n
			}
		case "region":
			if n, ok := regions[code]; ok {
				return n
			}
			if r, err := h.app.Regions.Region(ctx, code, false); err == nil && r.Name != "" {
				regions[code] = r.Name
				return r.Name
			}
			regions[code] = code
		}
		return code
	}
}
