package store

import (
	"context"
	"fmt"

	"github.com/citygrid/citygrid/internal/errs"
)

// GridMember is a user's membership of a unit grid: its leader (网格长) or a worker (网格员).
type GridMember struct {
	GridCode string `json:"grid_code"`
	Username string `json:"username"`
	Role     string `json:"role"` // "leader" or "worker"
}

// PutGridMember adds a user to a grid or changes its role there.
func (db *DB) PutGridMember(ctx context.Context, gridCode string, userID int64, role string) error {
	_, err := db.exec(ctx, `INSERT INTO grid_members (grid_code, user_id, role) VALUES (?, ?, ?)
		ON CONFLICT (grid_code, user_id) DO UPDATE SET role = excluded.role`, gridCode, userID, role)
	if err != nil {
		if isForeignKeyViolation(err) {
			return errs.E(errs.Invalid, "grid %s does not exist", gridCode)
		}
		return fmt.Errorf("add member to grid %s: %w", gridCode, err)
	}
	return nil
}

// DeleteGridMember removes a user from a grid.
func (db *DB) DeleteGridMember(ctx context.Context, gridCode string, userID int64) error {
	res, err := db.exec(ctx, `DELETE FROM grid_members WHERE grid_code = ? AND user_id = ?`, gridCode, userID)
	if err != nil {
		return fmt.Errorf("remove member from grid %s: %w", gridCode, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "that user is not a member of grid %s", gridCode)
	}
	return nil
}

// GridMembers lists a grid's members, the leader first.
func (db *DB) GridMembers(ctx context.Context, gridCode string) ([]GridMember, error) {
	rows, err := db.query(ctx, `SELECT m.grid_code, u.username, m.role FROM grid_members m JOIN users u ON u.id = m.user_id
		WHERE m.grid_code = ? ORDER BY CASE m.role WHEN 'leader' THEN 0 ELSE 1 END, u.username`, gridCode)
	if err != nil {
		return nil, fmt.Errorf("list members of grid %s: %w", gridCode, err)
	}
	defer rows.Close()
	out := []GridMember{}
	for rows.Next() {
		var m GridMember
		if err := rows.Scan(&m.GridCode, &m.Username, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UserGrids returns the codes of the grids a user is a member of.
func (db *DB) UserGrids(ctx context.Context, userID int64) ([]string, error) {
	rows, err := db.query(ctx, `SELECT grid_code FROM grid_members WHERE user_id = ? ORDER BY grid_code`, userID)
	if err != nil {
		return nil, fmt.Errorf("list grids of user %d: %w", userID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
