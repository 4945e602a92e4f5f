package corpus

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
)

// drawing is a w x h picture of random rectangles on a gradient (no
// uniform border).
func drawing(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 128, 255})
		}
	}
	for range 12 {
		x, y := rng.IntN(w-8), rng.IntN(h-8)
		r := image.Rect(x, y, x+8+rng.IntN(w/3), y+8+rng.IntN(h/3)).Intersect(img.Rect)
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
	}
	return img
}

// onCanvas draws img turned a quarter turn clockwise, at (x, y) of a
// w x h canvas of colour bg.
func onCanvas(img *image.RGBA, w, h, x, y int, bg color.Color) *image.RGBA {
	c := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(c, c.Rect, &image.Uniform{bg}, image.Point{}, draw.Src)
	sw, sh := img.Rect.Dx(), img.Rect.Dy()
	for sy := 0; sy < sh; sy++ {
		for sx := 0; sx < sw; sx++ {
			c.Set(x+sh-1-sy, y+sx, img.At(sx, sy))
		}
	}
	return c
}

func TestTrimmedDuplicates(t *testing.T) {
	orig := drawing(1, 200, 120)
	// Turned and framed in grey on a canvas of another shape.
	framed := onCanvas(orig, 300, 260, 60, 40, color.RGBA{90, 90, 90, 255})
	other := onCanvas(drawing(2, 200, 120), 300, 260, 60, 40, color.RGBA{90, 90, 90, 255})

	of := newFace(orig, true)
	ft := trimmedFace(framed)
	if of == nil || ft == nil {
		t.Fatalf("faces: whole %v, trimmed %v", of != nil, ft != nil)
	}
	if !facesAlike(ft, of, 31) {
		t.Errorf("the drawing turned inside a frame is not found alike")
	}
	if ot := trimmedFace(other); ot == nil || facesAlike(ot, of, 31) {
		t.Errorf("another drawing inside the same frame: face %v, found alike", ot != nil)
	}
	// Nothing to trim: no face.
	if f := trimmedFace(orig); f != nil {
		t.Errorf("a picture without a border has a trimmed face")
	}
	// The grids must agree too, not only the hashes.
	g := *of
	g.grid = lumaGrid(drawing(3, 200, 120))
	if facesAlike(ft, &g, 256) {
		t.Errorf("faces with the same hash but different pixels are found alike")
	}
}

func TestGridCorrelationTurns(t *testing.T) {
	a := lumaGrid(drawing(4, 64, 64))
	for k := 0; k < 8; k++ {
		b := make([]float32, len(a))
		n := trimDupSide
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				y, x := i, j
				if k&4 != 0 {
					y, x = x, y
				}
				if k&1 != 0 {
					x = n - 1 - x
				}
				if k&2 != 0 {
					y = n - 1 - y
				}
				b[y*n+x] = a[i*n+j]
			}
		}
		if r := gridCorrelation(a, b); r < 0.999 {
			t.Errorf("variant %d: correlation %.3f, want 1", k, r)
		}
	}
}
