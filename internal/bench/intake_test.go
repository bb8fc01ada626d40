package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"testing"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/web"
)

// Every report the server acknowledged is in the database with its ticket, exactly once, and
// the raw pass wrote the same number of rows again.
func TestIntakeAcknowledgesOnlyStoredReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const reports = 200
		res, err := bench.Intake(ctx, io.Discard, db, "test", bench.IntakeConfig{Reports: reports, Clients: 8, Seed: 7, Front: front})
		if err != nil {
			t.Fatal(err)
		}
		if res.Reports != reports || len(res.Acknowledged) != reports || res.RawRows != reports {
			t.Fatalf("acknowledged %d (%d acks), raw %d; want %d each", res.Reports, len(res.Acknowledged), res.RawRows, reports)
		}
		ticket := regexp.MustCompile(`^\d{8}-\d{6}$`)
		seen := map[string]bool{}
		for _, ack := range res.Acknowledged {
			c, err := db.Case(ctx, ack.ID)
			if err != nil {
				t.Fatalf("acknowledged case %d: %v", ack.ID, err)
			}
			if c.Ticket != ack.Ticket || !ticket.MatchString(c.Ticket) || seen[c.Ticket] {
				t.Errorf("case %d: stored ticket %q, acknowledged %q (seen before: %v)", ack.ID, c.Ticket, ack.Ticket, seen[c.Ticket])
			}
			seen[c.Ticket] = true
			if events, err := db.CaseEvents(ctx, ack.ID); err != nil || len(events) != 1 {
				t.Errorf("case %d: timeline %v, %v; want its report event", ack.ID, events, err)
			}
		}
		if _, err := db.CaseByTicket(ctx, "raw-"+res.Acknowledged[0].Ticket); err != nil {
			t.Errorf("the raw pass did not store the same row again: %v", err)
		}
		// Reports committed together still chain their audit records one after another.
		var v audit.Verifier
		if err := db.EachAudit(ctx, v.Check); err != nil {
			t.Fatal(err)
		}
		seq, hash, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Finish(seq, hash); err != nil {
			t.Errorf("audit chain: %v", err)
		}
		if seq < reports {
			t.Errorf("audit trail holds %d records, want at least one per report", seq)
		}
	})
}

// front wires the front door as `citygrid serve` does (cmd passes its own wiring).
func front(a *app.App, db *store.DB, log *slog.Logger) (http.Handler, error) {
	return server.New(server.Config{App: a, Logger: log, Ready: db.CheckSchema, Version: "bench", Web: &web.Config{}})
}
