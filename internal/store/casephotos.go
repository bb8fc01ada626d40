package store

import (
	"context"
	"fmt"
	"slices"
)

// PhotoUse is one case that names a photo, and whether the naming is one the public sees (the
// report's own photos, a handling's result) or staff's own (checks, verification, comments).
type PhotoUse struct {
	CaseID int64
	Public bool
}

// NameCasePhotos records that a case names these photos, in the transaction carried by ctx
// (inside one, at its commit).
func (db *DB) NameCasePhotos(ctx context.Context, caseID int64, ids []string, public bool) error {
	if len(ids) == 0 {
		return nil
	}
	return db.InTx(ctx, func(ctx context.Context) error {
		t, _ := txnOf(ctx)
		seen := make([]string, 0, len(ids))
		for _, id := range ids {
			if id == "" || slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			t.appendRow("case_photos", []string{"attachment_id", "case_id", "public"}, []any{id, caseID, public})
		}
		return nil
	})
}

// PhotoUses returns up to limit cases that name a photo, public namings first.
func (db *DB) PhotoUses(ctx context.Context, attachmentID string, limit int) ([]PhotoUse, error) {
	rows, err := db.query(ctx, `SELECT case_id, MAX(CASE WHEN public THEN 1 ELSE 0 END) AS pub FROM case_photos
		WHERE attachment_id = ? GROUP BY case_id ORDER BY pub DESC, case_id DESC LIMIT ?`, attachmentID, limit)
	if err != nil {
		return nil, fmt.Errorf("read the cases naming photo %s: %w", attachmentID, err)
	}
	defer rows.Close()
	var out []PhotoUse
	for rows.Next() {
		var (
			u   PhotoUse
			pub int
		)
		if err := rows.Scan(&u.CaseID, &pub); err != nil {
			return nil, fmt.Errorf("read the cases naming photo %s: %w", attachmentID, err)
		}
		u.Public = pub == 1
		out = append(out, u)
	}
	return out, rows.Err()
}
