package store

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
)

// The export reads a few fields of a case's stored state without decoding the rest; what it
// reads must be what decoding the whole state gives, for states as the store writes them.
func TestReadExportStateAgreesWithDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 1, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	closures := []workflow.ClosureType{"", "normal", "duplicate", "self_handled"}
	for i := range 2000 {
		c := workflow.Case{
			Status:     workflow.Status([]string{"reported", "handling", "closed"}[rng.IntN(3)]),
			Version:    rng.IntN(40),
			Category:   "0101",
			RegionPath: []string{"410802", "410802001"},
			Counters: workflow.Counters{Rework: rng.IntN(3), Returns: rng.IntN(3), Extensions: rng.IntN(2),
				Escalations: rng.IntN(2), Supports: rng.IntN(500)},
			ClosureType: closures[rng.IntN(len(closures))],
			Rating:      rng.IntN(6),
			Reporter:    `张三 "quoted" \ back`,
		}
		if rng.IntN(2) == 0 {
			c.ClosedAt = base.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour)))).Round(time.Microsecond)
		}
		for range rng.IntN(5) {
			c.Supporters = append(c.Supporters, "device-"+string(rune('a'+rng.IntN(26))))
			c.Parts = append(c.Parts, workflow.Part{Department: "410802-HW"})
		}
		state, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var want workflow.Case
		if err := json.Unmarshal(state, &want); err != nil {
			t.Fatal(err)
		}
		got := ExportCase{Rating: 9, ClosureType: "stale"} // what the previous row left
		if err := readExportState(state, &got); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !got.ClosedAt.Equal(want.ClosedAt) || got.ClosureType != string(want.ClosureType) || got.Rating != want.Rating || got.Counters != want.Counters {
			t.Fatalf("case %d: read %v %q %d %+v, decoding gives %v %q %d %+v", i, got.ClosedAt, got.ClosureType, got.Rating, got.Counters,
				want.ClosedAt, want.ClosureType, want.Rating, want.Counters)
		}
	}
	for _, bad := range []string{``, `{`, `{"closed_at": "yesterday"}`, "{\"rating\": 5, \"x\": \"\xff\"", `[1, 2]x`} {
		var c ExportCase
		if err := readExportState([]byte(bad), &c); err == nil {
			t.Errorf("state %q read without an error", bad)
		}
	}
}
