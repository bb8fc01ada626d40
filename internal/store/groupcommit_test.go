package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// Reports committed together: each caller returns after its own writes are stored, and one
// that fails fails alone, leaving nothing of itself behind and nothing of the others undone.
func TestGroupCommitFailsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const callers = 40
		bad := map[int]bool{7: true, 23: true}
		errc := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() {
				errc[i] = db.GroupTx(ctx, func(ctx context.Context) error {
					if err := db.Enqueue(ctx, "test", fmt.Sprintf(`{"caller":%d}`, i), time.Now()); err != nil {
						return err
					}
					if bad[i] {
						return errors.New("refused")
					}
					if i == 31 {
						panic("a bug in one report")
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errc {
			if wantErr := bad[i] || i == 31; (err != nil) != wantErr {
				t.Errorf("caller %d: %v, want an error: %v", i, err, wantErr)
			}
		}
		msgs, err := db.PendingOutbox(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[string]int{}
		for _, m := range msgs {
			stored[m.Payload]++
		}
		for i := range callers {
			want := 1
			if bad[i] || i == 31 {
				want = 0
			}
			if got := stored[fmt.Sprintf(`{"caller":%d}`, i)]; got != want {
				t.Errorf("caller %d: %d messages stored, want %d", i, got, want)
			}
		}
		// Inside a transaction already, the writes join it and roll back with it.
		errOuter := errors.New("outer rolls back")
		err = db.InTx(ctx, func(ctx context.Context) error {
			if err := db.GroupTx(ctx, func(ctx context.Context) error { return db.Enqueue(ctx, "test", `{"nested":true}`, time.Now()) }); err != nil {
				return err
			}
			return errOuter
		})
		if !errors.Is(err, errOuter) {
			t.Fatalf("nested: %v", err)
		}
		if msgs, _ := db.PendingOutbox(ctx, 1000); len(msgs) != callers-3 {
			t.Errorf("after a rolled-back outer transaction %d messages, want %d", len(msgs), callers-3)
		}
	})
}
