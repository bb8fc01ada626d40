package bench_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/bench"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// The photos scenario, small: every upload answered, the peak read and reported against the
// target, bounded and unbounded.
func TestPhotosMeasuresThePeak(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	var out bytes.Buffer
	runs, err := bench.Photos(t.Context(), &out, db, "test", bench.PhotosConfig{Uploads: 3, Side: 600, Unbounded: true, Front: front})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || !runs[0].Bounded || runs[1].Bounded {
		t.Fatalf("runs %+v, want a bounded one then an unbounded one", runs)
	}
	for _, r := range runs {
		if r.Statuses[201] != 3 || r.Peak < r.Baseline || r.Baseline <= 0 {
			t.Errorf("run %+v: want 3 uploads stored and a peak at or above the baseline", r)
		}
	}
	if !strings.Contains(out.String(), "target        peak ≤ 600 MB: within") {
		t.Errorf("the report lacks the verdict:\n%s", out.String())
	}
}
