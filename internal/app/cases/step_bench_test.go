package cases_test

import (
	"context"
	"testing"

	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// BenchmarkRegisterDispatch measures two steps that each tell someone (the reporter, the
// department): a register and a dispatch, with their outbox messages and recipients.
func BenchmarkRegisterDispatch(b *testing.B) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			db := storetest.Open(b, engine)
			now := apptest.At(b, "2026-03-09 09:00")
			a := apptest.New(b, db, &now)
			ctx := context.Background()
			p := apptest.PointIn(b, a, demo.GridWorkerGrid)
			resident, operator, dispatcher := apptest.As(b, db, "resident"), apptest.As(b, db, "operator"), apptest.As(b, db, "dispatcher")
			ids := make([]int64, b.N)
			for i := range ids {
				in, err := a.Cases.Report(ctx, resident, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
				if err != nil {
					b.Fatal(err)
				}
				ids[i] = in.ID
			}
			b.ResetTimer()
			for _, id := range ids {
				if _, err := a.Cases.Act(ctx, operator, id, "register", nil, workflow.Input{}); err != nil {
					b.Fatal(err)
				}
				if _, err := a.Cases.Act(ctx, dispatcher, id, "dispatch", nil, workflow.Input{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
