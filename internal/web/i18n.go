package web

import (
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Lang is a language the pages speak, as a BCP 47 tag.
type Lang string

// The languages: Simplified Chinese by default, English on request.
const (
	Chinese Lang = "zh-CN"
	English Lang = "en"
)

// DefaultLang is spoken when neither the visitor's choice nor the browser names another.
const DefaultLang = Chinese

// Langs lists every language; each has a full catalogue (a test holds them to the same keys).
var Langs = []Lang{Chinese, English}

const langCookie = "citygrid_lang"

//go:embed i18n/*.json
var catalogueFiles embed.FS

// catalogue holds every string the pages show, per language, by message key.
type catalogue struct {
	msgs map[Lang]map[string]string
}

func loadCatalogue() (*catalogue, error) {
	c := &catalogue{msgs: map[Lang]map[string]string{}}
	for _, l := range Langs {
		b, err := catalogueFiles.ReadFile("i18n/" + string(l) + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n/%s.json: %w", l, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// T returns the message for key in lang, formatted with args like fmt.Sprintf. A missing key
// shows as itself in brackets, which tests catch.
func (c *catalogue) T(lang Lang, key string, args ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// has reports whether the catalogue has words for key in lang.
func (c *catalogue) has(lang Lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// lang is the request's language: the visitor's choice (a cookie set by the switch), else the
// first language of Accept-Language that we speak, else Chinese.
func (h *Handler) lang(r *http.Request) Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if l, ok := parseLang(tag); ok {
			return l
		}
	}
	return DefaultLang
}

func parseLang(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "zh" || strings.HasPrefix(tag, "zh-"):
		return Chinese, true
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return English, true
	}
	return "", false
}

// switchLang answers GET /lang/{lang}?next=PATH: it remembers the choice in this browser for a
// year and goes back.
func (h *Handler) switchLang(w http.ResponseWriter, r *http.Request) {
	l, ok := parseLang(r.PathValue("lang"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || h.cfg.SecureCookies})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
}

// funcs are the template functions, bound to a language.
func (h *Handler) funcs(l Lang) template.FuncMap {
	t := func(key string, args ...any) string { return h.cat.T(l, key, args...) }
	return template.FuncMap{
		"t":      t,
		"asset":  h.assets.url,
		"status": func(s workflow.Status) string { return t("status." + string(s)) },
		"action": func(a workflow.Action) string { return t("action." + string(a)) },
		"light": func(s string) string {
			if s == "" {
				return ""
			}
			return t("light." + s)
		},
		"when": func(tm time.Time) string { return formatTime(l, tm) },
		"whenp": func(tm *time.Time) string {
			if tm == nil {
				return ""
			}
			return formatTime(l, *tm)
		},
		"num": func(n int) string { return formatInt(l, n) },
		// meters shows a distance walked: metres below a kilometre, else kilometres.
		"meters": func(m float64) string { return h.formatMeters(l, m) },
		"lang":   func() Lang { return l },
		// tcode words key with each arg as a <code> element: what the reader types as it is
		// (a topic, a header), the same in every language. Words and codes are both escaped.
		"tcode": func(key string, args ...string) template.HTML {
			codes := make([]any, len(args))
			for i, a := range args {
				codes[i] = "<code>" + template.HTMLEscapeString(a) + "</code>"
			}
			return template.HTML(fmt.Sprintf(template.HTMLEscapeString(t(key)), codes...))
		},
		"list": func(xs ...string) []string { return xs },
		// mails tells whether the server sends e-mail, so that forms may offer to follow by it.
		"mails": func() bool { return h.app.Follow.Mails() },
		// dict passes an action and the page body to the action-fields template.
		"dict": func(a workflow.Action, body any) map[string]any { return map[string]any{"Action": a, "Body": body} },
	}
}

// formatMeters shows a distance walked: metres below a kilometre, else kilometres.
func (h *Handler) formatMeters(l Lang, m float64) string {
	if m < 1000 {
		return h.cat.T(l, "unit.m", int(m+0.5))
	}
	return h.cat.T(l, "unit.km", m/1000)
}

// formatTime shows a time in China time, the way each language writes dates.
func formatTime(l Lang, tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	tm = tm.In(worktime.China)
	if l == English {
		return tm.Format("2 Jan 2006 15:04")
	}
	return tm.Format("2006年1月2日 15:04")
}

// formatDay shows a day in China time as a resident reads a date: with its weekday, no clock.
func formatDay(l Lang, tm time.Time) string {
	day := tm.In(worktime.China)
	switch {
	case tm.IsZero():
		return ""
	case l == English:
		return day.Format("Mon 2 Jan 2006")
	}
	return day.Format("2006年1月2日") + "（周" + chineseWeekdays[day.Weekday()] + "）"
}

// chineseWeekdays name the days of the week as 周日 … 周六 write them, Sunday first.
var chineseWeekdays = [...]string{"日", "一", "二", "三", "四", "五", "六"}

// formatInt groups thousands with commas, as both languages do.
func formatInt(_ Lang, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
