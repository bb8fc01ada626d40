package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestReplaceRulesChecksWhatItNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		admin := apptest.As(t, db, "admin")
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
		before, err := a.Settings.Rules(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := a.Settings.ReplaceRules(ctx, admin, append(demo.Rules(), tt.rule))
				if !errs.Is(err, tt.want) {
					t.Fatalf("ReplaceRules = %v, want %s", err, tt.want)
				}
				after, _ := a.Settings.Rules(ctx, admin)
				if len(after) != len(before) {
					t.Errorf("a refused table changed the rules: %d → %d", len(before), len(after))
				}
			})
		}
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		if err := a.Settings.ReplaceRules(ctx, apptest.As(t, db, "district-admin"), demo.Rules()); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a district admin replacing the city's table: %v, want forbidden", err)
		}
		if _, err := a.Settings.Rules(ctx, apptest.As(t, db, "resident")); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a resident reading the table: %v, want forbidden", err)
		}
	})
}
