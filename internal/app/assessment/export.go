package assessment

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/store"
)

// ResultsWorkbook is a round's results as an Excel workbook, in Chinese as the civilization
// office files it: the district and subdistrict rankings, the site types, the most failed
// items, and every site's score.
func (a *Service) ResultsWorkbook(ctx context.Context, actor *access.Principal, id int64) ([]byte, error) {
	rv, err := a.Round(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	first := true
	sheet := func(name string, header []string, rows [][]any) error {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		all := append([][]any{anyRow(header)}, rows...)
		for i, r := range all {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				return err
			}
		}
		return nil
	}
	groups := []struct{ group, title, what string }{
		{ByDistrict, "区县排名", "区县"}, {BySubdistrict, "街道排名", "街道"}, {BySiteType, "点位类型", "点位类型"},
	}
	for _, g := range groups {
		res, err := a.RoundResults(ctx, actor, id, g.group)
		if err != nil {
			return nil, err
		}
		var rows [][]any
		for _, r := range res.Rows {
			rows = append(rows, []any{r.Rank, r.Code, r.Name, r.Sites, r.Submitted, num(r.MeanScore), num(r.Compliance), r.Failed})
		}
		if err := sheet(g.title, []string{"排名", "代码", g.what, "点位数", "已测评", "平均得分率(%)", "达标率(%)", "不达标项"}, rows); err != nil {
			return nil, err
		}
	}
	items, err := a.RoundResults(ctx, actor, id, ByItem)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, r := range items.Rows {
		rows = append(rows, []any{r.Rank, r.SiteType, r.Code, r.Name, r.Applicable, r.Failed, num(r.FailRate)})
	}
	if err := sheet("问题最多的指标", []string{"排名", "点位类型", "指标", "测评内容", "适用次数", "不达标次数", "不达标率(%)"}, rows); err != nil {
		return nil, err
	}
	rows = nil
	for _, x := range rv.Inspections {
		rows = append(rows, []any{x.Site.Code, x.Site.Name, x.Site.SiteType, x.Site.District, x.Site.Subdistrict, x.Inspector,
			statusName(x.Status), num(x.Score), num(x.Max), num(x.Percent), x.Failed})
	}
	if err := sheet("点位得分", []string{"点位编号", "点位名称", "类型", "区县", "街道", "测评员", "状态", "得分", "满分", "得分率(%)", "不达标项"}, rows); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("write the results of round %d: %w", id, err)
	}
	return b.Bytes(), nil
}

func anyRow(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// num is a score for a cell: empty when there is none.
func num(p *float64) any {
	if p == nil {
		return ""
	}
	return *p
}

func statusName(s string) string {
	if s == store.InspectionSubmitted {
		return "已提交"
	}
	return "测评中"
}
