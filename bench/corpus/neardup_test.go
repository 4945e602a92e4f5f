package corpus

import (
	"image"
	"image/color"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// recolour maps every pixel through f.
func recolour(src *image.RGBA, f func(r, g, b float64) (float64, float64, float64)) *image.RGBA {
	d := image.NewRGBA(src.Rect)
	for i := 0; i < len(src.Pix); i += 4 {
		r, g, b := f(float64(src.Pix[i]), float64(src.Pix[i+1]), float64(src.Pix[i+2]))
		d.Pix[i], d.Pix[i+1], d.Pix[i+2], d.Pix[i+3] = clampByte(r), clampByte(g), clampByte(b), 255
	}
	return d
}

func clampByte(v float64) uint8 { return uint8(max(0, min(255, v+0.5))) }

// paint fills the rectangle r of a copy of src with c.
func paint(src *image.RGBA, r image.Rectangle, c color.RGBA) *image.RGBA {
	d := image.NewRGBA(src.Rect)
	copy(d.Pix, src.Pix)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			d.SetRGBA(x, y, c)
		}
	}
	return d
}

func TestNearDuplicates(t *testing.T) {
	a := blobs(1, 160, 120)
	gray := recolour(a, func(r, g, b float64) (float64, float64, float64) {
		y := 0.299*r + 0.587*g + 0.114*b
		return y, y, y
	})
	tint := recolour(a, func(r, g, b float64) (float64, float64, float64) {
		y := 0.299*r + 0.587*g + 0.114*b
		return 0.4*r + 0.6*y*0.9, 0.4*g + 0.6*y*0.7, 0.4*b + 0.6*y*0.5
	})
	// The background colour of blobs(1) is its first pixel's.
	bg := a.RGBAAt(0, 0)
	background := recolour(a, func(r, g, b float64) (float64, float64, float64) {
		if uint8(r) == bg.R && uint8(g) == bg.G && uint8(b) == bg.B {
			return r + 50, g - 40, b + 70 // another pastel
		}
		return r, g, b
	})
	tests := []struct {
		name string
		b    *image.RGBA
		want bool
	}{
		{"the same", a, true},
		// Grayscale merges regions of different colours and the same
		// luma: not one drawing both ways (the PDQ rule catches it).
		{"grayscale", gray, false},
		{"tinted", tint, true},
		{"background recoloured", background, true},
		{"another picture", blobs(2, 160, 120), false},
		// A 40x30 patch is 1/16 of the picture: far more than 1% of the cells.
		{"a region changed", paint(a, image.Rect(60, 40, 100, 70), color.RGBA{255, 0, 255, 255}), false},
		{"another aspect ratio", blobs(1, 120, 120), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nearDuplicates([]*colorThumb{thumbOf(a), thumbOf(tt.b)}, 2)
			if got[0] || got[1] != tt.want {
				t.Errorf("nearDuplicates = %v, want [false %v]", got, tt.want)
			}
		})
	}
	// A chain keeps its first: c repeats b, which repeats a; b and c go.
	got := nearDuplicates([]*colorThumb{thumbOf(a), thumbOf(background), thumbOf(tint), nil}, 2)
	if want := []bool{false, true, true, false}; !slices.Equal(got, want) {
		t.Errorf("chain: %v, want %v", got, want)
	}
}

// thumbOf is the thumbnail Prepare makes, with the PDQ.
func thumbOf(img *image.RGBA) *colorThumb {
	t := makeThumb(img)
	p := fingerprint.Perceptualize(img).PDQ
	t.pdq = &p
	return t
}
