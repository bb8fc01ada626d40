package photo_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/photo"
)

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return img
}

func pngBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegWithGPS is a JPEG carrying an EXIF segment that names a GPS position, as phones write.
func jpegWithGPS(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(64, 48), nil); err != nil {
		t.Fatal(err)
	}
	exif := append([]byte("Exif\x00\x00"), []byte("GPSLatitude 35.2159 GPSLongitude 113.2418")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(exif)+2))
	out := append([]byte{0xFF, 0xD8}, append(seg, exif...)...)
	return append(out, b.Bytes()[2:]...)
}

func TestPrepare(t *testing.T) {
	withGPS := jpegWithGPS(t)
	if !bytes.Contains(withGPS, []byte("GPSLatitude")) {
		t.Fatal("the fixture lost its EXIF")
	}
	tests := []struct {
		name string
		in   []byte
		typ  string
		code string // "" = accepted
	}{
		{"a PNG", pngBytes(t, 40, 30), "image/png", ""},
		{"a JPEG with a GPS position", withGPS, "image/jpeg", ""},
		{"text named like a photo", []byte("this is not a photo at all"), "", "unsupported_type"},
		{"a GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", "unsupported_type"},
		{"a truncated JPEG", withGPS[:len(withGPS)/3], "", "unreadable_image"},
		{"an empty upload", nil, "", "unsupported_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := photo.Prepare(tt.in)
			if tt.code != "" {
				code, _ := errs.Public(err)
				if code != tt.code {
					t.Fatalf("Prepare error = %v (code %s), want %s", err, code, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != tt.typ || photo.Sniff(p.Public) != "image/jpeg" || photo.Sniff(p.Thumbnail) != "image/jpeg" {
				t.Errorf("type %s, public %s, thumbnail %s", p.Type, photo.Sniff(p.Public), photo.Sniff(p.Thumbnail))
			}
			for name, b := range map[string][]byte{"public copy": p.Public, "thumbnail": p.Thumbnail} {
				if bytes.Contains(b, []byte("Exif")) || bytes.Contains(b, []byte("GPS")) {
					t.Errorf("the %s still carries EXIF", name)
				}
			}
		})
	}
}

func TestPrepareRefusesOversizedPhotos(t *testing.T) {
	// A PNG header claiming 100,000 × 100,000 pixels is refused before anything is decoded.
	b := pngBytes(t, 8, 8)
	binary.BigEndian.PutUint32(b[16:], 100_000)
	binary.BigEndian.PutUint32(b[20:], 100_000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29])) // the IHDR chunk's checksum
	if _, err := photo.Prepare(b); err == nil || !strings.Contains(err.Error(), "megapixels") {
		t.Errorf("a decompression bomb: %v, want a refusal naming megapixels", err)
	}
	if _, err := photo.Prepare(make([]byte, photo.MaxBytes+1)); !errs.Is(err, errs.TooLarge) {
		t.Errorf("an upload over the limit: %v, want too_large", err)
	}
}

func TestThumbnailIsSmall(t *testing.T) {
	p, err := photo.Prepare(pngBytes(t, 1000, 500))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(p.Thumbnail))
	if err != nil || cfg.Width != photo.ThumbSide || cfg.Height != photo.ThumbSide/2 {
		t.Errorf("thumbnail %dx%d (%v), want %dx%d", cfg.Width, cfg.Height, err, photo.ThumbSide, photo.ThumbSide/2)
	}
}

func FuzzPrepare(f *testing.F) {
	f.Add(pngBytes(f, 4, 4))
	f.Add(jpegWithGPS(f))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := photo.Prepare(b)
		if err == nil && (p.Width <= 0 || len(p.Public) == 0) {
			t.Fatalf("accepted without a public copy: %+v", p)
		}
	})
}
