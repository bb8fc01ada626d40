package httpapi

import (
	"net/http"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

func (s *Handler) listDepartments(w http.ResponseWriter, r *http.Request) {
	depts, err := s.app.Settings.Departments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, depts)
}

func (s *Handler) listRules(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	rules, err := s.app.Settings.Rules(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

// suggestRoute answers GET /api/v1/route?kind=&category=&lon=&lat=&crs=[&at=RFC3339]: the
// department a case would be dispatched to, and why.
func (s *Handler) suggestRoute(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	kind, err := workflow.ParseCategoryKind(q.Get("kind"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lon, lat, system, err := pointParams(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	at := time.Now()
	if v := q.Get("at"); v != "" {
		if at, err = time.Parse(time.RFC3339, v); err != nil {
			s.fail(w, r, errs.Coded(errs.BadRequest, "wrong_type", "at must be an RFC 3339 time, not %q", v))
			return
		}
	}
	out, err := s.app.Cases.Route(r.Context(), p, kind, q.Get("category"), lon, lat, system, at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// testRules answers GET /api/v1/dispatch/rules/test?category=&kind=&region=&at=: the dispatch
// table's tester. Who would get a case of the category in the region at that time, by which
// rule, or by the locality fallback? at is RFC 3339, a China-time "2006-01-02T15:04", or a time
// of day "22:00" (today in China); it defaults to now.
func (s *Handler) testRules(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	var kind workflow.CategoryKind
	if v := q.Get("kind"); v != "" {
		k, err := workflow.ParseCategoryKind(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		kind = k
	}
	at, err := cases.ParseTestTime(q.Get("at"), s.app.Cases.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.app.Cases.RouteIn(r.Context(), p, kind, q.Get("category"), q.Get("region"), at)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
