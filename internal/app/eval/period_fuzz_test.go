package eval

import "testing"

// The period parser takes whatever a query string holds: it refuses or returns a period of
// at most MaxDays, and a trend's cut covers that period exactly, in order, without gaps.
func FuzzPeriod(f *testing.F) {
	f.Add("2026-03-09", "2026-03-15", "day")
	f.Add("2026-01-31", "2026-03-01", "month")
	f.Add("2025-12-29", "2026-01-04", "week")
	f.Add("2026-02-30", "2026-03-01", "week")
	f.Add("\x00", "2026-13-01", "year")
	f.Fuzz(func(t *testing.T, from, to, every string) {
		p, err := checkPeriod(Query{From: from, To: to})
		if err != nil {
			return
		}
		if p.from > p.to || p.fromT.After(p.toT) || p.toT.Sub(p.fromT).Hours()/24 >= MaxDays {
			t.Fatalf("%q–%q gave %d–%d", from, to, p.from, p.to)
		}
		buckets, err := cut(p, every)
		if err != nil {
			return
		}
		if len(buckets) == 0 || buckets[0].from != p.from || buckets[len(buckets)-1].to != p.to {
			t.Fatalf("%q–%q by %q: %v", from, to, every, buckets)
		}
		for i := 1; i < len(buckets); i++ {
			if Day(buckets[i-1].toT.AddDate(0, 0, 1)) != buckets[i].from || buckets[i].from > buckets[i].to {
				t.Fatalf("%q–%q by %q: gap or overlap at %d: %v", from, to, every, i, buckets)
			}
		}
	})
}
