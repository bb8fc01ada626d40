package follow

import (
	"context"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// FeedSize is how many reports an area's feed holds at most.
const FeedSize = 50

// Feed is an area's newest public reports, newest first.
type Feed struct {
	Area      grid.Ref
	ClassName string
	Entries   []FeedEntry
	Updated   time.Time // the newest change among the entries (zero when there are none)
}

// FeedEntry is one report as the public map shows it: what, in which community and grid, and
// how far along; never the description, people or the exact place.
type FeedEntry struct {
	Ticket       string
	Status       workflow.Status
	CategoryName string
	Community    string
	GridName     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// AreaFeed returns the newest reports of public categories in a subdistrict or community (of
// one class, or of every class), as the public map shows them: rejected reports and those of
// categories the public does not see are left out.
func (a *Service) AreaFeed(ctx context.Context, code, class string) (Feed, error) {
	area, className, err := a.Area(ctx, code, class)
	if err != nil {
		return Feed{}, err
	}
	f := store.CaseFilter{Regions: []string{code}, Limit: 2 * FeedSize, Now: a.Now()}
	if kind, major, ok := strings.Cut(class, "-"); ok {
		f.Kind, f.Category = kind, major
	}
	recs, _, err := a.DB.ListCases(ctx, f)
	if err != nil {
		return Feed{}, err
	}
	cats, _, err := a.Reference(ctx)
	if err != nil {
		return Feed{}, err
	}
	out := Feed{Area: area, ClassName: className, Entries: []FeedEntry{}}
	names := map[string]string{} // community and grid codes → names
	name := func(code string) (string, error) {
		if n, ok := names[code]; ok {
			return n, nil
		}
		reg, err := a.DB.Region(ctx, code)
		if err != nil {
			return "", err
		}
		names[code] = reg.Name
		return reg.Name, nil
	}
	for _, r := range recs {
		cat, ok := cats[string(r.State.Kind)+":"+r.State.Category]
		if !ok || !cat.Public || r.State.Status == workflow.Rejected {
			continue
		}
		g := r.State.Grid()
		e := FeedEntry{Ticket: r.Ticket, Status: r.State.Status, CategoryName: cat.Name, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if e.GridName, err = name(g); err != nil {
			return Feed{}, err
		}
		if len(g) >= grid.Community.CodeLen() {
			if e.Community, err = name(g[:grid.Community.CodeLen()]); err != nil {
				return Feed{}, err
			}
		}
		if e.UpdatedAt.After(out.Updated) {
			out.Updated = e.UpdatedAt
		}
		out.Entries = append(out.Entries, e)
		if len(out.Entries) == FeedSize {
			break
		}
	}
	return out, nil
}
