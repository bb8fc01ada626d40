package assessment

import (
	"cmp"
	"context"
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// TrendPoint is one round of a trend: when it was due, its mean site score and its rows.
type TrendPoint struct {
	Round     int64       `json:"round"`
	Name      string      `json:"name"`
	DueOn     string      `json:"due_on"`
	Submitted int         `json:"submitted"`
	MeanScore *float64    `json:"mean_score"`
	Rows      []ResultRow `json:"rows"`
}

// Trend is how a standard's rounds went one after the other: did the districts (subdistricts,
// site types) improve between the city's own rounds, before the national assessors come?
type Trend struct {
	Standard string       `json:"standard,omitempty"`
	Group    string       `json:"group"`
	Rounds   []TrendPoint `json:"rounds"` // oldest first
}

// maxTrendRounds bounds a trend: a city runs a round a week or a month.
const maxTrendRounds = 52

// RoundsTrend adds up the actor's visible rounds (of one standard, or all) by group, oldest
// first, up to the latest maxTrendRounds; rounds nobody has scored yet are left out.
func (a *Service) RoundsTrend(ctx context.Context, actor *access.Principal, standard, group string) (Trend, error) {
	if len(standard) > 64 {
		return Trend{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "standard"}, "no standard of that name")
	}
	if group != "" && !slices.Contains([]string{ByDistrict, BySubdistrict, BySiteType, ByItem}, group) {
		return Trend{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "group", "value": group}, "group must be district, subdistrict, site_type or item, not %q", group)
	}
	rounds, err := a.Rounds(ctx, actor)
	if err != nil {
		return Trend{}, err
	}
	out := Trend{Standard: standard, Group: group, Rounds: []TrendPoint{}}
	if out.Group == "" {
		out.Group = ByDistrict
	}
	slices.SortStableFunc(rounds, func(x, y RoundSummary) int { return cmp.Or(cmp.Compare(x.DueOn, y.DueOn), cmp.Compare(x.ID, y.ID)) })
	for _, r := range rounds {
		if (standard != "" && r.Standard != standard) || r.Submitted == 0 {
			continue
		}
		res, err := a.RoundResults(ctx, actor, r.ID, out.Group)
		if err != nil {
			return Trend{}, err
		}
		out.Rounds = append(out.Rounds, TrendPoint{Round: r.ID, Name: r.Name, DueOn: r.DueOn, Submitted: res.Submitted,
			MeanScore: res.MeanScore, Rows: res.Rows})
	}
	if n := len(out.Rounds); n > maxTrendRounds {
		out.Rounds = out.Rounds[n-maxTrendRounds:]
	}
	return out, nil
}
