package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/grid"
)

// Following by e-mail (关注): the follow block of the tracking page (the ticket to copy, its
// QR code, an address to follow the case and links to follow its community or subdistrict),
// the page a follow's mailed link opens (confirm, unsubscribe), an area's follow form and its
// Atom feed.
func (h *Handler) followRoutes() {
	m := h.mux
	m.HandleFunc("POST /track/{ticket}/follow", h.trackFollow)
	m.HandleFunc("GET /follow/area", h.areaForm)
	m.HandleFunc("POST /follow/area", h.areaFollow)
	m.HandleFunc("GET /follow/{token}", h.followPage)
	m.HandleFunc("GET /follow/{token}/unsubscribe", h.followPage)
	m.HandleFunc("POST /follow/{token}/confirm", h.followConfirm)
	m.HandleFunc("POST /follow/{token}/unsubscribe", h.followUnsubscribe)
	m.HandleFunc("GET /feeds/area/{file}", h.areaFeed)
}

// followBlock is what the tracking page's follow block shows.
type followBlock struct {
	Ticket string        // as its reporter knows it (their own, when merged into another case)
	URL    string        // the tracking page's absolute address, which the QR code carries
	QR     template.HTML // inline SVG
	Mails  bool          // the server mails: the follow form and area links show
	Areas  []grid.Ref    // the case's community and subdistrict, to follow their new reports
	Sent   string        // "sent" after a follow was asked, "failed" when asking at report time failed
}

// siteURL is the server's absolute address: the configured public one, else as this request
// reached it.
func (h *Handler) siteURL(r *http.Request) string {
	if u := h.app.Follow.Opts.PublicURL; u != "" {
		return strings.TrimSuffix(u, "/")
	}
	scheme := "http"
	if r.TLS != nil || h.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// trackFollowBlock makes the tracking page's follow block for a case in grid g.
func (h *Handler) trackFollowBlock(r *http.Request, ticket string, g grid.Ref) followBlock {
	b := followBlock{Ticket: ticket, URL: h.siteURL(r) + "/track/" + url.PathEscape(ticket), Mails: h.app.Follow.Mails(), Sent: r.URL.Query().Get("follow")}
	qr, err := qrSVG(b.URL, h.cat.T(h.lang(r), "follow.qr"))
	if err != nil {
		h.log.WarnContext(r.Context(), "qr code", "err", err, "request_id", audit.RequestID(r.Context()))
	}
	b.QR = qr
	if b.Mails {
		for _, n := range []int{grid.Community.CodeLen(), grid.Subdistrict.CodeLen()} {
			if len(g.Code) < n {
				continue
			}
			if ref, _, err := h.app.Follow.Area(r.Context(), g.Code[:n], ""); err == nil {
				b.Areas = append(b.Areas, ref)
			}
		}
	}
	return b
}

// trackFollow asks to follow a tracked case with an address.
func (h *Handler) trackFollow(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	ticket := r.PathValue("ticket")
	if err := h.app.Follow.FollowCase(r.Context(), p, ticket, r.PostFormValue("email"), false); err != nil {
		if statusOf(err) >= 500 || statusOf(err) == http.StatusNotFound {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showTrack(w, r, statusOf(err), h.problem(r, err), "")
		return
	}
	http.Redirect(w, r, "/track/"+url.PathEscape(ticket)+"?follow=sent#follow", http.StatusSeeOther)
}

type followBody struct {
	Follow follow.View
	// Leaving is the unsubscribe link's page: it offers the button to end the follow first.
	Leaving bool
}

// followPage shows a follow as its mailed link's holder sees it, with the button to confirm it
// or to end it: links in mail are opened by scanners too, so a GET changes nothing.
func (h *Handler) followPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Follow.Follow(r.Context(), r.PathValue("token"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.showFollow(w, r, v, "")
}

func (h *Handler) showFollow(w http.ResponseWriter, r *http.Request, v follow.View, notice string) {
	h.render(w, r, http.StatusOK, "follow.html", &page{Title: h.cat.T(h.lang(r), "follow.title"), Notice: notice,
		Body: followBody{Follow: v, Leaving: strings.HasSuffix(r.URL.Path, "/unsubscribe")}})
}

func (h *Handler) followConfirm(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Follow.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.showFollow(w, r, v, h.cat.T(h.lang(r), "follow.confirmed"))
}

// followUnsubscribe ends a follow: from the page's button, or in one click from a mail
// program (RFC 8058: a POST of "List-Unsubscribe=One-Click" to the List-Unsubscribe address,
// answered with any success).
func (h *Handler) followUnsubscribe(w http.ResponseWriter, r *http.Request) {
	v, err := h.app.Follow.Unsubscribe(r.Context(), r.PathValue("token"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	h.showFollow(w, r, v, h.cat.T(h.lang(r), "follow.ended"))
}

type areaBody struct {
	Area    grid.Ref
	Classes []follow.Class
	Class   string
	Email   string
	Sent    bool
	Feed    string // the area's Atom feed (of the class chosen)
}

// areaForm offers to follow a subdistrict's or community's new reports by e-mail, and its feed.
func (h *Handler) areaForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	h.showArea(w, r, http.StatusOK, q.Get("region"), q.Get("class"), "", q.Get("sent") == "1", "")
}

func (h *Handler) showArea(w http.ResponseWriter, r *http.Request, status int, code, class, email string, sent bool, problem string) {
	area, _, err := h.app.Follow.Area(r.Context(), code, class)
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	classes, err := h.app.Follow.Classes(r.Context())
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	feed := "/feeds/area/" + area.Code + ".atom"
	if class != "" {
		feed += "?class=" + url.QueryEscape(class)
	}
	h.render(w, r, status, "follow-area.html", &page{Title: h.cat.T(h.lang(r), "follow.area.title", area.Name), Error: problem,
		Body: areaBody{Area: area, Classes: classes, Class: class, Email: email, Sent: sent, Feed: feed}})
}

func (h *Handler) areaFollow(w http.ResponseWriter, r *http.Request) {
	p := access.FromContext(r.Context())
	code, class, email := r.PostFormValue("region"), r.PostFormValue("class"), r.PostFormValue("email")
	if err := h.app.Follow.FollowArea(r.Context(), p, code, class, email); err != nil {
		if statusOf(err) >= 500 || statusOf(err) == http.StatusNotFound {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showArea(w, r, statusOf(err), code, class, email, false, h.problem(r, err))
		return
	}
	http.Redirect(w, r, "/follow/area?region="+url.QueryEscape(code)+"&class="+url.QueryEscape(class)+"&sent=1", http.StatusSeeOther)
}

// The Atom document (RFC 4287) of an area's feed.
type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Author  atomPerson  `xml:"author"`
		Links   []atomLink  `xml:"link"`
		Entries []atomEntry `xml:"entry"`
	}
	atomPerson struct {
		Name string `xml:"name"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr,omitempty"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomEntry struct {
		ID        string   `xml:"id"`
		Title     string   `xml:"title"`
		Updated   string   `xml:"updated"`
		Published string   `xml:"published"`
		Link      atomLink `xml:"link"`
		Summary   string   `xml:"summary"`
	}
)

// areaFeed serves an area's newest public reports as Atom, with an ETag and Last-Modified so a
// reader polling it is answered 304 until something changes.
func (h *Handler) areaFeed(w http.ResponseWriter, r *http.Request) {
	code, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok {
		code = "" // no such feed: refused as an unknown area
	}
	feed, err := h.app.Follow.AreaFeed(r.Context(), code, r.URL.Query().Get("class"))
	if err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	l, base := h.lang(r), h.siteURL(r)
	const stamp = "2006-01-02T15:04:05Z"
	self := base + r.URL.RequestURI()
	title := h.cat.T(l, "follow.feed.title", feed.Area.Name)
	if feed.ClassName != "" {
		title = h.cat.T(l, "follow.feed.title.class", feed.Area.Name, feed.ClassName)
	}
	doc := atomFeed{Lang: string(l), ID: self, Title: title, Updated: feed.Updated.UTC().Format(stamp), Author: atomPerson{Name: h.siteName(r)},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: base + "/follow/area?region=" + url.QueryEscape(feed.Area.Code)}}}
	if feed.Updated.IsZero() {
		doc.Updated = h.app.Follow.Now().Format(stamp)
	}
	for _, e := range feed.Entries {
		link := base + "/track/" + url.PathEscape(e.Ticket)
		doc.Entries = append(doc.Entries, atomEntry{ID: link, Title: e.CategoryName + " · " + e.GridName,
			Updated: e.UpdatedAt.UTC().Format(stamp), Published: e.CreatedAt.UTC().Format(stamp), Link: atomLink{Rel: "alternate", Type: "text/html", Href: link},
			Summary: h.cat.T(l, "follow.feed.entry", e.Ticket, h.cat.T(l, "status."+string(e.Status)), e.Community, formatTime(l, e.CreatedAt))})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		h.errorPage(w, r, 0, err)
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	hd := w.Header()
	hd.Set("Content-Type", "application/atom+xml; charset=utf-8")
	hd.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	hd.Set("Cache-Control", "public, max-age=300")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Language, Cookie")
	http.ServeContent(w, r, "", feed.Updated, bytes.NewReader(buf.Bytes()))
}
