package httpapi

import (
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

// listViews answers GET /api/v1/views: the caller's own saved views of the workspace.
func (s *Handler) listViews(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	views, err := s.app.Cases.Views(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, views)
}

type viewRequest struct {
	Name    string            `json:"name"`
	Filters map[string]string `json:"filters"`
}

// saveView answers POST /api/v1/views {"name", "filters": {param: value}}.
func (s *Handler) saveView(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in viewRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Cases.SaveView(r.Context(), p, in.Name, in.Filters)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// deleteView answers DELETE /api/v1/views/{id}: one of the caller's own views.
func (s *Handler) deleteView(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, errs.E(errs.NotFound, "view %q not found", r.PathValue("id")))
		return
	}
	if err := s.app.Cases.DeleteView(r.Context(), p, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
