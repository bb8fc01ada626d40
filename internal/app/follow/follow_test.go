package follow_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

const site = "https://grid.example.gov.cn"

// world is the demo city with a mailer that mails to a local SMTP stand-in.
type world struct {
	t    *testing.T
	db   *store.DB
	a    *app.App
	now  *time.Time
	sink *notifytest.Sink
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	sink, server := notifytest.Start(t)
	mailer, err := notify.NewSMTPMailer(server, "citygrid <noreply@city.example>")
	if err != nil {
		t.Fatal(err)
	}
	now := apptest.At(t, "2026-03-09 09:00")
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.NewWith(t, db, app.Options{Clock: func() time.Time { return now }, Mailer: mailer, PublicURL: site, Blobs: blobs})
	return &world{t: t, db: db, a: a, now: &now, sink: sink}
}

// deliver runs the outbox and delivery jobs once and returns the mails that arrived since the
// stand-in's count was seen.
func (w *world) deliver(seen *int) []sentMail {
	w.t.Helper()
	ctx := context.Background()
	if _, err := w.a.Notices.DeliverOutbox(ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.a.Notices.SendDeliveries(ctx); err != nil {
		w.t.Fatal(err)
	}
	all := w.sink.Mails()
	var out []sentMail
	for _, m := range all[*seen:] {
		out = append(out, parseMail(w.t, m))
	}
	*seen = len(all)
	return out
}

type sentMail struct {
	to          string
	subject     string
	body        string
	unsubscribe string // List-Unsubscribe's URL
	oneClick    string
}

func parseMail(t *testing.T, m notifytest.Mail) sentMail {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(msg.Body)
	return sentMail{to: strings.Join(m.To, ","), subject: subject, body: string(body),
		unsubscribe: strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>"), oneClick: msg.Header.Get("List-Unsubscribe-Post")}
}

var linkToken = regexp.MustCompile(`/follow/([A-Za-z0-9_-]{43})`)

// token is the follow token a confirmation mail's link carries.
func token(t *testing.T, m sentMail) string {
	t.Helper()
	got := linkToken.FindStringSubmatch(m.body)
	if got == nil {
		t.Fatalf("no follow link in %q", m.body)
	}
	return got[1]
}

// photo uploads a small photo and returns its id.
func (w *world) photo() string {
	w.t.Helper()
	r := apptest.CaseRun{T: w.t, DB: w.db, A: w.a, Now: w.now}
	return r.Photo()
}

func (w *world) report(category string) cases.Intake {
	w.t.Helper()
	p := apptest.PointIn(w.t, w.a, demo.GridWorkerGrid)
	in, err := w.a.Cases.Report(context.Background(), nil, cases.NewCase{CategoryKind: workflow.Matter, Category: category, Description: "小区门口乱停车", Lon: &p[0], Lat: &p[1]})
	if err != nil {
		w.t.Fatal(err)
	}
	return in
}

// An anonymous resident leaves an address with a report, confirms it by the mailed link, and
// gets one mail worded for residents per step that matters to them as staff handle the case;
// after unsubscribing by the mail's link, no more mail comes.
func TestAReporterFollowsTheirReportByEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.report("09009")
		if err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, " Zhang.Wei@Example.COM ", true); err != nil {
			t.Fatal(err)
		}
		seen := 0
		got := w.deliver(&seen)
		if len(got) != 1 || got[0].to != "zhang.wei@example.com" || !strings.Contains(got[0].subject, "请确认") ||
			!strings.Contains(got[0].body, "您在上报问题（编号 "+in.Ticket+"）时留下了本邮箱") {
			t.Fatalf("confirmation mails %+v", got)
		}
		tok := token(t, got[0])
		// Until confirmed, steps mail nothing.
		step := func(who, action string, input workflow.Input) {
			t.Helper()
			if _, err := w.a.Cases.Act(ctx, apptest.As(t, db, who), in.ID, action, nil, input); err != nil {
				t.Fatalf("%s %s: %v", who, action, err)
			}
		}
		step("operator", "register", workflow.Input{})
		if got := w.deliver(&seen); len(got) != 0 {
			t.Fatalf("before confirming: %+v", got)
		}
		v, err := w.a.Follow.Confirm(ctx, tok)
		if err != nil || v.State != "active" || v.Ticket != in.Ticket || v.Email != "zh***@example.com" {
			t.Fatalf("confirm: %+v, %v", v, err)
		}
		pass := true
		steps := []struct {
			who, action string
			in          workflow.Input
			subject     string // "" = no mail for this step
			says        string
		}{
			{"dispatcher", "dispatch", workflow.Input{}, "已派遣", "已交由「"},
			{"handler", "accept", workflow.Input{}, "", ""},
			{"handler", "handle", workflow.Input{Result: "车已挪走", Photos: []string{w.photo()}}, "已处理，待核查", "正在到现场核查"},
			{"gridworker", "verify", workflow.Input{Pass: &pass}, "已办结", "已办结"},
		}
		for _, s := range steps {
			step(s.who, s.action, s.in)
			got := w.deliver(&seen)
			if s.subject == "" {
				if len(got) != 0 {
					t.Errorf("%s: mails %+v, want none", s.action, got)
				}
				continue
			}
			if len(got) != 1 {
				t.Fatalf("%s: %d mails, want 1: %+v", s.action, len(got), got)
			}
			m := got[0]
			if m.to != "zhang.wei@example.com" || m.subject != "您关注的问题 "+in.Ticket+"："+s.subject || !strings.Contains(m.body, s.says) {
				t.Errorf("%s: mail %+v", s.action, m)
			}
			if !strings.Contains(m.body, site+"/track/"+in.Ticket) || !strings.Contains(m.body, site+"/follow/"+tok+"/unsubscribe") {
				t.Errorf("%s: body %q lacks the tracking or unsubscribe link", s.action, m.body)
			}
			if m.unsubscribe != site+"/follow/"+tok+"/unsubscribe" || m.oneClick != "List-Unsubscribe=One-Click" {
				t.Errorf("%s: List-Unsubscribe %q, -Post %q", s.action, m.unsubscribe, m.oneClick)
			}
			for _, jargon := range []string{"dispatcher", "handler", "410802", "operator", "核查员"} {
				if strings.Contains(m.body, jargon) {
					t.Errorf("%s: body says %q: %q", s.action, jargon, m.body)
				}
			}
		}
		// Running the jobs again sends nothing twice.
		if got := w.deliver(&seen); len(got) != 0 {
			t.Errorf("a second run mailed %+v", got)
		}
		if v, err := w.a.Follow.Unsubscribe(ctx, tok); err != nil || v.State != "ended" {
			t.Fatalf("unsubscribe: %+v, %v", v, err)
		}
		if _, err := w.a.Follow.Unsubscribe(ctx, tok); err != nil {
			t.Errorf("unsubscribing twice: %v", err)
		}
		if _, err := w.a.Follow.Confirm(ctx, tok); !errs.Is(err, errs.Conflict) {
			t.Errorf("confirming an ended follow: %v, want conflict", err)
		}
		step("leader", "reopen", workflow.Input{Reason: "居民不满意"})
		if got := w.deliver(&seen); len(got) != 0 {
			t.Errorf("after unsubscribing: %+v", got)
		}
	})
}

// A mail queued before its follow ended is not sent: unsubscribing stops what is on its way.
func TestUnsubscribingStopsQueuedMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.report("09009")
		if err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, "li@example.com", false); err != nil {
			t.Fatal(err)
		}
		seen := 0
		tok := token(t, w.deliver(&seen)[0])
		if _, err := w.a.Follow.Confirm(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Cases.Act(ctx, apptest.As(t, db, "operator"), in.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Follow.Unsubscribe(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := w.a.Notices.SendDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.sink.Mails(); len(got) != 1 {
			t.Errorf("%d mails, want only the confirmation", len(got))
		}
	})
}

// Area follows hear of new public reports in their subdistrict or community (and class) once
// per address; reports of other classes or areas, and of non-public categories, are not mailed.
func TestAreaFollowersHearOfNewReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		g := demo.GridWorkerGrid
		community, subdistrict := g[:12], g[:9]
		follows := []struct{ region, class, email string }{
			{community, "", "a@example.com"},
			{subdistrict, "", "a@example.com"}, // the same address twice: one mail
			{subdistrict, "matter-09", "b@example.com"},
			{subdistrict, "component-01", "c@example.com"}, // another class: no mail
		}
		seen := 0
		for _, f := range follows {
			if err := w.a.Follow.FollowArea(ctx, nil, f.region, f.class, f.email); err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			got := w.deliver(&seen)
			if len(got) != 1 {
				t.Fatalf("%+v: %d confirmation mails", f, len(got))
			}
			if _, err := w.a.Follow.Confirm(ctx, token(t, got[0])); err != nil {
				t.Fatal(err)
			}
		}
		in := w.report("09009")
		got := w.deliver(&seen)
		to := map[string]sentMail{}
		for _, m := range got {
			to[m.to] = m
		}
		if len(got) != 2 || to["a@example.com"].body == "" || to["b@example.com"].body == "" {
			t.Fatalf("mails %+v, want one to a and one to b", got)
		}
		if m := to["b@example.com"]; !strings.Contains(m.subject, "有新上报的问题：") || !strings.Contains(m.body, in.Ticket) || m.unsubscribe == "" {
			t.Errorf("area mail %+v", m)
		}
	})
}

// Hostile or malformed requests are refused and store nothing; asking again for a running
// follow answers the same as the first time and mails nothing.
func TestFollowRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := w.report("09009")
		g := demo.GridWorkerGrid
		type attempt struct {
			name, ticket, region, class, email string
			kind                               errs.Kind
		}
		long := strings.Repeat("a", 10<<10) + "@example.com"
		attempts := []attempt{
			{"header injection", in.Ticket, "", "", "a@b.cn\r\nBcc: x@evil.example", errs.Invalid},
			{"a second address", in.Ticket, "", "", "a@b.cn, c@d.cn", errs.Invalid},
			{"a display name", in.Ticket, "", "", "Zhang <a@b.cn>", errs.Invalid},
			{"NUL", in.Ticket, "", "", "a\x00@b.cn", errs.Invalid},
			{"invalid UTF-8", in.Ticket, "", "", "a\xff@b.cn", errs.Invalid},
			{"10 KB", in.Ticket, "", "", long, errs.Invalid},
			{"no domain dot", in.Ticket, "", "", "a@localhost", errs.Invalid},
			{"empty", in.Ticket, "", "", "", errs.Invalid},
			{"unknown ticket", "20990101-000001", "", "", "a@b.cn", errs.NotFound},
			{"not a ticket", "../../etc", "", "", "a@b.cn", errs.NotFound},
			{"a grid is no area", "", g, "", "a@b.cn", errs.NotFound},
			{"unknown area", "", "999999999", "", "a@b.cn", errs.NotFound},
			{"hostile area", "", "1'; DROP TABLE follows;--", "", "a@b.cn", errs.NotFound},
			{"unknown class", "", g[:9], "matter-77", "a@b.cn", errs.Invalid},
		}
		outbox := func() int {
			n, err := db.OutboxHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		before := outbox()
		for _, at := range attempts {
			var err error
			if at.ticket != "" {
				err = w.a.Follow.FollowCase(ctx, nil, at.ticket, at.email, false)
			} else {
				err = w.a.Follow.FollowArea(ctx, nil, at.region, at.class, at.email)
			}
			if !errs.Is(err, at.kind) {
				t.Errorf("%s: %v, want %s", at.name, err, at.kind)
			}
		}
		if n, err := db.CountFollows(ctx); err != nil || n != 0 || outbox() != before {
			t.Errorf("after refusals: %d follows (%v), outbox head %d → %d", n, err, before, outbox())
		}
		// Tokens: unknown, malformed, hostile.
		for _, tok := range []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 42) + "\x00", "../" + strings.Repeat("a", 40)} {
			if _, err := w.a.Follow.Confirm(ctx, tok); !errs.Is(err, errs.NotFound) {
				t.Errorf("confirm %q: %v, want not found", tok, err)
			}
			if _, err := w.a.Follow.Unsubscribe(ctx, tok); !errs.Is(err, errs.NotFound) {
				t.Errorf("unsubscribe %q: %v, want not found", tok, err)
			}
		}
		// Someone else's token ends their follow only: mine runs on.
		seen := 0
		for _, email := range []string{"mine@example.com", "theirs@example.com"} {
			if err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, email, false); err != nil {
				t.Fatal(err)
			}
		}
		got := w.deliver(&seen)
		if len(got) != 2 {
			t.Fatalf("%d confirmation mails", len(got))
		}
		for _, m := range got {
			if _, err := w.a.Follow.Confirm(ctx, token(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		theirs := got[1]
		if theirs.to != "theirs@example.com" {
			theirs = got[0]
		}
		if _, err := w.a.Follow.Unsubscribe(ctx, token(t, theirs)); err != nil {
			t.Fatal(err)
		}
		// Asking again for a running follow: the same answer, no mail.
		if err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, "mine@example.com", false); err != nil {
			t.Fatal(err)
		}
		if got := w.deliver(&seen); len(got) != 0 {
			t.Errorf("asking again for a running follow mailed %+v", got)
		}
		if _, err := w.a.Cases.Act(ctx, apptest.As(t, db, "operator"), in.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		if got := w.deliver(&seen); len(got) != 1 || got[0].to != "mine@example.com" {
			t.Errorf("after their unsubscribe: %+v, want one mail to mine", got)
		}
	})
}

// Requests are limited per address and per client address, counting refusals by the limit.
func TestFollowRequestsAreThrottled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		in := w.report("09009")
		w.a.Follow.PerAddress, w.a.Follow.PerClient = 2, 3
		ctx := audit.WithClientAddr(context.Background(), "2001:db8::1")
		for i, want := range []bool{true, true, false} {
			err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, "same@example.com", false)
			if (err == nil) != want || (!want && !errs.Is(err, errs.TooMany)) {
				t.Errorf("request %d for one address: %v", i+1, err)
			}
		}
		// The refused third counted for the client: from the same /64, another address makes
		// the client's fourth request, which is refused.
		other := audit.WithClientAddr(context.Background(), "2001:db8::2")
		if err := w.a.Follow.FollowCase(other, nil, in.Ticket, "other@example.com", false); !errs.Is(err, errs.TooMany) {
			t.Errorf("the client's fourth request: %v, want too many", err)
		}
		if err := w.a.Follow.FollowCase(audit.WithClientAddr(context.Background(), "192.0.2.7"), nil, in.Ticket, "other@example.com", false); err != nil {
			t.Errorf("another client: %v", err)
		}
		// Unknown tickets count too: they cannot be walked.
		walker := audit.WithClientAddr(context.Background(), "198.51.100.9")
		for i, want := range []errs.Kind{errs.NotFound, errs.NotFound, errs.NotFound, errs.TooMany} {
			if err := w.a.Follow.FollowCase(walker, nil, fmt.Sprintf("20990101-%06d", i+1), fmt.Sprintf("w%d@example.com", i), false); !errs.Is(err, want) {
				t.Errorf("walking ticket %d: %v, want %s", i+1, err, want)
			}
		}
		*w.now = w.now.Add(time.Hour + time.Minute)
		if err := w.a.Follow.FollowCase(ctx, nil, in.Ticket, "same@example.com", false); err != nil {
			t.Errorf("an hour later: %v", err)
		}
	})
}

// Without a mail server nothing can be followed.
func TestNoMailerNoFollowing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		now := apptest.At(t, "2026-03-09 09:00")
		a := apptest.New(t, db, &now)
		if err := a.Follow.FollowArea(context.Background(), nil, demo.GridWorkerGrid[:9], "", "a@example.com"); !errs.Is(err, errs.Unavailable) {
			t.Errorf("%v, want unavailable", err)
		}
	})
}

func FuzzCheckAddress(f *testing.F) {
	for _, s := range []string{"a@b.cn", "A.B@Example.COM", "a@b.c\r\nBcc: x", "<a@b.cn>", "a@@b.cn", "\"a b\"@c.cn", "a@b..cn", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := follow.CheckAddress(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "\r\n\x00 <>,") || len(got) > 254 || strings.Count(got, "@") < 1 {
			t.Errorf("CheckAddress(%q) = %q", s, got)
		}
		if again, err := follow.CheckAddress(got); err != nil || again != got {
			t.Errorf("CheckAddress(%q) = %q, %v; not stable", got, again, err)
		}
	})
}

// Requests for the same follow at once keep one row and answer alike.
func TestRequestsAtOnceKeepOneFollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		in := w.report("09009")
		var wg sync.WaitGroup
		errors := make([]error, 4)
		for i := range errors {
			wg.Go(func() {
				errors[i] = w.a.Follow.FollowCase(context.Background(), nil, in.Ticket, "same@example.com", false)
			})
		}
		wg.Wait()
		for i, err := range errors {
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
		}
		if n, err := db.CountFollows(context.Background()); err != nil || n != 1 {
			t.Errorf("%d follows (%v), want 1", n, err)
		}
	})
}

// A followed report rejected as a duplicate tells its follower where it went, and from then on
// the original's steps reach them, under their own ticket.
func TestAMergedReportsFollowerFollowsTheOriginal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		orig, dup := w.report("09009"), w.report("09009")
		if err := w.a.Follow.FollowCase(ctx, nil, dup.Ticket, "zhou@example.com", true); err != nil {
			t.Fatal(err)
		}
		seen := 0
		if _, err := w.a.Follow.Confirm(ctx, token(t, w.deliver(&seen)[0])); err != nil {
			t.Fatal(err)
		}
		operator := apptest.As(t, db, "operator")
		if _, err := w.a.Cases.Act(ctx, operator, dup.ID, "reject", nil, workflow.Input{RejectReason: workflow.RejectDuplicate, MergedInto: orig.Ticket, Reason: "重复"}); err != nil {
			t.Fatal(err)
		}
		got := w.deliver(&seen)
		if len(got) != 1 || !strings.Contains(got[0].body, "编号 "+orig.Ticket) || !strings.Contains(got[0].subject, "已并入") {
			t.Fatalf("after the merge: %+v", got)
		}
		if _, err := w.a.Cases.Act(ctx, operator, orig.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		got = w.deliver(&seen)
		if len(got) != 1 || got[0].subject != "您关注的问题 "+dup.Ticket+"：已立案" || !strings.Contains(got[0].body, site+"/track/"+dup.Ticket) {
			t.Fatalf("the original registered: %+v", got)
		}
	})
}

// A signed-in resident following with their own account's address (proved at sign-up) follows
// at once, with no confirmation mail; their report's steps reach them once, worded for
// residents, not also as an account notice.
func TestAResidentsOwnAddressNeedsNoConfirming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		if _, err := w.a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "qian", Role: "resident", Email: "qian@example.com", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		qian := apptest.As(t, db, "qian")
		p := apptest.PointIn(t, w.a, demo.GridWorkerGrid)
		in, err := w.a.Cases.Report(ctx, qian, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.a.Follow.FollowCase(ctx, qian, in.Ticket, "QIAN@example.com", true); err != nil {
			t.Fatal(err)
		}
		// Someone else's address is still confirmed by mail, even from a signed-in resident.
		if err := w.a.Follow.FollowCase(ctx, qian, in.Ticket, "friend@example.com", false); err != nil {
			t.Fatal(err)
		}
		seen := 0
		if got := w.deliver(&seen); len(got) != 1 || got[0].to != "friend@example.com" {
			t.Fatalf("mails %+v, want only the friend's confirmation", got)
		}
		if _, err := w.a.Cases.Act(ctx, apptest.As(t, db, "operator"), in.ID, "register", nil, workflow.Input{}); err != nil {
			t.Fatal(err)
		}
		got := w.deliver(&seen)
		if len(got) != 1 || got[0].to != "qian@example.com" || got[0].subject != "您关注的问题 "+in.Ticket+"：已立案" {
			t.Fatalf("after registering: %+v, want one resident-worded mail to qian", got)
		}
	})
}
