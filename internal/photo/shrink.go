package photo

import (
	"image"
	"image/draw"
)

// fit is the size of a w × h image scaled down so its longer side is at most side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, int(int64(h)*int64(side)/int64(w)))
	}
	return max(1, int(int64(w)*int64(side)/int64(h))), side
}

// shrink scales img down so its longer side is at most side, each output pixel the average of
// the source area it covers (a box filter, the right one for large reductions). It reads the
// source a row at a time and keeps only two output rows of sums: a kernel filter such as
// Catmull-Rom holds an intermediate of output width × source height in float64s, 430 MB for a
// 7000-pixel-square photo, more than the photo itself.
func shrink(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dw, dh := fit(sw, sh, side)
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	if dw == sw && dh == sh {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	xs := spans(sw, dw)
	ys := spans(sh, dh)
	line := image.NewRGBA(image.Rect(0, 0, sw, 1)) // one source row, premultiplied RGBA
	row := make([]float64, 4*dw)                   // the row's horizontal sums
	acc := [2][]float64{make([]float64, 4*dw), make([]float64, 4*dw)}
	cur := 0 // the output row acc[0] sums
	flush := func() {
		out := dst.Pix[cur*dst.Stride : cur*dst.Stride+4*dw]
		norm := 1 / (float64(sw) * float64(sh))
		for i, v := range acc[0] {
			out[i] = uint8(min(255, v*norm+0.5))
		}
		acc[0], acc[1] = acc[1], acc[0]
		clear(acc[1])
		cur++
	}
	for y := range sh {
		sy := ys[y]
		for sy.d > cur {
			flush()
		}
		draw.Draw(line, line.Bounds(), img, image.Pt(b.Min.X, b.Min.Y+y), draw.Src)
		clear(row)
		for x := range sw {
			sx, px := xs[x], line.Pix[4*x:4*x+4]
			for c := range 4 {
				v := float64(px[c])
				row[4*sx.d+c] += v * sx.w0
				if sx.w1 > 0 {
					row[4*(sx.d+1)+c] += v * sx.w1
				}
			}
		}
		for i, v := range row {
			acc[0][i] += v * sy.w0
			if sy.w1 > 0 {
				acc[1][i] += v * sy.w1
			}
		}
	}
	for cur < dh {
		flush()
	}
	return dst
}

// span is where one source pixel goes on one axis: weight w0 into output pixel d and w1 into
// d+1. Weights are in units of 1/n of an output pixel, so each output pixel's weights sum to n
// (the source length) and every sum is exact.
type span struct {
	d      int
	w0, w1 float64
}

// spans maps each of n source pixels onto m ≤ n output pixels: source pixel i covers
// [i·m, (i+1)·m) and output pixel d covers [d·n, (d+1)·n), in units of 1/n.
func spans(n, m int) []span {
	out := make([]span, n)
	for i := range n {
		from, to := int64(i)*int64(m), int64(i+1)*int64(m)
		d := int(from / int64(n))
		edge := int64(d+1) * int64(n)
		if to <= edge || d+1 >= m {
			out[i] = span{d: d, w0: float64(to - from)}
			continue
		}
		out[i] = span{d: d, w0: float64(edge - from), w1: float64(to - edge)}
	}
	return out
}
