package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/patrol"
)

// Patrol is one patrol session of a grid worker in a unit grid.
type Patrol struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	Grid      string    `json:"grid"`
	Started   time.Time `json:"started_at"`
	Stopped   time.Time `json:"stopped_at,omitzero"` // zero while it runs
	Points    int       `json:"points"`
	DistanceM float64   `json:"distance_m"`
}

// Running reports whether the patrol has not been stopped.
func (p Patrol) Running() bool { return p.Stopped.IsZero() }

const patrolColumns = `id, user_id, grid_code, started_at, stopped_at, points, distance_m`

func scanPatrol(s interface{ Scan(...any) error }) (Patrol, error) {
	var (
		p       Patrol
		started int64
		stopped sql.NullInt64
	)
	if err := s.Scan(&p.ID, &p.UserID, &p.Grid, &started, &stopped, &p.Points, &p.DistanceM); err != nil {
		return Patrol{}, err
	}
	p.Started = fromMicros(started)
	if stopped.Valid {
		p.Stopped = fromMicros(stopped.Int64)
	}
	return p, nil
}

// StartPatrol begins a patrol; a person with one running already is refused.
func (db *DB) StartPatrol(ctx context.Context, userID int64, gridCode string, at time.Time) (Patrol, error) {
	p := Patrol{UserID: userID, Grid: gridCode, Started: at}
	err := db.writeRow(ctx, `INSERT INTO patrols (user_id, grid_code, started_at) VALUES (?, ?, ?) RETURNING id`,
		userID, gridCode, micros(at)).Scan(&p.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return Patrol{}, errs.Coded(errs.Conflict, "patrol_running", "a patrol is already running: stop it first")
		}
		if isForeignKeyViolation(err) {
			return Patrol{}, errs.E(errs.Invalid, "grid %s does not exist", gridCode)
		}
		return Patrol{}, fmt.Errorf("start patrol: %w", err)
	}
	return p, nil
}

// RunningPatrol returns the person's running patrol, NotFound when there is none.
func (db *DB) RunningPatrol(ctx context.Context, userID int64) (Patrol, error) {
	p, err := scanPatrol(db.queryRow(ctx, `SELECT `+patrolColumns+` FROM patrols WHERE user_id = ? AND stopped_at IS NULL`, userID))
	if err != nil {
		return Patrol{}, notFound(err, "no patrol is running")
	}
	return p, nil
}

// StopPatrol ends a running patrol.
func (db *DB) StopPatrol(ctx context.Context, id int64, at time.Time) error {
	res, err := db.exec(ctx, `UPDATE patrols SET stopped_at = ? WHERE id = ? AND stopped_at IS NULL`, micros(at), id)
	if err != nil {
		return fmt.Errorf("stop patrol %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.Coded(errs.Conflict, "no_patrol", "no patrol is running")
	}
	return nil
}

// LockPatrol takes the patrol's row for the transaction in ctx, so that two posts of one track
// add their points and distance one after the other.
func (db *DB) LockPatrol(ctx context.Context, id int64) error {
	if _, err := db.exec(ctx, `UPDATE patrols SET points = points WHERE id = ?`, id); err != nil {
		return fmt.Errorf("lock patrol %d: %w", id, err)
	}
	return nil
}

// LastPatrolPoint returns the newest point of a patrol's track; false when it has none.
func (db *DB) LastPatrolPoint(ctx context.Context, id int64) (patrol.Point, bool, error) {
	var (
		p  patrol.Point
		at int64
	)
	err := db.queryRow(ctx, `SELECT at, lon, lat, accuracy_m FROM patrol_points WHERE patrol_id = ? ORDER BY at DESC LIMIT 1`, id).
		Scan(&at, &p.Lon, &p.Lat, &p.Accuracy)
	if errors.Is(err, sql.ErrNoRows) {
		return patrol.Point{}, false, nil
	}
	if err != nil {
		return patrol.Point{}, false, fmt.Errorf("last point of patrol %d: %w", id, err)
	}
	p.At = fromMicros(at)
	return p, true, nil
}

// AddPatrolPoints appends points (newer than the track's last) and adds distance to the
// patrol's total.
func (db *DB) AddPatrolPoints(ctx context.Context, id int64, points []patrol.Point, distance float64) error {
	for _, p := range points {
		if _, err := db.exec(ctx, `INSERT INTO patrol_points (patrol_id, at, lon, lat, accuracy_m) VALUES (?, ?, ?, ?, ?)`,
			id, micros(p.At), p.Lon, p.Lat, p.Accuracy); err != nil {
			return fmt.Errorf("add point to patrol %d: %w", id, err)
		}
	}
	if _, err := db.exec(ctx, `UPDATE patrols SET points = points + ?, distance_m = distance_m + ? WHERE id = ?`, len(points), distance, id); err != nil {
		return fmt.Errorf("count points of patrol %d: %w", id, err)
	}
	return nil
}

// PatrolPoints returns a patrol's track in time order.
func (db *DB) PatrolPoints(ctx context.Context, id int64) ([]patrol.Point, error) {
	rows, err := db.query(ctx, `SELECT at, lon, lat, accuracy_m FROM patrol_points WHERE patrol_id = ? ORDER BY at`, id)
	if err != nil {
		return nil, fmt.Errorf("track of patrol %d: %w", id, err)
	}
	defer rows.Close()
	out := []patrol.Point{}
	for rows.Next() {
		var (
			p  patrol.Point
			at int64
		)
		if err := rows.Scan(&at, &p.Lon, &p.Lat, &p.Accuracy); err != nil {
			return nil, fmt.Errorf("track of patrol %d: %w", id, err)
		}
		p.At = fromMicros(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Patrols returns a person's patrols started at or after since, newest first.
func (db *DB) Patrols(ctx context.Context, userID int64, since time.Time, limit int) ([]Patrol, error) {
	rows, err := db.query(ctx, `SELECT `+patrolColumns+` FROM patrols WHERE user_id = ? AND started_at >= ? ORDER BY started_at DESC, id DESC LIMIT ?`,
		userID, micros(since), limit)
	if err != nil {
		return nil, fmt.Errorf("list patrols: %w", err)
	}
	defer rows.Close()
	out := []Patrol{}
	for rows.Next() {
		p, err := scanPatrol(rows)
		if err != nil {
			return nil, fmt.Errorf("list patrols: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
