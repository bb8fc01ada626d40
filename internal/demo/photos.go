package demo

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo/glyphs"
)

// The demo's photos are drawn, not taken: a scene of a few shapes in the category's colours
// with its name and whether it is before or after handling written on it. A few variants of
// each are uploaded once through the photo use case and shared by the reports, so the
// history's photos cost a few hundred kilobytes, not a gigabyte.

// photoVariants is how many different pictures a category has of each kind.
const photoVariants = 2

type photoPool struct {
	a     *app.App
	actor *access.Principal
	ids   map[string]string // kind/category/variant → attachment id
	made  int
}

func newPhotoPool(a *app.App, actor *access.Principal) *photoPool {
	return &photoPool{a: a, actor: actor, ids: map[string]string{}}
}

// before is a photo of the problem; after, of the place once handled.
func (p *photoPool) before(ctx context.Context, tp *topic) (string, error) {
	return p.get(ctx, tp, false)
}
func (p *photoPool) after(ctx context.Context, tp *topic) (string, error) {
	return p.get(ctx, tp, true)
}

// get picks a variant by turns, so that choosing one draws nothing from the history's random
// numbers.
func (p *photoPool) get(ctx context.Context, tp *topic, after bool) (string, error) {
	p.made++
	key := fmt.Sprintf("%s/%s/%t/%d", tp.kind, tp.code, after, p.made%photoVariants)
	if id, ok := p.ids[key]; ok {
		return id, nil
	}
	data, err := Photo(tp.cat.Name, tp.cat.MajorCode, after, p.made%photoVariants)
	if err != nil {
		return "", err
	}
	att, err := p.a.Cases.UploadPhoto(ctx, p.actor, data)
	if err != nil {
		return "", fmt.Errorf("upload demo photo %s: %w", key, err)
	}
	p.ids[key] = att.ID
	return att.ID, nil
}

// palettes: the scene's colours per major class (ground, objects), so a list of photos reads
// at a glance.
var palettes = map[string][2]color.RGBA{
	"01": {{0x9e, 0xa7, 0xad, 0xff}, {0x37, 0x47, 0x4f, 0xff}}, // municipal: asphalt and iron
	"02": {{0xb0, 0xbe, 0xc5, 0xff}, {0xf9, 0xa8, 0x25, 0xff}}, // traffic: road and signal yellow
	"03": {{0xc8, 0xe6, 0xc9, 0xff}, {0x2e, 0x7d, 0x32, 0xff}}, // sanitation facilities
	"04": {{0xa5, 0xd6, 0xa7, 0xff}, {0x55, 0x8b, 0x2f, 0xff}}, // green
	"06": {{0xd7, 0xcc, 0xc8, 0xff}, {0x6d, 0x4c, 0x41, 0xff}}, // street environment
	"07": {{0xff, 0xf3, 0xe0, 0xff}, {0xe6, 0x51, 0x00, 0xff}}, // advertising
	"08": {{0xff, 0xe0, 0xb2, 0xff}, {0x79, 0x55, 0x48, 0xff}}, // construction
	"09": {{0xcf, 0xd8, 0xdc, 0xff}, {0x15, 0x65, 0xc0, 0xff}}, // street order
}

// Photo draws a demo photo: 240×180 pixels, a PNG of a few kilobytes.
func Photo(name, major string, after bool, variant int) ([]byte, error) {
	const w, h = 240, 180
	pal, ok := palettes[major]
	if !ok {
		pal = [2]color.RGBA{{0xe0, 0xe0, 0xe0, 0xff}, {0x61, 0x61, 0x61, 0xff}}
	}
	ground, thing := pal[0], pal[1]
	sky := color.RGBA{0xbb, 0xde, 0xfb, 0xff}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	bar := color.RGBA{0xc6, 0x28, 0x28, 0xff} // before: red
	if after {
		bar = color.RGBA{0x2e, 0x7d, 0x32, 0xff} // after: green
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{sky, ground, thing, white, bar, color.RGBA{0, 0, 0, 0xff}})
	fill := func(r image.Rectangle, c color.Color) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	fill(img.Bounds(), sky)
	fill(image.Rect(0, 70, w, h), ground)
	h32 := fnv.New32a()
	fmt.Fprintf(h32, "%s/%d", name, variant)
	rng := rand.New(rand.NewPCG(uint64(h32.Sum32()), uint64(variant)))
	// Buildings on the skyline, then the scene's things: many and scattered before handling,
	// few and in order after.
	for x := 0; x < w; x += 30 + rng.IntN(30) {
		top := 25 + rng.IntN(40)
		fill(image.Rect(x, top, x+22+rng.IntN(18), 70), color.RGBA{0x90, 0xa4, 0xae, 0xff})
	}
	n := 7 + rng.IntN(5)
	if after {
		n = 2
	}
	for i := 0; i < n; i++ {
		x, y := 10+rng.IntN(w-50), 80+rng.IntN(50)
		size := 8 + rng.IntN(22)
		switch rng.IntN(3) {
		case 0:
			fill(image.Rect(x, y, x+size, y+size*2/3), thing)
		case 1:
			disc(img, x+size/2, y+size/2, size/2, thing)
		default:
			triangle(img, x, y+size, size, thing)
		}
	}
	fill(image.Rect(0, h-40, w, h), bar)
	label := "处置前"
	if after {
		label = "处置后"
	}
	glyphs.Draw(img, 6, h-39, label, white, 1)
	glyphs.Draw(img, 6, h-20, name, white, 1)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func disc(img *image.Paletted, cx, cy, r int, c color.Color) {
	for y := -r; y <= r; y++ {
		for x := -r; x <= r; x++ {
			if x*x+y*y <= r*r {
				img.Set(cx+x, cy+y, c)
			}
		}
	}
}

func triangle(img *image.Paletted, x, base, size int, c color.Color) {
	for row := 0; row < size; row++ {
		half := row / 2
		for dx := -half; dx <= half; dx++ {
			img.Set(x+size/2+dx, base-size+row, c)
		}
	}
}
