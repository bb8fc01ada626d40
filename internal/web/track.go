package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/workflow"
)

// trackBody is the tracking page as a resident reads it: the case's facts in plain words and
// names (never codes or staff), its steps, and what the viewer may do.
type trackBody struct {
	Case       cases.PublicCase
	New        bool
	Department string // the lead department's name, then the co-departments'
	Expected   string // when the running stage should be done, in words
	Overdue    bool
	Reject     string // why a rejected case was not taken on, in words
	Steps      []trackStep
	// NotSolvedUntil words the last moment the reporter may say "not solved"; SignInToAct
	// invites an anonymous visitor of a recently closed case to sign in if they reported it.
	NotSolvedUntil string
	SignInToAct    bool
	ReportAgain    bool        // the reporter's days to say "not solved" are over: report anew
	Follow         followBlock // the ticket to copy, its QR code, following by e-mail (follow.go)
}

// trackStep is one step of the public timeline in the reader's words: what happened, the
// handling's result or the rejection's reason, the handling's photos (after), and to the
// reporter their own "not solved" note and photos.
type trackStep struct {
	At        time.Time
	Text      string
	Detail    string
	Photos    []string
	Note      string
	OwnPhotos []string
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
	notice := ""
	if done := r.URL.Query().Get("done"); slices.Contains([]string{"support", "rate", "reopen"}, done) {
		notice = h.cat.T(h.lang(r), "track.done."+done)
	}
	h.showTrack(w, r, http.StatusOK, "", notice)
}

func (h *Handler) showTrack(w http.ResponseWriter, r *http.Request, status int, problem, notice string) {
	p := access.FromContext(r.Context())
	c, err := h.app.Cases.Track(r.Context(), p, r.PathValue("ticket"), httpx.ClientAddr(r))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l, names := h.lang(r), h.names(r.Context())
	body := trackBody{Case: c, New: r.URL.Query().Get("new") == "1", Follow: h.trackFollowBlock(r, cmp.Or(c.MergedFrom, c.Ticket), c.Grid)}
	if c.Department != "" {
		body.Department = names("department", c.Department)
	}
	if e := c.Expected; e != nil {
		switch {
		case e.Paused:
			body.Expected = h.cat.T(l, "track.expected.paused")
		default:
			body.Expected = h.cat.T(l, "track.expected."+string(e.Stage), formatDay(l, e.Due))
			body.Overdue = e.Overdue
		}
	}
	if c.Status == workflow.Rejected {
		body.Reject = h.cat.T(l, "reject."+cmp.Or(c.RejectReason, workflow.RejectInvalid))
	}
	for _, e := range c.Timeline {
		body.Steps = append(body.Steps, h.trackStep(l, e, names))
	}
	if !c.NotSolvedUntil.IsZero() {
		body.NotSolvedUntil = formatTime(l, c.NotSolvedUntil)
	}
	body.SignInToAct = p == nil && c.RecentlyClosed
	body.ReportAgain = c.Reporter && c.Status == workflow.Closed && !c.RecentlyClosed
	h.render(w, r, status, "track.html", &page{Title: h.cat.T(l, "track.title", c.Ticket), Error: problem, Notice: notice, Body: body,
		Scripts: []string{"follow.js"}})
}

// trackStep words a step for the public: by its event code where the catalogue has words for
// the public ("track.step.<code>"), else by its action and the status it left.
func (h *Handler) trackStep(l Lang, e cases.PublicCaseEvent, names namer) trackStep {
	s := trackStep{At: e.At, Photos: e.Photos, Note: e.Note, OwnPhotos: e.OwnPhotos}
	key := "track.step." + e.Code
	if e.Note != "" && h.cat.has(l, key+".own") {
		key += ".own" // the reporter reads their own "not solved" as theirs
	}
	if text, ok := h.cat.say(l, key, e.Params, names); ok && e.Code != "" {
		s.Text = text
	} else {
		s.Text = h.cat.T(l, "track.step.other", h.cat.T(l, "action."+string(e.Action)), h.cat.T(l, "status."+string(e.To)))
	}
	s.Detail = cmp.Or(e.Result, e.Reason)
	return s
}

// trackNotSolvedPhotos bounds the photos a reporter sends with "not solved": one shows what is
// still wrong; a few allow another angle.
const trackNotSolvedPhotos = 3

// trackAct takes the public's actions on a tracked case: "me too" (anonymous visitors are
// told apart by a device cookie), the reporter's rating, and the reporter's "not solved"
// (没有解决), which reopens a recently closed case to the centre with their note and photo.
func (h *Handler) trackAct(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	c, err := h.app.Cases.Track(r.Context(), p, r.PathValue("ticket"), httpx.ClientAddr(r))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l := h.lang(r)
	action := r.PostFormValue("action")
	in := workflow.Input{Note: r.PostFormValue("note")}
	var photos [][]byte
	switch workflow.Action(action) {
	case workflow.Support:
		if p == nil {
			in.Supporter = h.deviceID(w, r)
		}
	case workflow.Rate:
		in.Rating, _ = strconv.Atoi(r.PostFormValue("rating"))
	case workflow.Reopen:
		if p == nil {
			h.showTrack(w, r, http.StatusForbidden, h.cat.T(l, "track.notsolved.sign_in"), "")
			return
		}
		in = workflow.Input{Reason: r.PostFormValue("note")}
		if photos, err = trackPhotos(r); err != nil {
			h.showTrack(w, r, statusOf(err), h.problem(r, err), "")
			return
		}
	default:
		h.showTrack(w, r, http.StatusUnprocessableEntity, h.cat.T(l, "track.unknown.action"), "")
		return
	}
	if _, err := h.app.Cases.ActWithPhotos(r.Context(), p, c.ID(), action, nil, in, photos); err != nil {
		status, problem := statusOf(err), h.problem(r, err)
		if workflow.Action(action) == workflow.Reopen {
			status, problem = h.notSolvedRefusal(l, err, status, problem)
		}
		if status >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showTrack(w, r, status, problem, "")
		return
	}
	http.Redirect(w, r, "/track/"+url.PathEscape(cmp.Or(c.MergedFrom, c.Ticket))+"?done="+action, http.StatusSeeOther)
}

// trackPhotos reads the photos of a "not solved" form, each bounded as every form's are.
func trackPhotos(r *http.Request) ([][]byte, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out [][]byte
	for _, fh := range r.MultipartForm.File["photo"] {
		if fh.Size == 0 {
			continue // an empty file input still sends a part
		}
		if len(out) == trackNotSolvedPhotos {
			return nil, errs.Refuse(errs.Invalid, workflow.ReasonTooManyPhotos, errs.Params{"max": trackNotSolvedPhotos}, "at most %d photos", trackNotSolvedPhotos)
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, nil
}

// notSolvedRefusal words a refused "not solved" for the resident who tried: not theirs to say,
// too late, not closed (any more: a second press after the first reopened it), or no note.
// Other refusals (a photo that is not one) keep their own words.
func (h *Handler) notSolvedRefusal(l Lang, err error, status int, problem string) (int, string) {
	reason, params := errs.Detail(err)
	switch reason {
	case "case_not_found", workflow.ReasonNotReporter, workflow.ReasonRole, workflow.ReasonOutsideScope, workflow.ReasonSignIn:
		// The page shows the case to anyone; that they may not reopen it is all there is to say.
		return http.StatusForbidden, h.cat.T(l, "track.notsolved.not_reporter")
	case workflow.ReasonTooLate:
		return status, h.cat.T(l, "track.notsolved.too_late", params["days"])
	case workflow.ReasonWrongState:
		return status, h.cat.T(l, "track.notsolved.not_closed")
	case "required":
		return status, h.cat.T(l, "track.notsolved.need_note")
	case workflow.ReasonTooLong:
		return status, h.cat.T(l, "track.notsolved.too_long", params["max"])
	}
	return status, problem
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
