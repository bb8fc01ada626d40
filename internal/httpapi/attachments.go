package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/photo"
)

// uploadAttachment answers POST /api/v1/attachments (multipart/form-data, field "file").
func (s *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, photo.MaxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		s.fail(w, r, errs.Coded(errs.BadRequest, "unsupported_media_type", "send the photo as multipart/form-data in a field named file"))
		return
	}
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.fail(w, r, uploadError(err))
			return
		}
		if part.FormName() != "file" {
			continue
		}
		if data, err = io.ReadAll(io.LimitReader(part, photo.MaxBytes+1)); err != nil {
			s.fail(w, r, uploadError(err))
			return
		}
		break
	}
	if data == nil {
		s.fail(w, r, errs.Required("file", "no field named file in the upload"))
		return
	}
	att, err := s.app.Cases.UploadPhoto(r.Context(), principal(r), data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	url := "/api/v1/attachments/" + att.ID
	writeJSON(w, http.StatusCreated, map[string]any{"id": att.ID, "url": url, "thumbnail_url": url + "?variant=thumbnail",
		"content_type": att.ContentType, "width": att.Width, "height": att.Height})
}

func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.Refuse(errs.TooLarge, "photo_too_large", errs.Params{"mb": photo.MaxBytes >> 20}, "the upload is larger than %d MB", photo.MaxBytes>>20)
	}
	return errs.Coded(errs.BadRequest, "malformed_upload", "unreadable multipart upload: %v", err)
}

// getAttachment answers GET /api/v1/attachments/{id}[?variant=public|thumbnail|original].
func (s *Handler) getAttachment(w http.ResponseWriter, r *http.Request) {
	variant := r.URL.Query().Get("variant")
	if variant == "" {
		variant = cases.PhotoPublic
	}
	rc, contentType, err := s.app.Cases.OpenPhoto(r.Context(), principal(r), r.PathValue("id"), variant)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// Content-addressed: the bytes behind an id never change.
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	_, _ = io.Copy(w, rc)
}
