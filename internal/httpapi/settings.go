package httpapi

import (
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Time limits, calendar overrides, notifications and webhooks.

func (s *Handler) listTimeLimits(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	rows, err := s.app.Settings.TimeLimits(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

// putTimeLimits replaces the whole table with the JSON array in the body.
func (s *Handler) putTimeLimits(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var rows []workflow.TimeLimit
	if err := s.decode(w, r, &rows); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.app.Settings.ReplaceTimeLimits(r.Context(), p, rows); err != nil {
		s.fail(w, r, err)
		return
	}
	s.listTimeLimits(w, r, p)
}

func (s *Handler) listCalendarOverrides(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	rows, err := s.app.Settings.CalendarOverrides(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]calendarOverride, len(rows))
	for i, o := range rows {
		out[i] = calendarOverride{Date: o.Date, Working: &o.Working, Note: o.Note}
	}
	writeJSON(w, http.StatusOK, out)
}

type calendarOverride struct {
	Date    string `json:"date"`
	Working *bool  `json:"working"`
	Note    string `json:"note"`
}

func (s *Handler) putCalendarOverride(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in calendarOverride
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Working == nil {
		s.fail(w, r, errs.E(errs.Invalid, "working is required: true for a working day, false for a day off"))
		return
	}
	o := worktime.Override{Date: r.PathValue("date"), Working: *in.Working, Note: in.Note}
	if err := s.app.Settings.PutCalendarOverride(r.Context(), p, o); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, calendarOverride{Date: o.Date, Working: in.Working, Note: o.Note})
}

func (s *Handler) deleteCalendarOverride(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := s.app.Settings.DeleteCalendarOverride(r.Context(), p, r.PathValue("date")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) getOfficeHours(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h, err := s.app.Settings.OfficeHours(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// putOfficeHours replaces the seasons of office hours with {"seasons": [{"from": "05-01",
// "windows": ["08:00-12:00", "15:00-18:30"]}, …]}; no seasons restore the default.
func (s *Handler) putOfficeHours(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in struct {
		Seasons *[]settings.Season `json:"seasons"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Seasons == nil {
		s.fail(w, r, errs.Required("seasons", "seasons is required: a list of seasons, or [] for the default office hours"))
		return
	}
	if err := s.app.Settings.ReplaceOfficeHours(r.Context(), p, *in.Seasons); err != nil {
		s.fail(w, r, err)
		return
	}
	s.getOfficeHours(w, r, p)
}

// listNotifications answers GET /api/v1/notifications?unread=1&before=ID&limit=N.
func (s *Handler) listNotifications(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	unread, err := boolParam(q.Get("unread"), "unread")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	before, err := intParam(q.Get("before"), "before")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	limit, err := intParam(q.Get("limit"), "limit")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.app.Notices.Notifications(r.Context(), p, unread, before, int(limit))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Handler) readNotifications(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in struct {
		UpTo int64 `json:"up_to"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.app.Notices.MarkNotificationsRead(r.Context(), p, in.UpTo)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int64{"marked": n})
}

func (s *Handler) listWebhooks(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	hooks, err := s.app.Notices.Webhooks(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, hooks)
}

func (s *Handler) addWebhook(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in notices.NewWebhook
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.app.Notices.AddWebhook(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Handler) disableWebhook(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, errs.E(errs.NotFound, "webhook %q not found", r.PathValue("id")))
		return
	}
	if err := s.app.Notices.DisableWebhook(r.Context(), p, id); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Handler) listDeliveries(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	limit, err := intParam(r.URL.Query().Get("limit"), "limit")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ds, err := s.app.Notices.Deliveries(r.Context(), p, int(limit))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ds)
}

func boolParam(v, name string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Coded(errs.BadRequest, "wrong_type", "%s must be true or false, not %q", name, v)
	}
	return b, nil
}

func intParam(v, name string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Coded(errs.BadRequest, "wrong_type", "%s must be a whole number, not %q", name, v)
	}
	return n, nil
}
