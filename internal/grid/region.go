// Package grid holds the region tree of DESIGN §2: city → district → subdistrict → community →
// unit grid, with the coding rules each level follows.
package grid

import (
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/errs"
)

// Level is a region's place in the tree.
type Level string

// The levels, from the root down.
const (
	City        Level = "city"        // 市: GB/T 2260 prefix (4 digits)
	District    Level = "district"    // 区/县: 6 digits
	Subdistrict Level = "subdistrict" // 街道/乡镇: 9 digits
	Community   Level = "community"   // 社区/村: 12 digits
	Grid        Level = "grid"        // 楼院/庭院 unit grid: 15 characters
)

// Levels lists the levels from the root down.
var Levels = []Level{City, District, Subdistrict, Community, Grid}

// ParseLevel returns the level named s.
func ParseLevel(s string) (Level, error) {
	l := Level(s)
	if !slices.Contains(Levels, l) {
		return "", errs.E(errs.Invalid, "unknown region level %q", s)
	}
	return l, nil
}

// Depth is the level's index from the root (city = 0).
func (l Level) Depth() int { return slices.Index(Levels, l) }

// CodeLen is the length of a code at the level.
func (l Level) CodeLen() int {
	return map[Level]int{City: 4, District: 6, Subdistrict: 9, Community: 12, Grid: 15}[l]
}

// AreaClass is a grid's class for time limits: A core, B general, C fringe or rural.
type AreaClass string

// The area classes.
const (
	AreaCore    AreaClass = "A"
	AreaGeneral AreaClass = "B"
	AreaFringe  AreaClass = "C"
)

// Region is one node of the tree.
type Region struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Level      Level     `json:"level"`
	ParentCode string    `json:"parent_code,omitempty"`
	AreaClass  AreaClass `json:"area_class"`
	// Geometry is a Polygon or MultiPolygon in lon/lat (WGS-84), or nil when the region is
	// known only by name and code.
	Geometry orb.Geometry `json:"-"`
	// ValidTo is when a retired region stopped being used; zero while it is in use. Codes
	// are never reused, so a retired region keeps its code.
	ValidTo time.Time `json:"-"`
}

// Validate checks a region on its own and against its parent (nil for a root): the level sits
// one below the parent's and the code extends the parent's code to the level's length.
func (r Region) Validate(parent *Region) error {
	if r.Name == "" {
		return errs.E(errs.Invalid, "region %s: name is empty", r.Code)
	}
	if _, err := ParseLevel(string(r.Level)); err != nil {
		return errs.E(errs.Invalid, "region %s: %v", r.Code, err)
	}
	if len(r.Code) != r.Level.CodeLen() || !isDigits(r.Code) {
		return errs.E(errs.Invalid, "region %s: a %s code has %d digits", r.Code, r.Level, r.Level.CodeLen())
	}
	switch r.AreaClass {
	case AreaCore, AreaGeneral, AreaFringe:
	default:
		return errs.E(errs.Invalid, "region %s: area class must be A, B or C", r.Code)
	}
	if parent == nil {
		if r.Level != City {
			return errs.E(errs.Invalid, "region %s: a %s needs a parent", r.Code, r.Level)
		}
		return nil
	}
	if r.Level.Depth() != parent.Level.Depth()+1 {
		return errs.E(errs.Invalid, "region %s: a %s cannot sit under a %s", r.Code, r.Level, parent.Level)
	}
	if !strings.HasPrefix(r.Code, parent.Code) {
		return errs.E(errs.Invalid, "region %s: code does not start with its parent's code %s", r.Code, parent.Code)
	}
	return nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// Codes returns the codes of regions, in order.
func Codes(rs []Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

// Refs returns the references of regions, in order.
func Refs(rs []Region) []Ref {
	out := make([]Ref, len(rs))
	for i, r := range rs {
		out[i] = Ref{Code: r.Code, Name: r.Name, Level: r.Level, AreaClass: r.AreaClass}
	}
	return out
}
