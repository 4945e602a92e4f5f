package fingerprint

import (
	"image"
	"slices"
)

// Speckles: salt and pepper, single pixels turned white or black here and
// there (a worn scan, a transmission error, an edit meant to fool a
// matcher). A few percent of them move a small picture's PDQ and draw
// keypoints of their own, yet the picture between them is intact. A
// query notes whether it looks speckled (Options.Speckles,
// Pixels.Speckled, Speckled), and a search that finds nothing sure for
// it fingerprints it again with its speckles taken out (DespeckledBytes,
// Despeckle), to look it up as it was.
//
// A speckle is a pixel whose luma stands at least speckleStep above the
// brightest of its 8 neighbours or below the darkest: a pixel of a line
// or an edge, however thin, has a neighbour along it that is like it.
// A speckle is given the per-channel median of the 5x5 window around
// it, the speckles in it left out; so is each of its 8 neighbours that
// JPEG's ringing pulled towards it (haloStep), and no other pixel. The
// picture counts as speckled when at least minSpeckleShare of its pixels
// are speckles (and at least minSpeckles of them).

const (
	speckleStep     = 48
	minSpeckleShare = 0.004
	minSpeckles     = 32
	// haloStep: a neighbour of a speckle at least this much nearer the
	// speckle's side than the median of its 5x5 window is JPEG's halo
	// around it, and mended too.
	haloStep = 12
)

// speckleRows is the most rows Speckled looks at.
const speckleRows = 32

// Speckled reports whether img looks speckled, from the speckles on at
// most speckleRows rows spread over it (Despeckle counts them all): a
// check of well under a millisecond for a 1024-pixel wide picture, cheap
// enough for every query.
func Speckled(img *image.RGBA) bool {
	img = atOrigin(img)
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w < 3 || h < 3 {
		return false
	}
	rows := min(speckleRows, h-2)
	var l [3][]int32
	for k := range l {
		l[k] = make([]int32, w)
	}
	// rows <= h-2: the rows looked at are distinct.
	n := 0
	for k := range rows {
		y := 1 + k*(h-2)/rows
		for j := range l {
			speckleLumaRow(img, y-1+j, l[j])
		}
		n += rowSpeckles(l[0], l[1], l[2], nil)
	}
	return float64(n) >= minSpeckleShare*float64(rows*(w-2))
}

// atOrigin returns img, or for a picture whose bounds do not start at
// (0, 0) (a sub-image) the same pixels in one that does.
func atOrigin(img *image.RGBA) *image.RGBA {
	if img.Rect.Min == (image.Point{}) {
		return img
	}
	out := image.NewRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
	for y := range out.Rect.Dy() {
		i := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y)
		copy(out.Pix[y*out.Stride:], img.Pix[i:i+4*out.Rect.Dx()])
	}
	return out
}

// speckleLumaRow writes the luma of img's row y into dst.
func speckleLumaRow(img *image.RGBA, y int, dst []int32) {
	row := img.Pix[y*img.Stride:]
	for x := range dst {
		p := row[4*x:]
		dst[x] = (299*int32(p[0]) + 587*int32(p[1]) + 114*int32(p[2])) / 1000
	}
}

// rowSpeckles counts the speckles of the row whose luma is cur, between
// the rows above and below (its first and last pixels left out), and
// marks them in mark when it is not nil: 1 for a light speckle, -1 for a
// dark one.
func rowSpeckles(above, cur, below []int32, mark []int8) int {
	n := 0
	for x := 1; x < len(cur)-1; x++ {
		v := cur[x]
		lo := min(above[x-1], above[x], above[x+1], cur[x-1], cur[x+1], below[x-1], below[x], below[x+1])
		hi := max(above[x-1], above[x], above[x+1], cur[x-1], cur[x+1], below[x-1], below[x], below[x+1])
		switch {
		case v-hi >= speckleStep:
			if mark != nil {
				mark[x] = 1
			}
			n++
		case lo-v >= speckleStep:
			if mark != nil {
				mark[x] = -1
			}
			n++
		}
	}
	return n
}

// Despeckle returns img with its speckles taken out and how many it found,
// or nil and that number when the picture is not speckled (see above).
// img is not modified.
func Despeckle(img *image.RGBA) (*image.RGBA, int) {
	img = atOrigin(img)
	b := img.Rect
	w, h := b.Dx(), b.Dy()
	if w < 3 || h < 3 {
		return nil, 0
	}
	luma := make([]int32, w*h)
	for y := range h {
		speckleLumaRow(img, y, luma[y*w:(y+1)*w])
	}
	speck := make([]int8, w*h)
	n := 0
	for y := 1; y < h-1; y++ {
		n += rowSpeckles(luma[(y-1)*w:y*w], luma[y*w:(y+1)*w], luma[(y+1)*w:(y+2)*w], speck[y*w:(y+1)*w])
	}
	if n < minSpeckles || float64(n) < minSpeckleShare*float64(w*h) {
		return nil, n
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		copy(out.Pix[y*out.Stride:y*out.Stride+4*w], img.Pix[y*img.Stride:y*img.Stride+4*w])
	}
	// The pixels to mend: every speckle, and those of its 8 neighbours
	// that JPEG pulled towards it (sign: 1 for a light speckle, -1 for a
	// dark one), judged against the median of their 5x5 window below.
	mend := make([]int8, w*h)
	for i, sign := range speck {
		if sign == 0 {
			continue
		}
		x, y := i%w, i/w
		for yy := max(0, y-1); yy <= min(h-1, y+1); yy++ {
			for xx := max(0, x-1); xx <= min(w-1, x+1); xx++ {
				if mend[yy*w+xx] == 0 {
					mend[yy*w+xx] = sign
				}
			}
		}
	}
	var vals [3][]uint8
	for c := range vals {
		vals[c] = make([]uint8, 0, 25)
	}
	var ls []int32
	for i, sign := range mend {
		if sign == 0 {
			continue
		}
		x, y := i%w, i/w
		for c := range vals {
			vals[c] = vals[c][:0]
		}
		ls = ls[:0]
		for yy := max(0, y-2); yy <= min(h-1, y+2); yy++ {
			row := img.Pix[yy*img.Stride:]
			for xx := max(0, x-2); xx <= min(w-1, x+2); xx++ {
				if speck[yy*w+xx] != 0 {
					continue
				}
				p := row[4*xx:]
				for c := range vals {
					vals[c] = append(vals[c], p[c])
				}
				ls = append(ls, luma[yy*w+xx])
			}
		}
		if len(ls) == 0 {
			continue
		}
		if speck[i] == 0 {
			slices.Sort(ls)
			if d := int32(sign) * (luma[i] - ls[len(ls)/2]); d < haloStep {
				continue // not pulled towards the speckle: a line, an edge
			}
		}
		q := out.Pix[y*out.Stride+4*x:]
		for c := range vals {
			slices.Sort(vals[c])
			q[c] = vals[c][len(vals[c])/2]
		}
	}
	return out, n
}
