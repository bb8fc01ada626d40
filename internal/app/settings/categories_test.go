package settings_test

import (
	"context"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestOnlyAnUnscopedAdminChangesCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now)
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "district-admin", Role: "admin", Scope: "410802", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		cat := []workflow.Category{{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地", Name: "x"}}
		for _, who := range []string{"district-admin", "operator"} {
			before := apptest.Snap(t, db)
			if _, err := a.Settings.ImportCategories(ctx, apptest.As(t, db, who), cat); !errs.Is(err, errs.Forbidden) {
				t.Errorf("%s importing categories: %v, want forbidden", who, err)
			}
			if after := apptest.Snap(t, db); after != before {
				t.Errorf("refused import changed data: %+v → %+v", before, after)
			}
		}
		if r, err := a.Settings.ImportCategories(ctx, apptest.As(t, db, "admin"), cat); err != nil || r.New != 1 || r.Local != 1 {
			t.Errorf("admin import = %+v, %v; want one new local category", r, err)
		}
	})
}

// 不确定/其他 is added once, where it is missing, and a city's edits of it are kept.
func TestTheUnclassifiedCategoryIsEnsured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		a := apptest.New(t, db, &now) // the demo city, which has it
		u := workflow.Unclassified()
		if c, err := db.Category(ctx, u.Kind, u.Code); err != nil || c.Name != "不确定/其他" || !c.Public || !c.Local {
			t.Fatalf("the demo city's 不确定/其他: %+v %v", c, err)
		}
		renamed := u
		renamed.Name = "其他问题"
		if _, err := a.Settings.ImportCategories(ctx, apptest.As(t, db, "admin"), []workflow.Category{renamed}); err != nil {
			t.Fatal(err)
		}
		if added, err := a.Settings.EnsureUnclassifiedCategory(ctx, apptest.System); err != nil || added {
			t.Errorf("ensured again: added %v, %v", added, err)
		}
		if c, _ := db.Category(ctx, u.Kind, u.Code); c.Name != "其他问题" {
			t.Errorf("the city's name for it became %q", c.Name)
		}
	})
}
