package photo

import (
	"bytes"
	"image"
	"image/png"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

func smallPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPreparerBoundsPhotosInMemory: however many photos come at once, no more than Concurrent
// decode together and their decoded bytes stay within Budget; the others wait their turn.
func TestPreparerBoundsPhotosInMemory(t *testing.T) {
	p := NewPreparer(Limits{Concurrent: 2, Budget: 100, Wait: time.Minute})
	var active, bytesIn, most, mostBytes atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		need := int64(20 + 10*(i%5)) // 20 to 60 of the 100
		wg.Go(func() {
			release, err := p.turn(t.Context(), need)
			if err != nil {
				t.Error(err)
				return
			}
			n, b := active.Add(1), bytesIn.Add(need)
			for v := most.Load(); n > v && !most.CompareAndSwap(v, n); v = most.Load() {
			}
			for v := mostBytes.Load(); b > v && !mostBytes.CompareAndSwap(v, b); v = mostBytes.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			active.Add(-1)
			bytesIn.Add(-need)
			release()
		})
	}
	wg.Wait()
	if most.Load() > 2 || mostBytes.Load() > 100 {
		t.Errorf("at once: %d photos, %d bytes; want at most 2 and 100", most.Load(), mostBytes.Load())
	}
	if most.Load() < 2 {
		t.Errorf("never two photos at once: the bound serialises more than it must")
	}
}

// TestPreparerRefusesWhenBusy: a photo that cannot get its turn within Wait is refused as
// unavailable, with when to try again, instead of queueing without end.
func TestPreparerRefusesWhenBusy(t *testing.T) {
	p := NewPreparer(Limits{Concurrent: 1, Wait: 50 * time.Millisecond})
	release, err := p.turn(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Prepare(t.Context(), smallPNG(t))
	if reason, _ := errs.Detail(err); !errs.Is(err, errs.Unavailable) || reason != "photo_busy" || errs.RetryAfter(err) <= 0 {
		t.Errorf("while another photo decodes: %v (reason %s), want photo_busy with a retry time", err, reason)
	}
	release()
	if _, err := p.Prepare(t.Context(), smallPNG(t)); err != nil {
		t.Errorf("once it is done: %v", err)
	}
}
