package exports_test

import (
	"context"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

func TestExportJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		ex := c.r.A.Exports
		leader := apptest.As(t, db, "leader")
		j, err := ex.Start(ctx, leader, exports.Request{Kind: "cases", Format: "xlsx", Filters: map[string]string{"status": "closed,registered"}})
		if err != nil {
			t.Fatal(err)
		}
		if j.State != "queued" || j.Download != "" || j.FileName != "案件清单-解放区-20260309-1530.xlsx" {
			t.Errorf("started: %+v", j)
		}
		if _, err := ex.Job(ctx, apptest.As(t, db, "operator"), j.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("someone else's export: %v, want not found", err)
		}
		if _, _, err := ex.Open(ctx, leader, j.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("a queued export's file: %v, want conflict (not ready)", err)
		}
		n, err := ex.RunExports(ctx)
		if err != nil || n != 1 {
			t.Fatalf("ran %d exports: %v", n, err)
		}
		if n, err := ex.RunExports(ctx); err != nil || n != 0 {
			t.Errorf("ran %d exports again: %v", n, err)
		}
		j, err = ex.Job(ctx, leader, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != "done" || j.Rows != 2 || j.Total != 2 || j.Download == "" {
			t.Errorf("finished: %+v", j)
		}
		r, _, err := ex.Open(ctx, leader, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		_, rows := xlsxRows(t, data)
		if got := []string{rows[2][0], rows[3][0]}; !slices.Equal(got, []string{c.ticket(t, c.open), c.ticket(t, c.closed)}) || len(rows) != 4 {
			t.Errorf("the file's cases %v (%d rows)", got, len(rows))
		}
		if _, _, err := ex.Open(ctx, apptest.As(t, db, "admin"), j.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("someone else's file: %v, want not found", err)
		}

		// A day later it is gone, file and all.
		*c.r.Now = c.r.Now.Add(25 * time.Hour)
		if n, err := ex.ExpireExports(ctx); err != nil || n != 1 {
			t.Errorf("expired %d: %v", n, err)
		}
		if _, err := ex.Job(ctx, leader, j.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("an expired export: %v, want not found", err)
		}
	})
}

func TestExportJobRefusesBadRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := newCity(t, db)
		ex := c.r.A.Exports
		before := apptest.Snap(t, db)
		for _, tt := range []struct {
			name string
			who  string
			in   exports.Request
			kind errs.Kind
		}{
			{"no kind", "leader", exports.Request{Format: "xlsx"}, errs.Invalid},
			{"an unknown kind", "leader", exports.Request{Kind: "pdf", Format: "xlsx"}, errs.Invalid},
			{"an unknown format", "leader", exports.Request{Kind: "cases", Format: "pdf"}, errs.Invalid},
			{"an unknown filter", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"colour": "red"}}, errs.Invalid},
			{"a bad status", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"status": "lost"}}, errs.Invalid},
			{"a bad time", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"to": "soon"}}, errs.BadRequest},
			{"a region outside the scope", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"region": "410811"}}, errs.Forbidden},
			{"NUL in a filter", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"q": "\x00"}}, errs.BadRequest},
			{"a filter name that is not text", "leader", exports.Request{Kind: "cases", Format: "csv", Filters: map[string]string{"\xff": "x"}}, errs.BadRequest},
			{"a resident", "resident", exports.Request{Kind: "cases", Format: "csv"}, errs.Forbidden},
			{"stats without a period", "leader", exports.Request{Kind: "stats", Format: "xlsx"}, errs.BadRequest},
			{"stats of a grouping that does not exist", "leader", exports.Request{Kind: "stats", Format: "xlsx",
				Filters: map[string]string{"from": "2026-01-01", "to": "2026-01-31", "group": "weather"}}, errs.BadRequest},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := ex.Start(ctx, apptest.As(t, db, tt.who), tt.in); !errs.Is(err, tt.kind) {
					t.Errorf("%v, want %s", err, tt.kind)
				}
			})
		}
		if _, err := ex.Start(ctx, nil, exports.Request{Kind: "cases", Format: "csv"}); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("anonymous: %v, want unauthorized", err)
		}
		if after := apptest.Snap(t, db); after != before {
			t.Errorf("refused requests changed something: %+v → %+v", before, after)
		}
		if n, err := ex.RunExports(ctx); err != nil || n != 0 {
			t.Errorf("refused requests queued %d exports (%v)", n, err)
		}
		// One person may have a few exports waiting, not a thousand.
		for i := range 4 {
			_, err := ex.Start(ctx, apptest.As(t, db, "operator"), exports.Request{Kind: "cases", Format: "csv"})
			if i < 3 && err != nil || i == 3 && !errs.Is(err, errs.TooMany) {
				t.Errorf("export %d: %v", i+1, err)
			}
		}
	})
}

// Two processes (two App over two connections to one database) run the same queue: each export
// is written exactly once, and one whose runner died is taken over when its lease runs out.
func TestExportsRunOnceAcrossProcesses(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, engine)
			open := func() *store.DB {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					storetest.SkipOrFail(t, string(engine), err.Error())
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				return db
			}
			db1, db2 := open(), open()
			blobs, err := blob.NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			now := apptest.At(t, "2026-03-09 09:00")
			opts := app.Options{Clock: func() time.Time { return now }, Blobs: blobs, Logger: apptest.Quiet()}
			a1 := apptest.NewWith(t, db1, opts)
			a2, err := app.New(db2, opts)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, who := range []string{"admin", "leader", "operator", "dispatcher"} {
				for range 2 {
					j, err := a1.Exports.Start(ctx, apptest.As(t, db1, who), exports.Request{Kind: "cases", Format: "csv"})
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, j.ID)
				}
			}
			var wg sync.WaitGroup
			ran := make([]int, 2)
			for i, a := range []*app.App{a1, a2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := a.Exports.RunExports(ctx)
					if err != nil {
						t.Error(err)
					}
					ran[i] = n
				}()
			}
			wg.Wait()
			if ran[0]+ran[1] != len(ids) {
				t.Errorf("the runners finished %v exports, want %d in all", ran, len(ids))
			}
			for _, id := range ids {
				j, err := db1.ExportJobByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != store.ExportDone || j.Attempts != 1 {
					t.Errorf("export %d: %s after %d attempts, want done after 1", id, j.State, j.Attempts)
				}
			}
			// Claims race: of two runners, exactly one takes an export.
			j, err := a1.Exports.Start(ctx, apptest.As(t, db1, "admin"), exports.Request{Kind: "cases", Format: "xlsx"})
			if err != nil {
				t.Fatal(err)
			}
			won := make([]bool, 8)
			for i := range won {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db := []*store.DB{db1, db2}[i%2]
					ok, err := db.ClaimExport(ctx, j.ID, string(rune('a'+i)), now, now.Add(time.Minute))
					if err != nil {
						t.Error(err)
					}
					won[i] = ok
				}()
			}
			wg.Wait()
			if n := len(slices.DeleteFunc(won, func(b bool) bool { return !b })); n != 1 {
				t.Errorf("%d of 8 racing claims won, want 1", n)
			}
			// The winner "dies": the other process takes the export over once the lease is out,
			// and the dead runner can no longer write to it.
			if n, _ := a2.Exports.RunExports(ctx); n != 0 {
				t.Errorf("an export under a live lease was run again")
			}
			now = now.Add(2 * time.Minute)
			if n, err := a2.Exports.RunExports(ctx); err != nil || n != 1 {
				t.Errorf("took over %d: %v", n, err)
			}
			got, _ := db1.ExportJobByID(ctx, j.ID)
			if got.State != store.ExportDone || got.Attempts != 2 {
				t.Errorf("taken over: %s after %d attempts, want done after 2", got.State, got.Attempts)
			}
			for i := range 8 {
				if held, _ := db1.ExportProgress(ctx, j.ID, string(rune('a'+i)), 1, 1, now.Add(time.Minute)); held {
					t.Errorf("the dead runner %c still holds the export", 'a'+i)
				}
			}
		})
	}
}
