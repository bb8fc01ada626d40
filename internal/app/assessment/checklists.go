package assessment

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

//go:embed checklists.csv
var demoChecklists []byte

// DemoChecklists returns the demo's checklists: the site types a civilized-city assessment
// visits most, each with at least 8 items.
func DemoChecklists() (assess.Checklists, error) {
	return assess.ReadChecklistCSV(bytes.NewReader(demoChecklists))
}

// ImportReport says what an import of checklists did.
type ImportReport struct {
	Standards int `json:"standards"`
	// New lists the checklists that got a new version; Unchanged those the file holds as stored.
	New       []store.ChecklistVersion `json:"new"`
	Unchanged int                      `json:"unchanged"`
}

// ImportChecklists stores the standards and checklists of a file, all or nothing: a checklist
// that differs from its stored version becomes a new version (inspections keep theirs), one
// that is the same stays as it is. Every item's category must be in the dictionary.
func (a *Service) ImportChecklists(ctx context.Context, actor *access.Principal, in assess.Checklists) (ImportReport, error) {
	if err := kernel.MayEditCityWide(actor, "assessment checklists"); err != nil {
		return ImportReport{}, err
	}
	var problems []string
	for _, c := range in.Checklists {
		for _, it := range c.Items {
			if _, err := a.Category(ctx, workflow.CategoryKind(it.CategoryKind), it.Category); errs.Is(err, errs.NotFound) {
				problems = append(problems, fmt.Sprintf("%s/%s item %s: no %s category %s", c.Standard, c.SiteType, it.Code, it.CategoryKind, it.Category))
			} else if err != nil {
				return ImportReport{}, err
			}
		}
	}
	if len(problems) > 0 {
		return ImportReport{}, errs.Refuse(errs.Invalid, "no_category", errs.Params{"problems": len(problems)}, "checklists: %d items name unknown categories: %v", len(problems), problems)
	}
	r := ImportReport{Standards: len(in.Standards), New: []store.ChecklistVersion{}}
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, s := range in.Standards {
			if err := a.DB.PutStandard(ctx, s); err != nil {
				return err
			}
		}
		current, err := a.DB.CurrentChecklists(ctx, "")
		if err != nil {
			return err
		}
		for _, c := range in.Checklists {
			same := false
			for _, have := range current {
				if have.Standard == c.Standard && have.SiteType == c.SiteType {
					c.SiteTypeName = firstNonEmpty(c.SiteTypeName, have.SiteTypeName)
					same = have.Checklist.Same(c)
				}
			}
			c.SiteTypeName = firstNonEmpty(c.SiteTypeName, c.SiteType)
			if err := a.DB.PutSiteType(ctx, store.SiteType{Code: c.SiteType, Name: c.SiteTypeName}); err != nil {
				return err
			}
			if same {
				r.Unchanged++
				continue
			}
			v, err := a.DB.AddChecklistVersion(ctx, c, actor.Name(), a.Now())
			if err != nil {
				return err
			}
			r.New = append(r.New, v)
		}
		versions := make([]string, len(r.New))
		for i, v := range r.New {
			versions[i] = fmt.Sprintf("%s/%s v%d", v.Standard, v.SiteType, v.Version)
		}
		return a.Record(ctx, actor, "assessment.import_checklists", "assessment:checklists", nil,
			map[string]any{"standards": r.Standards, "new": versions, "unchanged": r.Unchanged})
	})
	return r, err
}

// EnsureDemoChecklists imports the demo's checklists (nothing changes when they are stored).
func (a *Service) EnsureDemoChecklists(ctx context.Context, actor *access.Principal) (ImportReport, error) {
	cl, err := DemoChecklists()
	if err != nil {
		return ImportReport{}, err
	}
	return a.ImportChecklists(ctx, actor, cl)
}

// StandardView is a standard with the current version of each of its checklists.
type StandardView struct {
	assess.Standard
	Checklists []store.ChecklistVersion `json:"checklists"`
}

// Standards lists the standards with their current checklists.
func (a *Service) Standards(ctx context.Context, actor *access.Principal) ([]StandardView, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	stds, err := a.DB.Standards(ctx)
	if err != nil {
		return nil, err
	}
	lists, err := a.DB.CurrentChecklists(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]StandardView, len(stds))
	for i, s := range stds {
		out[i] = StandardView{Standard: s, Checklists: []store.ChecklistVersion{}}
		for _, c := range lists {
			if c.Standard == s.Code {
				out[i].Checklists = append(out[i].Checklists, c)
			}
		}
	}
	return out, nil
}

// SiteTypes lists the site types.
func (a *Service) SiteTypes(ctx context.Context, actor *access.Principal) ([]store.SiteType, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	return a.DB.SiteTypes(ctx)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
