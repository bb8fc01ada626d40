package httpapi

import (
	"net/http"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/eval"
)

// Evaluation (issue 13): tables and trends of the indicators, and the weights that score them.

func evalQuery(r *http.Request) eval.Query {
	q := r.URL.Query()
	return eval.Query{From: q.Get("from"), To: q.Get("to"), Group: q.Get("group"), Role: q.Get("role"), Within: q.Get("within")}
}

func (s *Handler) stats(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	t, err := s.app.Eval.Stats(r.Context(), p, evalQuery(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Handler) statsTrend(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	t, err := s.app.Eval.Trend(r.Context(), p, eval.TrendQuery{Query: evalQuery(r), Every: q.Get("every"), Key: q.Get("key")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Handler) getEvalWeights(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	ws, err := s.app.Eval.Weights(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ws)
}

func (s *Handler) putEvalWeights(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in eval.Weights
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	ws, err := s.app.Eval.SetWeights(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ws)
}
