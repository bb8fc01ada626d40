package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Saved views: a person's named sets of the workspace's filters and sort.
const (
	MaxViews    = 20 // per person
	MaxViewName = 40 // characters
	// maxViewValue bounds one filter's value: the longest is a search text.
	maxViewValue = 200
)

// ViewParams are what a saved view keeps: the workspace's filters and sort, as the workspace
// (/tasks) and GET /api/v1/cases take them. Paging is not kept: a view opens on its first page.
var ViewParams = []string{"status", "kind", "category", "region", "department", "source", "q", "from", "to", "overdue", "light", "sort"}

// WorkspaceStatuses are the workspace's status filters besides the statuses themselves: the
// viewer's queue (todo), every open case, and all.
var WorkspaceStatuses = []string{"todo", "open", "all"}

// View is a saved view.
type View struct {
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Filters   map[string]string `json:"filters"`
	CreatedAt time.Time         `json:"created_at"`
}

func viewOf(v store.SavedView) View {
	out := View{ID: v.ID, Name: v.Name, Filters: map[string]string{}, CreatedAt: v.CreatedAt}
	_ = json.Unmarshal([]byte(v.Filters), &out.Filters) // written by SaveView: always an object of strings
	return out
}

// mayKeepViews admits staff: a resident's list of their own reports has no filters to keep.
func mayKeepViews(actor *access.Principal) error {
	if actor == nil {
		return errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in first")
	}
	if !kernel.IsStaff(actor) || actor.System {
		return errs.Refuse(errs.Forbidden, "staff_only", nil, "saved views are for the city's staff")
	}
	return nil
}

// Views lists the actor's own saved views, by name.
func (a *Service) Views(ctx context.Context, actor *access.Principal) ([]View, error) {
	if err := mayKeepViews(actor); err != nil {
		return nil, err
	}
	stored, err := a.DB.SavedViews(ctx, actor.User.Username)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(stored))
	for _, v := range stored {
		out = append(out, viewOf(v))
	}
	return out, nil
}

// SaveView keeps a named set of filters for the actor: a name of at most MaxViewName
// characters, not one of theirs already (conflict, view_exists), at most MaxViews views
// (invalid, too_many_views), filters among ViewParams with values the list accepts. Empty
// values are left out.
func (a *Service) SaveView(ctx context.Context, actor *access.Principal, name string, filters map[string]string) (View, error) {
	if err := mayKeepViews(actor); err != nil {
		return View{}, err
	}
	name = strings.TrimSpace(name)
	if err := kernel.CheckText(name, "name", MaxViewName); err != nil {
		return View{}, err
	}
	if name == "" {
		return View{}, errs.Required("name", "name is required: what to call the view")
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return View{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "name"}, "a view's name is one line of text, without control characters")
	}
	kept, err := checkViewFilters(filters)
	if err != nil {
		return View{}, err
	}
	raw, err := json.Marshal(kept)
	if err != nil {
		return View{}, fmt.Errorf("save view: %w", err)
	}
	var saved store.SavedView
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		saved, err = a.DB.InsertSavedView(ctx, store.SavedView{Username: actor.User.Username, Name: name, Filters: string(raw), CreatedAt: a.Now()}, MaxViews)
		if err != nil {
			return err
		}
		return a.Record(ctx, actor, "view.save", "user:"+actor.User.Username, nil, map[string]any{"view_id": saved.ID, "name": name, "filters": kept})
	})
	if err != nil {
		return View{}, err
	}
	return viewOf(saved), nil
}

// DeleteView deletes one of the actor's views; another person's is not found, as a missing one.
func (a *Service) DeleteView(ctx context.Context, actor *access.Principal, id int64) error {
	if err := mayKeepViews(actor); err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		v, err := a.DB.DeleteSavedView(ctx, actor.User.Username, id)
		if err != nil {
			return err
		}
		return a.Record(ctx, actor, "view.delete", "user:"+actor.User.Username, map[string]any{"view_id": v.ID, "name": v.Name}, nil)
	})
}

// checkViewFilters returns the filters with empty values left out, or refuses a name that is
// not a view's filter and a value the list would refuse.
func checkViewFilters(filters map[string]string) (map[string]string, error) {
	kept := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(filters)) {
		v := strings.TrimSpace(filters[k])
		if !slices.Contains(ViewParams, k) {
			if err := kernel.CheckText(k, "filters", 40); err != nil {
				return nil, err
			}
			return nil, errs.Refuse(errs.Invalid, "unknown_filter", errs.Params{"filter": k}, "%q is not a filter a view keeps (%s)", k, strings.Join(ViewParams, ", "))
		}
		if err := kernel.CheckText(v, "filters."+k, maxViewValue); err != nil {
			return nil, err
		}
		if v == "" {
			continue
		}
		switch k {
		case "region", "category", "department":
			if !codeLike(v) {
				return nil, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": k}, "%s must be a code, not %q", k, v)
			}
		case "kind":
			if _, err := workflow.ParseCategoryKind(v); err != nil {
				return nil, err
			}
		case "source":
			if !codeLike(v) {
				return nil, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": k}, "source must be a source's code, not %q", v)
			}
		}
		kept[k] = v
	}
	check := maps.Clone(kept)
	if slices.Contains(WorkspaceStatuses, check["status"]) {
		delete(check, "status")
	}
	if _, err := ParseFilter(func(k string) string { return check[k] }); err != nil {
		return nil, err
	}
	return kept, nil
}

// Sources lists the sources a case may come from, for a list's filter.
func Sources() []string { return slices.Clone(sources) }

// codeLike: region, category and department codes are short runs of letters, digits and dashes.
func codeLike(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
