package fingerprint

import (
	"image"
	"image/color"
	"testing"
)

// quadrants is a w x h picture whose four quadrants are red, green, blue
// and white.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case x < w/2 && y < h/2:
				c = color.RGBA{255, 0, 0, 255}
			case y < h/2:
				c = color.RGBA{0, 255, 0, 255}
			case x < w/2:
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func TestColorGrid(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
	}{
		{"small", 64, 48},
		{"tiny", 10, 6}, // fewer pixels than cells: cells share pixels
		{"large", 1600, 1400},
		{"sampled", 2400, 1200}, // over maxColorSamples: strided
	} {
		f := ExtractFeatures(quadrants(c.w, c.h), 50)
		if c.w < minFeatureSide {
			// Too small for keypoints: the frame alone.
			cf := newColorFrame(quadrants(c.w, c.h))
			if m, ok := cf.mean(0.5, 0, 1, 0.5); !ok || m != [3]float64{0, 255, 0} {
				t.Errorf("%s: top-right quadrant %v %v, want green", c.name, m, ok)
			}
			if g := cf.grid(); len(g) != colorBytes || g[0] != 255 || g[1] != 0 {
				t.Errorf("%s: grid %v", c.name, g[:3])
			}
			continue
		}
		if f == nil || len(f.Color) != colorBytes {
			t.Fatalf("%s: no colour grid", c.name)
		}
		cell := func(i, j int) [3]uint8 {
			o := (i*ColorSide + j) * 3
			return [3]uint8{f.Color[o], f.Color[o+1], f.Color[o+2]}
		}
		if got := cell(0, 0); got != [3]uint8{255, 0, 0} {
			t.Errorf("%s: top-left cell %v, want red", c.name, got)
		}
		if got := cell(ColorSide-1, ColorSide-1); got != [3]uint8{255, 255, 255} {
			t.Errorf("%s: bottom-right cell %v, want white", c.name, got)
		}
		if got, ok := f.MeanColor(0.5, 0, 1, 0.5); !ok || got != [3]float64{0, 255, 0} {
			t.Errorf("%s: top-right quadrant %v %v, want green", c.name, got, ok)
		}
		if got, ok := f.MeanColor(0, 0, 1, 1); !ok || got != [3]float64{127.5, 127.5, 127.5} {
			t.Errorf("%s: whole picture %v %v", c.name, got, ok)
		}
		if _, ok := f.MeanColor(1.2, 0, 1.5, 1); ok {
			t.Errorf("%s: a rectangle outside the picture has a colour", c.name)
		}
		g, err := ParseFeatures(f.String())
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := g.MeanColor(0, 0, 1, 1); ok {
			t.Errorf("%s: stored features have the query's colour grid", c.name)
		}
	}
}
