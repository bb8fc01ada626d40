package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// Photo variants.
const (
	PhotoPublic    = "public"    // re-encoded, no metadata: what anyone may see
	PhotoThumbnail = "thumbnail" // small, for lists
	PhotoOriginal  = "original"  // as uploaded, EXIF and all: staff only
)

// UploadPhoto checks a photo and stores it with its public copy and thumbnail, keyed by the
// SHA-256 of its bytes (the same photo uploaded twice is stored once). Anyone may upload: the
// public reports with photos too.
func (a *Service) UploadPhoto(ctx context.Context, actor *access.Principal, data []byte) (store.Attachment, error) {
	att, err := a.storePhoto(ctx, actor, data)
	if err != nil {
		return store.Attachment{}, err
	}
	// Bytes first, record after: a record never points at bytes that are not there.
	if err := a.DB.PutAttachment(ctx, att); err != nil {
		return store.Attachment{}, err
	}
	return att, nil
}

// storePhoto checks a photo and stores its bytes and variants, returning the record the caller
// writes. Unrecorded bytes are invisible: content-addressed, nothing refers to them.
func (a *Service) storePhoto(ctx context.Context, actor *access.Principal, data []byte) (store.Attachment, error) {
	if a.Opts.Blobs == nil {
		return store.Attachment{}, errs.Refuse(errs.Unavailable, "no_attachments", nil, "this server keeps no attachments (no data directory)")
	}
	p, err := a.Opts.Photos.Prepare(ctx, data)
	if err != nil {
		return store.Attachment{}, err
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	for key, b := range map[string][]byte{"original/" + id: data, "public/" + id + ".jpg": p.Public, "thumbnail/" + id + ".jpg": p.Thumbnail} {
		if err := a.Opts.Blobs.Put(ctx, key, b); err != nil {
			return store.Attachment{}, err
		}
	}
	return store.Attachment{ID: id, ContentType: p.Type, Size: int64(len(data)), Width: p.Width, Height: p.Height,
		Uploader: actor.Name(), CreatedAt: a.Now()}, nil
}

// OpenPhoto returns a variant of a stored photo and its content type. The original, which may
// carry the photographer's position, is for staff only.
func (a *Service) OpenPhoto(ctx context.Context, actor *access.Principal, id, variant string) (io.ReadCloser, string, error) {
	if a.Opts.Blobs == nil {
		return nil, "", errs.Refuse(errs.NotFound, "photo_not_found", nil, "attachment %s not found", id)
	}
	att, err := a.DB.Attachment(ctx, id)
	if err != nil {
		return nil, "", err
	}
	switch variant {
	case PhotoPublic:
		r, err := a.Opts.Blobs.Open(ctx, "public/"+id+".jpg")
		return r, "image/jpeg", err
	case PhotoThumbnail:
		r, err := a.Opts.Blobs.Open(ctx, "thumbnail/"+id+".jpg")
		return r, "image/jpeg", err
	case PhotoOriginal:
		if !kernel.IsStaff(actor) {
			return nil, "", errs.Refuse(errs.Forbidden, "staff_only", nil, "originals are for staff; the public copy has no location data")
		}
		r, err := a.Opts.Blobs.Open(ctx, "original/"+id)
		return r, att.ContentType, err
	}
	return nil, "", errs.E(errs.Invalid, "variant must be public, thumbnail or original")
}
