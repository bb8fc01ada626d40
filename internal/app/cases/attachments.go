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

// OpenPhoto returns a variant of a stored photo and its content type. A photo goes only to
// those who may see one of the cases that name it: its public copy and thumbnail also to
// anyone when a case of a public category shows it publicly (the report's own photos, a
// handling's result); its original, which may carry the photographer's position, only to
// staff. Who uploaded a photo still unused may see it. Others are told it is not there.
func (a *Service) OpenPhoto(ctx context.Context, actor *access.Principal, id, variant string) (io.ReadCloser, string, error) {
	notFound := errs.Refuse(errs.NotFound, "photo_not_found", nil, "attachment %s not found", id)
	if a.Opts.Blobs == nil {
		return nil, "", notFound
	}
	var key string
	switch variant {
	case PhotoPublic:
		key = "public/" + id + ".jpg"
	case PhotoThumbnail:
		key = "thumbnail/" + id + ".jpg"
	case PhotoOriginal:
		if !kernel.IsStaff(actor) {
			return nil, "", errs.Refuse(errs.Forbidden, "staff_only", nil, "originals are for staff; the public copy has no location data")
		}
		key = "original/" + id
	default:
		return nil, "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "variant", "value": variant}, "variant must be public, thumbnail or original")
	}
	att, err := a.DB.Attachment(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, "", notFound
	} else if err != nil {
		return nil, "", err
	}
	ok, err := a.maySeePhoto(ctx, actor, att, variant == PhotoOriginal)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", notFound
	}
	r, err := a.Opts.Blobs.Open(ctx, key)
	if err != nil {
		return nil, "", err
	}
	if variant == PhotoOriginal {
		return r, att.ContentType, nil
	}
	return r, "image/jpeg", nil
}

// photoUsesChecked bounds the cases read to decide who may see a photo: content-addressed, one
// photo may be named by many cases, and one the reader may see is among the first that come.
const photoUsesChecked = 50

// maySeePhoto tells whether actor may see a photo: the console always; its uploader while it is
// theirs (signed in, the name recorded with it); whoever may see a case naming it; and, for a
// public copy, anyone when a case of a public category names it publicly.
func (a *Service) maySeePhoto(ctx context.Context, actor *access.Principal, att store.Attachment, original bool) (bool, error) {
	anonymous := (*access.Principal)(nil).Name()
	if actor != nil && (actor.System || (att.Uploader == actor.Name() && att.Uploader != anonymous)) {
		return true, nil
	}
	uses, err := a.DB.PhotoUses(ctx, att.ID, photoUsesChecked)
	if err != nil {
		return false, err
	}
	for _, u := range uses {
		rec, err := a.DB.Case(ctx, u.CaseID)
		if err != nil {
			return false, err
		}
		if a.canSee(actor, rec) {
			return true, nil
		}
		if original || !u.Public {
			continue
		}
		cat, err := a.Category(ctx, rec.State.Kind, rec.State.Category)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return false, err
		}
		if err == nil && cat.Public {
			return true, nil
		}
	}
	return false, nil
}
