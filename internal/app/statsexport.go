package app

import (
	"context"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/sheet"
)

// statsSource gives the exports the evaluation tables, as GET /api/v1/stats answers them:
// rank, name, score, grade, then every count and rate in the indicators' order, with Chinese
// headers. It lives here, where the areas are composed, because the evaluation area is read by
// the cases' steps and the exports read the cases.
func statsSource(core *kernel.Core, ev *eval.Service) exports.StatsSource {
	regionName := func(ctx context.Context, code string) string {
		if path, err := core.PathOf(ctx, code); err == nil && len(path) > 0 {
			return path[len(path)-1].Name
		}
		return code
	}
	return func(ctx context.Context, actor *access.Principal, params map[string]string) (exports.StatsTable, error) {
		q := eval.Query{From: params["from"], To: params["to"], Group: params["group"], Role: params["role"], Within: params["within"]}
		t, err := ev.Stats(ctx, actor, q)
		if err != nil {
			return exports.StatsTable{}, err
		}
		cols := []sheet.Column{{Header: eval.Labels["rank"], Kind: sheet.Int, Width: 6}, {Header: eval.Labels["key"], Kind: sheet.Text, Width: 16},
			{Header: eval.Labels["name"], Kind: sheet.Text, Width: 24}, {Header: eval.Labels["score"], Kind: sheet.Decimal, Width: 10},
			{Header: eval.Labels["grade"], Kind: sheet.Text, Width: 6}}
		for _, k := range eval.CountKeys {
			kind := sheet.Int
			if k == "handle_hours" {
				kind = sheet.Decimal
			}
			cols = append(cols, sheet.Column{Header: eval.Labels[k], Kind: kind})
		}
		for _, k := range eval.RateKeys {
			kind := sheet.Percent
			if !eval.IsRate(k) {
				kind = sheet.Decimal
			}
			cols = append(cols, sheet.Column{Header: eval.Labels[k], Kind: kind})
		}
		where := "全市"
		switch {
		case t.Within != "":
			where = regionName(ctx, t.Within)
		case actor != nil && !actor.System && actor.User.Scope != "":
			where = regionName(ctx, actor.User.Scope)
		}
		group := eval.Labels[t.Group]
		title := group + "综合评价 · " + where + " · " + t.From + " 至 " + t.To
		name := strings.Join([]string{group + "综合评价", where, strings.ReplaceAll(t.From, "-", "") + "-" + strings.ReplaceAll(t.To, "-", "")}, "-")
		return exports.StatsTable{Title: title, Name: name, Columns: cols, Total: int64(len(t.Rows)),
			Each: func(ctx context.Context, row func([]any) error) error {
				for _, r := range t.Rows {
					vals := []any{intOrNil(r.Rank), r.Key, r.Name, floatOrNil(r.Score), gradeOf(r.Grade)}
					for _, k := range eval.CountKeys {
						v := r.Counts.Get(k)
						if k == "handle_hours" {
							vals = append(vals, v)
						} else {
							vals = append(vals, int64(v))
						}
					}
					for _, k := range eval.RateKeys {
						vals = append(vals, floatOrNil(r.Rates.Get(k)))
					}
					if err := row(vals); err != nil {
						return err
					}
				}
				return nil
			}}, nil
	}
}

// A blank cell (nil) says "no value": a rate without a denominator, a row without a rank.
func intOrNil(p *int) any {
	if p == nil {
		return nil
	}
	return int64(*p)
}

func floatOrNil(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// gradeOf is a row's grade, blank when it has no score.
func gradeOf(p *string) any {
	if p == nil {
		return ""
	}
	return *p
}
