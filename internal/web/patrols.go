package web

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/patrol"
)

// A grid worker starts and stops a patrol from the workspace; while it runs, the page
// (patrol.js) watches the phone's position and posts the fixes to /patrol/points.

func (h *Handler) patrolRoutes() {
	h.mux.HandleFunc("POST /patrol/start", h.signedIn(h.startPatrol))
	h.mux.HandleFunc("POST /patrol/stop", h.signedIn(h.stopPatrol))
	h.mux.HandleFunc("POST /patrol/points", h.signedIn(h.patrolPoints))
}

func (h *Handler) startPatrol(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	_, err := h.app.Regions.StartPatrol(r.Context(), p, r.PostFormValue("grid"))
	h.patrolDone(w, r, p, "patrol.started", err)
}

func (h *Handler) stopPatrol(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	_, err := h.app.Regions.StopPatrol(r.Context(), p)
	h.patrolDone(w, r, p, "patrol.stopped", err)
}

// patrolDone goes back to the workspace with a notice, or shows it with the refusal.
func (h *Handler) patrolDone(w http.ResponseWriter, r *http.Request, p *access.Principal, notice string, err error) {
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		r.URL.RawQuery = ""
		h.showTasks(w, r, p, statusOf(err), h.problem(r, err))
		return
	}
	http.Redirect(w, r, "/tasks?notice="+url.QueryEscape(h.cat.T(h.lang(r), notice)), http.StatusSeeOther)
}

// maxPoints bounds a post of fixes: patrol.MaxBatch of them with room to spare.
const maxPoints = 256 << 10

// patrolPoints takes the fixes the page collected, as JSON {"points": [{at, lon, lat,
// accuracy}]}, and answers {"recorded": n} or {"error": {"code", "message"}}.
func (h *Handler) patrolPoints(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in struct {
		Points []patrol.Point `json:"points"`
	}
	var n int
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPoints)).Decode(&in)
	if err != nil {
		err = errs.E(errs.BadRequest, "the points must be JSON {\"points\": [{\"at\", \"lon\", \"lat\", \"accuracy\"}]}: %v", err)
	} else {
		n, err = h.app.Regions.RecordPatrolPoints(r.Context(), p, in.Points)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		status := statusOf(err)
		if status >= 500 {
			h.log.ErrorContext(r.Context(), "record patrol points", "err", err, "request_id", audit.RequestID(r.Context()))
		}
		code, msg := errs.Public(err)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
		return
	}
	out := map[string]any{"recorded": n}
	// The running patrol's track as the card words it, so that every count on the card (its
	// running line and its entry in the day's list) says the same.
	if day, err := h.app.Regions.MyPatrols(r.Context(), p); err == nil && day.Running != nil {
		l := h.lang(r)
		out["points"] = day.Running.Points
		out["track"] = h.cat.T(l, "patrol.track", formatInt(l, day.Running.Points), h.formatMeters(l, day.Running.DistanceM))
	}
	_ = json.NewEncoder(w).Encode(out)
}
