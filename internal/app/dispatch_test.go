package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// pointIn returns a point inside a region's polygon.
func pointIn(t *testing.T, a *app.App, code string) orb.Point {
	t.Helper()
	v, err := a.Region(context.Background(), code, true)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := grid.PointInside(v.Geometry)
	if !ok {
		t.Fatalf("no point found inside %s", code)
	}
	return p
}

func TestRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := newApp(t, db, &now)
		minsheng := pointIn(t, a, demo.GridWorkerGrid) // 解放区 民生街道
		shanyang := pointIn(t, a, "410811001001001")   // 山阳区 东方红街道
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
				r, err := a.Route(ctx, as(t, db, "dispatcher"), tt.kind, tt.code, tt.at[0], tt.at[1], crs.WGS84, now)
				if err != nil {
					t.Fatal(err)
				}
				if r.Department != tt.want || r.Auto != tt.auto || r.Locality != tt.locality || len(r.CoDepartments) != len(tt.co) {
					t.Errorf("Route = %s auto=%v locality=%v co=%v, want %s auto=%v locality=%v co=%v",
						r.Department, r.Auto, r.Locality, r.CoDepartments, tt.want, tt.auto, tt.locality, tt.co)
				}
			})
		}
		if _, err := a.Route(ctx, as(t, db, "resident"), workflow.Matter, "09009", minsheng[0], minsheng[1], crs.WGS84, now); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident routing: %v, want forbidden", err)
		}
		if _, err := a.Route(ctx, as(t, db, "dispatcher"), workflow.Matter, "99999", minsheng[0], minsheng[1], crs.WGS84, now); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unknown category: %v, want invalid", err)
		}
		if _, err := a.Route(ctx, as(t, db, "dispatcher"), workflow.Matter, "09009", 0, 0, crs.WGS84, now); !errs.Is(err, errs.NotFound) {
			t.Errorf("a point outside the city: %v, want not_found", err)
		}
	})
}

func TestReplaceRulesChecksWhatItNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := newApp(t, db, &now)
		admin := as(t, db, "admin")
		tests := []struct {
			name string
			rule workflow.Rule
			want errs.Kind
		}{
			{"an unknown department", workflow.Rule{Department: "NOPE"}, errs.Invalid},
			{"an unknown co-department", workflow.Rule{Department: "410802-CGJ", CoDepartments: []string{"NOPE"}}, errs.Invalid},
			{"an unknown region", workflow.Rule{Region: "999999", Department: "410802-CGJ"}, errs.Invalid},
			{"an unknown category", workflow.Rule{Category: "99999", Department: "410802-CGJ"}, errs.Invalid},
			{"an unknown major class", workflow.Rule{Category: "77", Department: "410802-CGJ"}, errs.Invalid},
			{"a category of the wrong kind", workflow.Rule{CategoryKind: workflow.Component, Category: "06010", Department: "410802-CGJ"}, errs.Invalid},
			{"a malformed window", workflow.Rule{From: "25:00", To: "06:00", Department: "410802-CGJ"}, errs.Invalid},
		}
		before, err := a.Rules(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := a.ReplaceRules(ctx, admin, append(demo.Rules(), tt.rule))
				if !errs.Is(err, tt.want) {
					t.Fatalf("ReplaceRules = %v, want %s", err, tt.want)
				}
				after, _ := a.Rules(ctx, admin)
				if len(after) != len(before) {
					t.Errorf("a refused table changed the rules: %d → %d", len(before), len(after))
				}
			})
		}
		if _, err := a.AddUser(ctx, system, app.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		if err := a.ReplaceRules(ctx, as(t, db, "district-admin"), demo.Rules()); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a district admin replacing the city's table: %v, want forbidden", err)
		}
		if _, err := a.Rules(ctx, as(t, db, "resident")); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident reading the table: %v, want forbidden", err)
		}
	})
}
