package web

import (
	"math"
	"net/url"
	"testing"
)

// FuzzParseNearby: whatever the query, the nearby search's parser answers without panicking,
// and what it takes is a point on the globe and, if any, a category of a known kind with a
// five-digit code.
func FuzzParseNearby(f *testing.F) {
	for _, seed := range []string{"lon=113.19&lat=35.30", "lon=113.19&lat=35.30&category=matter:09009", "lon=NaN&lat=NaN",
		"lon=1e308&lat=-1e308", "lon=Inf&lat=0", "lon=0x1p-2&lat=1_0", "lon=180&lat=90&category=component:01001",
		"lon=1&lat=1&category=matter:0900", "lon=1&lat=1&category=thing:09009", "category=%ff%00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, problem := parseNearby(v)
		if problem != "" {
			if q != (nearbyQuery{}) {
				t.Errorf("%q: refused (%s) but answered %+v", raw, problem, q)
			}
			return
		}
		if math.IsNaN(q.lon) || math.IsNaN(q.lat) || math.Abs(q.lon) > 180 || math.Abs(q.lat) > 90 {
			t.Errorf("%q: took the point %v, %v", raw, q.lon, q.lat)
		}
		if (q.code == "") != (q.kind == "") || (q.code != "" && !categoryKey.MatchString(string(q.kind)+":"+q.code)) {
			t.Errorf("%q: took the category %q %q", raw, q.kind, q.code)
		}
	})
}
