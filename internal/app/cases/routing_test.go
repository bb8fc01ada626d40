package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		minsheng := apptest.PointIn(t, a, demo.GridWorkerGrid) // 解放区 民生街道
		shanyang := apptest.PointIn(t, a, "410811001001001")   // 山阳区 东方红街道
		tests := []struct {
			name     string
			kind     workflow.CategoryKind
			code     string
			at       orb.Point
			want     string
			co       []string
			auto     bool
			locality bool
		}{
			{"parking in 解放区 goes to the city management bureau", workflow.Matter, "09009", minsheng, "410802-CGJ", nil, false, false},
			{"exposed garbage in 解放区 goes to sanitation automatically", workflow.Matter, "06010", minsheng, "410802-HW", nil, true, false},
			{"other environment matters in 解放区 go to sanitation by hand", workflow.Matter, "06011", minsheng, "410802-HW", nil, false, false},
			{"construction anywhere goes to housing, jointly with city management", workflow.Matter, "08001", shanyang, "4108-ZJJ", []string{"410802-CGJ"}, false, false},
			{"street order in 山阳区 goes to its own bureau", workflow.Matter, "09009", shanyang, "410811-CGJ", nil, false, false},
			{"what no rule covers falls to the subdistrict office", workflow.Matter, "01001", minsheng, "410802001-BSC", nil, false, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r, err := a.Cases.Route(ctx, apptest.As(t, db, "dispatcher"), tt.kind, tt.code, tt.at[0], tt.at[1], crs.WGS84, now)
				if err != nil {
					t.Fatal(err)
				}
				if r.Department != tt.want || r.Auto != tt.auto || r.Locality != tt.locality || len(r.CoDepartments) != len(tt.co) {
					t.Errorf("Route = %s auto=%v locality=%v co=%v, want %s auto=%v locality=%v co=%v",
						r.Department, r.Auto, r.Locality, r.CoDepartments, tt.want, tt.auto, tt.locality, tt.co)
				}
			})
		}
		if _, err := a.Cases.Route(ctx, apptest.As(t, db, "resident"), workflow.Matter, "09009", minsheng[0], minsheng[1], crs.WGS84, now); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident routing: %v, want forbidden", err)
		}
		if _, err := a.Cases.Route(ctx, apptest.As(t, db, "dispatcher"), workflow.Matter, "99999", minsheng[0], minsheng[1], crs.WGS84, now); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unknown category: %v, want invalid", err)
		}
		if _, err := a.Cases.Route(ctx, apptest.As(t, db, "dispatcher"), workflow.Matter, "09009", 0, 0, crs.WGS84, now); !errs.Is(err, errs.NotFound) {
			t.Errorf("a point outside the city: %v, want not_found", err)
		}
	})
}
