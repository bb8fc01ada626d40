package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/citygrid/citygrid/internal/workflow"
)

const categoryColumns = `kind, code, major_code, major_name, name, filing_condition, closing_condition,
	verification_required, public, sensitive, local`

// PutCategories inserts or updates categories by (kind, code).
func (db *DB) PutCategories(ctx context.Context, cats []workflow.Category) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		const batch = 200
		for start := 0; start < len(cats); start += batch {
			part := cats[start:min(start+batch, len(cats))]
			args := make([]any, 0, len(part)*11)
			for _, c := range part {
				args = append(args, string(c.Kind), c.Code, c.MajorCode, c.MajorName, c.Name, c.FilingCondition,
					c.ClosingCondition, c.VerificationRequired, c.Public, c.Sensitive, c.Local)
			}
			q := `INSERT INTO categories (` + categoryColumns + `) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ") +
				` ON CONFLICT (kind, code) DO UPDATE SET major_code = excluded.major_code, major_name = excluded.major_name,
					name = excluded.name, filing_condition = excluded.filing_condition, closing_condition = excluded.closing_condition,
					verification_required = excluded.verification_required, public = excluded.public,
					sensitive = excluded.sensitive, local = excluded.local`
			if _, err := db.exec(ctx, q, args...); err != nil {
				return fmt.Errorf("put categories: %w", err)
			}
		}
		return nil
	})
}

// Categories lists categories ordered by kind and code; only public ones when publicOnly.
func (db *DB) Categories(ctx context.Context, publicOnly bool) ([]workflow.Category, error) {
	where := ""
	var args []any
	if publicOnly {
		where, args = `WHERE public = ?`, []any{true}
	}
	rows, err := db.query(ctx, `SELECT `+categoryColumns+` FROM categories `+where+` ORDER BY kind, code`, args...)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	defer rows.Close()
	out := []workflow.Category{}
	for rows.Next() {
		var c workflow.Category
		if err := rows.Scan(&c.Kind, &c.Code, &c.MajorCode, &c.MajorName, &c.Name, &c.FilingCondition, &c.ClosingCondition,
			&c.VerificationRequired, &c.Public, &c.Sensitive, &c.Local); err != nil {
			return nil, fmt.Errorf("list categories: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Category returns one category.
func (db *DB) Category(ctx context.Context, kind workflow.CategoryKind, code string) (workflow.Category, error) {
	var c workflow.Category
	err := db.queryRow(ctx, `SELECT `+categoryColumns+` FROM categories WHERE kind = ? AND code = ?`, string(kind), code).
		Scan(&c.Kind, &c.Code, &c.MajorCode, &c.MajorName, &c.Name, &c.FilingCondition, &c.ClosingCondition,
			&c.VerificationRequired, &c.Public, &c.Sensitive, &c.Local)
	if err != nil {
		return workflow.Category{}, notFound(err, "category %s %s not found", kind, code)
	}
	return c, nil
}

// CountCategories returns how many categories are stored.
func (db *DB) CountCategories(ctx context.Context) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM categories`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count categories: %w", err)
	}
	return n, nil
}
