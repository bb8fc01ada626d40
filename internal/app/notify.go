package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Notifications travel in three steps, each safe with any number of processes on one database:
//
//  1. SweepDeadlines turns clocks past their warning moment or deadline into outbox messages
//     (case.near_due, case.overdue); a conditional update claims each threshold, so each goes
//     out exactly once.
//  2. DeliverOutbox claims each outbox message the same way and, in that transaction, writes
//     the in-app notifications of everyone it concerns and queues deliveries (webhooks, e-mail).
//  3. SendDeliveries posts and mails the queued deliveries, leasing each attempt and retrying
//     failures with backoff; a receiver may see a delivery twice only if a process dies
//     mid-send, and can tell by its delivery id.

// Mailer sends one e-mail; the SMTP implementation is in mail.go. Tests use a local SMTP server.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Delivery policy.
const (
	deliveryLease    = 2 * time.Minute
	deliveryAttempts = 8                // then the delivery is given up and marked failed
	firstBackoff     = 30 * time.Second // doubled after each failure
	maxBackoff       = time.Hour
	jobBatch         = 200
)

// backoff is the wait after the n-th failed attempt (n ≥ 1).
func backoff(n int) time.Duration {
	d := firstBackoff << min(n-1, 20)
	return min(d, maxBackoff)
}

// notice is the payload of case.near_due and case.overdue.
type notice struct {
	CaseID int64     `json:"case_id"`
	Ticket string    `json:"ticket"`
	Stage  string    `json:"stage"`
	Due    time.Time `json:"due"`
	Status string    `json:"status"`
	Holder any       `json:"holder"`
}

// SweepDeadlines announces every running clock that has passed its warning moment (near_due)
// or its deadline (overdue) and not been announced, and returns how many it announced. Overdue
// goes first: a clock found past both gets only the overdue notice.
func (a *App) SweepDeadlines(ctx context.Context) (int, error) {
	now, sent := a.now(), 0
	for _, threshold := range []string{store.Overdue, store.NearDue} {
		clocks, err := a.db.ClocksPast(ctx, threshold, now, jobBatch)
		if err != nil {
			return sent, err
		}
		for _, c := range clocks {
			err := a.db.InTx(ctx, func(ctx context.Context) error {
				won, err := a.db.ClaimNotice(ctx, c.ID, threshold, now)
				if err != nil || !won {
					return err
				}
				rec, err := a.db.Case(ctx, c.CaseID)
				if err != nil {
					return err
				}
				payload, _ := json.Marshal(notice{CaseID: rec.ID, Ticket: rec.Ticket, Stage: string(c.Stage), Due: c.Due,
					Status: string(rec.State.Status), Holder: rec.State.Holder})
				sent++
				return a.db.Enqueue(ctx, "case."+threshold, string(payload), now)
			})
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// caseMessage is what DeliverOutbox reads from a case topic's payload.
type caseMessage struct {
	CaseID int64     `json:"case_id"`
	Ticket string    `json:"ticket"`
	Event  string    `json:"event"`
	Actor  string    `json:"actor"`
	Stage  string    `json:"stage"`
	Due    time.Time `json:"due"`
}

// DeliverOutbox fans pending outbox messages out to in-app notifications and queued
// deliveries, and returns how many messages it handled.
func (a *App) DeliverOutbox(ctx context.Context) (int, error) {
	msgs, err := a.db.PendingOutbox(ctx, jobBatch)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	hooks, err := a.db.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, m := range msgs {
		err := a.db.InTx(ctx, func(ctx context.Context) error {
			won, err := a.db.ClaimOutbox(ctx, m.ID, a.now())
			if err != nil || !won {
				return err
			}
			done++
			return a.fanOut(ctx, m, hooks)
		})
		if err != nil {
			return done, fmt.Errorf("deliver outbox message %d (%s): %w", m.ID, m.Topic, err)
		}
	}
	return done, nil
}

func (a *App) fanOut(ctx context.Context, m store.OutboxMessage, hooks []store.Webhook) error {
	now := a.now()
	envelope, _ := json.Marshal(map[string]any{"id": m.ID, "topic": m.Topic, "created_at": m.CreatedAt, "data": json.RawMessage(m.Payload)})
	for _, h := range hooks {
		if h.Disabled || !topicMatches(h.Topics, m.Topic) {
			continue
		}
		if err := a.db.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: "webhook", Target: strconv.FormatInt(h.ID, 10),
			Body: string(envelope), NextAt: now, CreatedAt: now}); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(m.Topic, "case.") {
		return nil
	}
	var cm caseMessage
	if err := json.Unmarshal([]byte(m.Payload), &cm); err != nil || cm.CaseID == 0 {
		return nil // not about one case: nobody in particular to tell
	}
	rec, err := a.db.Case(ctx, cm.CaseID)
	if err != nil {
		return err
	}
	users, text, err := a.concerned(ctx, m.Topic, rec, cm)
	if err != nil || len(users) == 0 {
		return err
	}
	for _, u := range users {
		if u.Username == cm.Actor {
			continue // nobody needs telling what they just did
		}
		if err := a.db.AddNotification(ctx, store.Notification{Username: u.Username, OutboxID: m.ID, Topic: m.Topic,
			CaseID: rec.ID, Message: text, Data: m.Payload, CreatedAt: now}); err != nil {
			return err
		}
		if u.Email != "" && a.opts.Mailer != nil {
			body := text + "\n\n" + "Case " + rec.Ticket + ": /cases/" + strconv.FormatInt(rec.ID, 10) + "\n"
			if err := a.db.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: "email", Target: u.Email,
				Subject: "[citygrid] " + text, Body: body, NextAt: now, CreatedAt: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// topicMatches reports whether a subscription's topics ("*", or a comma list whose items may
// end in "*" to match a prefix) include topic.
func topicMatches(topics, topic string) bool {
	for _, t := range strings.Split(topics, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == topic || (strings.HasSuffix(t, "*") && strings.HasPrefix(topic, strings.TrimSuffix(t, "*"))) {
			return true
		}
	}
	return false
}

// concerned returns who should hear of a case message, and the line they read: the party that
// now has work to do, the reporter when their case moves, and for deadline notices the holder
// and its supervisors (the leaders over the case's region).
func (a *App) concerned(ctx context.Context, topic string, rec store.CaseRecord, cm caseMessage) ([]access.User, string, error) {
	s := rec.State
	var (
		roles       []access.Role
		regions     []string
		departments []string
		grids       []string
		reporter    bool
	)
	// Staff of a centre level are those whose scope covers it: the level itself or above.
	upTo := func(code string) []string {
		if i := slices.Index(s.RegionPath, code); i >= 0 {
			return s.RegionPath[:i+1]
		}
		return []string{code}
	}
	centre := func(rs ...access.Role) { roles, regions = rs, upTo(s.Centre()) }
	lead := func() { departments = append([]string{s.Department}, s.CoDepartments...) }
	holder := func() {
		switch s.Holder.Kind {
		case workflow.HolderDepartment:
			lead()
		case workflow.HolderGridWorker:
			grids = []string{s.Grid()}
		case workflow.HolderCentre:
			roles, regions = []access.Role{access.Operator, access.Dispatcher}, upTo(s.Holder.Code)
		}
	}
	text := rec.Ticket + ": " + cm.Event
	switch workflow.Action(strings.TrimPrefix(topic, "case.")) {
	case workflow.Register, workflow.Reject:
		reporter = true
	case workflow.Dispatch, workflow.ApproveExtension, workflow.DenyExtension, workflow.Reopen:
		lead()
	case workflow.Escalate, workflow.Return, workflow.RequestExtension:
		centre(access.Dispatcher)
	case workflow.Confirm:
		centre(access.Operator)
	case workflow.RequestCheck:
		grids = []string{s.Grid()}
	case workflow.Handle:
		if s.Status == workflow.Handled {
			grids = []string{s.Grid()}
		}
		reporter = s.Status == workflow.Closed
	case workflow.Verify:
		if s.Status == workflow.Closed {
			reporter = true
		} else {
			lead()
		}
	case workflow.Close:
		reporter = true
		if s.Department != "" {
			lead()
		}
	default:
		switch topic {
		case "case." + store.NearDue, "case." + store.Overdue:
			holder()
			roles = append(roles, access.Leader)
			regions = append(regions, s.RegionPath...)
			word := "is due soon"
			if topic == "case."+store.Overdue {
				word = "is overdue"
			}
			text = fmt.Sprintf("%s: the %s stage %s (due %s)", rec.Ticket, cm.Stage, word, cm.Due.In(chinaTime).Format("2006-01-02 15:04"))
		default:
			return nil, "", nil // comments, supports, ratings, new reports: the lists show them
		}
	}
	users, err := a.db.Recipients(ctx, roles, regions, departments, grids)
	if err != nil {
		return nil, "", err
	}
	if reporter && s.Reporter != "" {
		if u, _, err := a.db.UserByUsername(ctx, s.Reporter); err == nil && !u.Disabled {
			users = append(users, u)
		} else if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, "", err
		}
	}
	slices.SortFunc(users, func(x, y access.User) int { return strings.Compare(x.Username, y.Username) })
	return slices.CompactFunc(users, func(x, y access.User) bool { return x.Username == y.Username }), text, nil
}

// SendDeliveries makes one attempt at every due delivery and returns how many it sent.
func (a *App) SendDeliveries(ctx context.Context) (int, error) {
	due, err := a.db.DueDeliveries(ctx, a.now(), jobBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range due {
		won, err := a.db.ClaimDelivery(ctx, d, a.now().Add(deliveryLease))
		if err != nil {
			return sent, err
		}
		if !won {
			continue
		}
		d.Attempts++
		sendErr := a.send(ctx, d)
		switch {
		case sendErr == nil:
			sent++
			err = a.db.FinishDelivery(ctx, d.ID, false, "", a.now())
		case d.Attempts >= deliveryAttempts:
			a.log.WarnContext(ctx, "delivery given up", "delivery", d.ID, "channel", d.Channel, "target", d.Target, "attempts", d.Attempts, "err", sendErr)
			err = a.db.FinishDelivery(ctx, d.ID, true, sendErr.Error(), a.now())
		default:
			a.log.InfoContext(ctx, "delivery failed; will retry", "delivery", d.ID, "channel", d.Channel, "attempt", d.Attempts, "err", sendErr)
			err = a.db.RetryDelivery(ctx, d.ID, a.now().Add(backoff(d.Attempts)), sendErr.Error())
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (a *App) send(ctx context.Context, d store.Delivery) error {
	switch d.Channel {
	case "email":
		if a.opts.Mailer == nil {
			return errors.New("no mail server configured")
		}
		return a.opts.Mailer.Send(ctx, d.Target, d.Subject, d.Body)
	case "webhook":
		id, _ := strconv.ParseInt(d.Target, 10, 64)
		h, err := a.db.Webhook(ctx, id)
		if err != nil {
			return err
		}
		if h.Disabled {
			return nil // unsubscribed since: drop quietly
		}
		return a.postWebhook(ctx, h, d)
	}
	return fmt.Errorf("unknown delivery channel %q", d.Channel)
}

// Sign returns the signature header value of a webhook body sent at timestamp: HMAC-SHA256
// over "timestamp.body" with the subscription's secret, as "sha256=<hex>". Receivers recompute
// it, compare in constant time, and reject old timestamps to stop replays.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", timestamp)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (a *App) postWebhook(ctx context.Context, h store.Webhook, d store.Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(d.Body))
	if err != nil {
		return err
	}
	ts := a.now().Unix()
	var env struct {
		Topic string `json:"topic"`
	}
	_ = json.Unmarshal([]byte(d.Body), &env)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "citygrid-webhooks")
	req.Header.Set("X-Citygrid-Event", env.Topic)
	req.Header.Set("X-Citygrid-Delivery", strconv.FormatInt(d.ID, 10))
	req.Header.Set("X-Citygrid-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Citygrid-Signature", Sign(h.Secret, ts, []byte(d.Body)))
	client := a.opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered %s", h.Name, resp.Status)
	}
	return nil
}

// RunJobs runs the three steps every interval until ctx ends. Every serve process runs it;
// the claims make that safe and keep notices flowing when one process stops.
func (a *App) RunJobs(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		for _, job := range []struct {
			name string
			run  func(context.Context) (int, error)
		}{{"sweep deadlines", a.SweepDeadlines}, {"deliver outbox", a.DeliverOutbox}, {"send deliveries", a.SendDeliveries}} {
			if _, err := job.run(ctx); err != nil && ctx.Err() == nil {
				a.log.ErrorContext(ctx, "job failed", "job", job.name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// NotificationPage is a user's notices, newest first, and how many are unread.
type NotificationPage struct {
	Notifications []store.Notification `json:"notifications"`
	Unread        int                  `json:"unread"`
}

// Notifications returns the signed-in user's notices.
func (a *App) Notifications(ctx context.Context, actor *access.Principal, unreadOnly bool, before int64, limit int) (NotificationPage, error) {
	if actor == nil || actor.System {
		return NotificationPage{}, errs.E(errs.Unauthorized, "sign in to read your notifications")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ns, err := a.db.Notifications(ctx, actor.User.Username, unreadOnly, before, limit)
	if err != nil {
		return NotificationPage{}, err
	}
	n, err := a.db.UnreadNotifications(ctx, actor.User.Username)
	return NotificationPage{Notifications: ns, Unread: n}, err
}

// MarkNotificationsRead marks the user's notices up to id read.
func (a *App) MarkNotificationsRead(ctx context.Context, actor *access.Principal, upTo int64) (int64, error) {
	if actor == nil || actor.System {
		return 0, errs.E(errs.Unauthorized, "sign in to read your notifications")
	}
	if upTo <= 0 {
		return 0, errs.E(errs.Invalid, "up_to must be the id of a notification")
	}
	return a.db.MarkNotificationsRead(ctx, actor.User.Username, upTo, a.now())
}

// NewWebhook is a subscription as an administrator gives it; an empty secret is generated.
type NewWebhook struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Topics string `json:"topics"`
	Secret string `json:"secret"`
}

// CreatedWebhook is a new subscription and its secret, shown this once.
type CreatedWebhook struct {
	store.Webhook
	Secret string `json:"secret"`
}

// AddWebhook subscribes a URL to outbox topics.
func (a *App) AddWebhook(ctx context.Context, actor *access.Principal, in NewWebhook) (CreatedWebhook, error) {
	if err := mayEditSettings(actor, "webhooks"); err != nil {
		return CreatedWebhook{}, err
	}
	in.Name, in.URL, in.Topics = strings.TrimSpace(in.Name), strings.TrimSpace(in.URL), strings.TrimSpace(in.Topics)
	if in.Name == "" || len(in.Name) > 100 {
		return CreatedWebhook{}, errs.E(errs.Invalid, "name is required (at most 100 characters)")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
		return CreatedWebhook{}, errs.E(errs.Invalid, "url must be an absolute http or https URL, not %q", in.URL)
	}
	if in.Topics == "" {
		in.Topics = "*"
	}
	if len(in.Topics) > 500 {
		return CreatedWebhook{}, errs.E(errs.Invalid, "topics must have at most 500 characters")
	}
	if in.Secret == "" {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		in.Secret = "whsec_" + hex.EncodeToString(b)
	} else if len(in.Secret) < 16 {
		return CreatedWebhook{}, errs.E(errs.Invalid, "a secret must have at least 16 characters")
	}
	var out CreatedWebhook
	err = a.db.InTx(ctx, func(ctx context.Context) error {
		h, err := a.db.AddWebhook(ctx, store.Webhook{Name: in.Name, URL: in.URL, Secret: in.Secret, Topics: in.Topics, CreatedAt: a.now()})
		if err != nil {
			return err
		}
		out = CreatedWebhook{Webhook: h, Secret: in.Secret}
		return a.record(ctx, actor, "webhook.add", fmt.Sprintf("webhook:%d", h.ID), nil, map[string]any{"name": h.Name, "url": h.URL, "topics": h.Topics})
	})
	return out, err
}

// Webhooks lists the subscriptions (without secrets).
func (a *App) Webhooks(ctx context.Context, actor *access.Principal) ([]store.Webhook, error) {
	if err := mayEditSettings(actor, "webhooks"); err != nil {
		return nil, err
	}
	return a.db.Webhooks(ctx)
}

// DisableWebhook stops deliveries to a subscription.
func (a *App) DisableWebhook(ctx context.Context, actor *access.Principal, id int64) error {
	if err := mayEditSettings(actor, "webhooks"); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(ctx context.Context) error {
		if err := a.db.DisableWebhook(ctx, id); err != nil {
			return err
		}
		return a.record(ctx, actor, "webhook.disable", fmt.Sprintf("webhook:%d", id), nil, nil)
	})
}

// Deliveries lists the newest deliveries, for an administrator checking on the queue.
func (a *App) Deliveries(ctx context.Context, actor *access.Principal, limit int) ([]store.Delivery, error) {
	if err := mayEditSettings(actor, "deliveries"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return a.db.RecentDeliveries(ctx, limit)
}
