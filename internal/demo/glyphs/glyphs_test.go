package glyphs_test

import (
	"encoding/binary"
	"flag"
	"image"
	"image/color"
	"os"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/citygrid/citygrid/internal/demo/glyphs"
	"github.com/citygrid/citygrid/internal/workflow"
)

var update = flag.Bool("update", false, "render glyphs.bin again from Noto Sans CJK")

const notoCJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

// extra are the characters demo photos write besides category names.
const extra = "处置前后"

// wanted are the characters of every national category's name, and extra.
func wanted() []rune {
	var rs []rune
	names := []string{extra}
	for _, c := range workflow.NationalCategories() {
		names = append(names, c.Name)
	}
	for _, name := range names {
		for _, r := range name {
			if r > 0x7f && !slices.Contains(rs, r) {
				rs = append(rs, r)
			}
		}
	}
	slices.Sort(rs)
	return rs
}

// Every character of every national category's name can be drawn.
func TestEveryCategoryNameCanBeDrawn(t *testing.T) {
	if *update {
		render(t)
	}
	for _, r := range wanted() {
		if !glyphs.Has(r) {
			t.Errorf("no glyph for %q: run go test -update in internal/demo/glyphs", r)
		}
	}
}

// Drawing sets pixels: a label is not an empty picture.
func TestDrawSetsPixels(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 32))
	if x := glyphs.Draw(img, 0, 0, "井盖", color.Black, 1); x != 2*glyphs.Size {
		t.Errorf("Draw advanced to %d, want %d", x, 2*glyphs.Size)
	}
	set := 0
	for y := 0; y < 16; y++ {
		for x := 0; x < 32; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				set++
			}
		}
	}
	if set < 20 {
		t.Errorf("drawing 井盖 set %d pixels, want a legible shape", set)
	}
}

func render(t *testing.T) {
	raw, err := os.ReadFile(notoCJK)
	if err != nil {
		t.Fatalf("-update needs %s: %v", notoCJK, err)
	}
	coll, err := opentype.ParseCollection(raw)
	if err != nil {
		t.Fatal(err)
	}
	var face font.Face
	for i := 0; i < coll.NumFonts(); i++ {
		f, err := coll.Font(i)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := f.Name(nil, 1) // family
		if name == "Noto Sans CJK SC" {
			if face, err = opentype.NewFace(f, &opentype.FaceOptions{Size: 15, DPI: 72, Hinting: font.HintingFull}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if face == nil {
		t.Fatal("no Noto Sans CJK SC in the collection")
	}
	var out []byte
	for _, r := range wanted() {
		img := image.NewAlpha(image.Rect(0, 0, glyphs.Size, glyphs.Size))
		d := font.Drawer{Dst: img, Src: image.White, Face: face, Dot: fixed.P(0, 13)}
		d.DrawString(string(r))
		rec := binary.LittleEndian.AppendUint32(nil, uint32(r))
		for y := 0; y < glyphs.Size; y++ {
			var line uint16
			for x := 0; x < glyphs.Size; x++ {
				if img.AlphaAt(x, y).A >= 100 {
					line |= 1 << (15 - x)
				}
			}
			rec = binary.BigEndian.AppendUint16(rec, line)
		}
		out = append(out, rec...)
	}
	if err := os.WriteFile("glyphs.bin", out, 0o644); err != nil {
		t.Fatal(err)
	}
}
