// Package glyphs draws short Chinese labels (a category's name) into demo photos without a
// font file: it embeds 16×16 one-bit renderings of the characters the national category
// dictionary uses, made from Noto Sans CJK (SIL Open Font License) by `go test -update` in
// this package on a machine that has the font.
package glyphs

import (
	_ "embed"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"sort"
)

// Size is a glyph's width and height in pixels.
const Size = 16

// recordLen is one glyph in glyphs.bin: the rune (4 bytes, little-endian) and Size rows of
// Size bits.
const recordLen = 4 + Size*Size/8

//go:embed glyphs.bin
var data []byte

// Has tells whether r can be drawn.
func Has(r rune) bool { _, ok := find(r); return ok }

func find(r rune) ([]byte, bool) {
	n := len(data) / recordLen
	i := sort.Search(n, func(i int) bool { return rune(binary.LittleEndian.Uint32(data[i*recordLen:])) >= r })
	if i < n && rune(binary.LittleEndian.Uint32(data[i*recordLen:])) == r {
		return data[i*recordLen+4 : (i+1)*recordLen], true
	}
	return nil, false
}

// Draw writes s at (x, y) (the top left corner) in colour c, scaled by scale, and returns
// the x after the text. Characters it has no glyph for are left as gaps.
func Draw(dst draw.Image, x, y int, s string, c color.Color, scale int) int {
	for _, r := range s {
		if bits, ok := find(r); ok {
			for row := 0; row < Size; row++ {
				line := binary.BigEndian.Uint16(bits[row*2:])
				for col := 0; col < Size; col++ {
					if line&(1<<(15-col)) != 0 {
						draw.Draw(dst, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), image.NewUniform(c), image.Point{}, draw.Src)
					}
				}
			}
		}
		x += Size * scale
	}
	return x
}
