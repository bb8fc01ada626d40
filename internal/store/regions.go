package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PutRegion inserts a region or updates the one with its code (imports are idempotent by code).
func (db *DB) PutRegion(ctx context.Context, r grid.Region) error {
	_, err := db.exec(ctx, `INSERT INTO regions (code, name, level, parent_code, area_class) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, area_class = excluded.area_class`,
		r.Code, r.Name, string(r.Level), nullString(r.ParentCode), string(r.AreaClass))
	if err != nil {
		if isForeignKeyViolation(err) {
			return errs.E(errs.Invalid, "region %s: parent %s does not exist", r.Code, r.ParentCode)
		}
		return fmt.Errorf("put region %s: %w", r.Code, err)
	}
	return nil
}

// Region returns the region with the given code.
func (db *DB) Region(ctx context.Context, code string) (grid.Region, error) {
	var (
		r      grid.Region
		parent sql.NullString
	)
	err := db.queryRow(ctx, `SELECT code, name, level, parent_code, area_class FROM regions WHERE code = ?`, code).
		Scan(&r.Code, &r.Name, &r.Level, &parent, &r.AreaClass)
	if err != nil {
		return grid.Region{}, notFound(err, "region %s not found", code)
	}
	r.ParentCode = parent.String
	return r, nil
}

// RegionPath returns the region and its ancestors, root first.
func (db *DB) RegionPath(ctx context.Context, code string) ([]grid.Region, error) {
	var path []grid.Region
	for next := code; next != ""; {
		r, err := db.Region(ctx, next)
		if err != nil {
			return nil, err
		}
		path = append([]grid.Region{r}, path...)
		if len(path) > len(grid.Levels) {
			return nil, fmt.Errorf("region %s: parent chain longer than the tree allows", code)
		}
		next = r.ParentCode
	}
	return path, nil
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
