package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/basemap"
)

// A resident's home (我的反映) is their reports as residents read them: what, where, when and
// how far along, each opening its tracking page. No deadlines, lights or staff names: those are
// the staff's workspace, which residents never see.

const minePage = 20

type mineBody struct {
	Reports []mineRow
	Next    string // the next page's link; "" on the last
	First   bool   // the first page: "back to the newest" is not offered
}

type mineRow struct {
	cases.CaseSummary
	Place string
}

func (h *Handler) mineRoutes() {
	m := h.mux
	m.HandleFunc("GET /mine", h.signedIn(h.mine))
}

func (h *Handler) mine(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if p.User.Role != access.Resident {
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
		return
	}
	cursor := r.URL.Query().Get("after")
	list, err := h.app.Cases.ListCases(r.Context(), p, cases.CaseFilter{Limit: minePage, Cursor: cursor})
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body := mineBody{First: cursor == ""}
	for _, c := range list.Cases {
		// As residents say them: 枫华园社区, not its committee's full name.
		place := basemap.ShortName(c.CommunityName)
		if c.SubdistrictName != "" && place != "" {
			place = basemap.ShortName(c.SubdistrictName) + " · " + place
		}
		body.Reports = append(body.Reports, mineRow{CaseSummary: c, Place: place})
	}
	if list.Next != "" {
		body.Next = "/mine?after=" + url.QueryEscape(list.Next)
	}
	h.render(w, r, http.StatusOK, "mine.html", &page{Title: h.cat.T(h.lang(r), "mine.title"), Body: body})
}

// residentCase sends a resident who opens the staff's case page (a notice links there) to the
// case's tracking page, and reports whether it did.
func (h *Handler) residentCase(w http.ResponseWriter, r *http.Request, p *access.Principal) bool {
	if p.User.Role != access.Resident {
		return false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.errorPage(w, r, http.StatusNotFound, err)
		return true
	}
	c, err := h.app.Cases.Case(r.Context(), p, id)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return true
	}
	http.Redirect(w, r, "/track/"+url.PathEscape(c.Ticket), http.StatusSeeOther)
	return true
}
