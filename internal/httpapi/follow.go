package httpapi

import (
	"net/http"

	"github.com/citygrid/citygrid/internal/errs"
)

// followRequest asks to follow a case (ticket) or an area (region, optionally class) by e-mail.
type followRequest struct {
	Email  string `json:"email"`
	Ticket string `json:"ticket"`
	Region string `json:"region"`
	Class  string `json:"class"`
}

// follow asks to follow a public case or an area's new reports by e-mail: the follow runs once
// the address confirms it by the mailed link. The answer is the same whether or not the
// address follows it already, so it tells nothing about anyone.
func (s *Handler) follow(w http.ResponseWriter, r *http.Request) {
	var in followRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	var err error
	switch {
	case in.Ticket != "" && in.Region == "" && in.Class == "":
		err = s.app.Follow.FollowCase(r.Context(), principal(r), in.Ticket, in.Email, false)
	case in.Region != "" && in.Ticket == "":
		err = s.app.Follow.FollowArea(r.Context(), principal(r), in.Region, in.Class, in.Email)
	default:
		err = errs.Refuse(errs.Invalid, "required", errs.Params{"field": "ticket"}, "give a ticket, or a region (and a class), to follow")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "pending", "message": "a confirmation e-mail is on its way unless this address follows it already"})
}
