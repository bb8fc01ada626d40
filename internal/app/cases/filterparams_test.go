package cases_test

import (
	"net/url"
	"testing"

	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
)

func TestParseFilter(t *testing.T) {
	for _, tt := range []struct {
		query string
		kind  errs.Kind // "" for accepted
	}{
		{"", ""},
		{"status=reported,closed&light=red&sort=due&limit=200&overdue=1&from=2026-01-01T00:00:00%2B08:00", ""},
		{"status=reported,lost", errs.Invalid},
		{"light=blue", errs.Invalid},
		{"sort=random", errs.Invalid},
		{"limit=0", errs.Invalid},
		{"limit=201", errs.Invalid},
		{"to=tomorrow", errs.BadRequest},
	} {
		q, _ := url.ParseQuery(tt.query)
		f, err := cases.ParseFilter(q.Get)
		if tt.kind == "" && err != nil || tt.kind != "" && !errs.Is(err, tt.kind) {
			t.Errorf("%q: %v, want %q", tt.query, err, tt.kind)
		}
		if tt.kind == "" && tt.query != "" && (len(f.Statuses) != 2 || !f.SortByDue || !f.Overdue || f.Limit != 200 || f.From.IsZero()) {
			t.Errorf("%q: read %+v", tt.query, f)
		}
	}
}

// FuzzParseFilter holds that any query is read or refused as the caller's mistake, never
// anything else.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"", "status=closed", "holder=grid:1&light=red", "from=2026-01-01T00:00:00Z&limit=5", "sort=due&overdue=true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		if _, err := cases.ParseFilter(q.Get); err != nil && !errs.Is(err, errs.Invalid) && !errs.Is(err, errs.BadRequest) {
			t.Errorf("%q: %v, want invalid or bad request", query, err)
		}
	})
}
