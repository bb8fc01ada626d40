package web

import (
	"bytes"
	"context"
	"encoding/csv"
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
			adminSection{"webhooks", "admin.webhooks"}, adminSection{"site", "admin.site"}, adminSection{"map", "admin.map"})
	}
	return out
}

type settingsBody struct {
	Limits    []limitRow // the table, or what a refused edit sent
	NewLimit  limitRow   // the row a new one starts as (its index written __i__)
	CatLeaf   []pickOption
	CatWide   []pickOption
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
	m.HandleFunc("GET /admin/time-limits.csv", h.signedIn(h.adminTimeLimitsCSV))
	m.HandleFunc("POST /admin/site", h.signedIn(h.adminPutSite))
	m.HandleFunc("POST /admin/site/emblem", h.signedIn(h.adminPutEmblem))
	m.HandleFunc("POST /admin/site/emblem/delete", h.signedIn(h.adminDeleteEmblem))
	m.HandleFunc("GET /emblem/{hash}", h.emblem)
	m.HandleFunc("POST /admin/calendar", h.signedIn(h.adminPutOverride))
	m.HandleFunc("POST /admin/calendar/{date}/delete", h.signedIn(h.adminDeleteOverride))
	m.HandleFunc("POST /admin/calendar/office-hours", h.signedIn(h.adminPutOfficeHours))
	m.HandleFunc("POST /admin/webhooks", h.signedIn(h.adminAddWebhook))
	m.HandleFunc("POST /admin/webhooks/{id}/disable", h.signedIn(h.adminDisableWebhook))
	m.HandleFunc("POST /admin/map", h.signedIn(h.adminPutMap))
}

// settingsSection fills the body of a settings section; a refused form's values come back from
// the request so nothing typed is lost.
func (h *Handler) settingsSection(ctx context.Context, l Lang, p *access.Principal, section string, posted url.Values, b *settingsBody) error {
	var err error
	switch section {
	case "time-limits":
		if err := kernelCityWide(p); err != nil {
			return err
		}
		return h.limitsSection(ctx, l, p, posted, b)
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

// maxTableUpload bounds an uploaded table: the default table is 2 KB, a city's
// detailed one a few hundred rows.
const maxTableUpload = 1 << 20

// adminPutTimeLimits replaces the time-limits table with the editor's rows, or with an
// uploaded CSV file (the layout of standards/time-limits-default.csv); a refused table changes
// nothing and is shown again with the reason.
func (h *Handler) adminPutTimeLimits(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := kernelCityWide(p); err != nil { // before the rows are read: a refusal says who may, not what is wrong
		h.errorPage(w, r, 0, err)
		return
	}
	var rows []workflow.TimeLimit
	var err error
	switch {
	case r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 && r.MultipartForm.File["file"][0].Size > 0:
		fh := r.MultipartForm.File["file"][0]
		if fh.Size > maxTableUpload {
			err = errs.Refuse(errs.TooLarge, "file_too_large", errs.Params{"max_kb": maxTableUpload >> 10}, "the file is larger than %d KB", maxTableUpload>>10)
			break
		}
		f, ferr := fh.Open()
		if ferr != nil {
			h.errorPage(w, r, 0, ferr)
			return
		}
		rows, err = workflow.ReadTimeLimits(io.LimitReader(f, maxTableUpload))
		f.Close()
	case r.PostForm.Has("csv"):
		rows, err = workflow.ReadTimeLimits(strings.NewReader(r.PostFormValue("csv")))
	default:
		rows, err = postedLimits(r.PostForm)
	}
	if err == nil {
		err = h.app.Settings.ReplaceTimeLimits(r.Context(), p, rows)
	}
	h.adminDone(w, r, p, "time-limits", "", err)
}

// adminTimeLimitsCSV offers the table as a CSV file, to keep or to edit and upload again.
func (h *Handler) adminTimeLimitsCSV(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := kernelCityWide(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	rows, err := h.app.Settings.TimeLimits(r.Context(), p)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="time-limits.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "\ufeff"+timeLimitsCSV(rows)) // the BOM tells Excel the file is UTF-8
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
	if err := h.settingsSection(r.Context(), h.lang(r), p, "webhooks", nil, &body.Settings); err != nil {
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

// kernelCityWide refuses anyone but an unscoped admin before a city-wide settings page is
// shown, with the words the use cases refuse their changes with.
func kernelCityWide(p *access.Principal) error {
	if p == nil || !p.IsAdmin() || (!p.System && p.User.Scope != "") {
		return errs.Refuse(errs.Forbidden, "city_admin_only", nil, "only an unscoped admin may see the city-wide settings")
	}
	return nil
}

// limitRow is one row of the time-limits editor.
type limitRow struct {
	I     string // the row's index in the form
	No    int    // its place in the table, from 1
	Limit workflow.TimeLimit
	Value string // the limit as typed (a refused row may hold no number)
	What  string // the category, or a whole kind, in words
	Cat   picker
}

func (h *Handler) limitsSection(ctx context.Context, l Lang, p *access.Principal, posted url.Values, b *settingsBody) error {
	stored, err := h.app.Settings.TimeLimits(ctx, p)
	if err != nil {
		return err
	}
	leaves, wide, words, err := h.categoryOptions(ctx, p, l)
	if err != nil {
		return err
	}
	b.CatLeaf = leaves
	for _, o := range wide {
		if strings.HasSuffix(o.V, ":") { // a time limit names a category or a whole kind, not a class
			b.CatWide = append(b.CatWide, o)
		}
	}
	row := func(i string, n int, t workflow.TimeLimit, value string) limitRow {
		v := limitCategoryValue(t)
		lr := limitRow{I: i, No: n, Limit: t, Value: value, What: words[v]}
		if v == "" {
			lr.What = h.cat.T(l, "limits.any")
		} else if lr.What == "" {
			lr.What = v
		}
		lr.Cat = picker{ID: "l" + i + "-category", Name: "l" + i + ".category", Value: v, Options: "cat-wide cat-leaf",
			Any: h.cat.T(l, "limits.any"), Placeholder: h.cat.T(l, "limits.any")}
		if v != "" {
			lr.Cat.Label = lr.What
		}
		return lr
	}
	if posted != nil && posted.Has("row") {
		for n, i := range posted["row"] {
			t, value := postedLimit(posted, i)
			b.Limits = append(b.Limits, row(i, n+1, t, value))
		}
	} else {
		for i, t := range stored {
			b.Limits = append(b.Limits, row(strconv.Itoa(i), i+1, t, strconv.Itoa(t.Limit.Value)))
		}
	}
	b.NewLimit = row("__i__", 0, workflow.TimeLimit{Stage: workflow.StageHandle, Limit: worktime.Limit{Unit: worktime.WorkHour}}, "")
	return nil
}

func limitCategoryValue(t workflow.TimeLimit) string {
	switch {
	case t.Kind == "" && t.Category == "":
		return ""
	case t.Category == "":
		return string(t.Kind) + ":"
	}
	return string(t.Kind) + ":" + t.Category
}

// postedLimit reads row i of the editor: l{i}.stage, .category ("" any, "matter:" a kind,
// "matter:09009" one category), .urgency, .area, .limit, .unit, .source.
func postedLimit(f url.Values, i string) (workflow.TimeLimit, string) {
	pre := "l" + i + "."
	kind, code := ruleCategory(pickedCode(f, pre+"category"))
	value := strings.TrimSpace(f.Get(pre + "limit"))
	n, _ := strconv.Atoi(value)
	return workflow.TimeLimit{Stage: workflow.Stage(f.Get(pre + "stage")), Kind: kind, Category: code,
		Urgency: workflow.Urgency(f.Get(pre + "urgency")), AreaClass: f.Get(pre + "area"),
		Limit: worktime.Limit{Value: n, Unit: worktime.Unit(f.Get(pre + "unit"))}, Source: strings.TrimSpace(f.Get(pre + "source"))}, value
}

// postedLimits reads the editor's rows in the order posted; a limit that is no whole number is
// refused with its row.
func postedLimits(f url.Values) ([]workflow.TimeLimit, error) {
	var out []workflow.TimeLimit
	for n, i := range f["row"] {
		t, value := postedLimit(f, i)
		if _, err := strconv.Atoi(value); err != nil {
			return nil, errs.Refuse(errs.Invalid, workflow.ReasonBadValue, errs.Params{"row": n + 1, "field": "limit", "value": value},
				"row %d: the limit %q is no whole number", n+1, value)
		}
		out = append(out, t)
	}
	return out, nil
}

// The deployment's name, unit and emblem.

type siteBody struct {
	Name, Unit string // as stored, or as a refused form sent them
	Emblem     string // the emblem's URL, "" without one
	Default    string // the name the pages use when none is set
	MaxKB      int
}

func (h *Handler) siteSection(ctx context.Context, l Lang, p *access.Principal, posted url.Values, b *siteBody) error {
	if err := kernelCityWide(p); err != nil {
		return err
	}
	id, err := h.app.Settings.Identity(ctx)
	if err != nil {
		return err
	}
	b.Name, b.Unit, b.Emblem, b.MaxKB = id.Name, id.Unit, emblemURL(id), settings.MaxEmblemSize>>10
	b.Default = h.cat.T(l, "app.name")
	if posted != nil && posted.Has("name") {
		b.Name, b.Unit = posted.Get("name"), posted.Get("unit")
	}
	return nil
}

// emblemURL is where the emblem is served: its hash in the path, so browsers keep it for a
// year and fetch a new one when it changes.
func emblemURL(id settings.Identity) string {
	if id.EmblemHash == "" {
		return ""
	}
	return "/emblem/" + id.EmblemHash
}

func (h *Handler) adminPutSite(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.adminDone(w, r, p, "site", "", h.app.Settings.PutIdentity(r.Context(), p, r.PostFormValue("name"), r.PostFormValue("unit")))
}

// adminPutEmblem sets the emblem from an uploaded PNG or SVG file; what it is the use case
// tells from its bytes.
func (h *Handler) adminPutEmblem(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := kernelCityWide(p); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["emblem"]) == 0 || r.MultipartForm.File["emblem"][0].Size == 0 {
		h.adminDone(w, r, p, "site", "", errs.Required("emblem", "choose an image file for the emblem"))
		return
	}
	fh := r.MultipartForm.File["emblem"][0]
	f, err := fh.Open()
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	b, err := io.ReadAll(io.LimitReader(f, settings.MaxEmblemSize+1))
	f.Close()
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.adminDone(w, r, p, "site", "", h.app.Settings.PutEmblem(r.Context(), p, b))
}

func (h *Handler) adminDeleteEmblem(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	h.adminDone(w, r, p, "site", "", h.app.Settings.PutEmblem(r.Context(), p, nil))
}

// emblem serves the deployment's emblem to anyone (it is in every page's header). An SVG is
// served sandboxed: even opened on its own it runs nothing.
func (h *Handler) emblem(w http.ResponseWriter, r *http.Request) {
	b, id, err := h.app.Settings.Emblem(r.Context())
	if err != nil || id.EmblemHash != r.PathValue("hash") {
		if err == nil {
			err = errs.Refuse(errs.NotFound, "no_emblem", nil, "no emblem %q", r.PathValue("hash"))
		}
		h.errorPage(w, r, 0, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", id.EmblemType)
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	writeMaybeGzipped(w, r, http.StatusOK, b)
}
