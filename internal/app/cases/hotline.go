package cases

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/hotline"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// HotlineReport says what a hotline import did, or on a dry run would do.
type HotlineReport struct {
	Read     int               `json:"read"`
	New      int               `json:"new"`     // cases created
	Merged   int               `json:"merged"`  // repeats of an open case nearby, added to it (并单)
	Skipped  int               `json:"skipped"` // tickets imported before
	Problems []hotline.Problem `json:"problems"`
	Written  bool              `json:"written"`
	// Rows say what became, or on a dry run would become, of each ticket read well.
	Rows []HotlineRow `json:"rows"`
}

// HotlineRow is what an import does with one ticket.
type HotlineRow struct {
	Line    int    `json:"line"`
	Ticket  string `json:"ticket"`
	Outcome string `json:"outcome"`        // "new", "merge" (并单 into Case) or "skip" (imported before, as Case)
	Case    string `json:"case,omitempty"` // the case's ticket it joins or was imported as; "" when not written
	// IntoLine is the line whose new case a repeat joins, when that case was not written.
	IntoLine int `json:"into_line,omitempty"`
	// Grid is the unit grid the ticket lies in (code and name); "" when it could not be placed.
	Grid     string `json:"grid,omitempty"`
	GridName string `json:"grid_name,omitempty"`
}

// ImportHotline files a batch of 12345 tickets as cases, all or nothing: a ticket imported
// before is skipped, a repeat of an open case of the same category within 50 m joins that case
// as another channel instead of opening a second one, the rest become cases with source
// hotline. Any problem (a row that cannot be read, located or categorised) stops the batch.
func (a *Service) ImportHotline(ctx context.Context, actor *access.Principal, rows []hotline.Row, problems []hotline.Problem, dryRun bool) (HotlineReport, error) {
	report := HotlineReport{Read: len(rows) + len(problems), Problems: append([]hotline.Problem{}, problems...)}
	if actor == nil || !(actor.System || actor.User.Role == access.Operator || actor.User.Role == access.Leader || actor.User.Role == access.Admin) {
		return report, errs.E(errs.Forbidden, "only the supervision centre imports hotline tickets")
	}
	errDryRun := fmt.Errorf("dry run")
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, r := range rows {
			if err := a.importTicket(ctx, actor, r, &report); err != nil {
				if !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Forbidden) {
					return err
				}
				_, msg := errs.Public(err)
				reason, params := errs.Detail(err)
				report.Problems = append(report.Problems, hotline.Problem{Line: r.Line, Ticket: r.Ticket, Reason: msg,
					Faults: []hotline.Fault{{Code: reason, Params: params}}})
			}
		}
		if len(report.Problems) > 0 {
			return errs.E(errs.Invalid, "%d problems in the batch; nothing was written", len(report.Problems))
		}
		if dryRun {
			return errDryRun // roll back what the checks wrote
		}
		return nil
	})
	if err != nil {
		// Nothing was written: the cases the rows made are gone, and a repeat of one of them
		// joins the row, not a ticket that does not exist.
		made := map[string]int{}
		for i, row := range report.Rows {
			if row.Outcome == "new" {
				made[row.Case] = row.Line
				report.Rows[i].Case = ""
			}
		}
		for i, row := range report.Rows {
			if line, ok := made[row.Case]; ok && row.Outcome == "merge" {
				report.Rows[i].Case, report.Rows[i].IntoLine = "", line
			}
		}
	}
	switch {
	case err == errDryRun:
		return report, nil
	case err != nil:
		report.New, report.Merged = 0, 0
		return report, err
	}
	report.Written = true
	return report, nil
}

func (a *Service) importTicket(ctx context.Context, actor *access.Principal, r hotline.Row, report *HotlineReport) error {
	if id, err := a.DB.ChannelCase(ctx, "hotline", r.Ticket); err == nil {
		report.Skipped++
		row := HotlineRow{Line: r.Line, Ticket: r.Ticket, Outcome: "skip"}
		if c, err := a.DB.Case(ctx, id); err == nil {
			row.Case, row.Grid = c.Ticket, c.State.Grid()
		}
		report.Rows = append(report.Rows, a.namedRow(ctx, row))
		return nil
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	channel := store.Channel{Source: "hotline", Ref: r.Ticket, At: r.ReceivedAt}
	kind := workflow.CategoryKind(r.Kind)
	// A repeat of an open case nearby joins it (并单) instead of being handled twice.
	if system, err := crs.Parse(r.CRS); err == nil && crs.ValidLonLat(r.Lon, r.Lat) == nil {
		lon, lat := crs.Convert(system, crs.WGS84, r.Lon, r.Lat)
		near, err := a.DB.NearbyOpenCases(ctx, kind, r.Category, lon, lat, a.Opts.DuplicateRadiusM, a.Now().Add(-a.Opts.DuplicateWindow))
		if err != nil {
			return err
		}
		if len(near) > 0 {
			report.Merged++
			row := HotlineRow{Line: r.Line, Ticket: r.Ticket, Outcome: "merge", Case: near[0].Ticket}
			if c, err := a.DB.Case(ctx, near[0].ID); err == nil {
				row.Grid = c.State.Grid()
			}
			report.Rows = append(report.Rows, a.namedRow(ctx, row))
			if err := a.DB.AddChannel(ctx, near[0].ID, channel); err != nil {
				return err
			}
			return a.noteMerge(ctx, actor, near[0].ID, r.Ticket)
		}
	}
	lon, lat := r.Lon, r.Lat
	in := NewCase{CategoryKind: kind, Category: r.Category, Description: r.Description, Lon: &lon, Lat: &lat, CRS: r.CRS,
		Address: r.Address, Urgency: workflow.Urgency(r.Urgency), Source: "hotline"}
	in.Contact.Name, in.Contact.Phone = r.ContactName, r.ContactPhone
	intake, err := a.Report(ctx, actor, in)
	if err != nil {
		return err
	}
	report.New++
	report.Rows = append(report.Rows, HotlineRow{Line: r.Line, Ticket: r.Ticket, Outcome: "new", Case: intake.Ticket,
		Grid: intake.Grid.Code, GridName: intake.Grid.Name})
	return a.DB.AddChannel(ctx, intake.ID, channel)
}

// namedRow names a row's grid.
func (a *Service) namedRow(ctx context.Context, row HotlineRow) HotlineRow {
	if row.Grid != "" {
		if path, err := a.PathOf(ctx, row.Grid); err == nil && len(path) > 0 {
			row.GridName = path[len(path)-1].Name
		}
	}
	return row
}

// noteMerge records on a case's timeline and in the audit trail that another channel joined it.
func (a *Service) noteMerge(ctx context.Context, actor *access.Principal, caseID int64, ref string) error {
	rec, err := a.DB.Case(ctx, caseID)
	if err != nil {
		return err
	}
	note := "hotline ticket " + ref + " joined this case (并单)"
	params, _ := json.Marshal(errs.Params{"source": "hotline", "ref": ref})
	if err := a.DB.AppendCaseEvent(ctx, caseID, store.CaseEvent{At: a.Now(), Actor: actor.Name(), Action: "merge",
		From: string(rec.State.Status), To: string(rec.State.Status), Note: note,
		Code: "merged", Params: params}); err != nil {
		return err
	}
	return a.Record(ctx, actor, "case.merge", fmt.Sprintf("case:%d", caseID), nil, map[string]any{"hotline": ref})
}
