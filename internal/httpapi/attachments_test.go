package httpapi_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// multipartBody wraps data as a form field.
func multipartBody(t *testing.T, field string, data []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile(field, "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func TestAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		blobs, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(db, app.Options{BcryptCost: bcrypt.MinCost, Logger: quiet, Blobs: blobs})
		if err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(t.Context(), a, demo.Options{}); err != nil {
			t.Fatal(err)
		}
		ts := serve(t, a)
		anon := ts.anonymous()
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		img.Set(1, 1, color.RGBA{255, 0, 0, 255})
		var pngData bytes.Buffer
		if err := png.Encode(&pngData, img); err != nil {
			t.Fatal(err)
		}
		upload := func(c *client, field string, data []byte) *response {
			ct, body := multipartBody(t, field, data)
			return c.do(t, "POST", "/api/v1/attachments", string(body), "Content-Type", ct)
		}

		r := upload(anon, "file", pngData.Bytes())
		wantStatus(t, r, http.StatusCreated)
		var got struct {
			ID           string `json:"id"`
			URL          string `json:"url"`
			ThumbnailURL string `json:"thumbnail_url"`
		}
		var raw map[string]any
		r.decode(t, &raw)
		r.decode(t, &got)
		if len(got.ID) != 64 || raw["content_type"] != "image/png" || got.URL == "" || got.ThumbnailURL == "" {
			t.Fatalf("upload answer %v", raw)
		}

		t.Run("the same photo again is the same attachment", func(t *testing.T) {
			var again map[string]any
			r := upload(anon, "file", pngData.Bytes())
			wantStatus(t, r, http.StatusCreated)
			r.decode(t, &again)
			if again["id"] != got.ID {
				t.Errorf("id %v, want %s", again["id"], got.ID)
			}
		})
		t.Run("a report names only uploaded photos", func(t *testing.T) {
			p := pointWellInside(t, regionGeometry(t, anon, demo.GridWorkerGrid), 0.0005)
			report := func(photo string) *response {
				return anon.do(t, "POST", "/api/v1/cases", map[string]any{"category": "09009", "category_kind": "matter",
					"lon": p[0], "lat": p[1], "photos": []string{photo}})
			}
			wantError(t, report(strings.Repeat("a", 64)), http.StatusUnprocessableEntity, "invalid")
			wantStatus(t, report(got.ID), http.StatusCreated)
		})
		t.Run("once a report of a public category names it, anyone gets the public copy and the thumbnail as JPEG", func(t *testing.T) {
			for _, u := range []string{got.URL, got.ThumbnailURL} {
				r := anon.do(t, "GET", u, nil)
				wantStatus(t, r, http.StatusOK)
				if ct := r.Header.Get("Content-Type"); ct != "image/jpeg" || !bytes.HasPrefix(r.Body, []byte{0xFF, 0xD8, 0xFF}) {
					t.Errorf("%s: %s, %d bytes", u, ct, len(r.Body))
				}
			}
		})
		t.Run("the original is for staff who may see the case", func(t *testing.T) {
			wantError(t, anon.do(t, "GET", got.URL+"?variant=original", nil), http.StatusForbidden, "forbidden")
			r := ts.signedIn(t, "operator").do(t, "GET", got.URL+"?variant=original", nil)
			wantStatus(t, r, http.StatusOK)
			if !bytes.Equal(r.Body, pngData.Bytes()) {
				t.Errorf("the original differs from what was uploaded")
			}
		})
		refusals := []struct {
			name   string
			send   func() *response
			status int
			code   string
		}{
			{"text instead of a photo", func() *response { return upload(anon, "file", []byte("hello, world")) }, 422, "unsupported_type"},
			{"a photo in the wrong field", func() *response { return upload(anon, "photo", pngData.Bytes()) }, 422, "invalid"},
			{"JSON instead of multipart", func() *response { return anon.do(t, "POST", "/api/v1/attachments", map[string]string{"file": "x"}) }, 400, "unsupported_media_type"},
			{"a body over the limit", func() *response { return upload(anon, "file", bytes.Repeat([]byte{0xFF}, 12<<20)) }, 413, "too_large"},
			{"an unknown attachment", func() *response { return anon.do(t, "GET", "/api/v1/attachments/"+strings.Repeat("0", 64), nil) }, 404, "not_found"},
			{"an unknown variant", func() *response { return anon.do(t, "GET", got.URL+"?variant=raw", nil) }, 422, "invalid"},
		}
		for _, tt := range refusals {
			t.Run(tt.name+" is refused", func(t *testing.T) {
				wantError(t, tt.send(), tt.status, tt.code)
			})
		}
	})
}
