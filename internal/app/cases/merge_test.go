package cases_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Rejecting a report as a duplicate joins it to the original (并单): the report becomes one of
// the original's channels, its reporter a supporter, the original's timeline says so, /track
// follows the report's ticket to the original, and its reporter hears of the original's steps.
func TestADuplicateJoinsItsOriginal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009") // the original, reported anonymously
		original := r.Act("operator", "register", workflow.Input{})
		p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
		report := func(who *access.Principal) cases.Intake {
			t.Helper()
			in, err := r.A.Cases.Report(ctx, who, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "又是那辆车", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		operator := apptest.As(t, db, "operator")
		reject := func(id int64, into string) error {
			_, err := r.A.Cases.Act(ctx, operator, id, "reject", nil, workflow.Input{RejectReason: workflow.RejectDuplicate, MergedInto: into, Reason: "已有人报过"})
			return err
		}
		byResident, byNobody := report(apptest.As(t, db, "resident")), report(nil)
		for _, dup := range []cases.Intake{byResident, byNobody} {
			if err := reject(dup.ID, original.Ticket); err != nil {
				t.Fatalf("reject %s as a duplicate: %v", dup.Ticket, err)
			}
		}

		v := r.View()
		if v.Counters.Supports != 2 || v.Version != original.Version+2 {
			t.Errorf("the original has %d supports at version %d; want 2 (the resident and the anonymous reporter) at %d", v.Counters.Supports, v.Version, original.Version+2)
		}
		want := []string{byResident.Ticket, byNobody.Ticket}
		var refs []string
		for _, c := range v.Channels {
			if c.Source == store.SourceMerged {
				refs = append(refs, c.Ref)
			}
		}
		if !slices.Equal(refs, want) {
			t.Errorf("the original's merged channels %v, want %v", refs, want)
		}
		var joined []string
		for _, e := range v.Timeline {
			if e.Code == "duplicate_joined" && e.Action == string(workflow.Merge) {
				var params map[string]string
				_ = json.Unmarshal(e.Params, &params)
				joined = append(joined, params["ticket"])
			}
		}
		if !slices.Equal(joined, want) {
			t.Errorf("the original's timeline says %v joined, want %v", joined, want)
		}

		for _, dup := range []cases.Intake{byResident, byNobody} {
			tracked, err := r.A.Cases.Track(ctx, nil, dup.Ticket, "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}
			if tracked.Ticket != original.Ticket || tracked.Status != workflow.Registered || tracked.MergedFrom != dup.Ticket || tracked.Supports != 2 {
				t.Errorf("tracking %s shows %s %s (merged from %q, %d supports); want the original %s registered, merged from it",
					dup.Ticket, tracked.Ticket, tracked.Status, tracked.MergedFrom, tracked.Supports, original.Ticket)
			}
		}
		if tracked, err := r.A.Cases.Track(ctx, nil, original.Ticket, "192.0.2.1"); err != nil || tracked.MergedFrom != "" {
			t.Errorf("tracking the original itself: %+v, %v; want it with no merged_from", tracked, err)
		}

		// The resident follows the original: its closing reaches them as a reporter.
		r.Act("dispatcher", "dispatch", workflow.Input{})
		r.Act("handler", "accept", workflow.Input{})
		r.Act("handler", "handle", workflow.Input{Result: "挪走了", Photos: []string{r.Photo()}})
		pass := true
		r.Act("gridworker", "verify", workflow.Input{Pass: &pass})
		if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		page, err := r.A.Notices.Notifications(ctx, apptest.As(t, db, "resident"), false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var heard []string
		for _, n := range slices.Backward(page.Notifications) {
			heard = append(heard, n.Topic+" "+n.Message)
		}
		// In words for a resident: no closure types, codes or names of the staff's.
		if wantHeard := []string{"case.reject Your report " + byResident.Ticket + " repeats case " + original.Ticket + ", reported already: it has joined that case, which you follow from now on",
			"case.verify The problem you reported (" + original.Ticket + ") has been dealt with: see the result on its tracking page, and tell us within 7 days if it is not solved"}; !slices.Equal(heard, wantHeard) {
			t.Errorf("the resident heard %q, want %q", heard, wantHeard)
		}
	})
}

// A report cannot join a case the operator may not see, a case that is closed or rejected, or
// itself; each refusal names why and changes nothing.
func TestADuplicateJoinsOnlyAnOpenCaseInScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "")
		reportIn := func(region string) cases.Intake {
			t.Helper()
			p := apptest.PointIn(t, r.A, region)
			in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			return in
		}
		operator := apptest.As(t, db, "operator")
		dup := reportIn(demo.GridWorkerGrid)
		elsewhere := reportIn("410811") // 山阳区: outside the operator's 解放区
		rejected := reportIn(demo.GridWorkerGrid)
		if _, err := r.A.Cases.Act(ctx, operator, rejected.ID, "reject", nil, workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "没看到"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, into, reason string
		}{
			{"a case in another district", elsewhere.Ticket, "no_case"},
			{"a rejected case", rejected.Ticket, workflow.ReasonOriginalNotOpen},
			{"no such case", "20260309-999999", "no_case"},
			{"itself", dup.Ticket, "self_duplicate"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := apptest.Snap(t, db)
				into, err := db.CaseByTicket(ctx, tt.into)
				if err != nil && !errs.Is(err, errs.NotFound) {
					t.Fatal(err)
				}
				_, err = r.A.Cases.Act(ctx, operator, dup.ID, "reject", nil, workflow.Input{RejectReason: workflow.RejectDuplicate, MergedInto: tt.into, Reason: "重复"})
				if reason, _ := errs.Detail(err); !errs.Is(err, errs.Invalid) || reason != tt.reason {
					t.Errorf("merge into %s: %v (reason %q), want invalid, %s", tt.name, err, reason, tt.reason)
				}
				if after := apptest.Snap(t, db); after != before {
					t.Errorf("the refusal wrote: %+v → %+v", before, after)
				}
				if got, _ := db.Case(ctx, dup.ID); got.State.Status != workflow.Reported {
					t.Errorf("the report is %s, want still reported", got.State.Status)
				}
				if into.ID != 0 {
					if got, _ := db.Case(ctx, into.ID); got.State.Version != into.State.Version || got.State.Counters.Supports != into.State.Counters.Supports {
						t.Errorf("the case named changed: version %d → %d", into.State.Version, got.State.Version)
					}
					if chs, _ := db.Channels(ctx, into.ID); len(chs) != 0 {
						t.Errorf("the case named got channels %v", chs)
					}
				}
			})
		}
	})
}
