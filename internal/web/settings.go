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

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// The settings pages of the unscoped admin: the time-limits table, the calendar overrides and
// the webhook subscriptions. The use cases decide who may change them (a scoped admin is
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
		out = append(out, adminSection{"time-limits", "admin.time_limits"}, adminSection{"calendar", "admin.calendar"})
	}
	return out
}

type settingsBody struct {
	Limits    []workflow.TimeLimit
	CSV       string // the table as CSV to edit, or what a refused edit sent
	Overrides []worktime.Override
	Date      string // a refused override's fields, shown again
	Working   string
	Note      string
}

func (h *Handler) settingsRoutes() {
	m := h.mux
	m.HandleFunc("POST /admin/time-limits", h.signedIn(h.adminPutTimeLimits))
	m.HandleFunc("POST /admin/calendar", h.signedIn(h.adminPutOverride))
	m.HandleFunc("POST /admin/calendar/{date}/delete", h.signedIn(h.adminDeleteOverride))
}

// settingsSection fills the body of a settings section; a refused form's values come back from
// the request so nothing typed is lost.
func (h *Handler) settingsSection(ctx context.Context, p *access.Principal, section string, posted url.Values, b *settingsBody) error {
	var err error
	switch section {
	case "time-limits":
		if b.Limits, err = h.app.TimeLimits(ctx, p); err != nil {
			return err
		}
		b.CSV = timeLimitsCSV(b.Limits)
		if posted != nil {
			b.CSV = posted.Get("csv")
		}
	case "calendar":
		b.Overrides, err = h.app.CalendarOverrides(ctx, p)
		if posted != nil {
			b.Date, b.Working, b.Note = posted.Get("date"), posted.Get("working"), posted.Get("note")
		}
	default:
		err = errs.E(errs.NotFound, "no admin page %q", section)
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
		err = h.app.ReplaceTimeLimits(r.Context(), p, rows)
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
	h.adminDone(w, r, p, "calendar", "", h.app.PutCalendarOverride(r.Context(), p, o))
}

func (h *Handler) adminDeleteOverride(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.adminDone(w, r, p, "calendar", "", h.app.DeleteCalendarOverride(r.Context(), p, r.PathValue("date")))
}
