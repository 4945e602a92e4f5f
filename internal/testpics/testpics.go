// Package testpics draws the synthetic pictures that the tests of several
// packages share.
package testpics

import (
	"image"
	"image/color"
	"math"
)

// Flag is a w x h flat picture with few corners, the kind whose turned
// copies keep neither their PDQ nor enough keypoints: three stripes (red,
// white, blue) and a yellow disc. With lookAlike, the disc is a little
// lower and the middle stripe grey: another picture drawn alike.
func Flag(w, h int, lookAlike bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	stripes := []color.RGBA{{200, 30, 40, 255}, {250, 250, 250, 255}, {30, 60, 160, 255}}
	cx, cy, r := 0.3*float64(w), 0.35*float64(h), 0.18*float64(h)
	if lookAlike {
		stripes[1] = color.RGBA{200, 200, 200, 255}
		cy = 0.45 * float64(h)
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := stripes[min(2, 3*y/h)]
			if math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) < r {
				c = color.RGBA{240, 200, 30, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
