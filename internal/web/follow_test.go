package web_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// mailSite is a site that mails through a local SMTP stand-in and knows its own address.
func mailSite(t *testing.T, db *store.DB) (*site, *notifytest.Sink) {
	t.Helper()
	sink, server := notifytest.Start(t)
	mailer, err := notify.NewSMTPMailer(server, "citygrid <noreply@city.example>")
	if err != nil {
		t.Fatal(err)
	}
	s := newSiteOnWith(t, db, app.Options{Mailer: mailer})
	s.App.Follow.Opts.PublicURL = s.URL // known once the server listens, before any request
	return s, sink
}

// deliver runs the outbox and delivery jobs once.
func (s *site) deliver(t *testing.T) {
	t.Helper()
	if _, err := s.App.Notices.DeliverOutbox(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Notices.SendDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// mailed reads the mails the stand-in received after the first seen of them.
func mailed(t *testing.T, sink *notifytest.Sink, seen *int) []*mail.Message {
	t.Helper()
	all := sink.Mails()
	var out []*mail.Message
	for _, m := range all[*seen:] {
		msg, err := mail.ReadMessage(strings.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg)
	}
	*seen = len(all)
	return out
}

var followLink = regexp.MustCompile(`https?://[^\s]+/follow/[A-Za-z0-9_-]{43}`)

// An anonymous resident leaves an address on the report form, confirms it from the mailed
// link's page (opening the link changes nothing), hears of each step with a List-Unsubscribe
// header, and ends it in one click from a mail program as RFC 8058 has it: a cross-site POST
// with no cookie. After that no mail comes.
func TestFollowingByEmailOverThePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, sink := mailSite(t, db)
		reg, err := s.App.Regions.Region(t.Context(), demo.GridWorkerGrid, true)
		if err != nil {
			t.Fatal(err)
		}
		pt, _ := grid.PointInside(reg.Geometry)
		v := s.visitor(t)
		status, h, body := v.do("POST", "/report", url.Values{"category": {"matter:09009"}, "description": {"小区门口乱停车"},
			"lon": {strconv.FormatFloat(pt[0], 'f', -1, 64)}, "lat": {strconv.FormatFloat(pt[1], 'f', -1, 64)}, "email": {"wang@example.com"}})
		loc := h.Get("Location")
		if status != http.StatusSeeOther || !strings.HasSuffix(loc, "?new=1&follow=sent") {
			t.Fatalf("report: %d %s %s", status, loc, body)
		}
		ticket := strings.TrimSuffix(strings.TrimPrefix(loc, "/track/"), "?new=1&follow=sent")
		_, _, page := v.do("GET", loc, nil)
		if !strings.Contains(page, `id="follow-sent"`) || !strings.Contains(page, `<svg class="qr"`) || !strings.Contains(page, `data-copy="`+ticket+`"`) {
			t.Errorf("the confirmation page lacks the notice, the QR code or the copy button")
		}
		seen := 0
		s.deliver(t)
		got := mailed(t, sink, &seen)
		if len(got) != 1 || got[0].Header.Get("To") != "<wang@example.com>" {
			t.Fatalf("confirmation: %+v", got)
		}
		b, _ := io.ReadAll(got[0].Body)
		link := followLink.FindString(string(b))
		if !strings.HasPrefix(link, s.URL+"/follow/") {
			t.Fatalf("no follow link in %q", b)
		}
		path := strings.TrimPrefix(link, s.URL)
		if status, _, page := v.do("GET", path, nil); status != http.StatusOK || !strings.Contains(page, `id="follow-confirm"`) || !strings.Contains(page, "待确认") {
			t.Fatalf("the link's page: %d", status)
		}
		if status, _, page := v.do("GET", path, nil); status != http.StatusOK || !strings.Contains(page, "待确认") {
			t.Errorf("opening the link twice confirmed it: %d", status)
		}
		if status, _, page := v.do("POST", path+"/confirm", url.Values{}); status != http.StatusOK || !strings.Contains(page, "正在接收") {
			t.Fatalf("confirm: %d", status)
		}
		c, err := s.DB.CaseByTicket(t.Context(), ticket)
		if err != nil {
			t.Fatal(err)
		}
		act := func(who, action string) {
			t.Helper()
			in := workflow.Input{}
			if action == "close" {
				in.Reason = "居民已自行解决"
			}
			u, _, err := s.DB.UserByUsername(t.Context(), who)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.App.Cases.Act(t.Context(), &access.Principal{User: u, Via: "session"}, c.ID, action, nil, in); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
		}
		act("operator", "register")
		act("dispatcher", "dispatch")
		s.deliver(t)
		got = mailed(t, sink, &seen)
		if len(got) != 2 {
			t.Fatalf("%d mails for register and dispatch, want 2", len(got))
		}
		unsub := strings.Trim(got[1].Header.Get("List-Unsubscribe"), "<>")
		if unsub != link+"/unsubscribe" || got[1].Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("List-Unsubscribe %q, want %q", unsub, link+"/unsubscribe")
		}
		// The unsubscribe link's page offers the button and changes nothing by itself.
		if status, _, page := v.do("GET", path+"/unsubscribe", nil); status != http.StatusOK || !strings.Contains(page, "正在接收") || !strings.Contains(page, `id="follow-end"`) {
			t.Errorf("the unsubscribe link's page: %d", status)
		}
		mailer := s.visitor(t) // a mail program: no cookie, from another origin
		status, _, _ = mailer.do("POST", strings.TrimPrefix(unsub, s.URL), url.Values{"List-Unsubscribe": {"One-Click"}},
			"Origin", "https://mail.example.net", "Sec-Fetch-Site", "cross-site")
		if status != http.StatusOK {
			t.Fatalf("one-click unsubscribe: %d", status)
		}
		act("handler", "accept")
		act("leader", "close")
		s.deliver(t)
		if got := mailed(t, sink, &seen); len(got) != 0 {
			t.Errorf("%d mails after unsubscribing", len(got))
		}
	})
}

// Every follow form refuses hostile bytes, malformed addresses and unknown tickets, areas,
// classes and tokens, and stores nothing when it does.
func TestFollowFormsRefuseHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := mailSite(t, db)
		in := reportIn(t, s, demo.GridWorkerGrid, "09009")
		count := func() (int, int64) {
			n, err := s.DB.CountFollows(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			head, err := s.DB.OutboxHead(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			return n, head
		}
		follows, head := count()
		community := demo.GridWorkerGrid[:12]
		tests := []struct {
			name, path string
			form       url.Values
			want       int
		}{
			{"header injection", "/track/" + in.Ticket + "/follow", url.Values{"email": {"a@b.cn\r\nBcc: x@evil.example"}}, 422},
			{"two addresses", "/track/" + in.Ticket + "/follow", url.Values{"email": {"a@b.cn,x@evil.example"}}, 422},
			{"NUL", "/track/" + in.Ticket + "/follow", url.Values{"email": {"a\x00@b.cn"}}, 400},
			{"invalid UTF-8", "/track/" + in.Ticket + "/follow", url.Values{"email": {"a\xff@b.cn"}}, 400},
			{"10 KB address", "/track/" + in.Ticket + "/follow", url.Values{"email": {strings.Repeat("a", 10<<10) + "@b.cn"}}, 422},
			{"no address", "/track/" + in.Ticket + "/follow", url.Values{}, 422},
			{"unknown ticket", "/track/20990101-000001/follow", url.Values{"email": {"a@b.cn"}}, 404},
			{"hostile ticket", "/track/%27%3B--/follow", url.Values{"email": {"a@b.cn"}}, 404},
			{"a grid is no area", "/follow/area", url.Values{"region": {demo.GridWorkerGrid}, "email": {"a@b.cn"}}, 404},
			{"unknown area", "/follow/area", url.Values{"region": {"999999999999"}, "email": {"a@b.cn"}}, 404},
			{"unknown class", "/follow/area", url.Values{"region": {community}, "class": {"matter-77"}, "email": {"a@b.cn"}}, 422},
			{"bad area address", "/follow/area", url.Values{"region": {community}, "email": {"a@b.cn\nBcc: x@evil.example"}}, 422},
			{"unknown token", "/follow/" + strings.Repeat("A", 43) + "/confirm", url.Values{}, 404},
			{"short token", "/follow/abc/unsubscribe", url.Values{}, 404},
			{"hostile token", "/follow/%00" + strings.Repeat("A", 40) + "/confirm", url.Values{}, 400},
		}
		v := s.visitor(t)
		for _, tc := range tests {
			if status, _, _ := v.do("POST", tc.path, tc.form); status != tc.want {
				t.Errorf("%s: %d, want %d", tc.name, status, tc.want)
			}
		}
		for _, path := range []string{"/follow/" + strings.Repeat("A", 43), "/follow/area?region=1", "/feeds/area/999999999999.atom", "/feeds/area/" + community, "/feeds/area/" + community + ".atom?class=matter-77"} {
			if status, _, _ := v.do("GET", path, nil); status < 400 || status >= 500 {
				t.Errorf("GET %s: %d, want a refusal", path, status)
			}
		}
		if f, h := count(); f != follows || h != head {
			t.Errorf("after the refusals: %d follows (was %d), outbox head %d (was %d)", f, follows, h, head)
		}
	})
}

// atom is what the test reads back of an Atom feed.
type atom struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  string   `xml:"author>name"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Summary string `xml:"summary"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

// An area's Atom feed is valid Atom with Chinese titles, holds the public reports of the area
// (of the class asked for) without descriptions or people, leaves out rejected reports and
// non-public categories, and answers 304 to a reader that has the newest.
func TestAreaFeedIsAtomOfThePublicReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := mailSite(t, db)
		system := access.SystemPrincipal("test")
		if _, err := s.App.Settings.ImportCategories(t.Context(), system, []workflow.Category{
			{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false},
		}); err != nil {
			t.Fatal(err)
		}
		parked := reportIn(t, s, demo.GridWorkerGrid, "09009")
		rubbish := reportIn(t, s, demo.GridWorkerGrid, "06010")
		rejected := reportIn(t, s, demo.GridWorkerGrid, "09009")
		hidden := staffReport(t, s, "operator", demo.GridWorkerGrid, "matter", "99001")
		u, _, err := s.DB.UserByUsername(t.Context(), "operator")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Cases.Act(t.Context(), &access.Principal{User: u, Via: "session"}, rejected.ID, "reject", nil,
			workflow.Input{RejectReason: workflow.RejectInvalid, Reason: "现场未发现"}); err != nil {
			t.Fatal(err)
		}
		v := s.visitor(t)
		read := func(path string, header ...string) (atom, http.Header, int) {
			t.Helper()
			status, h, body := v.do("GET", path, nil, header...)
			var f atom
			if status == http.StatusOK {
				if ct := h.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", path, ct)
				}
				if err := xml.Unmarshal([]byte(body), &f); err != nil {
					t.Fatalf("%s: %v\n%s", path, err, body)
				}
				for _, personal := range []string{"井盖缺失", "王女士", "13800000000"} {
					if strings.Contains(body, personal) {
						t.Errorf("%s carries %q", path, personal)
					}
				}
			}
			return f, h, status
		}
		community := demo.GridWorkerGrid[:12]
		f, h, status := read("/feeds/area/" + community + ".atom")
		if status != http.StatusOK {
			t.Fatalf("feed: %d", status)
		}
		tickets := map[string]string{}
		for _, e := range f.Entries {
			tickets[strings.TrimPrefix(e.Link.Href, s.URL+"/track/")] = e.Title
			if e.ID == "" || e.Updated == "" || !strings.Contains(e.Summary, "编号") {
				t.Errorf("entry %+v", e)
			}
		}
		if len(f.Entries) != 2 || tickets[parked.Ticket] == "" || tickets[rubbish.Ticket] == "" {
			t.Errorf("entries %v, want %s and %s only (not %s rejected, not %s non-public)", tickets, parked.Ticket, rubbish.Ticket, rejected.Ticket, hidden.Ticket)
		}
		if !strings.HasPrefix(tickets[parked.Ticket], "机动车乱停放 · ") || !strings.Contains(f.Title, "新上报的问题") || f.ID == "" || f.Updated == "" || f.Author == "" {
			t.Errorf("feed %q (%s, %s, %s), entry %q", f.Title, f.ID, f.Updated, f.Author, tickets[parked.Ticket])
		}
		etag := h.Get("ETag")
		if etag == "" || h.Get("Last-Modified") == "" {
			t.Fatalf("ETag %q, Last-Modified %q", etag, h.Get("Last-Modified"))
		}
		if _, _, status := read("/feeds/area/"+community+".atom", "If-None-Match", etag); status != http.StatusNotModified {
			t.Errorf("with the ETag: %d, want 304", status)
		}
		f, _, _ = read("/feeds/area/" + community[:9] + ".atom?class=matter-09")
		if len(f.Entries) != 1 || !strings.HasSuffix(f.Entries[0].Link.Href, parked.Ticket) || !strings.Contains(f.Title, "街面秩序") {
			t.Errorf("the subdistrict's matter-09 feed %q: %+v", f.Title, f.Entries)
		}
		// A new report changes the feed: the old ETag no longer matches.
		reportIn(t, s, demo.GridWorkerGrid, "09009")
		if _, _, status := read("/feeds/area/"+community+".atom", "If-None-Match", etag); status != http.StatusOK {
			t.Errorf("after a new report, with the old ETag: %d, want 200", status)
		}
	})
}
