package httpapi

import (
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
)

// reportCase answers POST /api/v1/cases: anyone may report, signed in or not.
func (s *Server) reportCase(w http.ResponseWriter, r *http.Request) {
	var in app.NewCase
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	out, err := s.app.Report(r.Context(), principal(r), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "case %q not found", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.app.Case(r.Context(), principal(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// actionRequest is {"action": "...", "version": N, ...the action's inputs}.
type actionRequest struct {
	Action  string `json:"action"`
	Version *int   `json:"version"`
	workflow.Input
}

func (s *Server) actOnCase(w http.ResponseWriter, r *http.Request) {
	id, err := caseID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in actionRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Action == "" {
		s.fail(w, r, errs.E(errs.Invalid, "action is required"))
		return
	}
	c, err := s.app.Act(r.Context(), principal(r), id, in.Action, in.Version, in.Input)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
