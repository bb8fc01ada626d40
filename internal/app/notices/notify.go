package notices

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/jobs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Notifications travel in three steps, each safe with any number of processes on one database:
//
//  1. A case's step (and SweepDeadlines, for clocks past their warning moment or deadline)
//     writes an outbox message in its own transaction, with whom it concerns as the case stands
//     right after the step: each recipient with an audience (staff, or the reporter) and the
//     line they read. So steps that come faster than the job still reach the people of their
//     moment. The sweep claims each threshold with a conditional update, so each goes out once.
//  2. DeliverOutbox claims each outbox message the same way and, in that transaction, writes
//     the in-app notifications of its recipients and queues deliveries (webhooks, e-mail).
//  3. SendDeliveries posts and mails the queued deliveries, leasing each attempt and retrying
//     failures with backoff; a receiver may see a delivery twice only if a process dies
//     mid-send, and can tell by its delivery id.

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
	// Department names the co-department whose part (联办) the clock times; "" for the case's own.
	Department string `json:"department,omitempty"`
}

// SweepDeadlines announces every running clock that has passed its warning moment (near_due)
// or its deadline (overdue) and not been announced, and returns how many it announced. Overdue
// goes first: a clock found past both gets only the overdue notice.
func (a *Service) SweepDeadlines(ctx context.Context) (int, error) {
	now, sent := a.Now(), 0
	for _, threshold := range []string{store.Overdue, store.NearDue} {
		clocks, err := a.DB.ClocksPast(ctx, threshold, now, jobBatch)
		if err != nil {
			return sent, err
		}
		for _, c := range clocks {
			err := a.DB.InTx(ctx, func(ctx context.Context) error {
				won, err := a.DB.ClaimNotice(ctx, c.ID, threshold, now)
				if err != nil || !won {
					return err
				}
				rec, err := a.DB.Case(ctx, c.CaseID)
				if err != nil {
					return err
				}
				payload, _ := json.Marshal(notice{CaseID: rec.ID, Ticket: rec.Ticket, Stage: string(c.Stage), Due: c.Due,
					Status: string(rec.State.Status), Holder: rec.State.Holder, Department: c.Department})
				sent++
				return a.Announce(ctx, "case."+threshold, rec, payload)
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
	// Department is a part's co-department in a deadline notice (联办).
	Department string `json:"department"`
	EventCode  string `json:"event_code"`
	// EventParams are the step's; a reporter's line reads the case a duplicate joined.
	EventParams struct {
		MergedInto string `json:"merged_into"`
	} `json:"event_params"`
}

// DeliverOutbox fans pending outbox messages out to in-app notifications and queued
// deliveries, and returns how many messages it handled.
func (a *Service) DeliverOutbox(ctx context.Context) (int, error) {
	msgs, err := a.DB.PendingOutbox(ctx, jobBatch)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	hooks, err := a.DB.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	// Who of the batch's recipients may still be told (not disabled), read once for the
	// batch as the webhooks are, not once per message.
	var names []string
	for _, m := range msgs {
		var to []recipient
		if m.Recipients != "" && json.Unmarshal([]byte(m.Recipients), &to) == nil {
			for _, r := range to {
				names = append(names, r.Username)
			}
		}
	}
	slices.Sort(names)
	users, err := a.DB.ActiveUsers(ctx, slices.Compact(names))
	if err != nil {
		return 0, err
	}
	active := make(map[string]access.User, len(users))
	for _, u := range users {
		active[u.Username] = u
	}
	done := 0
	for _, m := range msgs {
		err := a.DB.InTx(ctx, func(ctx context.Context) error {
			won, err := a.DB.ClaimOutbox(ctx, m.ID, a.Now())
			if err != nil || !won {
				return err
			}
			done++
			return a.fanOut(ctx, m, hooks, active)
		})
		if err != nil {
			return done, fmt.Errorf("deliver outbox message %d (%s): %w", m.ID, m.Topic, err)
		}
	}
	return done, nil
}

// fanOut delivers one message; active holds the users its decided recipients may be (nil:
// look them up).
func (a *Service) fanOut(ctx context.Context, m store.OutboxMessage, hooks []store.Webhook, active map[string]access.User) error {
	switch m.Topic { // for the address alone: no webhook hears of these
	case follow.TopicConfirm:
		return a.mailConfirmation(ctx, m)
	case people.TopicSignupCode:
		return a.mailSignupCode(ctx, m)
	}
	now := a.Now()
	envelope, _ := json.Marshal(map[string]any{"id": m.ID, "topic": m.Topic, "created_at": m.CreatedAt, "data": json.RawMessage(m.Payload)})
	for _, h := range hooks {
		if h.Disabled || !topicMatches(h.Topics, m.Topic) {
			continue
		}
		if err := a.DB.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: "webhook", Target: strconv.FormatInt(h.ID, 10),
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
	if err := a.tellFollowers(ctx, m, cm); err != nil {
		return err
	}
	var to []recipient
	if m.Recipients != "" {
		if err := json.Unmarshal([]byte(m.Recipients), &to); err != nil {
			return fmt.Errorf("recipients of outbox message %d: %w", m.ID, err)
		}
	} else {
		// Written before steps decided their recipients: the case as it is now is all there is.
		rec, err := a.DB.Case(ctx, cm.CaseID)
		if err != nil {
			return err
		}
		if to, err = a.recipients(ctx, m.Topic, rec, cm); err != nil {
			return err
		}
	}
	if m.Recipients == "" || active == nil {
		names := make([]string, len(to))
		for i, r := range to {
			names[i] = r.Username
		}
		users, err := a.DB.ActiveUsers(ctx, names)
		if err != nil {
			return err
		}
		active = make(map[string]access.User, len(users))
		for _, u := range users {
			active[u.Username] = u
		}
	}
	for _, r := range to {
		u, ok := active[r.Username] // disabled since the step: told nothing
		if !ok {
			continue
		}
		data, link := m.Payload, "/cases/"+strconv.FormatInt(cm.CaseID, 10)
		if r.Audience == AudienceReporter {
			data, link = reporterData(m.Payload), "/track/"+cm.Ticket
		}
		if err := a.DB.AddNotification(ctx, store.Notification{Username: r.Username, OutboxID: m.ID, Topic: m.Topic,
			CaseID: cm.CaseID, Message: r.Message, Data: data, CreatedAt: now}); err != nil {
			return err
		}
		// A resident's mail is a follow's (package follow): worded for residents, one click to
		// end it. Their own reports are followed from the report form.
		if email := u.Email; email != "" && a.Opts.Mailer != nil && !(r.Audience == AudienceReporter && u.Role == access.Resident) {
			body := r.Message + "\n\n" + "Case " + cm.Ticket + ": " + a.Opts.PublicURL + link + "\n"
			if err := a.DB.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: "email", Target: email,
				Subject: "[citygrid] " + r.Message, Body: body, NextAt: now, CreatedAt: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// The audiences a notice is worded for.
const (
	// AudienceStaff are those with work to do or oversight of the step: they read all of it.
	AudienceStaff = "staff"
	// AudienceReporter is the reporter: where their report stands, without who did what.
	AudienceReporter = "reporter"
)

// recipient is one person an outbox message is for, decided with the step: their audience and
// the line they read.
type recipient struct {
	Username string `json:"user"`
	Audience string `json:"audience"`
	Message  string `json:"message"`
}

// Announce writes a case message to the outbox in the caller's transaction, with its
// recipients as the case stands now (rec, right after the step), so that a later step cannot
// change who hears of this one.
func (a *Service) Announce(ctx context.Context, topic string, rec store.CaseRecord, payload []byte) error {
	var cm caseMessage
	if err := json.Unmarshal(payload, &cm); err != nil {
		return fmt.Errorf("announce %s: %w", topic, err)
	}
	to, err := a.recipients(ctx, topic, rec, cm)
	if err != nil {
		return err
	}
	decided := "[]"
	if len(to) > 0 {
		b, _ := json.Marshal(to)
		decided = string(b)
	}
	return a.DB.EnqueueFor(ctx, topic, string(payload), decided, a.Now())
}

// recipients are those a case message concerns, each once: the actor is not told what they just
// did, and someone both staff and reporter (a grid worker's own report) hears as staff.
func (a *Service) recipients(ctx context.Context, topic string, rec store.CaseRecord, cm caseMessage) ([]recipient, error) {
	staff, reporters, text, err := a.concerned(ctx, topic, rec, cm)
	if err != nil {
		return nil, err
	}
	var out []recipient
	add := func(users []access.User, audience string) {
		for _, u := range users {
			if u.Username == cm.Actor || slices.ContainsFunc(out, func(r recipient) bool { return r.Username == u.Username }) {
				continue
			}
			out = append(out, recipient{Username: u.Username, Audience: audience, Message: text})
		}
	}
	add(staff, AudienceStaff)
	text = reporterLine(rec.Ticket, cm)
	add(reporters, AudienceReporter)
	return out, nil
}

// reporterLine is what a reporter reads of a step of their case: where their report stands in
// plain words, without the staff's terms (closure types, verification), codes or names. Pages
// word it in the reader's language from the notice's event code; this line is for mail and
// the API.
func reporterLine(ticket string, cm caseMessage) string {
	switch cm.EventCode {
	case "registered":
		return "Your report " + ticket + " has been accepted and will be handled"
	case "rejected":
		if into := cm.EventParams.MergedInto; into != "" {
			return "Your report " + ticket + " repeats case " + into + ", reported already: it has joined that case, which you follow from now on"
		}
		return "Your report " + ticket + " was not taken on; its tracking page says why"
	case "handled_closed", "verified_closed", "closed_special", "self_handled":
		return "The problem you reported (" + ticket + ") has been dealt with: see the result on its tracking page, and tell us within 7 days if it is not solved"
	case "reopened", "reopened_dispatched", "reopened_by_reporter":
		return "Your report " + ticket + " is being handled again"
	}
	return "Your report " + ticket + " has moved on; its tracking page says where it stands"
}

// reporterData is what a reporter's notice keeps of a message's payload: which case, where it
// stands and what happened as a code, without the actor or the version.
func reporterData(payload string) string {
	var d map[string]json.RawMessage
	if json.Unmarshal([]byte(payload), &d) != nil {
		return "{}"
	}
	out := map[string]json.RawMessage{"audience": json.RawMessage(`"` + AudienceReporter + `"`)}
	for _, k := range []string{"case_id", "ticket", "status", "event_code", "event_params"} {
		if v, ok := d[k]; ok {
			out[k] = v
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
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

// concerned returns who should hear of a case message, and the line they read: the staff who
// now have work to do (the party that holds the case, and for deadline notices and urgings the
// holder and its supervisors, the leaders over the case's region), and the reporters when their
// case moves.
func (a *Service) concerned(ctx context.Context, topic string, rec store.CaseRecord, cm caseMessage) (staff, reporters []access.User, text string, err error) {
	s := rec.State
	var (
		roles       []access.Role
		regions     []string
		departments []string
		grids       []string
		reporter    bool
		inspector   bool
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
	text = rec.Ticket + ": " + cm.Event
	switch workflow.Action(strings.TrimPrefix(topic, "case.")) {
	case workflow.Register, workflow.Reject:
		reporter = true
	case workflow.Dispatch, workflow.ApproveExtension, workflow.DenyExtension, workflow.ReportPart:
		lead() // a part reported tells the lead, and the co-department when the lead reported for it
	case workflow.Reopen:
		// Back to its department (a leader's reopen), or to the centre (the reporter's "not
		// solved", or a case that had no department): the centre and its leaders judge it.
		if s.Holder.Kind == workflow.HolderCentre {
			holder()
			roles = append(roles, access.Leader)
		} else {
			lead()
		}
		reporter = true // the reporters who follow it; the one who said "not solved" is the actor
	case workflow.Escalate, workflow.Return, workflow.RequestExtension:
		centre(access.Dispatcher)
	case workflow.Confirm:
		centre(access.Operator)
	case workflow.RequestCheck:
		grids = []string{s.Grid()}
	case workflow.Handle:
		if s.Status == workflow.Handled {
			grids = []string{s.Grid()}
			// A case an inspection found waits on its inspector's re-inspection (复查).
			inspector = s.Inspection && s.Reporter != ""
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
	case workflow.Urge:
		// The holder is pressed (督办), and the leaders over the case hear of it, as of an
		// overdue stage; the urging leader is the actor, and not told.
		holder()
		roles = append(roles, access.Leader)
		regions = append(regions, s.RegionPath...)
	default:
		switch topic {
		case "case." + store.NearDue, "case." + store.Overdue:
			if cm.Department != "" {
				departments = []string{cm.Department} // a part's clock: its co-department is late, not the lead
			} else {
				holder()
			}
			roles = append(roles, access.Leader)
			regions = append(regions, s.RegionPath...)
			word := "is due soon"
			if topic == "case."+store.Overdue {
				word = "is overdue"
			}
			text = fmt.Sprintf("%s: the %s stage %s (due %s)", rec.Ticket, cm.Stage, word, cm.Due.In(worktime.China).Format("2006-01-02 15:04"))
			if cm.Department != "" {
				text = fmt.Sprintf("%s: the %s stage of %s's part %s (due %s)", rec.Ticket, cm.Stage, cm.Department, word, cm.Due.In(worktime.China).Format("2006-01-02 15:04"))
			}
		default:
			return nil, nil, "", nil // comments, supports, ratings, new reports: the lists show them
		}
	}
	if staff, err = a.DB.Recipients(ctx, roles, regions, departments, grids); err != nil {
		return nil, nil, "", err
	}
	if inspector {
		u, _, err := a.DB.UserByUsername(ctx, s.Reporter)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, nil, "", err
		}
		if err == nil && u.Role == access.Inspector && !u.Disabled {
			staff = append(staff, u)
		}
	}
	if reporter { // and the reporters of duplicates merged into the case: they follow it
		if reporters, err = a.DB.CaseReporters(ctx, rec.ID, s.Reporter); err != nil {
			return nil, nil, "", err
		}
	}
	return staff, reporters, text, nil
}

// SendDeliveries makes one attempt at every due delivery and returns how many it sent.
func (a *Service) SendDeliveries(ctx context.Context) (int, error) {
	due, err := a.DB.DueDeliveries(ctx, a.Now(), jobBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range due {
		won, err := a.DB.ClaimDelivery(ctx, d, a.Now().Add(deliveryLease))
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
			err = a.DB.FinishDelivery(ctx, d.ID, false, "", a.Now())
		case d.Attempts >= deliveryAttempts:
			a.Log.WarnContext(ctx, "delivery given up", "delivery", d.ID, "channel", d.Channel, "target", d.Target, "attempts", d.Attempts, "err", sendErr)
			err = a.DB.FinishDelivery(ctx, d.ID, true, sendErr.Error(), a.Now())
		default:
			a.Log.InfoContext(ctx, "delivery failed; will retry", "delivery", d.ID, "channel", d.Channel, "attempt", d.Attempts, "err", sendErr)
			err = a.DB.RetryDelivery(ctx, d.ID, a.Now().Add(backoff(d.Attempts)), sendErr.Error())
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

func (a *Service) send(ctx context.Context, d store.Delivery) error {
	switch d.Channel {
	case "email":
		if a.Opts.Mailer == nil {
			return errors.New("no mail server configured")
		}
		return a.Opts.Mailer.Send(ctx, d.Target, d.Subject, d.Body)
	case channelFollow:
		if a.Opts.Mailer == nil {
			return errors.New("no mail server configured")
		}
		return a.sendFollow(ctx, d)
	case "webhook":
		id, _ := strconv.ParseInt(d.Target, 10, 64)
		h, err := a.DB.Webhook(ctx, id)
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

func (a *Service) postWebhook(ctx context.Context, h store.Webhook, d store.Delivery) error {
	var env struct {
		Topic string `json:"topic"`
	}
	_ = json.Unmarshal([]byte(d.Body), &env)
	err := notify.PostWebhook(ctx, a.Opts.HTTPClient, notify.Hook{URL: h.URL, Secret: h.Secret, Topic: env.Topic,
		DeliveryID: d.ID, Body: d.Body, At: a.Now()})
	if err != nil {
		return fmt.Errorf("webhook %s: %w", h.Name, err)
	}
	return nil
}

// Jobs are the three steps a server runs on a timer (package jobs runs them).
func (a *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "sweep deadlines", Run: a.SweepDeadlines}, {Name: "deliver outbox", Run: a.DeliverOutbox},
		{Name: "send deliveries", Run: a.SendDeliveries}}
}

// NotificationPage is a user's notices, newest first, and how many are unread.
type NotificationPage struct {
	Notifications []store.Notification `json:"notifications"`
	Unread        int                  `json:"unread"`
}

// Notifications returns the signed-in user's notices.
func (a *Service) Notifications(ctx context.Context, actor *access.Principal, unreadOnly bool, before int64, limit int) (NotificationPage, error) {
	if actor == nil || actor.System {
		return NotificationPage{}, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in to read your notifications")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	ns, err := a.DB.Notifications(ctx, actor.User.Username, unreadOnly, before, limit)
	if err != nil {
		return NotificationPage{}, err
	}
	n, err := a.DB.UnreadNotifications(ctx, actor.User.Username)
	return NotificationPage{Notifications: ns, Unread: n}, err
}

// MarkNotificationsRead marks the user's notices up to id read.
func (a *Service) MarkNotificationsRead(ctx context.Context, actor *access.Principal, upTo int64) (int64, error) {
	if actor == nil || actor.System {
		return 0, errs.Refuse(errs.Unauthorized, "sign_in", nil, "sign in to read your notifications")
	}
	if upTo <= 0 {
		return 0, errs.E(errs.Invalid, "up_to must be the id of a notification")
	}
	return a.DB.MarkNotificationsRead(ctx, actor.User.Username, upTo, a.Now())
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
func (a *Service) AddWebhook(ctx context.Context, actor *access.Principal, in NewWebhook) (CreatedWebhook, error) {
	if err := kernel.MayEditCityWide(actor, "webhooks"); err != nil {
		return CreatedWebhook{}, err
	}
	in.Name, in.URL, in.Topics = strings.TrimSpace(in.Name), strings.TrimSpace(in.URL), strings.TrimSpace(in.Topics)
	if err := textcheck.Values(map[string][]string{"name": {in.Name}, "url": {in.URL}, "topics": {in.Topics}, "secret": {in.Secret}}); err != nil {
		return CreatedWebhook{}, err
	}
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
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		h, err := a.DB.AddWebhook(ctx, store.Webhook{Name: in.Name, URL: in.URL, Secret: in.Secret, Topics: in.Topics, CreatedAt: a.Now()})
		if err != nil {
			return err
		}
		out = CreatedWebhook{Webhook: h, Secret: in.Secret}
		return a.Record(ctx, actor, "webhook.add", fmt.Sprintf("webhook:%d", h.ID), nil, map[string]any{"name": h.Name, "url": h.URL, "topics": h.Topics})
	})
	return out, err
}

// Webhooks lists the subscriptions (without secrets).
func (a *Service) Webhooks(ctx context.Context, actor *access.Principal) ([]store.Webhook, error) {
	if err := kernel.MayEditCityWide(actor, "webhooks"); err != nil {
		return nil, err
	}
	return a.DB.Webhooks(ctx)
}

// DisableWebhook stops deliveries to a subscription.
func (a *Service) DisableWebhook(ctx context.Context, actor *access.Principal, id int64) error {
	if err := kernel.MayEditCityWide(actor, "webhooks"); err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.DisableWebhook(ctx, id); err != nil {
			return err
		}
		return a.Record(ctx, actor, "webhook.disable", fmt.Sprintf("webhook:%d", id), nil, nil)
	})
}

// Deliveries lists the newest deliveries, for an administrator checking on the queue.
func (a *Service) Deliveries(ctx context.Context, actor *access.Principal, limit int) ([]store.Delivery, error) {
	if err := kernel.MayEditCityWide(actor, "deliveries"); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return a.DB.RecentDeliveries(ctx, limit)
}
