package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// ClaimOutbox marks a message delivered and reports whether this call did it: of processes
// racing for one message, exactly one fans it out (in the transaction that claims it).
func (db *DB) ClaimOutbox(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE outbox SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`, micros(now), id)
	if err != nil {
		return false, fmt.Errorf("claim outbox %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Notification is one in-app notice to one user.
type Notification struct {
	ID        int64      `json:"id"`
	Username  string     `json:"-"`
	OutboxID  int64      `json:"-"`
	Topic     string     `json:"topic"`
	CaseID    int64      `json:"case_id,omitempty"`
	Message   string     `json:"message"`
	Data      string     `json:"-"` // JSON
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// AddNotification stores a notice; the same message reaches a user once.
func (db *DB) AddNotification(ctx context.Context, n Notification) error {
	_, err := db.exec(ctx, `INSERT INTO notifications (username, outbox_id, topic, case_id, message, data, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id, username) DO NOTHING`,
		n.Username, n.OutboxID, n.Topic, sql.NullInt64{Int64: n.CaseID, Valid: n.CaseID != 0}, n.Message, n.Data, micros(n.CreatedAt))
	if err != nil {
		return fmt.Errorf("add notification for %s: %w", n.Username, err)
	}
	return nil
}

// Notifications returns a user's notices, newest first, with ids below before (0 = from the
// newest), at most limit of them.
func (db *DB) Notifications(ctx context.Context, username string, unreadOnly bool, before int64, limit int) ([]Notification, error) {
	q := `SELECT id, topic, case_id, message, data, created_at, read_at FROM notifications WHERE username = ?`
	args := []any{username}
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	if before > 0 {
		q += ` AND id < ?`
		args = append(args, before)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("notifications of %s: %w", username, err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var (
			n      Notification
			caseID sql.NullInt64
			at     int64
			readAt sql.NullInt64
		)
		if err := rows.Scan(&n.ID, &n.Topic, &caseID, &n.Message, &n.Data, &at, &readAt); err != nil {
			return nil, fmt.Errorf("notifications of %s: %w", username, err)
		}
		n.Username, n.CaseID, n.CreatedAt = username, caseID.Int64, fromMicros(at)
		if readAt.Valid {
			t := fromMicros(readAt.Int64)
			n.ReadAt = &t
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts a user's unread notices.
func (db *DB) UnreadNotifications(ctx context.Context, username string) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM notifications WHERE username = ? AND read_at IS NULL`, username).Scan(&n); err != nil {
		return 0, fmt.Errorf("count notifications of %s: %w", username, err)
	}
	return n, nil
}

// MarkNotificationsRead marks a user's notices with ids up to and including upTo read, and
// returns how many it marked.
func (db *DB) MarkNotificationsRead(ctx context.Context, username string, upTo int64, now time.Time) (int64, error) {
	res, err := db.exec(ctx, `UPDATE notifications SET read_at = ? WHERE username = ? AND id <= ? AND read_at IS NULL`, micros(now), username, upTo)
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", username, err)
	}
	return res.RowsAffected()
}

// Webhook is a subscription: matching outbox messages are POSTed to URL, signed with Secret.
type Webhook struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Secret    string    `json:"-"`
	Topics    string    `json:"topics"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// AddWebhook stores a subscription and returns it with its id.
func (db *DB) AddWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	err := db.writeRow(ctx, `INSERT INTO webhooks (name, url, secret, topics, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		w.Name, w.URL, w.Secret, w.Topics, micros(w.CreatedAt)).Scan(&w.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return Webhook{}, errs.E(errs.Conflict, "a webhook named %q already exists", w.Name)
		}
		return Webhook{}, fmt.Errorf("add webhook %s: %w", w.Name, err)
	}
	return w, nil
}

// Webhooks returns every subscription, by id.
func (db *DB) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := db.query(ctx, `SELECT id, name, url, secret, topics, created_at, disabled FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var (
			w  Webhook
			at int64
		)
		if err := rows.Scan(&w.ID, &w.Name, &w.URL, &w.Secret, &w.Topics, &at, &w.Disabled); err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		w.CreatedAt = fromMicros(at)
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhook returns one subscription.
func (db *DB) Webhook(ctx context.Context, id int64) (Webhook, error) {
	var (
		w  Webhook
		at int64
	)
	err := db.queryRow(ctx, `SELECT id, name, url, secret, topics, created_at, disabled FROM webhooks WHERE id = ?`, id).
		Scan(&w.ID, &w.Name, &w.URL, &w.Secret, &w.Topics, &at, &w.Disabled)
	if err != nil {
		return Webhook{}, notFound(err, "webhook %d not found", id)
	}
	w.CreatedAt = fromMicros(at)
	return w, nil
}

// DisableWebhook stops deliveries to a subscription; its history stays.
func (db *DB) DisableWebhook(ctx context.Context, id int64) error {
	res, err := db.exec(ctx, `UPDATE webhooks SET disabled = TRUE WHERE id = ? AND NOT disabled`, id)
	if err != nil {
		return fmt.Errorf("disable webhook %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "no active webhook %d", id)
	}
	return nil
}

// Delivery is one message to send outside citygrid: a webhook post or an e-mail.
type Delivery struct {
	ID        int64     `json:"id"`
	OutboxID  int64     `json:"outbox_id"`
	Channel   string    `json:"channel"` // webhook | email
	Target    string    `json:"target"`  // webhook id, or an e-mail address
	Subject   string    `json:"subject,omitempty"`
	Body      string    `json:"-"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	Done      bool      `json:"done"`
	Failed    bool      `json:"failed"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// AddDelivery queues a delivery; one message goes to one target once.
func (db *DB) AddDelivery(ctx context.Context, d Delivery) error {
	_, err := db.exec(ctx, `INSERT INTO deliveries (outbox_id, channel, target, subject, body, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (outbox_id, channel, target) DO NOTHING`,
		d.OutboxID, d.Channel, d.Target, d.Subject, d.Body, micros(d.NextAt), micros(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("queue %s delivery to %s: %w", d.Channel, d.Target, err)
	}
	return nil
}

const deliveryColumns = `id, outbox_id, channel, target, subject, body, attempts, next_at, done_at, failed, last_error, created_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var (
		d        Delivery
		next, at int64
		done     sql.NullInt64
	)
	if err := row.Scan(&d.ID, &d.OutboxID, &d.Channel, &d.Target, &d.Subject, &d.Body, &d.Attempts, &next, &done, &d.Failed, &d.LastError, &at); err != nil {
		return Delivery{}, err
	}
	d.NextAt, d.Done, d.CreatedAt = fromMicros(next), done.Valid, fromMicros(at)
	return d, nil
}

// DueDeliveries returns up to limit unfinished deliveries whose time has come.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, `WHERE done_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT ?`, micros(now), limit)
}

// RecentDeliveries returns the newest deliveries, for operators checking on the queue.
func (db *DB) RecentDeliveries(ctx context.Context, limit int) ([]Delivery, error) {
	return db.deliveries(ctx, `ORDER BY id DESC LIMIT ?`, limit)
}

func (db *DB) deliveries(ctx context.Context, where string, args ...any) ([]Delivery, error) {
	rows, err := db.query(ctx, `SELECT `+deliveryColumns+` FROM deliveries `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDelivery takes an attempt: it moves next_at from the value the caller read to the end
// of a lease and counts the attempt. Exactly one of several processes wins; if the winner dies
// mid-send, the lease runs out and the delivery is tried again.
func (db *DB) ClaimDelivery(ctx context.Context, d Delivery, leaseUntil time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE deliveries SET next_at = ?, attempts = attempts + 1 WHERE id = ? AND next_at = ? AND done_at IS NULL`,
		micros(leaseUntil), d.ID, micros(d.NextAt))
	if err != nil {
		return false, fmt.Errorf("claim delivery %d: %w", d.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishDelivery records a delivery's end: sent, or given up (failed) after its last attempt.
func (db *DB) FinishDelivery(ctx context.Context, id int64, failed bool, lastError string, now time.Time) error {
	if _, err := db.exec(ctx, `UPDATE deliveries SET done_at = ?, failed = ?, last_error = ? WHERE id = ?`, micros(now), failed, lastError, id); err != nil {
		return fmt.Errorf("finish delivery %d: %w", id, err)
	}
	return nil
}

// RetryDelivery schedules the next attempt after a failure.
func (db *DB) RetryDelivery(ctx context.Context, id int64, next time.Time, lastError string) error {
	if _, err := db.exec(ctx, `UPDATE deliveries SET next_at = ?, last_error = ? WHERE id = ?`, micros(next), lastError, id); err != nil {
		return fmt.Errorf("retry delivery %d: %w", id, err)
	}
	return nil
}
