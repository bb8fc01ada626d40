package photo_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/testkit"
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
			p, err := photo.Prepare(t.Context(), tt.in)
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

// withSize returns a PNG whose header claims w × h pixels of bitDepth and colorType (the
// IHDR's fields), its checksum fixed: what a decompression bomb looks like before decoding.
func withSize(t testing.TB, w, h uint32, bitDepth, colorType byte) []byte {
	t.Helper()
	b := pngBytes(t, 8, 8)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	b[24], b[25] = bitDepth, colorType
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29])) // the IHDR chunk's checksum
	return b
}

func TestPrepareRefusesOversizedPhotos(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         []byte
		megapixels int64 // the most a photo like it may have, as the refusal says
	}{
		{"a header claiming 100,000 × 100,000 pixels", withSize(t, 100_000, 100_000, 8, 6), 40},
		{"a small PNG of 7000 × 7000 pixels, 196 MB decoded", testkit.SolidPNG(7000, 7000, 200), 40},
		{"a 16-bit PNG of 25 megapixels, 200 MB decoded", withSize(t, 5000, 5000, 16, 6), 20},
		{"an interlaced PNG of 25 megapixels, decoded twice over", func() []byte {
			b := withSize(t, 5000, 5000, 8, 6)
			b[28] = 1
			binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
			return b
		}(), 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := photo.Prepare(t.Context(), tc.in)
			reason, params := errs.Detail(err)
			if !errs.Is(err, errs.Invalid) || reason != "photo_too_many_pixels" || params["megapixels"] != tc.megapixels || params["width"] == nil {
				t.Errorf("got %v (reason %s, params %v), want photo_too_many_pixels with megapixels %d and the size", err, reason, params, tc.megapixels)
			}
		})
	}
	t.Run("an upload over the byte limit", func(t *testing.T) {
		if _, err := photo.Prepare(t.Context(), make([]byte, photo.MaxBytes+1)); !errs.Is(err, errs.TooLarge) {
			t.Errorf("an upload over the limit: %v, want too_large", err)
		}
	})
}

// TestCheckBoundsWhatDecodingAllocates holds Check's estimate of a photo's decoded size to what
// the decoders really allocate, for every kind of image they allocate differently for: the
// estimate is what the Preparer bounds memory by.
func TestCheckBoundsWhatDecodingAllocates(t *testing.T) {
	const allowance = 128 << 10 // a decoder's own tables and buffers, whatever the size
	encode := func(img image.Image, asJPEG bool) []byte {
		var b bytes.Buffer
		var err error
		if asJPEG {
			err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
		} else {
			err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, img)
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	r := image.Rect(0, 0, 1200, 800)
	images := map[string][]byte{
		"RGBA PNG":        encode(testImage(1200, 800), false),
		"16-bit PNG":      encode(image.NewNRGBA64(r), false),
		"grey PNG":        encode(image.NewGray(r), false),
		"16-bit grey PNG": encode(image.NewGray16(r), false),
		"paletted PNG":    encode(image.NewPaletted(r, color.Palette{color.Black, color.White}), false),
		"colour JPEG":     encode(testImage(1200, 800), true),
		"grey JPEG":       encode(image.NewGray(r), true),
	}
	files, err := filepath.Glob("testdata/*.*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Ext(f) == ".md" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		images[filepath.Base(f)] = b
	}
	for name, b := range images {
		t.Run(name, func(t *testing.T) {
			_, _, estimate, err := photo.Check(b)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			if _, _, err := image.Decode(bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			if got := int64(after.TotalAlloc - before.TotalAlloc); got > estimate+allowance {
				t.Errorf("decoding allocated %d bytes, the estimate was %d", got, estimate)
			}
		})
	}
}

// TestShrinkAverages: the copies average the pixels each of theirs covers, however the sizes
// divide.
func TestShrinkAverages(t *testing.T) {
	// 4000 × 3 pixels, columns alternating black and white: the public copy (1920 wide, 2.08
	// columns a pixel) and its thumbnail must come out an even grey all over.
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3))
	for x := range 4000 {
		for y := range 3 {
			v := uint8(0)
			if x%2 == 1 {
				v = 255
			}
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p, err := photo.Prepare(t.Context(), b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"public copy": p.Public, "thumbnail": p.Thumbnail} {
		out, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		bnd := out.Bounds()
		for x := bnd.Min.X; x < bnd.Max.X; x += 7 {
			r, _, _, _ := out.At(x, bnd.Min.Y).RGBA()
			if g := r >> 8; g < 110 || g > 145 {
				t.Fatalf("%s: pixel %d is %d, want the grey between black and white", name, x, g)
			}
		}
	}
}

func TestThumbnailIsSmall(t *testing.T) {
	p, err := photo.Prepare(t.Context(), pngBytes(t, 1000, 500))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(p.Thumbnail))
	if err != nil || cfg.Width != photo.ThumbSide || cfg.Height != photo.ThumbSide/2 {
		t.Errorf("thumbnail %dx%d (%v), want %dx%d", cfg.Width, cfg.Height, err, photo.ThumbSide, photo.ThumbSide/2)
	}
}

// FuzzCheck holds the header check to its promise: whatever it passes is within the pixel and
// decoded-size limits, and decodes, if at all, to the size its header said.
func FuzzCheck(f *testing.F) {
	f.Add(pngBytes(f, 4, 4))
	f.Add(jpegWithGPS(f))
	f.Add(withSize(f, 100_000, 100_000, 8, 6))
	f.Add(withSize(f, 5000, 5000, 16, 6))
	for _, name := range []string{"video-001.progressive.jpeg", "video-001.cmyk.jpeg", "yellow_rose.lossy-with-alpha.webp", "gray-gradient.interlaced.png"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, cfg, decoded, err := photo.Check(b)
		if err != nil {
			if code, _ := errs.Public(err); code == string(errs.Internal) {
				t.Fatalf("an unclassified refusal: %v", err)
			}
			return
		}
		pixels := int64(cfg.Width) * int64(cfg.Height)
		if typ == "" || pixels <= 0 || pixels > photo.MaxPixels || decoded < pixels || decoded > photo.MaxDecodedBytes {
			t.Fatalf("passed %s of %d × %d pixels, %d bytes decoded", typ, cfg.Width, cfg.Height, decoded)
		}
		if img, _, err := image.Decode(bytes.NewReader(b)); err == nil && (img.Bounds().Dx() != cfg.Width || img.Bounds().Dy() != cfg.Height) {
			t.Fatalf("the header said %d × %d, the pixels are %v", cfg.Width, cfg.Height, img.Bounds())
		}
	})
}

func FuzzPrepare(f *testing.F) {
	f.Add(pngBytes(f, 4, 4))
	f.Add(jpegWithGPS(f))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := photo.Prepare(t.Context(), b)
		if err == nil && (p.Width <= 0 || len(p.Public) == 0) {
			t.Fatalf("accepted without a public copy: %+v", p)
		}
	})
}
