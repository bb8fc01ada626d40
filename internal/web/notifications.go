package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
)

// In-app notifications: the background jobs (App.DeliverOutbox, App.SweepDeadlines) write them;
// the header counts the unread, /notifications lists them and marks them read.

// notificationsPage caps one page of the list; "older" pages on by id.
const notificationsPage = 50

type notificationItem struct {
	ID     int64
	At     time.Time
	Link   string // the case page, or for a reporter's notice the case's tracking page
	Text   string
	Unread bool
}

type notificationsBody struct {
	Items  []notificationItem
	Unread int
	UpTo   int64 // the newest listed: "mark all read" marks up to it, not what arrived since
	Older  int64 // the id to page on from, 0 when this is the last page
}

func (h *Handler) notificationRoutes() {
	h.mux.HandleFunc("GET /notifications", h.signedIn(h.notifications))
	h.mux.HandleFunc("POST /notifications/read", h.signedIn(h.markRead))
}

// unread counts the signed-in person's unread notifications for the header; a failure shows no
// count rather than no page.
func (h *Handler) unread(ctx context.Context, p *access.Principal) int {
	if p == nil || p.System {
		return 0
	}
	np, err := h.app.Notices.Notifications(ctx, p, true, 0, 1)
	if err != nil {
		h.log.WarnContext(ctx, "count unread notifications", "user", p.User.Username, "err", err, "request_id", audit.RequestID(ctx))
		return 0
	}
	return np.Unread
}

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.showNotifications(w, r, p, http.StatusOK, "")
}

func (h *Handler) showNotifications(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, problem string) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	np, err := h.app.Notices.Notifications(r.Context(), p, false, max(before, 0), notificationsPage)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l, names := h.lang(r), h.names(r.Context())
	body := notificationsBody{Unread: np.Unread}
	for _, n := range np.Notifications {
		body.Items = append(body.Items, notificationItem{ID: n.ID, At: n.CreatedAt, Link: notificationLink(n), Text: h.notificationText(l, n, names), Unread: n.ReadAt == nil})
		body.UpTo = max(body.UpTo, n.ID)
	}
	if len(np.Notifications) == notificationsPage {
		body.Older = np.Notifications[len(np.Notifications)-1].ID
	}
	h.render(w, r, status, "notifications.html", &page{Title: h.cat.T(l, "notifications.title"), Body: body, Error: problem,
		Notice: r.URL.Query().Get("notice")})
}

// markRead marks the person's notifications up to the newest the page listed as read.
func (h *Handler) markRead(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	upTo, err := strconv.ParseInt(r.PostFormValue("up_to"), 10, 64)
	if err != nil {
		upTo = 0 // refused by the use case, with its reason
	}
	if _, err := h.app.Notices.MarkNotificationsRead(r.Context(), p, upTo); err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		r.URL.RawQuery = ""
		h.showNotifications(w, r, p, statusOf(err), h.problem(r, err))
		return
	}
	http.Redirect(w, r, "/notifications?notice="+url.QueryEscape(h.cat.T(h.lang(r), "notifications.marked")), http.StatusSeeOther)
}

// notificationLink is where a notice leads: staff to the case page, a reporter to where the
// public tracks the case (a report merged into another case is followed there, and its
// reporter may not open the other case's page).
func notificationLink(n notices.Notification) string {
	if n.CaseID == 0 {
		return ""
	}
	var d struct {
		Audience string `json:"audience"`
		Ticket   string `json:"ticket"`
	}
	if json.Unmarshal([]byte(n.Data), &d) == nil && d.Audience == notices.AudienceReporter && d.Ticket != "" {
		return "/track/" + url.PathEscape(d.Ticket)
	}
	return "/cases/" + strconv.FormatInt(n.CaseID, 10)
}

// notificationText says what happened in the page's language: a case's step by its event code
// and params (older notices by their action and the status it left), a deadline notice by its
// stage and time. Topics the catalogue has no words for keep the line stored with the notice.
func (h *Handler) notificationText(l Lang, n notices.Notification, names namer) string {
	var d struct {
		Audience    string      `json:"audience"`
		Ticket      string      `json:"ticket"`
		Status      string      `json:"status"`
		Stage       string      `json:"stage"`
		Due         time.Time   `json:"due"`
		EventCode   string      `json:"event_code"`
		EventParams errs.Params `json:"event_params"`
		Department  string      `json:"department"` // a part's co-department in a deadline notice (联办)
	}
	if json.Unmarshal([]byte(n.Data), &d) != nil || d.Ticket == "" {
		return n.Message
	}
	switch what := strings.TrimPrefix(n.Topic, "case."); {
	case what == notices.NearDue || what == notices.Overdue:
		if d.Department != "" && h.cat.has(l, "stage."+d.Stage) {
			return h.cat.T(l, "notify.part."+what, d.Ticket, names("department", d.Department), h.cat.T(l, "stage."+d.Stage), formatTime(l, d.Due))
		}
		if h.cat.has(l, "stage."+d.Stage) {
			return h.cat.T(l, "notify."+what, d.Ticket, h.cat.T(l, "stage."+d.Stage), formatTime(l, d.Due))
		}
	case d.Audience == notices.AudienceReporter:
		// A reporter reads where their report stands in plain words, not the staff's event.
		params := errs.Params{"ticket": d.Ticket, "status": d.Status}
		for _, k := range []string{"reject_reason", "merged_into"} {
			if v, ok := d.EventParams[k]; ok {
				params[k] = v
			}
		}
		if text, ok := h.cat.say(l, "notify.reporter."+d.EventCode, params, names); ok && d.EventCode != "" {
			return text
		}
		if h.cat.has(l, "track.status."+d.Status) {
			params["status"] = h.cat.T(l, "track.status."+d.Status)
			text, _ := h.cat.say(l, "notify.reporter.other", params, names)
			return text
		}
	case d.EventCode != "":
		if text, ok := h.cat.say(l, "event."+d.EventCode, d.EventParams, names); ok {
			event, _ := h.cat.say(l, "notify.event", errs.Params{"ticket": d.Ticket, "event": text, "status": d.Status}, names)
			return event
		}
	case h.cat.has(l, "action."+what) && h.cat.has(l, "status."+d.Status):
		return h.cat.T(l, "notify.step", d.Ticket, h.cat.T(l, "action."+what), h.cat.T(l, "status."+d.Status))
	}
	return n.Message
}
