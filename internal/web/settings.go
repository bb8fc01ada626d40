package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/app/settings"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The settings pages of the unscoped admin: the time-limits table, the working calendar (office
// hours by season, the day overrides, how far the public holidays are known) and the webhook
// subscriptions. The use cases decide who may change them (a scoped admin is
// refused there, with the reason shown); the pages only show and collect.

// adminSection is one tab of the admin navigation: its path under /admin/ and its title key.
type adminSection struct {
	Path string
	Key  string
}

// adminSections are the tabs an admin sees; the city-wide settings only for an unscoped one.
func adminSections(p *access.Principal) []adminSection {
	out := []adminSection{{"users", "admin.users"}, {"departments", "admin.departments"}, {"categories", "admin.categories"},
		{"rules", "admin.rules"}, {"regions", "admin.regions"}}
	if p.System || p.User.Scope == "" {
		out = append(out, adminSection{"time-limits", "admin.time_limits"}, adminSection{"calendar", "admin.calendar"},
			adminSection{"webhooks", "admin.webhooks"}, adminSection{"map", "admin.map"})
	}
	return out
}

type settingsBody struct {
	Limits    []workflow.TimeLimit
	CSV       string // the table as CSV to edit, or what a refused edit sent
	Overrides []worktime.Override
	Hours     settings.OfficeHours       // the office hours in force
	HoursText string                     // them as the form edits them, or what a refused edit sent
	Warnings  []settings.CalendarWarning // the calendar's public holidays running out
	Date      string                     // a refused override's fields, shown again
	Working   string
	Note      string
	Webhooks  []notices.Webhook
	HookNames map[string]string  // webhook id → name, for the deliveries list
	Hook      notices.NewWebhook // a refused subscription's fields, shown again
	Created   *notices.CreatedWebhook
	Deliver   []notices.Delivery
	Map       mapSettingsBody // the tiles under the maps (adminmap.go)
}

func (h *Handler) settingsRoutes() {
	m := h.mux
	m.HandleFunc("POST /admin/time-limits", h.signedIn(h.adminPutTimeLimits))
	m.HandleFunc("POST /admin/calendar", h.signedIn(h.adminPutOverride))
	m.HandleFunc("POST /admin/calendar/{date}/delete", h.signedIn(h.adminDeleteOverride))
	m.HandleFunc("POST /admin/calendar/office-hours", h.signedIn(h.adminPutOfficeHours))
	m.HandleFunc("POST /admin/webhooks", h.signedIn(h.adminAddWebhook))
	m.HandleFunc("POST /admin/webhooks/{id}/disable", h.signedIn(h.adminDisableWebhook))
	m.HandleFunc("POST /admin/map", h.signedIn(h.adminPutMap))
}

// settingsSection fills the body of a settings section; a refused form's values come back from
// the request so nothing typed is lost.
func (h *Handler) settingsSection(ctx context.Context, p *access.Principal, section string, posted url.Values, b *settingsBody) error {
	var err error
	switch section {
	case "time-limits":
		if b.Limits, err = h.app.Settings.TimeLimits(ctx, p); err != nil {
			return err
		}
		b.CSV = timeLimitsCSV(b.Limits)
		if posted != nil {
			b.CSV = posted.Get("csv")
		}
	case "calendar":
		if b.Overrides, err = h.app.Settings.CalendarOverrides(ctx, p); err != nil {
			return err
		}
		if b.Hours, err = h.app.Settings.OfficeHours(ctx, p); err != nil {
			return err
		}
		b.HoursText = seasonsText(b.Hours.Seasons)
		b.Warnings, err = h.app.Settings.CalendarWarnings(ctx)
		if posted != nil {
			b.Date, b.Working, b.Note = posted.Get("date"), posted.Get("working"), posted.Get("note")
			if posted.Has("hours") {
				b.HoursText = posted.Get("hours")
			}
		}
	case "webhooks":
		if b.Webhooks, err = h.app.Notices.Webhooks(ctx, p); err != nil {
			return err
		}
		b.HookNames = map[string]string{}
		for _, w := range b.Webhooks {
			b.HookNames[strconv.FormatInt(w.ID, 10)] = w.Name
		}
		b.Deliver, err = h.app.Notices.Deliveries(ctx, p, 100)
		if posted != nil {
			b.Hook = notices.NewWebhook{Name: posted.Get("name"), URL: posted.Get("url"), Topics: posted.Get("topics")}
		}
	case "map":
		err = h.mapSection(ctx, p, posted, &b.Map)
	default:
		err = errs.Refuse(errs.NotFound, "no_page", nil, "no admin page %q", section)
	}
	return err
}

// timeLimitsCSV writes the table in the layout ReadTimeLimits reads
// (standards/time-limits-default.csv), '*' for "any".
func timeLimitsCSV(rows []workflow.TimeLimit) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	any := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	_ = w.Write([]string{"stage", "category_kind", "category_code", "urgency", "area_class", "limit", "unit", "source"})
	for _, t := range rows {
		_ = w.Write([]string{string(t.Stage), any(string(t.Kind)), any(t.Category), any(string(t.Urgency)), any(t.AreaClass),
			strconv.Itoa(t.Limit.Value), string(t.Limit.Unit), t.Source})
	}
	w.Flush()
	return buf.String()
}

// maxTableUpload bounds an uploaded or pasted table: the default table is 2 KB, a city's
// detailed one a few hundred rows.
const maxTableUpload = 1 << 20

// adminPutTimeLimits replaces the time-limits table with an uploaded CSV file, else with the
// text of the form's table; a refused table changes nothing and is shown again with the reason.
func (h *Handler) adminPutTimeLimits(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, maxTableUpload+64<<10)
	if err := r.ParseMultipartForm(maxTableUpload); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		h.errorPage(w, r, 0, formError(err))
		return
	}
	text := r.PostFormValue("csv")
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				h.errorPage(w, r, 0, err)
				return
			}
			b, err := io.ReadAll(io.LimitReader(f, maxTableUpload+1))
			f.Close()
			if err != nil {
				h.errorPage(w, r, 0, err)
				return
			}
			if len(b) > maxTableUpload {
				h.adminDone(w, r, p, "time-limits", "", errs.E(errs.TooLarge, "the file is larger than %d KB", maxTableUpload>>10))
				return
			}
			text = string(b)
			r.PostForm.Set("csv", text) // a refusal shows the file's text to correct
		}
	}
	rows, err := workflow.ReadTimeLimits(strings.NewReader(text))
	if err == nil {
		err = h.app.Settings.ReplaceTimeLimits(r.Context(), p, rows)
	}
	h.adminDone(w, r, p, "time-limits", "", err)
}

func (h *Handler) adminPutOverride(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	o := worktime.Override{Date: strings.TrimSpace(r.PostFormValue("date")), Note: r.PostFormValue("note")}
	switch r.PostFormValue("working") {
	case "1":
		o.Working = true
	case "0":
	default:
		h.adminDone(w, r, p, "calendar", "", errs.E(errs.Invalid, "say whether %s is a working day or a day off", o.Date))
		return
	}
	h.adminDone(w, r, p, "calendar", "", h.app.Settings.PutCalendarOverride(r.Context(), p, o))
}

// adminPutOfficeHours replaces the seasons of office hours with the form's text, one season a
// line: its first day (MM-DD) and its windows, e.g. "05-01 08:00-12:00 15:00-18:30". An empty
// text restores the default hours.
func (h *Handler) adminPutOfficeHours(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.adminDone(w, r, p, "calendar", "", h.app.Settings.ReplaceOfficeHours(r.Context(), p, parseSeasons(r.PostFormValue("hours"))))
}

// parseSeasons reads the office-hours form: one season a line, fields separated by spaces or
// commas (Chinese ones too); blank lines are skipped. What the fields mean is the use case's to
// check.
func parseSeasons(text string) []settings.Season {
	out := []settings.Season{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.FieldsFunc(line, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r) })
		if len(f) > 0 {
			out = append(out, settings.Season{From: f[0], Windows: f[1:]})
		}
	}
	return out
}

// seasonsText writes seasons as parseSeasons reads them.
func seasonsText(ss []settings.Season) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.From + " " + strings.Join(s.Windows, " ") + "\n")
	}
	return b.String()
}

func (h *Handler) adminDeleteOverride(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.adminDone(w, r, p, "calendar", "", h.app.Settings.DeleteCalendarOverride(r.Context(), p, r.PathValue("date")))
}

// adminAddWebhook subscribes a URL and shows its secret this once: it is stored for signing
// and never shown again.
func (h *Handler) adminAddWebhook(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	in := notices.NewWebhook{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Topics: r.PostFormValue("topics"), Secret: r.PostFormValue("secret")}
	created, err := h.app.Notices.AddWebhook(r.Context(), p, in)
	if err != nil {
		h.adminDone(w, r, p, "webhooks", "", err)
		return
	}
	var body adminBody
	body.Section, body.Sections = "webhooks", adminSections(p)
	if err := h.settingsSection(r.Context(), p, "webhooks", nil, &body.Settings); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	body.Settings.Created = &created
	h.render(w, r, http.StatusOK, "admin.html", &page{Title: h.cat.T(h.lang(r), "admin.webhooks"), Body: body,
		Notice: h.cat.T(h.lang(r), "admin.saved")})
}

func (h *Handler) adminDisableWebhook(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.adminDone(w, r, p, "webhooks", "", errs.E(errs.NotFound, "no webhook %q", r.PathValue("id")))
		return
	}
	h.adminDone(w, r, p, "webhooks", "", h.app.Notices.DisableWebhook(r.Context(), p, id))
}
