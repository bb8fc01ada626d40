package campaigns

import (
	"context"
	"fmt"
	"io"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/campaign"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
	"github.com/citygrid/citygrid/internal/store"
)

// Progress is a campaign's targets counted by district, subdistrict or community: how many are
// left, where, and how many are late.
type Progress struct {
	CampaignID int64           `json:"campaign_id"`
	Group      string          `json:"group"`
	Today      string          `json:"today"` // targets still to do after their due date before today are overdue
	Partial    bool            `json:"partial"`
	Rows       []ProgressRow   `json:"rows"`
	Total      campaign.Counts `json:"total"`
}

// Progress counts the viewer's part of a campaign (within a region, when named) by group:
// district (the default), subdistrict or community.
func (a *Service) Progress(ctx context.Context, actor *access.Principal, id int64, group, region string) (Progress, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return Progress{}, err
	}
	if group == "" {
		group = "district"
	}
	if group != "district" && group != "subdistrict" && group != "community" {
		return Progress{}, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "group", "value": group}, "group must be district, subdistrict or community, not %q", group)
	}
	scope, err := a.within(ctx, actor, c, region)
	if err != nil {
		return Progress{}, err
	}
	out := Progress{CampaignID: c.ID, Group: group, Today: a.today(), Partial: !scope.All || scope.Within != ""}
	if out.Rows, err = a.DB.CampaignProgress(ctx, c.ID, group, scope, out.Today); err != nil {
		return Progress{}, err
	}
	for _, r := range out.Rows {
		out.Total.Add(r.Counts)
	}
	return out, nil
}

// Burndown is a campaign's burn-down over the viewer's part (within a region, when named),
// by day or week. A part's straight line runs from its own targets to its share of the goal.
func (a *Service) Burndown(ctx context.Context, actor *access.Principal, id int64, every, region string) (campaign.Burndown, error) {
	c, err := a.campaignFor(ctx, actor, id)
	if err != nil {
		return campaign.Burndown{}, err
	}
	e, err := campaign.ParseEvery(every)
	if err != nil {
		return campaign.Burndown{}, err
	}
	scope, err := a.within(ctx, actor, c, region)
	if err != nil {
		return campaign.Burndown{}, err
	}
	today := a.today()
	counts, err := a.DB.CampaignCounts(ctx, c.ID, scope, today)
	if err != nil {
		return campaign.Burndown{}, err
	}
	total, goal := counts[c.ID].Total, float64(c.Goal)
	if !scope.All || scope.Within != "" {
		all, err := a.DB.CampaignCounts(ctx, c.ID, store.TargetScope{All: true}, today)
		if err != nil {
			return campaign.Burndown{}, err
		}
		goal = 0
		if n := all[c.ID].Total; n > 0 {
			goal = float64(c.Goal) * float64(total) / float64(n)
		}
	}
	deltas, err := a.DB.CampaignDeltas(ctx, c.ID, scope)
	if err != nil {
		return campaign.Burndown{}, err
	}
	return campaign.BurnDown(c, e, total, goal, deltas, today)
}

// groupWords are the words a progress table's group column is headed with.
var groupWords = map[string]string{"district": "区县", "subdistrict": "街道（乡镇）", "community": "社区（村）"}

// WriteProgress writes a campaign's progress (as Progress counts it for the viewer) as a table
// in Chinese, as a campaign office circulates it: a title naming the campaign, the grouping and
// the day, a row a region with its counts and share finished, and a total row. It returns the
// file's name. Refusals come before anything is written.
func (a *Service) WriteProgress(ctx context.Context, actor *access.Principal, id int64, group, region string, format sheet.Format, w io.Writer) (string, error) {
	p, err := a.Progress(ctx, actor, id, group, region)
	if err != nil {
		return "", err
	}
	c, err := a.DB.Campaign(ctx, id)
	if err != nil {
		return "", err
	}
	title := fmt.Sprintf("%s · 按%s统计 · 截至 %s", c.Name, groupWords[p.Group], p.Today)
	if p.Partial {
		title += "（本辖区）"
	}
	cols := []sheet.Column{{Header: "代码", Kind: sheet.Text, Width: 16}, {Header: groupWords[p.Group], Kind: sheet.Text, Width: 24}}
	for _, h := range []string{"对象总数", "待整治", "整治中", "已整改", "已验收", "已豁免", "剩余", "超期"} {
		cols = append(cols, sheet.Column{Header: h, Kind: sheet.Int})
	}
	cols = append(cols, sheet.Column{Header: "完成率", Kind: sheet.Percent})
	t, err := sheet.New(w, format, sheet.Table{Title: title, Columns: cols, SheetName: "整治进度"})
	if err != nil {
		return "", err
	}
	row := func(code, name string, n campaign.Counts) error {
		var share any
		if n.Total > 0 {
			share = float64(n.Total-n.Remaining) / float64(n.Total)
		}
		return t.WriteRow([]any{code, name, n.Total, n.Open, n.InProgress, n.Done, n.Verified, n.Exempt, n.Remaining, n.Overdue, share})
	}
	for _, r := range p.Rows {
		if err := row(r.Code, r.Name, r.Counts); err != nil {
			return "", err
		}
	}
	if err := row("", "合计", p.Total); err != nil {
		return "", err
	}
	if err := t.Close(); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-整治进度-%s.%s", c.Name, p.Today, format), nil
}
