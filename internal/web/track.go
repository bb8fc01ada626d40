package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

type trackBody struct {
	Case   cases.PublicCase
	New    bool
	Follow followBlock // the ticket to copy, its QR code, following by e-mail (follow.go)
}

// trackSearch answers the portal's "track a ticket" box.
func (h *Handler) trackSearch(w http.ResponseWriter, r *http.Request) {
	t := strings.TrimSpace(r.URL.Query().Get("ticket"))
	if t == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/track/"+url.PathEscape(t), http.StatusSeeOther)
}

// track shows anyone holding a ticket where the case stands, with no personal data.
func (h *Handler) track(w http.ResponseWriter, r *http.Request) {
	h.showTrack(w, r, http.StatusOK, "", "")
}

func (h *Handler) showTrack(w http.ResponseWriter, r *http.Request, status int, problem, notice string) {
	p := access.FromContext(r.Context())
	c, err := h.app.Cases.Track(r.Context(), p, r.PathValue("ticket"), httpx.ClientAddr(r))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.render(w, r, status, "track.html", &page{Title: h.cat.T(h.lang(r), "track.title", c.Ticket), Error: problem, Notice: notice,
		Body:    trackBody{Case: c, New: r.URL.Query().Get("new") == "1", Follow: h.trackFollowBlock(r, cmp.Or(c.MergedFrom, c.Ticket), c.Grid)},
		Scripts: []string{"follow.js"}})
}

// trackAct takes the public's actions on a tracked case: "me too" (anonymous visitors are
// told apart by a device cookie) and the reporter's rating.
func (h *Handler) trackAct(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	c, err := h.app.Cases.Track(r.Context(), p, r.PathValue("ticket"), httpx.ClientAddr(r))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	action := r.PostFormValue("action")
	in := workflow.Input{Note: r.PostFormValue("note")}
	switch workflow.Action(action) {
	case workflow.Support:
		if p == nil {
			in.Supporter = h.deviceID(w, r)
		}
	case workflow.Rate:
		in.Rating, _ = strconv.Atoi(r.PostFormValue("rating"))
	default:
		h.showTrack(w, r, http.StatusUnprocessableEntity, h.cat.T(h.lang(r), "track.unknown.action"), "")
		return
	}
	if _, err := h.app.Cases.Act(r.Context(), p, c.ID(), action, nil, in); err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showTrack(w, r, statusOf(err), h.problem(r, err), "")
		return
	}
	http.Redirect(w, r, "/track/"+url.PathEscape(cmp.Or(c.MergedFrom, c.Ticket))+"?done="+action, http.StatusSeeOther)
}

const deviceCookie = "citygrid_device"

// deviceID is an anonymous browser's lasting random id, so its "me too" counts once.
func (h *Handler) deviceID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) == 32 {
		return "device:" + c.Value
	}
	id := randomHex(16)
	http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: id, Path: "/", MaxAge: 5 * 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || h.cfg.SecureCookies})
	return "device:" + id
}
