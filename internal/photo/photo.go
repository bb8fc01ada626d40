// Package photo checks and prepares the photos cases carry (DESIGN §4): only JPEG, PNG and
// WebP, recognised by their content rather than their name; bounded in bytes and pixels; and
// turned into a public copy and a thumbnail that are re-encoded from the pixels, so no EXIF
// (GPS position, camera owner) ever leaves staff views.
package photo

import (
	"bytes"
	"image"
	"image/jpeg"
	_ "image/png" // decoders the sniffed types need
	"math"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/citygrid/citygrid/internal/errs"
)

// Limits of what is accepted.
const (
	MaxBytes  = 10 << 20   // a phone photo is 2–6 MB
	MaxPixels = 50_000_000 // larger images are refused before decoding (decompression bombs)
	ThumbSide = 320        // the longer side of a thumbnail, for lists on a phone
	PublicMax = 1920       // the longer side of the public copy
)

// Prepared is a checked photo and its derived copies.
type Prepared struct {
	Type          string // "image/jpeg", "image/png" or "image/webp"
	Width, Height int
	Public        []byte // JPEG, re-encoded: no metadata
	Thumbnail     []byte // JPEG, re-encoded
}

// Sniff returns the type of an image by its first bytes, or "" when it is none we accept.
func Sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && bytes.Equal(b[:8], []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	}
	return ""
}

// Prepare checks an uploaded photo and makes its public copy and thumbnail.
func Prepare(b []byte) (Prepared, error) {
	if len(b) > MaxBytes {
		return Prepared{}, errs.Refuse(errs.TooLarge, "photo_too_large", errs.Params{"mb": MaxBytes >> 20}, "a photo may have at most %d MB", MaxBytes>>20)
	}
	typ := Sniff(b)
	if typ == "" {
		return Prepared{}, errs.Coded(errs.Invalid, "unsupported_type", "only JPEG, PNG and WebP photos are accepted (HEIC is converted by the browser)")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return Prepared{}, errs.Coded(errs.Invalid, "unreadable_image", "the photo cannot be read as %s", typ)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return Prepared{}, errs.Refuse(errs.Invalid, "photo_too_many_pixels", errs.Params{"megapixels": MaxPixels / 1_000_000}, "a photo may have at most %d megapixels", MaxPixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return Prepared{}, errs.Coded(errs.Invalid, "unreadable_image", "the photo cannot be read as %s", typ)
	}
	public, err := encode(img, PublicMax, 85)
	if err != nil {
		return Prepared{}, err
	}
	thumb, err := encode(img, ThumbSide, 75)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{Type: typ, Width: cfg.Width, Height: cfg.Height, Public: public, Thumbnail: thumb}, nil
}

// encode scales img down so its longer side is at most side and writes it as JPEG.
func encode(img image.Image, side, quality int) ([]byte, error) {
	b := img.Bounds()
	scale := math.Min(1, float64(side)/float64(max(b.Dx(), b.Dy())))
	w, h := max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
