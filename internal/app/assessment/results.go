package assessment

import (
	"cmp"
	"context"
	"slices"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// The groupings of a round's results.
const (
	ByDistrict    = "district"
	BySubdistrict = "subdistrict"
	BySiteType    = "site_type"
	ByItem        = "item"
)

// ResultRow is one group of a round's results. For places and site types: the sites scored,
// their mean score (the mean of the site percentages), the compliance rate (达标率: applicable
// items passed in full over applicable items) and the rank by mean score. For items: how
// often the item was scored, applied and failed, ranked by failures.
type ResultRow struct {
	Rank       int      `json:"rank"`
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	SiteType   string   `json:"site_type,omitempty"` // items: the checklist the item belongs to
	Sites      int      `json:"sites"`
	Submitted  int      `json:"submitted"`
	MeanScore  *float64 `json:"mean_score"`
	Compliance *float64 `json:"compliance"`
	Applicable int      `json:"applicable"`
	Failed     int      `json:"failed"`
	FailRate   *float64 `json:"fail_rate,omitempty"`
}

// Results is a round's results in one grouping.
type Results struct {
	Round     store.Round `json:"round"`
	Group     string      `json:"group"`
	Sites     int         `json:"sites"`
	Submitted int         `json:"submitted"`
	MeanScore *float64    `json:"mean_score"`
	Rows      []ResultRow `json:"rows"`
}

// RoundResults adds up a round's submitted inspections by district, subdistrict, site type or
// item, best first (items: most failed first).
func (a *Service) RoundResults(ctx context.Context, actor *access.Principal, id int64, group string) (Results, error) {
	if group == "" {
		group = ByDistrict
	}
	if !slices.Contains([]string{ByDistrict, BySubdistrict, BySiteType, ByItem}, group) {
		return Results{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "group", "value": group}, "group must be district, subdistrict, site_type or item, not %q", group)
	}
	rv, err := a.Round(ctx, actor, id)
	if err != nil {
		return Results{}, err
	}
	marks, err := a.DB.Marks(ctx, 0, id)
	if err != nil {
		return Results{}, err
	}
	byInspection := map[int64]map[string]assess.Mark{}
	for _, m := range marks {
		if byInspection[m.InspectionID] == nil {
			byInspection[m.InspectionID] = map[string]assess.Mark{}
		}
		byInspection[m.InspectionID][m.ItemCode] = m.Mark
	}
	checklists := map[int64]store.ChecklistVersion{}
	names, err := a.names(ctx)
	if err != nil {
		return Results{}, err
	}
	type acc struct {
		row              ResultRow
		percents         float64
		scored, passedOK int
	}
	groups := map[string]*acc{}
	var order []string
	get := func(key, code, name string) *acc {
		g, ok := groups[key]
		if !ok {
			g = &acc{row: ResultRow{Code: code, Name: name}}
			groups[key] = g
			order = append(order, key)
		}
		return g
	}
	out := Results{Round: rv.Round, Group: group, Sites: len(rv.Inspections), Rows: []ResultRow{}}
	var sum float64
	for _, x := range rv.Inspections {
		c, ok := checklists[x.ChecklistID]
		if !ok {
			if c, err = a.DB.Checklist(ctx, x.ChecklistID); err != nil {
				return Results{}, err
			}
			checklists[x.ChecklistID] = c
		}
		submitted := x.Status == store.InspectionSubmitted
		if submitted {
			out.Submitted++
			if x.Percent != nil {
				sum += *x.Percent
			}
		}
		if group == ByItem {
			if !submitted {
				continue
			}
			for _, it := range c.Items {
				m, ok := byInspection[x.ID][it.Code]
				if !ok {
					continue
				}
				g := get(c.SiteType+"/"+it.Code, it.Code, it.What)
				g.row.SiteType = c.SiteType
				g.row.Sites++
				g.row.Submitted++
				if _, applicable := it.Score(m); applicable {
					g.row.Applicable++
				}
				if m.Failed() {
					g.row.Failed++
				}
			}
			continue
		}
		var code string
		switch group {
		case ByDistrict:
			code = x.Site.District
		case BySubdistrict:
			code = x.Site.Subdistrict
		case BySiteType:
			code = x.Site.SiteType
		}
		name := names[code]
		if group != BySiteType {
			name = a.regionName(ctx, code)
		}
		g := get(code, code, name)
		g.row.Sites++
		if !submitted {
			continue
		}
		g.row.Submitted++
		if x.Percent != nil {
			g.percents += *x.Percent
			g.scored++
		}
		for _, it := range c.Items {
			m, ok := byInspection[x.ID][it.Code]
			if !ok {
				continue
			}
			got, applicable := it.Score(m)
			if !applicable {
				continue
			}
			g.row.Applicable++
			if got == it.Max {
				g.passedOK++
			}
			if m.Failed() {
				g.row.Failed++
			}
		}
	}
	if out.Submitted > 0 {
		mean := assess.Round2(sum / float64(out.Submitted))
		out.MeanScore = &mean
	}
	for _, key := range order {
		g := groups[key]
		if g.scored > 0 {
			m := assess.Round2(g.percents / float64(g.scored))
			g.row.MeanScore = &m
		}
		if g.row.Applicable > 0 {
			if group == ByItem {
				r := assess.Round2(100 * float64(g.row.Failed) / float64(g.row.Applicable))
				g.row.FailRate = &r
			} else {
				r := assess.Round2(100 * float64(g.passedOK) / float64(g.row.Applicable))
				g.row.Compliance = &r
			}
		}
		out.Rows = append(out.Rows, g.row)
	}
	if group == ByItem {
		slices.SortStableFunc(out.Rows, func(x, y ResultRow) int {
			return cmp.Or(cmp.Compare(y.Failed, x.Failed), cmp.Compare(x.SiteType, y.SiteType), cmp.Compare(x.Code, y.Code))
		})
	} else {
		slices.SortStableFunc(out.Rows, func(x, y ResultRow) int {
			return cmp.Or(cmp.Compare(deref(y.MeanScore), deref(x.MeanScore)), cmp.Compare(x.Code, y.Code))
		})
	}
	for i := range out.Rows {
		out.Rows[i].Rank = i + 1
	}
	return out, nil
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// names returns the names of regions and site types by code, for results.
func (a *Service) names(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	types, err := a.DB.SiteTypes(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		out[t.Code] = t.Name
	}
	return out, nil
}

// regionName returns a region's name, or its code when it has none.
func (a *Service) regionName(ctx context.Context, code string) string {
	if p, err := a.PathOf(ctx, code); err == nil && len(p) > 0 {
		return p[len(p)-1].Name
	}
	return code
}
