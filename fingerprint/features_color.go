package fingerprint

import (
	"image"
	"math"
)

// Colour: Features.Thumb keeps a picture's luma only, which cannot tell
// two avatar tokens apart that differ by the colour of one layer (hair,
// a background) of equal brightness. Features also keep the picture's mean
// colour over a ColorSide x ColorSide grid of equal cells (Features.Color),
// and a picture fingerprinted in this process keeps a colour frame (the
// picture reduced to at most colorFrameSide pixels a side, as summed-area
// tables) so that a verifier can average the query's colour over any
// rectangle laid on an asset's cell (MeanColor). Both sides integrate
// exactly over fractions of pixels, so that a picture compared with itself
// turned or mirrored agrees cell for cell however small it is.

// ColorSide is the side of Features.Color.
const ColorSide = 16

const (
	// colorFrameSide bounds the colour frame's sides.
	colorFrameSide = 128
	// maxColorSamples bounds the pixels read to build the colour frame:
	// larger pictures are read every s-th pixel of every s-th row.
	maxColorSamples = 1 << 20
)

// colorFrame is a picture reduced to w x h RGB pixels, kept as one
// summed-area table per channel, (w+1) x (h+1).
type colorFrame struct {
	w, h int
	sums [3][]uint32
}

// newColorFrame reduces img to at most colorFrameSide pixels a side (no
// larger than it is) by averaging the pixels that fall in each frame
// pixel, reading at most about maxColorSamples of them. Deterministic.
func newColorFrame(img *image.RGBA) *colorFrame {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	w, h := W, H
	if m := max(W, H); m > colorFrameSide {
		w = max(1, int(math.Round(float64(W)*colorFrameSide/float64(m))))
		h = max(1, int(math.Round(float64(H)*colorFrameSide/float64(m))))
	}
	s := 1
	if px := float64(W) * float64(H); px > maxColorSamples {
		s = int(math.Sqrt(px / maxColorSamples))
	}
	acc := make([]uint64, w*h*3)
	cnt := make([]uint32, w*h)
	// Frame column cx takes the pixels x with x*w/W == cx: from
	// ceil(cx*W/w), those on the stride.
	first := make([]int, w+1)
	for cx := range first {
		lo := (cx*W + w - 1) / w
		first[cx] = (lo + s - 1) / s * s
	}
	for y := 0; y < H; y += s {
		row := img.Pix[y*img.Stride : y*img.Stride+4*W]
		base := (y * h / H) * w
		for cx := 0; cx < w; cx++ {
			var r, g, b, k uint32
			for i := 4 * first[cx]; i < 4*first[cx+1]; i += 4 * s {
				p := row[i : i+3 : i+3]
				r += uint32(p[0])
				g += uint32(p[1])
				b += uint32(p[2])
				k++
			}
			o := base + cx
			acc[3*o] += uint64(r)
			acc[3*o+1] += uint64(g)
			acc[3*o+2] += uint64(b)
			cnt[o] += k
		}
	}
	f := &colorFrame{w: w, h: h}
	W1 := w + 1
	for c := range f.sums {
		sum := make([]uint32, W1*(h+1))
		for y := 0; y < h; y++ {
			var run uint32
			for x := 0; x < w; x++ {
				o := y*w + x
				if k := uint64(cnt[o]); k > 0 {
					run += uint32((acc[3*o+c] + k/2) / k)
				}
				sum[(y+1)*W1+x+1] = sum[y*W1+x+1] + run
			}
		}
		f.sums[c] = sum
	}
	return f
}

// at is the summed-area table of channel c at a point (fx, fy) of the frame
// (in pixels, 0..w and 0..h) (satAt).
func (f *colorFrame) at(c int, fx, fy float64) float64 {
	return satAt(f.sums[c], f.w, f.h, fx, fy)
}

// satAt is the summed-area table s of a w x h picture ((w+1) x (h+1)
// entries) at a point (fx, fy) in pixels (0..w, 0..h), interpolated
// bilinearly: exact for the integral of a picture of constant pixels, so
// that a rectangle's mean counts the pixels it cuts by the fraction it
// covers.
func satAt(s []uint32, w, h int, fx, fy float64) float64 {
	W1 := w + 1
	x0, y0 := min(int(fx), w-1), min(int(fy), h-1)
	tx, ty := fx-float64(x0), fy-float64(y0)
	v00, v10 := float64(s[y0*W1+x0]), float64(s[y0*W1+x0+1])
	v01, v11 := float64(s[(y0+1)*W1+x0]), float64(s[(y0+1)*W1+x0+1])
	return (v00*(1-tx)+v10*tx)*(1-ty) + (v01*(1-tx)+v11*tx)*ty
}

// mean is the mean colour of the rectangle (x0, y0)-(x1, y1), in fractions
// of the picture, clipped to it; false when nothing is left.
func (f *colorFrame) mean(x0, y0, x1, y1 float64) (rgb [3]float64, ok bool) {
	x0, y0 = min(max(x0, 0), 1)*float64(f.w), min(max(y0, 0), 1)*float64(f.h)
	x1, y1 = min(max(x1, 0), 1)*float64(f.w), min(max(y1, 0), 1)*float64(f.h)
	area := (x1 - x0) * (y1 - y0)
	if x1 <= x0 || y1 <= y0 || area < 1e-9 {
		return rgb, false
	}
	for c := range rgb {
		rgb[c] = (f.at(c, x1, y1) - f.at(c, x0, y1) - f.at(c, x1, y0) + f.at(c, x0, y0)) / area
	}
	return rgb, true
}

// grid returns the mean colour over a ColorSide x ColorSide grid of equal
// cells (R, G, B interleaved, row by row), rounded to bytes.
func (f *colorFrame) grid() []uint8 {
	const n = ColorSide
	out := make([]uint8, n*n*3)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			m, _ := f.mean(float64(j)/n, float64(i)/n, float64(j+1)/n, float64(i+1)/n)
			for c, v := range m {
				out[(i*n+j)*3+c] = uint8(min(max(math.Round(v), 0), 255))
			}
		}
	}
	return out
}

// MeanColor returns the mean R, G and B of the rectangle (x0, y0)-(x1, y1)
// of the picture, in fractions of its width and height, clipped to the
// picture, from the colour frame a picture fingerprinted in this process
// keeps; false when the frame was not kept (stored features) or the
// rectangle lies outside.
func (f *Features) MeanColor(x0, y0, x1, y1 float64) (rgb [3]float64, ok bool) {
	if f.color == nil {
		return rgb, false
	}
	return f.color.mean(x0, y0, x1, y1)
}
