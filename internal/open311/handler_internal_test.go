package open311

import (
	"net/http/httptest"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
)

// A media_url is one of ours when it names the host the request came to or, behind a proxy,
// the public one.
func TestOwnHost(t *testing.T) {
	r := httptest.NewRequest("POST", "http://10.0.0.7:8080/open311/v2/requests.json", nil)
	for _, tc := range []struct {
		base, host string
		want       bool
	}{
		{"", "10.0.0.7:8080", true},
		{"", "grid.example.gov.cn", false},
		{"https://grid.example.gov.cn", "grid.example.gov.cn", true},
		{"https://grid.example.gov.cn", "GRID.example.gov.cn", true},
		{"https://grid.example.gov.cn", "10.0.0.7:8080", true},
		{"https://grid.example.gov.cn", "evil.example", false},
	} {
		h := New(Config{BaseURL: tc.base})
		if got := h.ownHost(r, tc.host); got != tc.want {
			t.Errorf("base %q, host %q: %v, want %v", tc.base, tc.host, got, tc.want)
		}
	}
}

// Open311 narrows the one kind-to-status mapping to the statuses its clients know.
func TestStatusOf(t *testing.T) {
	for k, want := range map[errs.Kind]int{
		errs.BadRequest: 400, errs.Invalid: 400, errs.Conflict: 400,
		errs.Unauthorized: 403, errs.Forbidden: 403, errs.NotFound: 404,
		errs.TooLarge: 413, errs.TooMany: 429, errs.Unavailable: 503, errs.Internal: 500,
	} {
		if got := statusOf(k); got != want {
			t.Errorf("%s: %d, want %d", k, got, want)
		}
	}
}
