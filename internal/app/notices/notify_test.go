package notices_test

import (
	"context"
	"crypto/hmac"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/apptest"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/notices"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/notify/notifytest"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

// count runs a COUNT(*) query through a raw connection.
func count(t *testing.T, dsn, query string) int {
	t.Helper()
	var n int
	if err := storetest.Raw(t, dsn).QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Two processes sharing one database (two Apps on two connection pools) sweep the deadlines
// and fan out the outbox at the same time, again and again: every threshold is announced once
// and every person hears of it once.
func TestNoticesExactlyOnceAcrossProcesses(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		now := apptest.At(t, "2026-03-09 09:00")
		clock := func() time.Time { return now }
		var (
			apps []*app.App
			dbs  []*store.DB
		)
		for i := range 2 {
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if i == 0 {
				if _, err := db.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
			}
			a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Clock: clock, Logger: apptest.Quiet()})
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
					t.Fatal(err)
				}
			}
			apps, dbs = append(apps, a), append(dbs, db)
		}
		a := apps[0]
		p := apptest.PointIn(t, a, demo.GridWorkerGrid)
		var ids []int64
		for range 3 {
			in, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, in.ID)
		}
		asUser := func(name string) *access.Principal { return apptest.As(t, dbs[0], name) }
		for _, id := range ids[:2] {
			for _, step := range []struct{ who, action string }{{"operator", "register"}, {"dispatcher", "dispatch"}} {
				if _, err := a.Cases.Act(ctx, asUser(step.who), id, step.action, nil, workflow.Input{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// 11:30: the first two cases' sign clocks (due 10:00) and handling clocks (due 11:00) are
		// overdue, the third case's acceptance clock (due 09:30) too.
		now = apptest.At(t, "2026-03-09 11:30")
		race := func(job func(*app.App) func(context.Context) (int, error)) int {
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				total int
			)
			for w := range 6 {
				wg.Go(func() {
					for range 4 {
						n, err := job(apps[w%2])(ctx)
						if err != nil {
							t.Errorf("worker %d: %v", w, err)
						}
						mu.Lock()
						total += n
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return total
		}
		if n := race(func(a *app.App) func(context.Context) (int, error) { return a.Notices.SweepDeadlines }); n != 5 {
			t.Errorf("the sweepers announced %d notices, want 5", n)
		}
		if got := count(t, dsn, `SELECT COUNT(*) FROM outbox WHERE topic = 'case.overdue'`); got != 5 {
			t.Errorf("%d overdue messages in the outbox, want 5 (one per clock)", got)
		}
		if got := count(t, dsn, `SELECT COUNT(*) FROM outbox WHERE topic = 'case.near_due'`); got != 0 {
			t.Errorf("%d near-due messages for clocks already overdue, want 0", got)
		}
		race(func(a *app.App) func(context.Context) (int, error) { return a.Notices.DeliverOutbox })
		if got := count(t, dsn, `SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL`); got != 0 {
			t.Errorf("%d outbox messages left undelivered", got)
		}
		// The handler (of 410802-CGJ, the lead department) hears of its own four overdue stages
		// once each; the leader over the district hears of all five.
		for user, want := range map[string]int{"handler": 4, "leader": 5} {
			if got := count(t, dsn, `SELECT COUNT(*) FROM notifications WHERE username = '`+user+`' AND topic = 'case.overdue'`); got != want {
				t.Errorf("%s has %d overdue notifications, want %d", user, got, want)
			}
		}
		if got := count(t, dsn, `SELECT COUNT(*) FROM notifications WHERE username = 'handler' AND topic = 'case.dispatch'`); got != 2 {
			t.Errorf("handler has %d dispatch notifications, want 2", got)
		}
		page, err := a.Notices.Notifications(ctx, asUser("handler"), true, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if page.Unread != 6 || len(page.Notifications) != 6 {
			t.Fatalf("handler's unread page: %d listed, %d unread; want 6", len(page.Notifications), page.Unread)
		}
		if n, err := a.Notices.MarkNotificationsRead(ctx, asUser("handler"), page.Notifications[2].ID); err != nil || n != 4 {
			t.Errorf("mark read up to the third newest: %d, %v; want 4", n, err)
		}
		if page, _ := a.Notices.Notifications(ctx, asUser("handler"), true, 0, 0); page.Unread != 2 {
			t.Errorf("after marking: %d unread, want 2", page.Unread)
		}
		// A return sends the case back to its subdistrict centre: the district dispatcher, whose
		// scope covers that centre, is told; the handler who returned it is not.
		if _, err := a.Cases.Act(ctx, asUser("handler"), ids[0], "return", nil, workflow.Input{Reason: "not ours"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		for user, want := range map[string]int{"dispatcher": 1, "handler": 0} {
			if got := count(t, dsn, `SELECT COUNT(*) FROM notifications WHERE username = '`+user+`' AND topic = 'case.return'`); got != want {
				t.Errorf("%s has %d return notifications, want %d", user, got, want)
			}
		}
		if _, err := a.Notices.Notifications(ctx, nil, false, 0, 0); !errs.Is(err, errs.Unauthorized) {
			t.Errorf("anonymous notifications: %v, want unauthorized", err)
		}
	})
}

// Webhooks are signed, retried with backoff until they succeed, and refused when malformed.
func TestWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "")
		var (
			mu       sync.Mutex
			attempts int
			got      []http.Header
			bodies   []string
		)
		const secret = "a-shared-secret-of-some-length"
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			attempts++
			if attempts <= 2 {
				http.Error(w, "try later", http.StatusServiceUnavailable)
				return
			}
			body, _ := io.ReadAll(req.Body)
			ts, _ := strconv.ParseInt(req.Header.Get("X-Citygrid-Timestamp"), 10, 64)
			if want := notify.Sign(secret, ts, body); !hmac.Equal([]byte(req.Header.Get("X-Citygrid-Signature")), []byte(want)) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			got, bodies = append(got, req.Header.Clone()), append(bodies, string(body))
		}))
		defer hook.Close()
		admin := apptest.As(t, db, "admin")
		refusals := []struct {
			name string
			in   notices.NewWebhook
		}{
			{"no name", notices.NewWebhook{URL: hook.URL}},
			{"not http", notices.NewWebhook{Name: "x", URL: "ftp://example.com/hook"}},
			{"relative", notices.NewWebhook{Name: "x", URL: "/hook"}},
			{"short secret", notices.NewWebhook{Name: "x", URL: hook.URL, Secret: "short"}},
		}
		for _, tt := range refusals {
			if _, err := r.A.Notices.AddWebhook(ctx, admin, tt.in); !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v, want invalid", tt.name, err)
			}
		}
		if _, err := r.A.Notices.AddWebhook(ctx, apptest.As(t, db, "dispatcher"), notices.NewWebhook{Name: "x", URL: hook.URL}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a dispatcher adds a webhook: %v, want forbidden", err)
		}
		if hs, _ := db.Webhooks(ctx); len(hs) != 0 {
			t.Fatalf("refused webhooks were stored: %v", hs)
		}
		created, err := r.A.Notices.AddWebhook(ctx, admin, notices.NewWebhook{Name: "city-brain", URL: hook.URL, Topics: "case.register", Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.A.Notices.AddWebhook(ctx, admin, notices.NewWebhook{Name: "city-brain", URL: hook.URL}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second webhook of the same name: %v, want conflict", err)
		}
		p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
		in, err := r.A.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		r.ID = in.ID
		r.Act("operator", "register", workflow.Input{})
		if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		for i, wait := range []time.Duration{0, 30 * time.Second, 60 * time.Second} {
			*r.Now = r.Now.Add(wait)
			if _, err := r.A.Notices.SendDeliveries(ctx); err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				// Before the backoff has passed nothing is tried again.
				*r.Now = r.Now.Add(time.Second)
				if _, err := r.A.Notices.SendDeliveries(ctx); err != nil {
					t.Fatal(err)
				}
				*r.Now = r.Now.Add(-time.Second)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if attempts != 3 || len(got) != 1 {
			t.Fatalf("%d attempts, %d accepted; want 3 attempts (two refused, backoff 30 s then 60 s) and 1 accepted", attempts, len(got))
		}
		if got[0].Get("X-Citygrid-Event") != "case.register" || got[0].Get("X-Citygrid-Delivery") == "" {
			t.Errorf("headers %v", got[0])
		}
		ds, err := r.A.Notices.Deliveries(ctx, admin, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 || !ds[0].Done || ds[0].Failed || ds[0].Attempts != 3 || ds[0].Target != strconv.FormatInt(created.ID, 10) {
			t.Errorf("deliveries %+v; want one done after 3 attempts", ds)
		}
	})
}

// Users with an address get their notices by e-mail too, through a real SMTP exchange.
func TestEmailNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sink, server := notifytest.Start(t)
		mailer, err := notify.NewSMTPMailer(server, "citygrid <noreply@city.example>")
		if err != nil {
			t.Fatal(err)
		}
		now := apptest.At(t, "2026-03-09 09:00")
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Clock: func() time.Time { return now }, Logger: apptest.Quiet(), Mailer: mailer,
			PublicURL: "https://grid.example.gov.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "cgj-chief", Role: "handler", Department: "410802-CGJ", Email: "chief@cgj.example", Password: "pass-word-1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.People.AddUser(ctx, apptest.System, people.NewUser{Username: "bad-mail", Role: "handler", Department: "410802-CGJ", Email: "chief at cgj", Password: "pass-word-1"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a malformed address: %v, want invalid", err)
		}
		p := apptest.PointIn(t, a, demo.GridWorkerGrid)
		in, err := a.Cases.Report(ctx, nil, cases.NewCase{CategoryKind: workflow.Matter, Category: "09009", Description: "乱停车", Lon: &p[0], Lat: &p[1]})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct{ who, action string }{{"operator", "register"}, {"dispatcher", "dispatch"}} {
			if _, err := a.Cases.Act(ctx, apptest.As(t, db, step.who), in.ID, step.action, nil, workflow.Input{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := a.Notices.SendDeliveries(ctx); err != nil || n != 1 {
			t.Fatalf("sent %d, %v; want 1 e-mail", n, err)
		}
		got := sink.Mails()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "chief@cgj.example" || got[0].From != "noreply@city.example" {
			t.Fatalf("received %+v", got)
		}
		m, err := mail.ReadMessage(strings.NewReader(got[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if want := "[citygrid] " + in.Ticket + ": dispatched to 410802-CGJ"; subject != want {
			t.Errorf("subject %q, want %q", subject, want)
		}
		body, _ := io.ReadAll(m.Body)
		if want := "https://grid.example.gov.cn/cases/" + strconv.FormatInt(in.ID, 10); !strings.Contains(string(body), want) {
			t.Errorf("body %q, want the case's link %s", body, want)
		}
	})
}

// residentsCase is a case the signed-in resident reported in the grid worker's grid, on a
// fixed clock.
func residentsCase(t *testing.T, db *store.DB) (*apptest.CaseRun, cases.Intake) {
	t.Helper()
	r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "")
	p := apptest.PointIn(t, r.A, demo.GridWorkerGrid)
	in, err := r.A.Cases.Report(context.Background(), apptest.As(t, db, "resident"), cases.NewCase{CategoryKind: workflow.Matter, Category: "09009",
		Description: "乱停车", Lon: &p[0], Lat: &p[1]})
	if err != nil {
		t.Fatal(err)
	}
	r.ID = in.ID
	return r, in
}

// Steps done faster than the job runs still reach the people of their moment: each step decides
// its recipients and their audience with the step, not when the job delivers. The grid worker
// hears the verification sent to the grid although the case is closed by the time the job runs;
// the resident who reported hears only what a reporter hears, without who did it.
func TestNoticesGoToThePeopleOfTheStep(t *testing.T) {
	pass, fail := true, false
	tests := []struct {
		name  string
		steps []struct {
			who, action string
			in          workflow.Input
		}
		staff    map[string][]string // username → the topics they hear, in order
		reporter []string            // the topics the resident hears
	}{
		{
			name: "verified by the centre before the job runs",
			steps: []struct {
				who, action string
				in          workflow.Input
			}{
				{"operator", "register", workflow.Input{}},
				{"dispatcher", "dispatch", workflow.Input{}},
				{"handler", "accept", workflow.Input{}},
				{"handler", "handle", workflow.Input{Result: "挪走了"}},
				{"operator", "verify", workflow.Input{Pass: &pass}},
			},
			staff:    map[string][]string{"gridworker": {"case.handle"}, "handler": {"case.dispatch"}},
			reporter: []string{"case.register", "case.verify"},
		},
		{
			name: "rework, handled again and verified by the grid before the job runs",
			steps: []struct {
				who, action string
				in          workflow.Input
			}{
				{"operator", "register", workflow.Input{}},
				{"dispatcher", "dispatch", workflow.Input{}},
				{"handler", "accept", workflow.Input{}},
				{"handler", "handle", workflow.Input{Result: "挪走了"}},
				{"gridworker", "verify", workflow.Input{Pass: &fail, Note: "还在"}},
				{"handler", "handle", workflow.Input{Result: "这次真挪走了"}},
				{"gridworker", "verify", workflow.Input{Pass: &pass}},
			},
			staff:    map[string][]string{"gridworker": {"case.handle", "case.handle"}, "handler": {"case.dispatch", "case.verify"}},
			reporter: []string{"case.register", "case.verify"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				r, in := residentsCase(t, db)
				for _, st := range tt.steps {
					if st.action == "handle" {
						st.in.Photos = []string{r.Photo()}
					}
					*r.Now = r.Now.Add(time.Minute)
					r.Act(st.who, st.action, st.in)
				}
				if v := r.View(); v.Status != workflow.Closed {
					t.Fatalf("the case is %s after the steps, want closed", v.Status)
				}
				if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
					t.Fatal(err)
				}
				heard := func(user string) []notices.Notification {
					page, err := r.A.Notices.Notifications(ctx, apptest.As(t, db, user), false, 0, 0)
					if err != nil {
						t.Fatal(err)
					}
					slices.Reverse(page.Notifications) // oldest first, as the steps went
					return page.Notifications
				}
				topics := func(ns []notices.Notification) []string {
					var out []string
					for _, n := range ns {
						out = append(out, n.Topic)
					}
					return out
				}
				for user, want := range tt.staff {
					if got := topics(heard(user)); !slices.Equal(got, want) {
						t.Errorf("%s heard %v, want %v", user, got, want)
					}
				}
				resident := heard("resident")
				if got := topics(resident); !slices.Equal(got, tt.reporter) {
					t.Errorf("the resident heard %v, want %v (a reporter's notices only)", got, tt.reporter)
				}
				for _, n := range resident {
					for _, staff := range []string{"operator", "gridworker", "handler", `"actor"`} {
						if strings.Contains(n.Data, staff) {
							t.Errorf("the resident's %s notice names %s: %s", n.Topic, staff, n.Data)
						}
					}
				}
				if n := resident[len(resident)-1]; !strings.Contains(n.Data, `"status":"closed"`) || !strings.Contains(n.Message, in.Ticket) {
					t.Errorf("the resident's last notice %q %s does not say the case is closed", n.Message, n.Data)
				}
			})
		})
	}
}

// A case message written before steps decided their recipients (an upgrade finds it pending)
// still reaches whom the case concerns when it is delivered.
func TestUndecidedMessagesAreDeliveredAsBefore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := apptest.NewCaseRun(t, db, "2026-03-09 09:00", "09009")
		r.Act("operator", "register", workflow.Input{})
		v := r.Act("dispatcher", "dispatch", workflow.Input{})
		if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		payload := `{"case_id":` + strconv.FormatInt(v.ID, 10) + `,"ticket":"` + v.Ticket + `","event":"dispatched to 410802-CGJ","actor":"dispatcher"}`
		if err := db.Enqueue(ctx, "case.dispatch", payload, *r.Now); err != nil {
			t.Fatal(err)
		}
		if n, err := r.A.Notices.DeliverOutbox(ctx); err != nil || n != 1 {
			t.Fatalf("delivered %d, %v; want the one old message", n, err)
		}
		page, err := r.A.Notices.Notifications(ctx, apptest.As(t, db, "handler"), false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Notifications) != 2 || page.Notifications[0].Message != v.Ticket+": dispatched to 410802-CGJ" {
			t.Errorf("the handler's notices %+v; want the dispatch twice, the old message's newest", page.Notifications)
		}
	})
}

// The reporter's "not solved" (没有解决) goes back to the centre: its operators, dispatchers and
// leaders hear of it, the department that closed it does not, and the reporter, who said it, is
// not told. A leader's reopen goes back to the department, and the reporter hears it in plain
// words, without codes, closure types or the staff's names.
func TestNotSolvedReachesTheCentreAndReportersReadPlainWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r, in := residentsCase(t, db)
		pass := true
		closeIt := func() {
			for _, st := range []struct {
				who, action string
				in          workflow.Input
			}{
				{"dispatcher", "dispatch", workflow.Input{}},
				{"handler", "accept", workflow.Input{}},
				{"handler", "handle", workflow.Input{Result: "挪走了", Photos: []string{r.Photo()}}},
				{"gridworker", "verify", workflow.Input{Pass: &pass}},
			} {
				*r.Now = r.Now.Add(time.Minute)
				r.Act(st.who, st.action, st.in)
			}
		}
		r.Act("operator", "register", workflow.Input{})
		closeIt()
		heard := func(user string) []notices.Notification {
			t.Helper()
			if _, err := r.A.Notices.DeliverOutbox(ctx); err != nil {
				t.Fatal(err)
			}
			page, err := r.A.Notices.Notifications(ctx, apptest.As(t, db, user), false, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			return page.Notifications // newest first
		}
		reopens := func(user string) int {
			n := 0
			for _, x := range heard(user) {
				if x.Topic == "case.reopen" {
					n++
				}
			}
			return n
		}

		*r.Now = r.Now.Add(24 * time.Hour)
		if v := r.Act("resident", "reopen", workflow.Input{Reason: "车又停回来了"}); v.Status != workflow.Registered {
			t.Fatalf("after the reporter's not solved the case is %s, want registered", v.Status)
		}
		want := map[string]int{"operator": 1, "dispatcher": 1, "leader": 1, "handler": 0, "resident": 0}
		for user, n := range want {
			if got := reopens(user); got != n {
				t.Errorf("%s heard %d reopen notices, want %d", user, got, n)
			}
		}

		closeIt()
		*r.Now = r.Now.Add(time.Hour)
		r.Act("leader", "reopen", workflow.Input{Reason: "群众再次来电"})
		if got := reopens("handler"); got != 1 {
			t.Errorf("the department heard %d reopen notices after the leader's, want 1", got)
		}
		mine := heard("resident")
		if len(mine) == 0 || mine[0].Topic != "case.reopen" {
			t.Fatalf("the reporter's newest notice is %+v, want the leader's reopen", mine)
		}
		// The data keeps codes for pages to word; the line, for mail and the API, says none.
		for _, n := range mine {
			for _, jargon := range []string{"410802", "CGJ", "normal", "verified", "leader", "handler"} {
				if strings.Contains(n.Message, jargon) {
					t.Errorf("the reporter's %s notice %q says %q", n.Topic, n.Message, jargon)
				}
			}
		}
		if got := mine[0].Message; got != "Your report "+in.Ticket+" is being handled again" {
			t.Errorf("the reporter reads %q", got)
		}
	})
}
