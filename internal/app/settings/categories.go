package settings

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// EnsureNationalCategories loads the national dictionary when no category is stored yet, so
// a new deployment has categories without an import.
func (a *Service) EnsureNationalCategories(ctx context.Context, actor *access.Principal) (int, error) {
	defer a.ForgetReference()
	n, err := a.DB.CountCategories(ctx)
	if err != nil || n > 0 {
		return 0, err
	}
	cats := workflow.NationalCategories()
	return len(cats), a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutCategories(ctx, cats); err != nil {
			return err
		}
		return a.Record(ctx, actor, "categories.import", "categories", nil, map[string]any{"national": len(cats)})
	})
}

// EnsureUnclassifiedCategory adds the category 不确定/其他 (workflow.Unclassified) when it is
// not stored, so a resident who cannot tell the category may still report; it says whether it
// added it. A city that edited it keeps its edits.
func (a *Service) EnsureUnclassifiedCategory(ctx context.Context, actor *access.Principal) (bool, error) {
	c := workflow.Unclassified()
	if _, err := a.DB.Category(ctx, c.Kind, c.Code); err == nil || !errs.Is(err, errs.NotFound) {
		return false, err
	}
	defer a.ForgetReference()
	return true, a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutCategories(ctx, []workflow.Category{c}); err != nil {
			return err
		}
		return a.Record(ctx, actor, "categories.import", "categories", nil, map[string]any{"unclassified": string(c.Kind) + ":" + c.Code})
	})
}

// CategoryReport says what a category import did.
type CategoryReport struct {
	New     int `json:"new"`
	Updated int `json:"updated"`
	Local   int `json:"local"`
}

// ImportCategories adds or updates categories (the national table, a city's local extensions,
// or its own filing and closing conditions) in one transaction. Categories not in the national
// dictionary are marked local.
func (a *Service) ImportCategories(ctx context.Context, actor *access.Principal, cats []workflow.Category) (CategoryReport, error) {
	defer a.ForgetReference()
	var r CategoryReport
	if err := kernel.MayEditCityWide(actor, "category dictionary"); err != nil {
		return r, err
	}
	national := map[string]bool{}
	for _, c := range workflow.NationalCategories() {
		national[string(c.Kind)+":"+c.Code] = true
	}
	stored, err := a.DB.Categories(ctx, false)
	if err != nil {
		return r, err
	}
	have := map[string]bool{}
	for _, c := range stored {
		have[string(c.Kind)+":"+c.Code] = true
	}
	for i := range cats {
		key := string(cats[i].Kind) + ":" + cats[i].Code
		cats[i].Local = !national[key]
		if cats[i].Local {
			r.Local++
		}
		if have[key] {
			r.Updated++
		} else {
			r.New++
		}
	}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutCategories(ctx, cats); err != nil {
			return err
		}
		if err := a.DB.PutCategoryAttributes(ctx, cats); err != nil {
			return err
		}
		return a.Record(ctx, actor, "categories.import", "categories", nil, r)
	})
	return r, err
}

// Categories lists the dictionary: everything for staff, the public categories for residents
// and anonymous callers.
func (a *Service) Categories(ctx context.Context, actor *access.Principal) ([]workflow.Category, error) {
	staff := actor != nil && actor.User.Role != access.Resident
	return a.DB.Categories(ctx, !staff)
}
