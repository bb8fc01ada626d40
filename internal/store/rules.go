package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/internal/workflow"
)

// ReplaceRules replaces the whole dispatch table: it is an ordered list, read and changed as one.
func (db *DB) ReplaceRules(ctx context.Context, rules []workflow.Rule) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, `DELETE FROM dispatch_rules`); err != nil {
			return fmt.Errorf("clear rules: %w", err)
		}
		for _, r := range rules {
			_, err := db.exec(ctx, `INSERT INTO dispatch_rules (ord, category_kind, category, region, from_time, to_time, department, co_departments, auto)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Order, string(r.CategoryKind), r.Category, r.Region, r.From, r.To,
				r.Department, strings.Join(r.CoDepartments, ";"), r.Auto)
			if err != nil {
				return fmt.Errorf("insert %v: %w", r, err)
			}
		}
		return nil
	})
}

// Rules returns the dispatch table in order.
func (db *DB) Rules(ctx context.Context) ([]workflow.Rule, error) {
	rows, err := db.query(ctx, `SELECT id, ord, category_kind, category, region, from_time, to_time, department, co_departments, auto
		FROM dispatch_rules ORDER BY ord, id`)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	out := []workflow.Rule{}
	for rows.Next() {
		var (
			r  workflow.Rule
			co string
		)
		if err := rows.Scan(&r.ID, &r.Order, &r.CategoryKind, &r.Category, &r.Region, &r.From, &r.To, &r.Department, &co, &r.Auto); err != nil {
			return nil, fmt.Errorf("list rules: %w", err)
		}
		if co != "" {
			r.CoDepartments = strings.Split(co, ";")
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Departments returns every department, ordered by code.
func (db *DB) Departments(ctx context.Context) ([]workflow.Department, error) {
	rows, err := db.query(ctx, `SELECT code, name, level, region_code FROM departments ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	defer rows.Close()
	out := []workflow.Department{}
	for rows.Next() {
		var d workflow.Department
		if err := rows.Scan(&d.Code, &d.Name, &d.Level, &d.RegionCode); err != nil {
			return nil, fmt.Errorf("list departments: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
