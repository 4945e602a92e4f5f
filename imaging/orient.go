package imaging

import "image"

// Orient returns src transformed so that it displays upright, for an EXIF
// orientation o (1..8). Orientation 1 (or any unknown value) returns src
// itself. Orientations 5..8 swap width and height.
//
//	1: as stored           2: mirror horizontally  3: rotate 180
//	4: mirror vertically   5: transpose            6: rotate 90 clockwise
//	7: transverse          8: rotate 90 counter-clockwise
func Orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		row := src.Pix[y*src.Stride:] // Bounds() is Rect, so row y starts here
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+dx*4:dy*dst.Stride+dx*4+4], row[x*4:x*4+4])
		}
	}
	return dst
}
