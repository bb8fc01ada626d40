package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

type formPart struct {
	field, filename string
	data            []byte
}

// multipartForm builds a multipart/form-data body from parts in order.
func multipartForm(t *testing.T, parts ...formPart) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.filename+`"`)
			h.Set("Content-Type", "application/octet-stream")
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"`)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	mw.Close()
	return mw.FormDataContentType(), b.String()
}

func pngOf(t *testing.T, seed uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	img.Set(int(seed%20), 0, color.RGBA{seed, 200, 3, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A report may carry its photos in the same request (multipart): the photos are stored with
// the case, and a refused report stores neither.
func TestMultipartReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0005)
		report, _ := json.Marshal(reportAt(p, nil))
		ct, body := multipartForm(t, formPart{"case", "", report}, formPart{"photo", "a.png", pngOf(t, 1)}, formPart{"photo", "b.png", pngOf(t, 2)})
		r := anon.do(t, "POST", "/api/v1/cases", body, "Content-Type", ct)
		wantStatus(t, r, http.StatusCreated)
		var c caseBody
		r.decode(t, &c)
		if len(c.Photos) != 2 {
			t.Fatalf("photos %v, want 2", c.Photos)
		}
		for _, id := range c.Photos {
			wantStatus(t, anon.do(t, "GET", "/api/v1/attachments/"+id+"?variant=thumbnail", nil), http.StatusOK)
		}

		// recorded counts the parts' photos that have an attachment record.
		recorded := func(parts []formPart) int {
			n := 0
			for _, p := range parts {
				if p.field != "photo" {
					continue
				}
				sum := sha256.Sum256(p.data)
				if _, err := db.Attachment(t.Context(), hex.EncodeToString(sum[:])); err == nil {
					n++
				} else if !errs.Is(err, errs.NotFound) {
					t.Fatal(err)
				}
			}
			return n
		}
		outside, _ := json.Marshal(reportAt([2]float64{100, 20}, nil))
		var seven []formPart
		seven = append(seven, formPart{"case", "", report})
		for i := range 7 {
			seven = append(seven, formPart{"photo", "p.png", pngOf(t, uint8(10+i))})
		}
		refusals := []struct {
			name   string
			parts  []formPart
			status int
			code   string
		}{
			{"no case field", []formPart{{"photo", "a.png", pngOf(t, 3)}}, 422, "invalid"},
			{"malformed case JSON", []formPart{{"case", "", []byte(`{"category":`)}, {"photo", "a.png", pngOf(t, 4)}}, 400, "malformed_json"},
			{"a wrongly typed field", []formPart{{"case", "", []byte(`{"lon":"east"}`)}}, 400, "wrong_type"},
			{"a photo that is no image", []formPart{{"case", "", report}, {"photo", "a.png", []byte("not an image at all")}}, 422, "invalid"},
			{"seven photos", seven, 422, "invalid"},
			{"a place outside the city, with a good photo", []formPart{{"case", "", outside}, {"photo", "a.png", pngOf(t, 5)}}, 404, "outside_area"},
			{"two case fields", []formPart{{"case", "", report}, {"case", "", report}}, 422, "invalid"},
		}
		for _, tt := range refusals {
			cases := storedCases(t, db, c.Ticket[:8])
			ct, body := multipartForm(t, tt.parts...)
			wantError(t, anon.do(t, "POST", "/api/v1/cases", body, "Content-Type", ct), tt.status, tt.code)
			if recorded(tt.parts) != 0 || storedCases(t, db, c.Ticket[:8]) != cases {
				t.Errorf("%s: a refused report stored something", tt.name)
			}
		}
		big := formPart{"photo", "big.png", bytes.Repeat([]byte("x"), 11<<20)}
		ct, body = multipartForm(t, formPart{"case", "", report}, big)
		wantError(t, anon.do(t, "POST", "/api/v1/cases", body, "Content-Type", ct), http.StatusRequestEntityTooLarge, "too_large")
		if !strings.HasPrefix(ct, "multipart/form-data") {
			t.Fatal(ct)
		}
	})
}
