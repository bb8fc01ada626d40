package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Open311Client is an integration that talks Open311 to citygrid: a name and the integration
// user whose bearer tokens are its API keys.
type Open311Client struct {
	UserID    int64     `json:"-"`
	Name      string    `json:"name"`
	Username  string    `json:"username"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	Keys      int       `json:"active_keys"`
}

// PutOpen311Client marks a user as the integration user of an Open311 client.
func (db *DB) PutOpen311Client(ctx context.Context, userID int64, name string, now time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO open311_clients (user_id, name, created_at) VALUES (?, ?, ?)`, userID, name, micros(now))
	if err != nil {
		if isUniqueViolation(err) {
			return errs.E(errs.Conflict, "an Open311 client named %q already exists", name)
		}
		return fmt.Errorf("add open311 client %s: %w", name, err)
	}
	return nil
}

const open311ClientQuery = `SELECT c.user_id, c.name, u.username, u.disabled, c.created_at,
		(SELECT COUNT(*) FROM tokens t WHERE t.user_id = c.user_id AND t.revoked_at IS NULL)
	FROM open311_clients c JOIN users u ON u.id = c.user_id`

func scanOpen311Client(row interface{ Scan(...any) error }) (Open311Client, error) {
	var (
		c       Open311Client
		created int64
	)
	if err := row.Scan(&c.UserID, &c.Name, &c.Username, &c.Disabled, &created, &c.Keys); err != nil {
		return Open311Client{}, err
	}
	c.CreatedAt = fromMicros(created)
	return c, nil
}

// Open311ClientByName returns the client with this name.
func (db *DB) Open311ClientByName(ctx context.Context, name string) (Open311Client, error) {
	c, err := scanOpen311Client(db.queryRow(ctx, open311ClientQuery+` WHERE c.name = ?`, name))
	if err != nil {
		return Open311Client{}, notFound(err, "no Open311 client named %q", name)
	}
	return c, nil
}

// Open311ClientOf returns the client whose integration user this is.
func (db *DB) Open311ClientOf(ctx context.Context, userID int64) (Open311Client, error) {
	c, err := scanOpen311Client(db.queryRow(ctx, open311ClientQuery+` WHERE c.user_id = ?`, userID))
	if err != nil {
		return Open311Client{}, notFound(err, "user %d is no Open311 client", userID)
	}
	return c, nil
}

// Open311Clients lists the clients by name.
func (db *DB) Open311Clients(ctx context.Context) ([]Open311Client, error) {
	rows, err := db.query(ctx, open311ClientQuery+` ORDER BY c.name`)
	if err != nil {
		return nil, fmt.Errorf("list open311 clients: %w", err)
	}
	defer rows.Close()
	out := []Open311Client{}
	for rows.Next() {
		c, err := scanOpen311Client(rows)
		if err != nil {
			return nil, fmt.Errorf("list open311 clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeUserTokens revokes every live token of a user and returns how many there were.
func (db *DB) RevokeUserTokens(ctx context.Context, userID int64, now time.Time) (int, error) {
	res, err := db.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, micros(now), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// PutCategoryAttributes sets the attributes of each category that carries a non-nil list; an
// empty list removes them.
func (db *DB) PutCategoryAttributes(ctx context.Context, cats []workflow.Category) error {
	for _, c := range cats {
		if c.Attributes == nil {
			continue
		}
		if _, err := db.exec(ctx, `DELETE FROM category_attributes WHERE kind = ? AND code = ?`, string(c.Kind), c.Code); err != nil {
			return fmt.Errorf("put attributes of %s %s: %w", c.Kind, c.Code, err)
		}
		if len(c.Attributes) == 0 {
			continue
		}
		b, err := json.Marshal(c.Attributes)
		if err != nil {
			return fmt.Errorf("encode attributes of %s %s: %w", c.Kind, c.Code, err)
		}
		if _, err := db.exec(ctx, `INSERT INTO category_attributes (kind, code, attributes) VALUES (?, ?, ?)`,
			string(c.Kind), c.Code, string(b)); err != nil {
			return fmt.Errorf("put attributes of %s %s: %w", c.Kind, c.Code, err)
		}
	}
	return nil
}

// CategoryAttributes returns the attributes of every category that has any, keyed "kind:code".
func (db *DB) CategoryAttributes(ctx context.Context) (map[string][]workflow.Attribute, error) {
	rows, err := db.query(ctx, `SELECT kind, code, attributes FROM category_attributes`)
	if err != nil {
		return nil, fmt.Errorf("read category attributes: %w", err)
	}
	defer rows.Close()
	out := map[string][]workflow.Attribute{}
	for rows.Next() {
		var kind, code, data string
		if err := rows.Scan(&kind, &code, &data); err != nil {
			return nil, err
		}
		var attrs []workflow.Attribute
		if err := json.Unmarshal([]byte(data), &attrs); err != nil {
			return nil, fmt.Errorf("stored attributes of %s %s: %w", kind, code, err)
		}
		out[kind+":"+code] = attrs
	}
	return out, rows.Err()
}

// CategoryAttributesOf returns one category's attributes (none is an empty list).
func (db *DB) CategoryAttributesOf(ctx context.Context, kind workflow.CategoryKind, code string) ([]workflow.Attribute, error) {
	var data string
	err := db.queryRow(ctx, `SELECT attributes FROM category_attributes WHERE kind = ? AND code = ?`, string(kind), code).Scan(&data)
	if err == sql.ErrNoRows {
		return []workflow.Attribute{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read attributes of %s %s: %w", kind, code, err)
	}
	var attrs []workflow.Attribute
	if err := json.Unmarshal([]byte(data), &attrs); err != nil {
		return nil, fmt.Errorf("stored attributes of %s %s: %w", kind, code, err)
	}
	return attrs, nil
}

// Open311Request is what an Open311 request brought besides its case.
type Open311Request struct {
	CaseID     int64
	ClientID   int64
	ClientName string
	Token      string
	Answers    map[string][]string
	MediaURL   string
	CreatedAt  time.Time
}

// InsertOpen311Request records an Open311 request's extras.
func (db *DB) InsertOpen311Request(ctx context.Context, r Open311Request) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return fmt.Errorf("encode attribute answers: %w", err)
	}
	_, err = db.exec(ctx, `INSERT INTO open311_requests (case_id, client_id, token, attributes, media_url, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, r.CaseID, r.ClientID, r.Token, string(answers), r.MediaURL, micros(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("record open311 request of case %d: %w", r.CaseID, err)
	}
	return nil
}

const open311RequestQuery = `SELECT r.case_id, r.client_id, c.name, r.token, r.attributes, r.media_url, r.created_at
	FROM open311_requests r JOIN open311_clients c ON c.user_id = r.client_id`

func scanOpen311Request(row interface{ Scan(...any) error }) (Open311Request, error) {
	var (
		r       Open311Request
		answers string
		created int64
	)
	if err := row.Scan(&r.CaseID, &r.ClientID, &r.ClientName, &r.Token, &answers, &r.MediaURL, &created); err != nil {
		return Open311Request{}, err
	}
	if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
		return Open311Request{}, fmt.Errorf("case %d: stored attribute answers: %w", r.CaseID, err)
	}
	r.CreatedAt = fromMicros(created)
	return r, nil
}

// Open311RequestOf returns the Open311 extras of a case; not found when it came another way.
func (db *DB) Open311RequestOf(ctx context.Context, caseID int64) (Open311Request, error) {
	r, err := scanOpen311Request(db.queryRow(ctx, open311RequestQuery+` WHERE r.case_id = ?`, caseID))
	if err != nil {
		return Open311Request{}, notFound(err, "case %d did not come through Open311", caseID)
	}
	return r, nil
}

// Open311RequestByToken returns the Open311 request a token was given for.
func (db *DB) Open311RequestByToken(ctx context.Context, token string) (Open311Request, error) {
	r, err := scanOpen311Request(db.queryRow(ctx, open311RequestQuery+` WHERE r.token = ?`, token))
	if err != nil {
		return Open311Request{}, notFound(err, "token %s not found", token)
	}
	return r, nil
}

// TimedEvent is a timeline event with its case's id and ticket.
type TimedEvent struct {
	CaseEvent
	CaseID int64
	Ticket string
}

// CaseEventsBetween returns timeline events at from ≤ at < to, oldest first, at most limit.
func (db *DB) CaseEventsBetween(ctx context.Context, from, to time.Time, limit int) ([]TimedEvent, error) {
	rows, err := db.query(ctx, `SELECT e.id, e.at, e.actor, e.action, e.from_status, e.to_status, e.note, e.input, e.case_id, c.ticket
		FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.at >= ? AND e.at < ? ORDER BY e.at, e.id LIMIT ?`,
		micros(from), micros(to), limit)
	if err != nil {
		return nil, fmt.Errorf("events between %s and %s: %w", from, to, err)
	}
	defer rows.Close()
	out := []TimedEvent{}
	for rows.Next() {
		var (
			e  TimedEvent
			at int64
		)
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Note, &e.Input, &e.CaseID, &e.Ticket); err != nil {
			return nil, err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastCaseEventID returns the id of a case's newest timeline event.
func (db *DB) LastCaseEventID(ctx context.Context, caseID int64) (int64, error) {
	var id int64
	if err := db.queryRow(ctx, `SELECT MAX(id) FROM case_events WHERE case_id = ?`, caseID).Scan(&id); err != nil {
		return 0, fmt.Errorf("last event of case %d: %w", caseID, err)
	}
	return id, nil
}

// Open311Update returns the event recorded for a client's update id.
func (db *DB) Open311Update(ctx context.Context, clientID int64, remoteID string) (caseID, eventID int64, err error) {
	err = db.queryRow(ctx, `SELECT case_id, event_id FROM open311_updates WHERE client_id = ? AND remote_id = ?`, clientID, remoteID).
		Scan(&caseID, &eventID)
	if err != nil {
		return 0, 0, notFound(err, "no update %s", remoteID)
	}
	return caseID, eventID, nil
}

// PutOpen311Update records which event a client's update became.
func (db *DB) PutOpen311Update(ctx context.Context, clientID int64, remoteID string, caseID, eventID int64) error {
	_, err := db.exec(ctx, `INSERT INTO open311_updates (client_id, remote_id, case_id, event_id) VALUES (?, ?, ?, ?)`,
		clientID, remoteID, caseID, eventID)
	if err != nil {
		if isUniqueViolation(err) {
			return errs.E(errs.Conflict, "update %s is already recorded", remoteID)
		}
		return fmt.Errorf("record open311 update %s: %w", remoteID, err)
	}
	return nil
}

// RootRegions returns the regions without a parent: the cities a deployment serves.
func (db *DB) RootRegions(ctx context.Context) ([]grid.Region, error) {
	return db.regions(ctx, false, `WHERE parent_code IS NULL ORDER BY code`)
}

// RegionsNamedIn returns the unit grids and communities whose name appears in text, deepest
// level first, longest name first: a place named in a written address.
func (db *DB) RegionsNamedIn(ctx context.Context, text string) ([]grid.Region, error) {
	return db.regions(ctx, true, `WHERE level IN (?, ?) AND name <> '' AND ? LIKE '%' || name || '%'
		ORDER BY CASE level WHEN ? THEN 0 ELSE 1 END, LENGTH(name) DESC, code LIMIT 10`,
		string(grid.Grid), string(grid.Community), text, string(grid.Grid))
}

// PublicCaseFilter selects cases of public categories for Open311's request lists.
type PublicCaseFilter struct {
	Region   string   // a region code prefix (the jurisdiction's city)
	Services []string // "kind:code" of the categories; empty for all
	Statuses []string
	From, To time.Time
	Limit    int
	Offset   int
}

// PublicCases returns cases of public categories, newest first, paged by offset.
func (db *DB) PublicCases(ctx context.Context, f PublicCaseFilter) ([]CaseRecord, error) {
	where := []string{`EXISTS (SELECT 1 FROM categories k WHERE k.kind = cases.kind AND k.code = cases.category AND k.public = ?)`}
	args := []any{true}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Region != "" {
		add(`grid_code >= ? AND grid_code < ?`, f.Region, f.Region+":")
	}
	if len(f.Services) > 0 {
		var or []string
		for _, s := range f.Services {
			kind, code, _ := strings.Cut(s, ":")
			or = append(or, `(kind = ? AND category = ?)`)
			args = append(args, kind, code)
		}
		where = append(where, `(`+strings.Join(or, ` OR `)+`)`)
	}
	if len(f.Statuses) > 0 {
		add(`status IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")+`)`, anys(f.Statuses)...)
	}
	if !f.From.IsZero() {
		add(`created_at >= ?`, micros(f.From))
	}
	if !f.To.IsZero() {
		add(`created_at <= ?`, micros(f.To))
	}
	q := `SELECT ` + caseColumns + ` FROM cases WHERE ` + strings.Join(where, ` AND `) +
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	rows, err := db.query(ctx, q, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("list public cases: %w", err)
	}
	defer rows.Close()
	out := []CaseRecord{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, fmt.Errorf("list public cases: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
