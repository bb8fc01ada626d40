package grid_test

import (
	"testing"

	"github.com/citygrid/citygrid/internal/grid"
)

func TestRegionValidate(t *testing.T) {
	city := &grid.Region{Code: "4108", Name: "焦作市", Level: grid.City, AreaClass: grid.AreaGeneral}
	district := &grid.Region{Code: "410802", Name: "解放区", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaGeneral}
	tests := []struct {
		name   string
		r      grid.Region
		parent *grid.Region
		ok     bool
	}{
		{"a city is a root", *city, nil, true},
		{"a district under its city", *district, city, true},
		{"a subdistrict under its district", grid.Region{Code: "410802001", Name: "民生街道", Level: grid.Subdistrict, AreaClass: "A"}, district, true},
		{"a district without a parent", *district, nil, false},
		{"a subdistrict under a city skips a level", grid.Region{Code: "410802001", Name: "x", Level: grid.Subdistrict, AreaClass: "B"}, city, false},
		{"a code not extending the parent's", grid.Region{Code: "410902001", Name: "x", Level: grid.Subdistrict, AreaClass: "B"}, district, false},
		{"a code of the wrong length", grid.Region{Code: "4108020011", Name: "x", Level: grid.Subdistrict, AreaClass: "B"}, district, false},
		{"a code with letters", grid.Region{Code: "41080200A", Name: "x", Level: grid.Subdistrict, AreaClass: "B"}, district, false},
		{"an empty name", grid.Region{Code: "410802001", Level: grid.Subdistrict, AreaClass: "B"}, district, false},
		{"an unknown area class", grid.Region{Code: "410802001", Name: "x", Level: grid.Subdistrict, AreaClass: "D"}, district, false},
		{"an unknown level", grid.Region{Code: "410802001", Name: "x", Level: "street", AreaClass: "B"}, district, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.r.Validate(tt.parent); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
