package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/errs"
)

const userColumns = `id, username, display_name, role, scope, department, email, disabled, created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (access.User, error) {
	var (
		u                 access.User
		scope, department sql.NullString
		created           int64
	)
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Role, &scope, &department, &u.Email, &u.Disabled, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return access.User{}, err
	}
	u.Scope, u.Department, u.CreatedAt = scope.String, department.String, fromMicros(created)
	return u, nil
}

// CreateUser stores a new user with its password hash and returns it with its id.
func (db *DB) CreateUser(ctx context.Context, u access.User, passwordHash string, now time.Time) (access.User, error) {
	row := db.writeRow(ctx, `INSERT INTO users (username, display_name, role, scope, department, email, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Username, u.DisplayName, string(u.Role), nullString(u.Scope), nullString(u.Department), u.Email, passwordHash, u.Disabled, micros(now), micros(now))
	if err := row.Scan(&u.ID); err != nil {
		switch {
		case isUniqueViolation(err):
			return access.User{}, errs.E(errs.Conflict, "user %q already exists", u.Username)
		case isForeignKeyViolation(err):
			return access.User{}, errs.E(errs.Invalid, "user %q: unknown scope region or department", u.Username)
		}
		return access.User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	u.CreatedAt = fromMicros(micros(now))
	return u, nil
}

// UserByUsername returns a user and its password hash.
func (db *DB) UserByUsername(ctx context.Context, username string) (access.User, string, error) {
	var hash string
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username = ?`, username), &hash)
	if err != nil {
		return access.User{}, "", notFound(err, "user %q not found", username)
	}
	return u, hash, nil
}

// ListUsers returns every user, ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]access.User, error) {
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []access.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// SetPasswordHash replaces a user's password hash.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string, now time.Time) error {
	return db.updateUser(ctx, userID, `password_hash = ?, updated_at = ?`, hash, micros(now))
}

// UpdateUser changes a user's name, role, scope and department (the checks are the use
// case's); an unknown scope region or department is refused by the database's keys.
func (db *DB) UpdateUser(ctx context.Context, u access.User, now time.Time) error {
	err := db.updateUser(ctx, u.ID, `display_name = ?, role = ?, scope = ?, department = ?, updated_at = ?`,
		u.DisplayName, string(u.Role), nullString(u.Scope), nullString(u.Department), micros(now))
	if isForeignKeyViolation(err) {
		return errs.E(errs.Invalid, "user %q: unknown scope region or department", u.Username)
	}
	return err
}

// SetDisabled disables or enables a user.
func (db *DB) SetDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) error {
	return db.updateUser(ctx, userID, `disabled = ?, updated_at = ?`, disabled, micros(now))
}

func (db *DB) updateUser(ctx context.Context, userID int64, set string, args ...any) error {
	res, err := db.exec(ctx, `UPDATE users SET `+set+` WHERE id = ?`, append(args, userID)...)
	if err != nil {
		return fmt.Errorf("update user %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(errs.NotFound, "user %d not found", userID)
	}
	return nil
}

// Recipients returns the enabled users who should hear about a case: those with one of roles
// whose scope is one of regions (a case's region path), the handlers of departments, and the
// members of grids. Each user appears once.
func (db *DB) Recipients(ctx context.Context, roles []access.Role, regions, departments, grids []string) ([]access.User, error) {
	var (
		ors  []string
		args []any
	)
	if len(roles) > 0 && len(regions) > 0 {
		ors = append(ors, `(role IN (`+marks(len(roles))+`) AND scope IN (`+marks(len(regions))+`))`)
		for _, r := range roles {
			args = append(args, string(r))
		}
		args = append(args, anys(regions)...)
	}
	if len(departments) > 0 {
		ors = append(ors, `(role = 'handler' AND department IN (`+marks(len(departments))+`))`)
		args = append(args, anys(departments)...)
	}
	if len(grids) > 0 {
		ors = append(ors, `id IN (SELECT user_id FROM grid_members WHERE grid_code IN (`+marks(len(grids))+`))`)
		args = append(args, anys(grids)...)
	}
	if len(ors) == 0 {
		return nil, nil
	}
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE NOT disabled AND (`+strings.Join(ors, ` OR `)+`) ORDER BY username`, args...)
	if err != nil {
		return nil, fmt.Errorf("find recipients: %w", err)
	}
	defer rows.Close()
	var out []access.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find recipients: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ActiveUsers returns the users of the given usernames that exist and are not disabled,
// ordered by username.
func (db *DB) ActiveUsers(ctx context.Context, usernames []string) ([]access.User, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE NOT disabled AND username IN (`+marks(len(usernames))+`) ORDER BY username`,
		anys(usernames)...)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []access.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CaseReporters returns who hears of a case as its reporters: the user who reported it (""
// for an anonymous report) and those who reported the reports merged into it as duplicates,
// those not disabled, ordered by username.
func (db *DB) CaseReporters(ctx context.Context, caseID int64, reporter string) ([]access.User, error) {
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE NOT disabled AND (username = ? OR username IN (
			SELECT c.reporter FROM case_channels ch JOIN cases c ON c.ticket = ch.ref WHERE ch.case_id = ? AND ch.source = ?))
		ORDER BY username`, reporter, caseID, SourceMerged)
	if err != nil {
		return nil, fmt.Errorf("reporters of case %d: %w", caseID, err)
	}
	defer rows.Close()
	var out []access.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("reporters of case %d: %w", caseID, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetEmail sets where a user's notices are mailed ("" = nowhere).
func (db *DB) SetEmail(ctx context.Context, userID int64, email string, now time.Time) error {
	return db.updateUser(ctx, userID, `email = ?, updated_at = ?`, email, micros(now))
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// DisplayNames returns the display names of the given staff by username, disabled users'
// too (a timeline names who acted then); residents (whose name may be their own), users
// without one and unknown users are left out.
func (db *DB) DisplayNames(ctx context.Context, usernames []string) (map[string]string, error) {
	out := map[string]string{}
	if len(usernames) == 0 {
		return out, nil
	}
	rows, err := db.query(ctx, `SELECT username, display_name FROM users WHERE display_name <> '' AND role <> 'resident' AND username IN (`+marks(len(usernames))+`)`,
		anys(usernames)...)
	if err != nil {
		return nil, fmt.Errorf("display names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, n string
		if err := rows.Scan(&u, &n); err != nil {
			return nil, fmt.Errorf("display names: %w", err)
		}
		out[u] = n
	}
	return out, rows.Err()
}
