package workflow

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/errs"
)

// CategoryKind separates the two halves of the national dictionary: coded physical
// facilities (管理部件) and situations (管理事项). The same code exists in both.
type CategoryKind string

// The kinds.
const (
	Component CategoryKind = "component" // 管理部件, e.g. 01002 污水井盖
	Matter    CategoryKind = "matter"    // 管理事项, e.g. 09009 机动车乱停放
)

// ParseCategoryKind returns the kind named s.
func ParseCategoryKind(s string) (CategoryKind, error) {
	switch k := CategoryKind(s); k {
	case Component, Matter:
		return k, nil
	}
	return "", errs.Refuse(errs.Invalid, ReasonBadValue, errs.Params{"field": "kind", "value": s}, "category kind must be component or matter, not %q", s)
}

// Category is a leaf of the dictionary (GB/T 47678.5-2026, plus a city's local extensions).
// Its key is (Kind, Code).
type Category struct {
	Kind      CategoryKind `json:"kind"`
	Code      string       `json:"code"`       // 5 digits: major class (2) + minor (3)
	MajorCode string       `json:"major_code"` // the first two digits
	MajorName string       `json:"major_name"`
	Name      string       `json:"name"`
	// FilingCondition and ClosingCondition are the city's 立案条件 and 结案条件.
	FilingCondition  string `json:"filing_condition"`
	ClosingCondition string `json:"closing_condition"`
	// VerificationRequired sends a handled case back to the grid for 核查 before it closes.
	VerificationRequired bool `json:"verification_required"`
	// Public categories are offered to residents and shown on the public map.
	Public bool `json:"public"`
	// Sensitive categories show the public only the grid, not the exact point.
	Sensitive bool `json:"sensitive"`
	// Local marks a city's own extension, not in the national dictionary.
	Local bool `json:"local"`
	// Attributes are the extra questions the category asks of a reporter (Open311 service
	// attributes). nil means "not given" (an import leaves stored attributes alone); an empty
	// list clears them.
	Attributes []Attribute `json:"attributes,omitempty"`
}

// Validate checks a category's own fields.
func (c Category) Validate() error {
	if _, err := ParseCategoryKind(string(c.Kind)); err != nil {
		return err
	}
	if len(c.Code) != 5 || !digits(c.Code) {
		return errs.E(errs.Invalid, "category code %q must have 5 digits", c.Code)
	}
	if c.MajorCode != c.Code[:2] {
		return errs.E(errs.Invalid, "category %s: major class %q must be the code's first two digits", c.Code, c.MajorCode)
	}
	if strings.TrimSpace(c.Name) == "" {
		return errs.E(errs.Invalid, "category %s: name is empty", c.Code)
	}
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// UnclassifiedCode is the category of a report whose reporter cannot tell what the problem is
// (不确定/其他): a local extension of the standard's class 10 其他事项类 (which numbers only
// 10001 and 10002), kind matter, public. The supervision centre classifies such a case when it
// registers it: register (and self_handle, which skips registration) refuse to keep it.
const UnclassifiedCode = "10999"

// Unclassified is the category 不确定/其他 (see UnclassifiedCode).
func Unclassified() Category {
	return Category{Kind: Matter, Code: UnclassifiedCode, MajorCode: "10", MajorName: "其他事项类", Name: "不确定/其他",
		FilingCondition: "报告人无法判断问题类别，由受理员在立案时确定类别", VerificationRequired: true, Public: true, Local: true}
}

// IsUnclassified says whether (kind, code) is the category 不确定/其他.
func IsUnclassified(kind CategoryKind, code string) bool {
	return kind == Matter && code == UnclassifiedCode
}

//go:embed data/categories-gbt47678.5-2026.csv
var nationalCSV []byte

// NationalCategories returns the national dictionary GB/T 47678.5-2026: 153 components and
// 250 matters, all public, all verified before closing.
func NationalCategories() []Category {
	cats, err := ReadCategories(bytes.NewReader(nationalCSV))
	if err != nil {
		panic("embedded national dictionary: " + err.Error()) // a build defect, caught by tests
	}
	return cats
}

// ReadCategories reads a dictionary CSV: the columns kind, code, major_code, major_name, name
// (as the national table has them) and optionally filing_condition, closing_condition,
// verification_required, public, sensitive (true/false; default true, true, false) and
// attributes (a JSON array, see ParseAttributes; "[]" clears them), in any order. Errors name
// the line.
func ReadCategories(r io.Reader) ([]Category, error) {
	var out []Category
	seen := map[string]int{}
	err := table(r, "categories", []string{"kind", "code", "major_code", "major_name", "name"}, func(line int, get func(string) string) error {
		c := Category{Kind: CategoryKind(get("kind")), Code: get("code"), MajorCode: get("major_code"),
			MajorName: get("major_name"), Name: get("name"), FilingCondition: get("filing_condition"),
			ClosingCondition: get("closing_condition")}
		var err error
		flag := func(name string, def bool) bool {
			v := get(name)
			if v == "" || err != nil {
				return def
			}
			b, perr := strconv.ParseBool(v)
			if perr != nil {
				err = fmt.Errorf("%s must be true or false, not %q", name, v)
			}
			return b
		}
		c.VerificationRequired = flag("verification_required", true)
		c.Public = flag("public", true)
		c.Sensitive = flag("sensitive", false)
		if err != nil {
			return err
		}
		if v := get("attributes"); v != "" {
			if c.Attributes, err = ParseAttributes([]byte(v)); err != nil {
				return err
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		key := string(c.Kind) + ":" + c.Code
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("%s %s repeats line %d", c.Kind, c.Code, prev)
		}
		seen[key] = line
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
