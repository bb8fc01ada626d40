package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/campaigns"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
)

// Campaigns to zero (专项整治): campaigns, their targets, the actions on a target, progress and
// the burn-down. Every handler decodes, calls one use case of app.Campaigns and encodes.

// campaignCall is a handler of a campaign's path, given its id and its target's (0 when the
// path names none).
type campaignCall func(w http.ResponseWriter, r *http.Request, p *access.Principal, id, tid int64)

// campaign reads the ids of a campaign's path (a target's too, when it has one) for h.
func (s *Handler) campaign(h campaignCall) http.Handler {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, p *access.Principal) {
		id, err := pathID(r, "id", "campaign")
		var tid int64
		if err == nil && r.PathValue("tid") != "" {
			tid, err = pathID(r, "tid", "target")
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, p, id, tid)
	})
}

// answer writes v, or the refusal.
func (s *Handler) answer(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *Handler) listCampaigns(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	out, err := s.app.Campaigns.Campaigns(r.Context(), p)
	s.answer(w, r, http.StatusOK, out, err)
}

func (s *Handler) createCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in campaigns.NewCampaign
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Campaigns.Create(r.Context(), p, in)
	s.answer(w, r, http.StatusCreated, v, err)
}

func (s *Handler) getCampaign(w http.ResponseWriter, r *http.Request, p *access.Principal, id, _ int64) {
	v, err := s.app.Campaigns.Campaign(r.Context(), p, id)
	s.answer(w, r, http.StatusOK, v, err)
}

func (s *Handler) listTargets(w http.ResponseWriter, r *http.Request, p *access.Principal, id, _ int64) {
	q := r.URL.Query()
	in := campaigns.TargetQuery{State: q.Get("state"), Region: q.Get("region")}
	for _, f := range []struct {
		name string
		set  func(int64)
	}{{"after", func(n int64) { in.AfterID = n }}, {"limit", func(n int64) { in.Limit = int(min(n, 1000)) }}} {
		if v := q.Get(f.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				s.fail(w, r, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": f.name, "value": v}, "%s must be a whole number, not %q", f.name, v))
				return
			}
			f.set(n)
		}
	}
	out, err := s.app.Campaigns.Targets(r.Context(), p, id, in)
	s.answer(w, r, http.StatusOK, out, err)
}

func (s *Handler) addTargets(w http.ResponseWriter, r *http.Request, p *access.Principal, id, _ int64) {
	var in campaigns.NewTargets
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.app.Campaigns.AddTargets(r.Context(), p, id, in)
	s.answer(w, r, http.StatusCreated, rep, err)
}

func (s *Handler) getTarget(w http.ResponseWriter, r *http.Request, p *access.Principal, id, tid int64) {
	v, err := s.app.Campaigns.Target(r.Context(), p, id, tid)
	s.answer(w, r, http.StatusOK, v, err)
}

func (s *Handler) actOnTarget(w http.ResponseWriter, r *http.Request, p *access.Principal, id, tid int64) {
	var in campaigns.ActionInput
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Campaigns.Act(r.Context(), p, id, tid, in)
	s.answer(w, r, http.StatusOK, v, err)
}

func (s *Handler) campaignProgress(w http.ResponseWriter, r *http.Request, p *access.Principal, id, _ int64) {
	q := r.URL.Query()
	if f := q.Get("format"); f != "" && f != "json" {
		format, err := sheet.ParseFormat(f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Written whole before it is sent, so that a refusal is still an error, not half a file.
		var b bytes.Buffer
		name, err := s.app.Campaigns.WriteProgress(r.Context(), p, id, q.Get("group"), q.Get("within"), format, &b)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", format.ContentType())
		w.Header().Set("Content-Disposition", contentDisposition(fmt.Sprintf("campaign-%d-progress.%s", id, format), name))
		_, _ = w.Write(b.Bytes())
		return
	}
	out, err := s.app.Campaigns.Progress(r.Context(), p, id, q.Get("group"), q.Get("within"))
	s.answer(w, r, http.StatusOK, out, err)
}

func (s *Handler) campaignBurndown(w http.ResponseWriter, r *http.Request, p *access.Principal, id, _ int64) {
	q := r.URL.Query()
	out, err := s.app.Campaigns.Burndown(r.Context(), p, id, q.Get("every"), q.Get("within"))
	s.answer(w, r, http.StatusOK, out, err)
}
