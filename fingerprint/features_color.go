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

// newColorFrame reduces img to at most side pixels a side (no larger than
// it is; colorFrameSide, or more for a narrow picture: fineFrames),
// reading at most about maxColorSamples of its pixels.
// Frame pixel (cx, cy) is the mean of the picture over the rectangle
// [cx W/w, (cx+1) W/w) x [cy H/h, (cy+1) H/h): a picture pixel straddling
// two frame columns (or rows) counts in each by the share it has in it,
// so that every frame pixel stands for the same area and a picture turned
// or mirrored gives the frame turned or mirrored. (Binning each picture
// pixel into one frame pixel whole made frame pixels of unequal widths:
// a 72x150 sprite compared with itself turned a half had 8 colour cells
// of 256 off.) With a stride s, each pixel read stands for the s x s
// block it starts. Deterministic.
func newColorFrame(img *image.RGBA, side int) *colorFrame {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	w, h := W, H
	if m := max(W, H); m > side {
		w = max(1, int(math.Round(float64(W)*float64(side)/float64(m))))
		h = max(1, int(math.Round(float64(H)*float64(side)/float64(m))))
	}
	s := 1
	if px := float64(W) * float64(H); px > maxColorSamples {
		s = int(math.Sqrt(px / maxColorSamples))
	}
	cols, colWeight := frameSpans(W, w, s)
	rows, rowWeight := frameSpans(H, h, s)
	acc := make([]float64, w*h*3)
	line := make([]float64, w*3)
	// When every block falls whole into one frame column, with a whole
	// weight (a side a multiple of the frame's: 1,024 pixels to 128), a
	// row's sums are sums of whole numbers: added as integers, they are
	// bit for bit the float sums.
	var iline []uint32
	if wholeSpans(cols) {
		iline = make([]uint32, w*3)
	}
	for k, y := 0, 0; y < H; k, y = k+1, y+s {
		row := img.Pix[y*img.Stride : y*img.Stride+4*W]
		if iline != nil {
			addRowWhole(iline, line, row, cols, s)
		} else {
			addRow(line, row, cols, s)
		}
		sp := &rows[k]
		base := sp.first * w * 3
		for j, v := range line {
			acc[base+j] += sp.w0 * v
		}
		if sp.w1 > 0 {
			base += w * 3
			for j, v := range line {
				acc[base+j] += sp.w1 * v
			}
		}
	}
	f := &colorFrame{w: w, h: h}
	W1 := w + 1
	for c := range f.sums {
		sum := make([]uint32, W1*(h+1))
		for y := 0; y < h; y++ {
			var run uint32
			for x := 0; x < w; x++ {
				if wt := colWeight[x] * rowWeight[y]; wt > 0 {
					run += uint32(min(max(math.Round(acc[(y*w+x)*3+c]/wt), 0), 255))
				}
				sum[(y+1)*W1+x+1] = sum[y*W1+x+1] + run
			}
		}
		f.sums[c] = sum
	}
	return f
}

// wholeSpans reports whether every block of cols falls into one frame
// pixel with a whole weight.
func wholeSpans(cols []frameSpan) bool {
	for _, sp := range cols {
		if sp.w1 != 0 || sp.w0 != math.Trunc(sp.w0) {
			return false
		}
	}
	return true
}

// addRowWhole is addRow for columns that pass wholeSpans: the sums in
// whole numbers, then copied to line. A frame pixel's sum is at most 255
// times the row's width: within 32 bits for any picture decoded.
func addRowWhole(iline []uint32, line []float64, row []uint8, cols []frameSpan, s int) {
	clear(iline)
	for i := range cols {
		sp := &cols[i]
		p := row[4*i*s : 4*i*s+3 : 4*i*s+3]
		o := 3 * sp.first
		q := iline[o : o+3 : o+3]
		wt := uint32(sp.w0)
		q[0] += wt * uint32(p[0])
		q[1] += wt * uint32(p[1])
		q[2] += wt * uint32(p[2])
	}
	for j, v := range iline {
		line[j] = float64(v)
	}
}

// addRow sets line to the sums of row's pixels read with the stride s,
// each block's colour weighted by its shares of the frame columns cols.
func addRow(line []float64, row []uint8, cols []frameSpan, s int) {
	clear(line)
	for i := range cols {
		x := i * s
		p := row[4*x : 4*x+3 : 4*x+3]
		r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
		sp := &cols[i]
		o := 3 * sp.first
		line[o] += sp.w0 * r
		line[o+1] += sp.w0 * g
		line[o+2] += sp.w0 * b
		if sp.w1 > 0 {
			line[o+3] += sp.w1 * r
			line[o+4] += sp.w1 * g
			line[o+5] += sp.w1 * b
		}
	}
}

// frameSpan is how a block of picture pixels, read with a stride, falls
// into a frame's pixels along one axis: w0 of it in frame pixel first,
// w1 in the next.
type frameSpan struct {
	first  int
	w0, w1 float64
}

// frameSpans returns, for the blocks [k s, min((k+1) s, n)) of a side of n
// picture pixels reduced to m frame pixels (m <= n), how each falls into
// the frame pixels [c n/m, (c+1) n/m), and the total weight each frame
// pixel receives. A block spans at most two frame pixels when s <= n/m,
// which maxColorSamples and the frame's sides make so (s is at most the
// picture's longer side over 1,024, and n/m at least that: the frame is
// at most 1,024 pixels long, fineMaxColorSide); a block that would span
// more is cut at the second frame pixel's end.
func frameSpans(n, m, s int) ([]frameSpan, []float64) {
	spans := make([]frameSpan, 0, (n+s-1)/s)
	total := make([]float64, m)
	step := float64(n) / float64(m)
	for x := 0; x < n; x += s {
		lo, hi := float64(x), float64(min(x+s, n))
		c := min(x*m/n, m-1) // the frame pixel holding x: c n/m <= x < (c+1) n/m
		end := min(float64(c+1)*step, float64(n))
		sp := frameSpan{first: c, w0: min(hi, end) - lo}
		if hi > end && c+1 < m {
			sp.w1 = min(hi, float64(c+2)*step) - end
		}
		total[c] += sp.w0
		if sp.w1 > 0 {
			total[c+1] += sp.w1
		}
		spans = append(spans, sp)
	}
	return spans, total
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
