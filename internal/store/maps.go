package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MapSettings are the tiles an administrator chose for the pages' maps.
type MapSettings struct {
	Provider  string
	Key       string
	URL       string
	CRS       string
	UpdatedBy string
	UpdatedAt time.Time
}

// MapSettings returns the stored choice; ok is false when none was ever made.
func (db *DB) MapSettings(ctx context.Context) (MapSettings, bool, error) {
	var (
		m  MapSettings
		at int64
	)
	err := db.queryRow(ctx, `SELECT provider, tile_key, url, crs, updated_by, updated_at FROM map_settings WHERE id = 1`).
		Scan(&m.Provider, &m.Key, &m.URL, &m.CRS, &m.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return MapSettings{}, false, nil
	}
	if err != nil {
		return MapSettings{}, false, fmt.Errorf("read map settings: %w", err)
	}
	m.UpdatedAt = fromMicros(at)
	return m, true, nil
}

// PutMapSettings stores the choice.
func (db *DB) PutMapSettings(ctx context.Context, m MapSettings) error {
	_, err := db.exec(ctx, `INSERT INTO map_settings (id, provider, tile_key, url, crs, updated_by, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, tile_key = excluded.tile_key, url = excluded.url, crs = excluded.crs,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		m.Provider, m.Key, m.URL, m.CRS, m.UpdatedBy, micros(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store map settings: %w", err)
	}
	return nil
}

// likeText is a LIKE pattern (with ESCAPE '\') for text anywhere in a column: the text's own
// % and _ are escaped, so it matches itself only.
func likeText(s string) string {
	return "%" + likeEscape(s) + "%"
}

// likeEscapeClause follows every LIKE likeText fills.
const likeEscapeClause = ` ESCAPE '\'`

// CaseAddress is a case found by the address it was reported at.
type CaseAddress struct {
	Ticket    string
	Kind      string
	Category  string
	Status    string
	Address   string
	Lon, Lat  float64 // WGS-84
	CreatedAt time.Time
}

// CaseAddresses returns up to limit of the newest cases the filter selects whose address holds
// text. Of the filter, the statuses, regions, department, reporter and the time window apply.
func (db *DB) CaseAddresses(ctx context.Context, f CaseFilter, text string, limit int) ([]CaseAddress, error) {
	where, args, err := caseConditions(f)
	if err != nil {
		return nil, err
	}
	if f.Department != "" && f.PartDepartment == f.Department {
		// The department's own cases (the list's 联办 parts are left out of a place search).
		where, args = append(where, `department = ?`), append(args, f.Department)
	}
	where, args = append(where, `address LIKE ?`+likeEscapeClause), append(args, likeText(text))
	rows, err := db.query(ctx, `SELECT ticket, kind, category, status, address, lon, lat, created_at FROM cases WHERE `+
		strings.Join(where, ` AND `)+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find case addresses: %w", err)
	}
	defer rows.Close()
	var out []CaseAddress
	for rows.Next() {
		var (
			c  CaseAddress
			at int64
		)
		if err := rows.Scan(&c.Ticket, &c.Kind, &c.Category, &c.Status, &c.Address, &c.Lon, &c.Lat, &at); err != nil {
			return nil, fmt.Errorf("find case addresses: %w", err)
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindSites returns up to limit sites whose name or address holds text, within any of the
// regions (none: everywhere), by name.
func (db *DB) FindSites(ctx context.Context, text string, regions []string, limit int) ([]Site, error) {
	q := `SELECT ` + siteColumns + ` FROM assess_sites WHERE (name LIKE ?` + likeEscapeClause + ` OR address LIKE ?` + likeEscapeClause + `)`
	like := likeText(text)
	args := []any{like, like}
	if len(regions) > 0 {
		var or []string
		for _, r := range regions {
			or = append(or, `(';' || region_path || ';') LIKE ?`)
			args = append(args, "%;"+r+";%")
		}
		q += ` AND (` + strings.Join(or, ` OR `) + `)`
	}
	rows, err := db.query(ctx, q+` ORDER BY name, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("find sites: %w", err)
	}
	defer rows.Close()
	var out []Site
	for rows.Next() {
		s, err := scanSite(rows)
		if err != nil {
			return nil, fmt.Errorf("find sites: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
