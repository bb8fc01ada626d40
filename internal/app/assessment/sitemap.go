package assessment

import (
	"context"
	"slices"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/store"
)

// ScoredSite is a site with its latest submitted score, for the map of sites.
type ScoredSite struct {
	store.Site
	Last *store.LastScore `json:"last"`
}

// SiteScores lists the sites within the actor's scope, each with its latest submitted score
// (none when never scored).
func (a *Service) SiteScores(ctx context.Context, actor *access.Principal) ([]ScoredSite, error) {
	if err := mayAssess(actor); err != nil {
		return nil, err
	}
	last, err := a.DB.LastScores(ctx)
	if err != nil {
		return nil, err
	}
	out := []ScoredSite{}
	var after int64
	for {
		page, err := a.DB.Sites(ctx, store.SiteFilter{AfterID: after, Limit: 1000, Region: scopeOf(actor)})
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if !actor.Covers(s.RegionPath) {
				continue
			}
			x := ScoredSite{Site: s}
			if l, ok := last[s.ID]; ok {
				x.Last = &l
			}
			out = append(out, x)
		}
		if len(page) < 1000 {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

func scopeOf(actor *access.Principal) string {
	if actor.System {
		return ""
	}
	return actor.User.Scope
}

// Inspectors lists the enabled inspectors an organizer may give a round to: those whose scope
// overlaps the organizer's (one holds the other), by username.
func (a *Service) Inspectors(ctx context.Context, actor *access.Principal) ([]access.User, error) {
	if err := mayOrganize(actor); err != nil {
		return nil, err
	}
	all, err := a.DB.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	mine := scopeOf(actor)
	return slices.DeleteFunc(all, func(u access.User) bool {
		return u.Role != access.Inspector || u.Disabled || !(strings.HasPrefix(u.Scope, mine) || strings.HasPrefix(mine, u.Scope))
	}), nil
}
