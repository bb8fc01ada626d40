// Package workflow holds the closed loop of DESIGN §3–4: departments that handle cases, and
// (as the loop grows) categories, dispatch rules and the case state machine.
package workflow

import (
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// Department is a handling unit (专业部门) at city, district or subdistrict level.
type Department struct {
	Code       string     `json:"code"`
	Name       string     `json:"name"`
	Level      grid.Level `json:"level"`
	RegionCode string     `json:"region_code"` // the region whose cases it handles
}

// Validate checks the department's own fields.
func (d Department) Validate() error {
	if d.Code == "" || len(d.Code) > 32 {
		return errs.E(errs.Invalid, "department code must have 1 to 32 characters")
	}
	if d.Name == "" {
		return errs.E(errs.Invalid, "department %s: name is empty", d.Code)
	}
	switch d.Level {
	case grid.City, grid.District, grid.Subdistrict:
	default:
		return errs.E(errs.Invalid, "department %s: level must be city, district or subdistrict", d.Code)
	}
	if d.RegionCode == "" {
		return errs.E(errs.Invalid, "department %s: region is empty", d.Code)
	}
	return nil
}
