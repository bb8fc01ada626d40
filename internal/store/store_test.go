package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn    string
		engine store.Engine
		ok     bool
	}{
		{"sqlite:./data/citygrid.db", store.SQLite, true},
		{"sqlite:/var/lib/citygrid/citygrid.db", store.SQLite, true},
		{"postgres://postgres@127.0.0.1:5432/citygrid", store.Postgres, true},
		{"postgresql://u:p@db.example:5432/citygrid?sslmode=require", store.Postgres, true},
		{"", "", false},
		{"sqlite:", "", false},
		{"sqlite:x.db?mode=ro", "", false},
		{"mysql://root@localhost/citygrid", "", false},
		{"postgres://", "", false},
		{"citygrid.db", "", false},
	}
	for _, tt := range tests {
		got, err := store.ParseDSN(tt.dsn)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDSN(%q) error = %v, want ok=%v", tt.dsn, err, tt.ok)
			continue
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseDSN(%q) error kind = %s, want invalid", tt.dsn, errs.KindOf(err))
		}
		if got.Engine != tt.engine {
			t.Errorf("ParseDSN(%q) engine = %q, want %q", tt.dsn, got.Engine, tt.engine)
		}
	}
}

func TestParseDSNHidesPassword(t *testing.T) {
	_, err := store.ParseDSN("mysql://root:hunter22@localhost/x")
	if err == nil || strings.Contains(err.Error(), "hunter22") {
		t.Fatalf("error %v should not show the password", err)
	}
}

// seedRegions puts a city with one district and a department in db.
func seedRegions(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []grid.Region{
		{Code: "4108", Name: "焦作市", Level: grid.City, AreaClass: grid.AreaGeneral},
		{Code: "410802", Name: "解放区", Level: grid.District, ParentCode: "4108", AreaClass: grid.AreaGeneral},
		{Code: "410802001", Name: "民生街道", Level: grid.Subdistrict, ParentCode: "410802", AreaClass: grid.AreaCore},
	} {
		if err := db.PutRegion(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutDepartment(ctx, workflow.Department{Code: "CGJ", Name: "城管局", Level: grid.District, RegionCode: "410802"}); err != nil {
		t.Fatal(err)
	}
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		u, err := db.CreateUser(ctx, access.User{Username: "op", Role: access.Operator, Scope: "410802"}, "hash1", t0)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || !u.CreatedAt.Equal(t0) {
			t.Errorf("created user = %+v, want an id and created_at %v", u, t0)
		}
		if _, err := db.CreateUser(ctx, access.User{Username: "op", Role: access.Operator, Scope: "410802"}, "hash2", t0); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate username: err = %v, want conflict", err)
		}
		if _, err := db.CreateUser(ctx, access.User{Username: "h", Role: access.Handler, Department: "NOPE"}, "x", t0); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown department: err = %v, want invalid", err)
		}
		got, hash, err := db.UserByUsername(ctx, "op")
		if err != nil || hash != "hash1" || got.Scope != "410802" || got.Role != access.Operator || got.Disabled {
			t.Errorf("UserByUsername = %+v, %q, %v", got, hash, err)
		}
		if _, _, err := db.UserByUsername(ctx, "nobody"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown user: err = %v, want not_found", err)
		}
		if err := db.SetDisabled(ctx, u.ID, true, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.SetDisabled(ctx, 9999, true, t0); !errs.Is(err, errs.NotFound) {
			t.Errorf("disable unknown id: err = %v, want not_found", err)
		}
		list, err := db.ListUsers(ctx)
		if err != nil || len(list) != 1 || !list[0].Disabled {
			t.Errorf("ListUsers = %+v, %v; want one disabled user", list, err)
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u, err := db.CreateUser(ctx, access.User{Username: "res", Role: access.Resident}, "h", t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateSession(ctx, "s1", u.ID, t0, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SessionUser(ctx, "s1", t0.Add(59*time.Minute)); err != nil || got.ID != u.ID {
			t.Errorf("live session: %+v, %v", got, err)
		}
		if _, err := db.SessionUser(ctx, "s1", t0.Add(time.Hour)); !errs.Is(err, errs.NotFound) {
			t.Errorf("expired session: err = %v, want not_found", err)
		}
		tok, err := db.CreateToken(ctx, u.ID, "ci", "th", t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.TokenUser(ctx, "th"); err != nil || got.ID != u.ID {
			t.Errorf("TokenUser = %+v, %v", got, err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0); !errs.Is(err, errs.Conflict) {
			t.Errorf("second revoke: err = %v, want conflict", err)
		}
		if _, err := db.TokenUser(ctx, "th"); !errs.Is(err, errs.NotFound) {
			t.Errorf("revoked token: err = %v, want not_found", err)
		}
		if got, err := db.TokenByID(ctx, tok.ID); err != nil || got.RevokedAt == nil || got.Username != "res" {
			t.Errorf("TokenByID = %+v, %v; want revoked token of res", got, err)
		}
	})
}

func TestLoginFailuresWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		window := 15 * time.Minute
		for i := range 3 {
			now := t0.Add(time.Duration(i) * time.Minute)
			if n, err := db.CountAttempt(ctx, "user:a", now.Add(-window), now); err != nil || n != i+1 {
				t.Fatalf("attempt %d counted as %d, %v", i+1, n, err)
			}
		}
		if n, err := db.LoginFailures(ctx, "user:a", t0.Add(5*time.Minute).Add(-window)); err != nil || n != 3 {
			t.Errorf("failures in window = %d, %v; want 3", n, err)
		}
		if err := db.ReleaseAttempt(ctx, "user:a", t0.Add(5*time.Minute).Add(-window)); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.LoginFailures(ctx, "user:a", t0.Add(5*time.Minute).Add(-window)); n != 2 {
			t.Errorf("failures after a release = %d, want 2", n)
		}
		// A failure after the window has passed starts a new count.
		later := t0.Add(20 * time.Minute)
		if n, err := db.CountAttempt(ctx, "user:a", later.Add(-window), later); err != nil || n != 1 {
			t.Fatalf("the first attempt of a new window counted as %d, %v", n, err)
		}
		if n, _ := db.LoginFailures(ctx, "user:a", later.Add(-window)); n != 1 {
			t.Errorf("failures after the window = %d, want 1", n)
		}
		if err := db.ClearLoginFailures(ctx, "user:a"); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.LoginFailures(ctx, "user:a", later.Add(-window)); n != 0 {
			t.Errorf("failures after clear = %d, want 0", n)
		}
	})
}

// Many attempts at once each get a count of their own: none is lost, none shared.
func TestCountAttemptIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const n = 64
		var wg sync.WaitGroup
		counts := make([]int, n)
		fails := make([]error, n)
		for i := range n {
			wg.Go(func() {
				counts[i], fails[i] = db.CountAttempt(context.Background(), "addr:10.0.0.9", t0.Add(-time.Hour), t0)
			})
		}
		wg.Wait()
		seen := map[int]bool{}
		for i, c := range counts {
			if fails[i] != nil {
				t.Fatalf("attempt %d: %v", i, fails[i])
			}
			if seen[c] || c < 1 || c > n {
				t.Errorf("count %d given twice or out of 1…%d", c, n)
			}
			seen[c] = true
		}
	})
}

func TestInTxRollsBackEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.CreateUser(ctx, access.User{Username: "ghost", Role: access.Resident}, "h", t0); err != nil {
				return err
			}
			if err := db.AppendAudit(ctx, audit.Entry{At: t0, Actor: "x", Action: "user.add", Target: "user:ghost"}); err != nil {
				return err
			}
			if err := db.Enqueue(ctx, "user.added", `{"username":"ghost"}`, t0); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx err = %v, want boom", err)
		}
		if _, _, err := db.UserByUsername(ctx, "ghost"); !errs.Is(err, errs.NotFound) {
			t.Errorf("user survived the rollback: %v", err)
		}
		if seq, _, _ := db.AuditHead(ctx); seq != 0 {
			t.Errorf("audit head = %d after rollback, want 0", seq)
		}
		if msgs, _ := db.PendingOutbox(ctx, 10); len(msgs) != 0 {
			t.Errorf("outbox = %v after rollback, want empty", msgs)
		}
	})
}

func TestOutboxCommitsWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(ctx context.Context) error {
			if _, err := db.CreateUser(ctx, access.User{Username: "r1", Role: access.Resident}, "h", t0); err != nil {
				return err
			}
			return db.Enqueue(ctx, "user.added", `{"username":"r1"}`, t0)
		})
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := db.PendingOutbox(ctx, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Topic != "user.added" {
			t.Fatalf("outbox = %+v, %v", msgs, err)
		}
		if err := db.MarkDelivered(ctx, msgs[0].ID, t0); err != nil {
			t.Fatal(err)
		}
		if msgs, _ := db.PendingOutbox(ctx, 10); len(msgs) != 0 {
			t.Errorf("delivered message still pending: %+v", msgs)
		}
	})
}

// Concurrent appenders must still form one unbroken chain: the head row serializes them.
func TestAuditChainUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errc := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					err := db.AppendAudit(ctx, audit.Entry{At: t0, Actor: "w", Action: "test", Target: "t", After: fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)})
					errc <- err
				}
			})
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		var v audit.Verifier
		if err := db.EachAudit(ctx, v.Check); err != nil {
			t.Fatal(err)
		}
		seq, hash, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Finish(seq, hash); err != nil {
			t.Fatal(err)
		}
		if v.Checked() != writers*each {
			t.Errorf("checked %d records, want %d", v.Checked(), writers*each)
		}
	})
}

func TestRegionPath(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedRegions(t, db)
		path, err := db.RegionPath(ctx, "410802001")
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, r := range path {
			codes = append(codes, r.Code)
		}
		if want := []string{"4108", "410802", "410802001"}; len(codes) != 3 || codes[0] != want[0] || codes[2] != want[2] {
			t.Errorf("path = %v, want %v", codes, want)
		}
		if _, err := db.RegionPath(ctx, "999999"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown region: err = %v, want not_found", err)
		}
		err = db.PutRegion(ctx, grid.Region{Code: "410899", Name: "x", Level: grid.District, ParentCode: "4199", AreaClass: grid.AreaGeneral})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("missing parent: err = %v, want invalid", err)
		}
	})
}

func TestSchemaVersions(t *testing.T) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, e)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.CheckSchema(ctx); !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "citygrid migrate") {
				t.Errorf("fresh database: CheckSchema = %v, want schema_outdated naming citygrid migrate", err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Errorf("migrated database: CheckSchema = %v", err)
			}
			if v, err := db.Migrate(ctx); err != nil || v < 1 {
				t.Errorf("second migrate = %d, %v; want a no-op", v, err)
			}
			// A newer citygrid has migrated this database further.
			raw := storetest.Raw(t, dsn)
			if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)`); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckSchema(ctx); !errs.Is(err, errs.Unavailable) || !strings.Contains(err.Error(), "newer") {
				t.Errorf("newer schema: CheckSchema = %v, want schema_newer", err)
			}
			if _, err := db.Migrate(ctx); err == nil {
				t.Error("migrate of a newer schema succeeded, want a refusal")
			}
		})
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, s := range []string{"sqlite:./a.db", "postgres://u:p@h:5432/d?sslmode=disable", "postgresql://", "sqlite:", "mysql://x", "sqlite:a?b", "postgres://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got, err := store.ParseDSN(dsn)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseDSN(%q) error %v is not classified invalid", dsn, err)
			}
			return
		}
		switch got.Engine {
		case store.SQLite:
			if got.Path == "" || !strings.HasPrefix(dsn, "sqlite:") {
				t.Fatalf("ParseDSN(%q) = %+v", dsn, got)
			}
		case store.Postgres:
			if got.URL != dsn {
				t.Fatalf("ParseDSN(%q) = %+v", dsn, got)
			}
		default:
			t.Fatalf("ParseDSN(%q) = unknown engine %q", dsn, got.Engine)
		}
	})
}

// Rows a transaction appends (outbox messages, timeline events, audit records) are written at
// its commit, but the transaction reads them as if written at once, and a deferred row that
// cannot be written fails the commit so that nothing of the transaction remains.
func TestDeferredRowsBehaveAsWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seq0, _, err := db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(ctx context.Context) error {
			for i := range 3 {
				if err := db.Enqueue(ctx, "test.deferred", fmt.Sprintf(`{"i":%d}`, i), t0); err != nil {
					return err
				}
				if err := db.AppendAudit(ctx, audit.Entry{At: t0, Actor: "t", Action: "test", Target: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			msgs, err := db.PendingOutbox(ctx, 10)
			if err != nil {
				return err
			}
			if len(msgs) != 3 || msgs[0].Payload != `{"i":0}` || msgs[2].Payload != `{"i":2}` {
				t.Errorf("inside the transaction the outbox reads %+v, want its three messages in order", msgs)
			}
			if seq, _, err := db.AuditHead(ctx); err != nil || seq != seq0+3 {
				t.Errorf("inside the transaction the audit head is at %d (%v), want %d", seq, err, seq0+3)
			}
			// A further append after the read is written too.
			return db.Enqueue(ctx, "test.deferred", `{"i":3}`, t0)
		})
		if err != nil {
			t.Fatal(err)
		}
		if msgs, _ := db.PendingOutbox(ctx, 10); len(msgs) != 4 {
			t.Errorf("after commit %d messages, want 4", len(msgs))
		}
		var v audit.Verifier
		if err := db.EachAudit(ctx, v.Check); err != nil {
			t.Fatal(err)
		}
		seq, hash, _ := db.AuditHead(ctx)
		if err := v.Finish(seq, hash); err != nil || seq != seq0+3 {
			t.Errorf("audit chain after commit: head %d, %v", seq, err)
		}

		// An event for a case that does not exist breaks a foreign key when it is written: the
		// commit fails and the message enqueued beside it is gone with it.
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.Enqueue(ctx, "test.lost", `{}`, t0); err != nil {
				return err
			}
			return db.AppendCaseEvent(ctx, 987654, store.CaseEvent{At: t0, Actor: "t", Action: "comment", To: "reported"})
		})
		if err == nil {
			t.Fatal("a transaction with an event for no case committed")
		}
		msgs, _ := db.PendingOutbox(ctx, 10)
		for _, m := range msgs {
			if m.Topic == "test.lost" {
				t.Errorf("the failed transaction's outbox message was stored")
			}
		}
		if seq2, _, _ := db.AuditHead(ctx); seq2 != seq {
			t.Errorf("the failed transaction moved the audit head from %d to %d", seq, seq2)
		}
	})
}
