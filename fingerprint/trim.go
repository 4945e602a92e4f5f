package fingerprint

import (
	"image"
)

// Border trimming: thieves add frames, letterboxing and padding, which move
// every PDQ bit. TrimBorders finds the picture inside such a border so that
// the trimmed picture can be hashed as well.

const (
	// trimTolerance is the largest difference of any channel from a side's
	// border colour for a pixel to count as border.
	trimTolerance = 24
	// trimOutliers is the fraction of a line's pixels that may differ from
	// the border colour (JPEG ringing, noise, a stray mark) and still count
	// as border.
	trimOutliers = 0.02
	// trimMaxSide is the largest fraction of a side that can be trimmed.
	trimMaxSide = 0.45
	// MinTrim is the smallest fraction of the area that a trim must remove
	// for the trimmed picture to be worth its own hash.
	MinTrim = 0.03
)

// TrimBorders returns the rectangle of img left after removing uniform
// borders: on each side, the outermost rows or columns whose pixels (but
// for 2%) are within 24 of that side's outermost line's mean colour, up to
// 45% of the side. It returns img.Rect when there is no border, and never
// an empty rectangle.
func TrimBorders(img *image.RGBA) image.Rectangle {
	r := img.Rect
	w, h := r.Dx(), r.Dy()
	if w < 8 || h < 8 {
		return r
	}
	maxX, maxY := int(float64(w)*trimMaxSide), int(float64(h)*trimMaxSide)
	// Each side: the colour of its outermost line, then inward while the
	// lines keep that colour.
	top := trimSide(img, maxY, func(i int) (int, int, int, int) { return r.Min.X, r.Min.Y + i, 1, 0 }, w)
	bottom := trimSide(img, maxY, func(i int) (int, int, int, int) { return r.Min.X, r.Max.Y - 1 - i, 1, 0 }, w)
	left := trimSide(img, maxX, func(i int) (int, int, int, int) { return r.Min.X + i, r.Min.Y, 0, 1 }, h)
	right := trimSide(img, maxX, func(i int) (int, int, int, int) { return r.Max.X - 1 - i, r.Min.Y, 0, 1 }, h)
	if (top == maxY && bottom == maxY) || (left == maxX && right == maxX) {
		// Uniform to the limit from both sides: a flat picture, not a
		// frame around one.
		return r
	}
	out := image.Rect(r.Min.X+left, r.Min.Y+top, r.Max.X-right, r.Max.Y-bottom)
	if out.Dx() < 4 || out.Dy() < 4 {
		return r
	}
	return out
}

// trimSide counts the border lines of one side. line(i) gives the start
// (x, y) of the i-th line from the outside and its step (dx, dy); n is the
// line's length.
func trimSide(img *image.RGBA, max int, line func(i int) (x, y, dx, dy int), n int) int {
	x, y, dx, dy := line(0)
	var sum [3]int
	for k := 0; k < n; k++ {
		o := img.PixOffset(x+k*dx, y+k*dy)
		sum[0] += int(img.Pix[o])
		sum[1] += int(img.Pix[o+1])
		sum[2] += int(img.Pix[o+2])
	}
	ref := [3]int{sum[0] / n, sum[1] / n, sum[2] / n}
	allowed := int(float64(n) * trimOutliers)
	i := 0
	for ; i < max; i++ {
		x, y, dx, dy := line(i)
		bad := 0
		for k := 0; k < n; k++ {
			o := img.PixOffset(x+k*dx, y+k*dy)
			p := img.Pix[o : o+3 : o+3]
			if absDiff(int(p[0]), ref[0]) > trimTolerance || absDiff(int(p[1]), ref[1]) > trimTolerance || absDiff(int(p[2]), ref[2]) > trimTolerance {
				bad++
				if bad > allowed {
					break
				}
			}
		}
		if bad > allowed {
			break
		}
	}
	return i
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}
