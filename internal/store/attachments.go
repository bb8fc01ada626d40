package store

import (
	"context"
	"fmt"
	"time"
)

// Attachment is a stored file's record; its bytes live in a blob store.
type Attachment struct {
	ID          string    `json:"id"` // SHA-256 of the original, hex
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	Uploader    string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// PutAttachment records an attachment; recording the same content again is a no-op.
func (db *DB) PutAttachment(ctx context.Context, a Attachment) error {
	_, err := db.exec(ctx, `INSERT INTO attachments (id, content_type, size, width, height, uploader, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.ContentType, a.Size, a.Width, a.Height, a.Uploader, micros(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("record attachment: %w", err)
	}
	return nil
}

// Attachment returns an attachment's record.
func (db *DB) Attachment(ctx context.Context, id string) (Attachment, error) {
	var (
		a  Attachment
		at int64
	)
	err := db.queryRow(ctx, `SELECT id, content_type, size, width, height, uploader, created_at FROM attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.ContentType, &a.Size, &a.Width, &a.Height, &a.Uploader, &at)
	if err != nil {
		return Attachment{}, notFound(err, "attachment %s not found", id)
	}
	a.CreatedAt = fromMicros(at)
	return a, nil
}
