package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
)

// LatestEvents returns, for each of the cases, its latest timeline event of each of the
// actions (by case, then action): what a list shows of a request still waiting, such as the
// reason of an extension asked. One query along case_events_case for a page's cases.
func (db *DB) LatestEvents(ctx context.Context, caseIDs []int64, actions []string) (map[int64]map[string]CaseEvent, error) {
	out := map[int64]map[string]CaseEvent{}
	if len(caseIDs) == 0 || len(actions) == 0 {
		return out, nil
	}
	// The list is padded to a power of two with its last id, so that pages of any size make a
	// handful of statement shapes for the statement cache.
	n := 1
	for n < len(caseIDs) {
		n *= 2
	}
	args := make([]any, 0, n+len(actions))
	for i := range n {
		args = append(args, caseIDs[min(i, len(caseIDs)-1)])
	}
	args = append(args, anys(actions)...)
	rows, err := db.query(ctx, `SELECT case_id, id, at, actor, action, from_status, to_status, note, input, code, params FROM case_events
		WHERE case_id IN (`+inList(n)+`) AND action IN (`+inList(len(actions))+`) ORDER BY case_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("latest events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e      CaseEvent
			caseID int64
			at     int64
			params string
		)
		if err := rows.Scan(&caseID, &e.ID, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Note, &e.Input, &e.Code, &params); err != nil {
			return nil, fmt.Errorf("latest events: %w", err)
		}
		e.At = fromMicros(at)
		if e.Code != "" {
			e.Params = []byte(params)
		}
		if out[caseID] == nil {
			out[caseID] = map[string]CaseEvent{}
		}
		out[caseID][e.Action] = e // ordered by id: the last one stays
	}
	return out, rows.Err()
}

func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// SavedView is a named set of a case list's filters and sort that a person keeps for
// themselves.
type SavedView struct {
	ID        int64     `json:"id"`
	Username  string    `json:"-"`
	Name      string    `json:"name"`
	Filters   string    `json:"-"` // the list's query parameters, as a JSON object of strings
	CreatedAt time.Time `json:"created_at"`
}

// SavedViews lists a person's views, by name.
func (db *DB) SavedViews(ctx context.Context, username string) ([]SavedView, error) {
	rows, err := db.query(ctx, `SELECT id, username, name, filters, created_at FROM saved_views WHERE username = ? ORDER BY name, id`, username)
	if err != nil {
		return nil, fmt.Errorf("saved views of %s: %w", username, err)
	}
	defer rows.Close()
	out := []SavedView{}
	for rows.Next() {
		var (
			v  SavedView
			at int64
		)
		if err := rows.Scan(&v.ID, &v.Username, &v.Name, &v.Filters, &at); err != nil {
			return nil, fmt.Errorf("saved views of %s: %w", username, err)
		}
		v.CreatedAt = fromMicros(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// InsertSavedView keeps a view for its owner unless they already keep max: the count and the
// insert are one step, as the transaction in ctx runs them (on PostgreSQL the owner's views
// are counted under a lock on their user row, so two saves at once cannot both be the last
// allowed). A name the owner already uses is a conflict.
func (db *DB) InsertSavedView(ctx context.Context, v SavedView, max int) (SavedView, error) {
	if db.engine == Postgres {
		var id int64
		if err := db.writeRow(ctx, `SELECT id FROM users WHERE username = ? FOR UPDATE`, v.Username).Scan(&id); err != nil {
			return SavedView{}, notFound(err, "user %s not found", v.Username)
		}
	}
	var n int
	if err := db.writeRow(ctx, `SELECT COUNT(*) FROM saved_views WHERE username = ?`, v.Username).Scan(&n); err != nil {
		return SavedView{}, fmt.Errorf("count saved views: %w", err)
	}
	if n >= max {
		return SavedView{}, errs.Refuse(errs.Invalid, "too_many_views", errs.Params{"max": max}, "you keep %d saved views, the most allowed; delete one first", n)
	}
	err := db.writeRow(ctx, `INSERT INTO saved_views (username, name, filters, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		v.Username, v.Name, v.Filters, micros(v.CreatedAt)).Scan(&v.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return SavedView{}, errs.Refuse(errs.Conflict, "view_exists", errs.Params{"name": v.Name}, "you already have a view named %q", v.Name)
		}
		return SavedView{}, fmt.Errorf("save view: %w", err)
	}
	return v, nil
}

// DeleteSavedView deletes one of a person's views; anyone else's, like a missing one, is not
// found.
func (db *DB) DeleteSavedView(ctx context.Context, username string, id int64) (SavedView, error) {
	var (
		v  SavedView
		at int64
	)
	err := db.writeRow(ctx, `DELETE FROM saved_views WHERE id = ? AND username = ? RETURNING id, username, name, filters, created_at`, id, username).
		Scan(&v.ID, &v.Username, &v.Name, &v.Filters, &at)
	if err != nil {
		return SavedView{}, notFound(err, "view %d not found", id)
	}
	v.CreatedAt = fromMicros(at)
	return v, nil
}
