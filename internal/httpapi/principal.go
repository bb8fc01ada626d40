package httpapi

import (
	"net/http"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// principal returns the caller the front door resolved, or nil when anonymous.
func principal(r *http.Request) *access.Principal { return access.FromContext(r.Context()) }

// signedIn wraps a handler that needs a caller; anonymous callers get 401.
func (s *Handler) signedIn(h func(http.ResponseWriter, *http.Request, *access.Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		if p == nil {
			s.writeError(w, r, http.StatusUnauthorized, string(errs.Unauthorized), "sign in first")
			return
		}
		h(w, r, p)
	})
}
