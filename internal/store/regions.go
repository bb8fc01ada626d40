package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// regionBatch is how many regions one INSERT carries: large batches make bulk imports fast on
// both engines while staying far below either's limit on bound parameters.
const regionBatch = 200

const regionColumns = `code, name, level, parent_code, area_class, valid_to, geometry`

// PutRegion inserts a region or updates the one with its code (imports are idempotent by code).
func (db *DB) PutRegion(ctx context.Context, r grid.Region) error {
	return db.PutRegions(ctx, []grid.Region{r})
}

// PutRegions inserts or updates regions, parents before children, and bumps the region epoch
// in the same transaction so every server rebuilds its locate index.
func (db *DB) PutRegions(ctx context.Context, regions []grid.Region) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		for start := 0; start < len(regions); start += regionBatch {
			batch := regions[start:min(start+regionBatch, len(regions))]
			args := make([]any, 0, len(batch)*7)
			for _, r := range batch {
				geom, err := encodeGeometry(r.Geometry)
				if err != nil {
					return fmt.Errorf("region %s: %w", r.Code, err)
				}
				var validTo sql.NullInt64
				if !r.ValidTo.IsZero() {
					validTo = sql.NullInt64{Int64: micros(r.ValidTo), Valid: true}
				}
				args = append(args, r.Code, r.Name, string(r.Level), nullString(r.ParentCode), string(r.AreaClass), validTo, geom)
			}
			q := `INSERT INTO regions (` + regionColumns + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(batch)), ", ") +
				` ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
					parent_code = excluded.parent_code, area_class = excluded.area_class,
					valid_to = excluded.valid_to, geometry = COALESCE(excluded.geometry, regions.geometry)`
			if _, err := db.exec(ctx, q, args...); err != nil {
				if isForeignKeyViolation(err) {
					return errs.E(errs.Invalid, "a region's parent does not exist (regions %s…%s)", batch[0].Code, batch[len(batch)-1].Code)
				}
				return fmt.Errorf("put regions %s…: %w", batch[0].Code, err)
			}
		}
		return db.bumpRegionEpoch(ctx)
	})
}

// SetRegionGeometry replaces a region's geometry.
func (db *DB) SetRegionGeometry(ctx context.Context, code string, g orb.Geometry) error {
	geom, err := encodeGeometry(g)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, `UPDATE regions SET geometry = ? WHERE code = ?`, geom, code)
		if err != nil {
			return fmt.Errorf("set geometry of %s: %w", code, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "region %s not found", code)
		}
		return db.bumpRegionEpoch(ctx)
	})
}

func (db *DB) bumpRegionEpoch(ctx context.Context) error {
	if _, err := db.exec(ctx, `UPDATE region_epoch SET epoch = epoch + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump region epoch: %w", err)
	}
	return nil
}

// RegionEpoch returns a number that changes whenever any region does.
func (db *DB) RegionEpoch(ctx context.Context) (int64, error) {
	var e int64
	if err := db.queryRow(ctx, `SELECT epoch FROM region_epoch WHERE id = 1`).Scan(&e); err != nil {
		return 0, fmt.Errorf("read region epoch: %w", err)
	}
	return e, nil
}

func encodeGeometry(g orb.Geometry) (sql.NullString, error) {
	if g == nil {
		return sql.NullString{}, nil
	}
	b, err := grid.EncodeGeometry(g)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode geometry: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func scanRegion(row interface{ Scan(...any) error }, withGeometry bool) (grid.Region, error) {
	var (
		r       grid.Region
		parent  sql.NullString
		validTo sql.NullInt64
		geom    sql.NullString
	)
	if err := row.Scan(&r.Code, &r.Name, &r.Level, &parent, &r.AreaClass, &validTo, &geom); err != nil {
		return grid.Region{}, err
	}
	r.ParentCode = parent.String
	if validTo.Valid {
		r.ValidTo = fromMicros(validTo.Int64)
	}
	if withGeometry && geom.Valid {
		g, err := grid.DecodeGeometry([]byte(geom.String))
		if err != nil {
			return grid.Region{}, fmt.Errorf("region %s: stored geometry: %w", r.Code, err)
		}
		r.Geometry = g
	}
	return r, nil
}

// Region returns the region with the given code, with its geometry.
func (db *DB) Region(ctx context.Context, code string) (grid.Region, error) {
	r, err := scanRegion(db.queryRow(ctx, `SELECT `+regionColumns+` FROM regions WHERE code = ?`, code), true)
	if err != nil {
		return grid.Region{}, notFound(err, "region %s not found", code)
	}
	return r, nil
}

// RegionPath returns the region and its ancestors, root first (without geometry).
func (db *DB) RegionPath(ctx context.Context, code string) ([]grid.Region, error) {
	// Codes extend their parent's, so the ancestors are among the code's prefixes: one query
	// (every case view and listed deadline asks) instead of one per level, and no geometry read.
	if code == "" || len(code) > 32 {
		return db.regionPathByParents(ctx, code)
	}
	prefixes := make([]any, len(code))
	for i := range prefixes {
		prefixes[i] = code[:i+1]
	}
	rows, err := db.query(ctx, `SELECT code, name, level, parent_code, area_class, valid_to, NULL FROM regions
		WHERE code IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(prefixes)), ", ")+`)`, prefixes...)
	if err != nil {
		return nil, fmt.Errorf("region path of %s: %w", code, err)
	}
	defer rows.Close()
	byCode := map[string]grid.Region{}
	for rows.Next() {
		r, err := scanRegion(rows, false)
		if err != nil {
			return nil, fmt.Errorf("region path of %s: %w", code, err)
		}
		byCode[r.Code] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("region path of %s: %w", code, err)
	}
	var path []grid.Region
	for next := code; next != ""; {
		r, ok := byCode[next]
		if !ok || len(path) > len(grid.Levels) {
			return db.regionPathByParents(ctx, code) // not a prefix chain: walk it, and say what is wrong
		}
		path = append([]grid.Region{r}, path...)
		next = r.ParentCode
	}
	return path, nil
}

// regionPathByParents is RegionPath following parent codes one query at a time.
func (db *DB) regionPathByParents(ctx context.Context, code string) ([]grid.Region, error) {
	var path []grid.Region
	for next := code; next != ""; {
		r, err := scanRegion(db.queryRow(ctx, `SELECT `+regionColumns+` FROM regions WHERE code = ?`, next), false)
		if err != nil {
			return nil, notFound(err, "region %s not found", next)
		}
		path = append([]grid.Region{r}, path...)
		if len(path) > len(grid.Levels) {
			return nil, fmt.Errorf("region %s: parent chain longer than the tree allows", code)
		}
		next = r.ParentCode
	}
	return path, nil
}

// RegionChildren returns the regions directly under code (the roots when code is ""),
// ordered by code; with geometry when asked.
func (db *DB) RegionChildren(ctx context.Context, code string, withGeometry bool) ([]grid.Region, error) {
	if code == "" {
		return db.regions(ctx, withGeometry, `WHERE parent_code IS NULL ORDER BY code`)
	}
	return db.regions(ctx, withGeometry, `WHERE parent_code = ? ORDER BY code`, code)
}

// EachRegion calls fn for every region, parents before children, with geometry when asked.
func (db *DB) EachRegion(ctx context.Context, withGeometry bool, fn func(grid.Region) error) error {
	cols := regionColumns
	if !withGeometry {
		cols = strings.Replace(cols, "geometry", "NULL", 1)
	}
	// Codes grow longer level by level, so ordering by length then code yields parents first.
	rows, err := db.query(ctx, `SELECT `+cols+` FROM regions ORDER BY LENGTH(code), code`)
	if err != nil {
		return fmt.Errorf("read regions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRegion(rows, withGeometry)
		if err != nil {
			return fmt.Errorf("read regions: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (db *DB) regions(ctx context.Context, withGeometry bool, where string, args ...any) ([]grid.Region, error) {
	rows, err := db.query(ctx, `SELECT `+regionColumns+` FROM regions `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read regions: %w", err)
	}
	defer rows.Close()
	out := []grid.Region{}
	for rows.Next() {
		r, err := scanRegion(rows, withGeometry)
		if err != nil {
			return nil, fmt.Errorf("read regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutDepartment inserts a department or updates the one with its code.
func (db *DB) PutDepartment(ctx context.Context, d workflow.Department) error {
	_, err := db.exec(ctx, `INSERT INTO departments (code, name, level, region_code) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, region_code = excluded.region_code`,
		d.Code, d.Name, string(d.Level), d.RegionCode)
	if err != nil {
		if isForeignKeyViolation(err) {
			return errs.E(errs.Invalid, "department %s: region %s does not exist", d.Code, d.RegionCode)
		}
		return fmt.Errorf("put department %s: %w", d.Code, err)
	}
	return nil
}

// Department returns the department with the given code.
func (db *DB) Department(ctx context.Context, code string) (workflow.Department, error) {
	var d workflow.Department
	err := db.queryRow(ctx, `SELECT code, name, level, region_code FROM departments WHERE code = ?`, code).
		Scan(&d.Code, &d.Name, &d.Level, &d.RegionCode)
	if err != nil {
		return workflow.Department{}, notFound(err, "department %s not found", code)
	}
	return d, nil
}

// likeEscape escapes s for a LIKE pattern (with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SearchRegions returns up to limit regions under the code prefix under ("" for all) whose
// name contains q or whose code starts with q, of the given levels (none for any), shallower
// and then lower codes first, without geometry.
func (db *DB) SearchRegions(ctx context.Context, q, under string, levels []grid.Level, limit int) ([]grid.Region, error) {
	where := []string{`code LIKE ? ESCAPE '\'`}
	args := []any{likeEscape(under) + "%"}
	if q != "" {
		where = append(where, `(name LIKE ? ESCAPE '\' OR code LIKE ? ESCAPE '\')`)
		args = append(args, "%"+likeEscape(q)+"%", likeEscape(q)+"%")
	}
	if len(levels) > 0 {
		marks := make([]string, len(levels))
		for i, l := range levels {
			marks[i] = "?"
			args = append(args, string(l))
		}
		where = append(where, `level IN (`+strings.Join(marks, ", ")+`)`)
	}
	args = append(args, limit)
	cols := strings.Replace(regionColumns, "geometry", "NULL", 1)
	rows, err := db.query(ctx, `SELECT `+cols+` FROM regions WHERE `+strings.Join(where, " AND ")+
		` ORDER BY LENGTH(code), code LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("search regions: %w", err)
	}
	defer rows.Close()
	out := []grid.Region{}
	for rows.Next() {
		r, err := scanRegion(rows, false)
		if err != nil {
			return nil, fmt.Errorf("search regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RegionCount is how many unit grids lie under a region and how many people are members of
// them (each person once).
type RegionCount struct {
	Grids   int `json:"grids"`
	Members int `json:"members"`
	Vacant  int `json:"vacant"` // grids with nobody on them
}

// RegionCounts counts the grids in use, their members and the grids without one under each
// region code (codes of a subtree start with its root's code).
func (db *DB) RegionCounts(ctx context.Context, codes []string) (map[string]RegionCount, error) {
	out := make(map[string]RegionCount, len(codes))
	for _, c := range codes {
		var n RegionCount
		prefix := likeEscape(c) + "%"
		err := db.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM regions WHERE level = 'grid' AND valid_to IS NULL AND code LIKE ? ESCAPE '\'),
			(SELECT COUNT(DISTINCT user_id) FROM grid_members WHERE grid_code LIKE ? ESCAPE '\'),
			(SELECT COUNT(*) FROM regions r WHERE r.level = 'grid' AND r.valid_to IS NULL AND r.code LIKE ? ESCAPE '\'
				AND NOT EXISTS (SELECT 1 FROM grid_members m WHERE m.grid_code = r.code))`,
			prefix, prefix, prefix).Scan(&n.Grids, &n.Members, &n.Vacant)
		if err != nil {
			return nil, fmt.Errorf("count under region %s: %w", c, err)
		}
		out[c] = n
	}
	return out, nil
}
