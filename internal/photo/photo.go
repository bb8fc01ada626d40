// Package photo checks and prepares the photos cases carry (DESIGN §4): only JPEG, PNG and
// WebP, recognised by their content rather than their name; bounded in bytes and in the memory
// their pixels take; and turned into a public copy and a thumbnail that are re-encoded from the
// pixels, so no EXIF (GPS position, camera owner) ever leaves staff views.
//
// Decoding is the costly part: a 60 KB PNG may hold 7000 × 7000 pixels, 196 MB once decoded,
// and anyone may upload. So each photo's decoded size is worked out from its header before
// anything is decoded and refused above MaxDecodedBytes, and a Preparer lets only a bounded
// number of photos, and of decoded bytes, be in memory at once: the rest wait their turn.
package photo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // decoders the sniffed types need
	"runtime"
	"time"

	_ "golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"

	"github.com/citygrid/citygrid/internal/errs"
)

// Limits of what is accepted.
const (
	MaxBytes  = 10 << 20   // a phone photo is 2–6 MB
	MaxPixels = 40_000_000 // a 40-megapixel phone photo is the largest there is
	// MaxDecodedBytes bounds the memory one photo's pixels take while it is prepared: 40
	// megapixels at 4 bytes each. Deeper images (16-bit PNG, progressive JPEG, whose decoder
	// keeps every coefficient) reach it with fewer pixels.
	MaxDecodedBytes = MaxPixels * 4
	ThumbSide       = 320  // the longer side of a thumbnail, for lists on a phone
	PublicMax       = 1920 // the longer side of the public copy
)

// Limits bound the photos one Preparer has in memory at once.
type Limits struct {
	// Concurrent photos decode at once; default 2 (decoding is CPU work as well).
	Concurrent int
	// Budget bounds the decoded bytes (as worked out from the headers) in memory at once;
	// default DefaultBudget, which lets one photo of MaxDecodedBytes be prepared at a time and
	// several phone photos side by side.
	Budget int64
	// Wait is how long a photo waits for its turn before its upload is refused as busy;
	// default 30 s.
	Wait time.Duration
}

// collectAbove is the decoded size above which a photo's pixels are collected as soon as it is
// prepared; below it, the collector's own pace is soon enough.
const collectAbove = 64 << 20

// DefaultBudget is the default Limits.Budget: one photo of the largest decoded size with its
// copies, or several phone photos.
const DefaultBudget = MaxDecodedBytes + 32<<20

// Preparer prepares photos within its Limits. One Preparer serves a whole process: the memory
// it bounds is the process's.
type Preparer struct {
	limits Limits
	slots  *semaphore.Weighted
	bytes  *semaphore.Weighted
}

// NewPreparer returns a Preparer with limits, zero values taking the defaults.
func NewPreparer(limits Limits) *Preparer {
	if limits.Concurrent <= 0 {
		limits.Concurrent = 2
	}
	if limits.Budget <= 0 {
		limits.Budget = DefaultBudget
	}
	if limits.Wait <= 0 {
		limits.Wait = 30 * time.Second
	}
	return &Preparer{limits: limits, slots: semaphore.NewWeighted(int64(limits.Concurrent)), bytes: semaphore.NewWeighted(limits.Budget)}
}

// shared is the process's Preparer.
var shared = NewPreparer(Limits{})

// Shared returns the process's Preparer, with the default limits: the one every use of the
// process's memory should go through.
func Shared() *Preparer { return shared }

// Prepare prepares a photo with the process's shared Preparer.
func Prepare(ctx context.Context, b []byte) (Prepared, error) { return shared.Prepare(ctx, b) }

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

// Check reads a photo's header: its type and size, and the bytes decoding it would take. A
// photo that is not one, or that would take more than MaxDecodedBytes, is refused.
func Check(b []byte) (typ string, cfg image.Config, decoded int64, err error) {
	if len(b) > MaxBytes {
		return "", cfg, 0, errs.Refuse(errs.TooLarge, "photo_too_large", errs.Params{"mb": MaxBytes >> 20}, "a photo may have at most %d MB", MaxBytes>>20)
	}
	typ = Sniff(b)
	if typ == "" {
		return "", cfg, 0, errs.Coded(errs.Invalid, "unsupported_type", "only JPEG, PNG and WebP photos are accepted (HEIC is converted by the browser)")
	}
	cfg, _, err = image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", cfg, 0, errs.Coded(errs.Invalid, "unreadable_image", "the photo cannot be read as %s", typ)
	}
	perPixel := bytesPerPixel(typ, b, cfg.ColorModel)
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > MaxPixels || float64(pixels)*perPixel > MaxDecodedBytes {
		most := min(MaxPixels, int64(MaxDecodedBytes/perPixel))
		return "", cfg, 0, errs.Refuse(errs.Invalid, "photo_too_many_pixels",
			errs.Params{"megapixels": most / 1_000_000, "width": cfg.Width, "height": cfg.Height},
			"a photo like this may have at most %d megapixels, not %d × %d", most/1_000_000, cfg.Width, cfg.Height)
	}
	return typ, cfg, int64(float64(pixels) * perPixel), nil
}

// Prepare checks an uploaded photo and makes its public copy and thumbnail, waiting for its
// turn when other photos take the memory it needs.
func (p *Preparer) Prepare(ctx context.Context, b []byte) (Prepared, error) {
	typ, cfg, decoded, err := Check(b)
	if err != nil {
		return Prepared{}, err
	}
	// Decoding, the public copy and the thumbnail all hold their pixels at once.
	pw, ph := fit(cfg.Width, cfg.Height, PublicMax)
	need := min(decoded+int64(pw)*int64(ph)*4*2, p.limits.Budget)
	release, err := p.turn(ctx, need)
	if err != nil {
		return Prepared{}, err
	}
	defer release()
	if decoded >= collectAbove {
		// The decoded pixels are garbage once the copies are made. Collected before the next
		// photo takes its turn, they are not still in memory beside its pixels, as they would
		// be until the collector's pacer came round to them: one large photo's memory, not two.
		defer runtime.GC()
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return Prepared{}, errs.Coded(errs.Invalid, "unreadable_image", "the photo cannot be read as %s", typ)
	}
	public := shrink(img, PublicMax)
	img = nil // the decoded pixels may go before the copies are encoded
	thumb := shrink(public, ThumbSide)
	var pub, th bytes.Buffer
	if err := jpeg.Encode(&pub, public, &jpeg.Options{Quality: 85}); err != nil {
		return Prepared{}, err
	}
	if err := jpeg.Encode(&th, thumb, &jpeg.Options{Quality: 75}); err != nil {
		return Prepared{}, err
	}
	return Prepared{Type: typ, Width: cfg.Width, Height: cfg.Height, Public: pub.Bytes(), Thumbnail: th.Bytes()}, nil
}

// turn waits, at most limits.Wait, until one more photo of need bytes may be decoded.
func (p *Preparer) turn(parent context.Context, need int64) (release func(), err error) {
	ctx, cancel := context.WithTimeout(parent, p.limits.Wait)
	defer cancel()
	busy := func(err error) error {
		if parent.Err() != nil {
			return err // the caller is gone
		}
		return &errs.Error{Kind: errs.Unavailable, Code: string(errs.Unavailable), Reason: "photo_busy", RetryAfter: 10 * time.Second,
			Message: "the server is busy preparing other photos; try again in a few seconds"}
	}
	if err := p.slots.Acquire(ctx, 1); err != nil {
		return nil, busy(err)
	}
	if err := p.bytes.Acquire(ctx, need); err != nil {
		p.slots.Release(1)
		return nil, busy(err)
	}
	return func() { p.bytes.Release(need); p.slots.Release(1) }, nil
}

// bytesPerPixel is what decoding a photo of this type and colour model takes per pixel, at
// most: the image the decoder allocates, and for a progressive JPEG the coefficients it keeps
// (4 bytes a pixel for each full-size component).
func bytesPerPixel(typ string, b []byte, m color.Model) float64 {
	if typ == "image/jpeg" {
		l := jpegLayout(b)
		per := l.samples
		if m == color.CMYKModel || l.rgb {
			per += 4 // converted into a second, 4-byte image after decoding
		}
		if l.progressive {
			per += 4 * l.samples
		}
		return per
	}
	var per float64
	switch m.(type) {
	case color.Palette:
		per = 1
	default:
		switch m {
		case color.GrayModel, color.AlphaModel:
			per = 1
		case color.Gray16Model, color.Alpha16Model:
			per = 2
		case color.YCbCrModel:
			per = 1.5 // WebP's lossy images are 4:2:0
		case color.RGBAModel, color.NRGBAModel:
			per = 4
		default: // 16-bit colour, or anything else
			per = 8
		}
	}
	switch {
	case typ == "image/png" && len(b) > 28 && b[28] == 1:
		// An interlaced PNG's seven passes are decoded into images of their own and merged.
		per *= 2
	case typ == "image/webp" && m != color.YCbCrModel:
		// Lossless WebP (and a lossy one's alpha, which is lossless) decodes into 4 bytes a
		// pixel before it is copied into the image.
		per = 8
	}
	return per
}

// layout is what a JPEG's headers say about decoding it.
type layout struct {
	samples     float64 // bytes a pixel takes decoded: 1 for grey, 3 for full-size colour, 1.5 for colour sampled 4:2:0
	progressive bool    // the decoder keeps every coefficient (4 bytes a sample) until the end
	rgb         bool    // Adobe RGB: converted to RGBA after decoding
}

// jpegLayout reads a JPEG's headers up to the frame header. What cannot be read is taken at
// its most costly.
func jpegLayout(b []byte) layout {
	worst := layout{samples: 4, progressive: true, rgb: true}
	var rgb bool
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return worst
		}
		marker := b[i+1]
		if marker == 0xFF { // fill bytes
			i++
			continue
		}
		if marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 {
			i += 2
			continue
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 {
			return worst
		}
		seg := b[i+4 : min(len(b), i+2+n)]
		if marker == 0xEE && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")) {
			rgb = seg[11] == 0 // the transform: 0 is RGB
		}
		sof := marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
		if !sof {
			i += 2 + n
			continue
		}
		if len(seg) < 6 {
			return worst
		}
		comps := int(seg[5])
		if comps < 1 || len(seg) < 6+3*comps {
			return worst
		}
		var hmax, vmax int
		for c := range comps {
			f := seg[6+3*c+1]
			hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&0x0F))
		}
		if hmax == 0 || vmax == 0 {
			return worst
		}
		l := layout{progressive: marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE, rgb: rgb && comps == 3}
		for c := range comps {
			f := seg[6+3*c+1]
			l.samples += float64(int(f>>4)*int(f&0x0F)) / float64(hmax*vmax)
		}
		return l
	}
	return worst
}
