package fingerprint

import (
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
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
			cf := newColorFrame(quadrants(c.w, c.h), colorFrameSide)
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

// TestColorGridTurned: a picture turned a half or mirrored has its colour
// grid turned or mirrored, cell for cell, whatever its size (a 72x150
// sprite's frame is 61x128: binning each pixel whole into one frame
// column made columns of 1 and 2 pixels, not mirrored, and put 8 cells
// of 256 off).
func TestColorGridTurned(t *testing.T) {
	for _, c := range []struct{ w, h int }{{72, 150}, {150, 72}, {500, 333}, {97, 61}, {2400, 1100}} {
		// Thin stripes of saturated colours: every cell mixes several.
		img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				k := (3*x/7 + 5*y/11) % 3
				px := color.RGBA{0, 0, 0, 255}
				switch k {
				case 0:
					px.R = 255
				case 1:
					px.G = 255
				default:
					px.B = 255
				}
				img.SetRGBA(x, y, px)
			}
		}
		turned := image.NewRGBA(img.Rect)
		mirrored := image.NewRGBA(img.Rect)
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				turned.SetRGBA(c.w-1-x, c.h-1-y, img.RGBAAt(x, y))
				mirrored.SetRGBA(c.w-1-x, y, img.RGBAAt(x, y))
			}
		}
		g, gt, gm := newColorFrame(img, colorFrameSide).grid(), newColorFrame(turned, colorFrameSide).grid(), newColorFrame(mirrored, colorFrameSide).grid()
		const n = ColorSide
		worst := 0
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				for ch := 0; ch < 3; ch++ {
					v := int(g[(i*n+j)*3+ch])
					worst = max(worst, abs(v-int(gt[((n-1-i)*n+n-1-j)*3+ch])), abs(v-int(gm[(i*n+n-1-j)*3+ch])))
				}
			}
		}
		// Each frame pixel is rounded to a byte and a cell cuts frame
		// pixels: a level or two.
		if worst > 2 {
			t.Errorf("%dx%d: a cell of the turned or mirrored grid is %d levels off", c.w, c.h, worst)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestFrameSpans(t *testing.T) {
	for _, c := range []struct{ n, m, s int }{{72, 72, 1}, {150, 128, 1}, {72, 61, 1}, {2400, 128, 2}, {1001, 128, 3}, {5, 1, 1}} {
		spans, total := frameSpans(c.n, c.m, c.s)
		if len(spans) != (c.n+c.s-1)/c.s || len(total) != c.m {
			t.Fatalf("%+v: %d spans, %d totals", c, len(spans), len(total))
		}
		// Every picture pixel is counted once, and every frame pixel
		// receives n/m of them.
		var sum float64
		for k, sp := range spans {
			block := float64(min((k+1)*c.s, c.n) - k*c.s)
			if d := sp.w0 + sp.w1 - block; d > 1e-9 || d < -1e-9 || sp.w0 <= 0 || sp.w1 < 0 {
				t.Errorf("%+v: block %d split %v + %v of %v", c, k, sp.w0, sp.w1, block)
			}
			sum += sp.w0 + sp.w1
		}
		if d := sum - float64(c.n); d > 1e-6 || d < -1e-6 {
			t.Errorf("%+v: weights sum to %v", c, sum)
		}
		for x, w := range total {
			if d := w - float64(c.n)/float64(c.m); d > 1e-9 || d < -1e-9 {
				t.Errorf("%+v: frame pixel %d receives %v, want %v", c, x, w, float64(c.n)/float64(c.m))
			}
		}
	}
}

// TestAddRowWhole checks that the whole-number row sums are bit for bit
// the float ones, for the reductions that pass wholeSpans, with strides 1
// and 3, and that those that do not pass are told apart.
func TestAddRowWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		n, m, s int
		whole   bool
	}{
		{1024, 128, 1, true}, {1000, 125, 1, true}, {96, 96, 1, true}, {50, 128, 1, true},
		{3072, 1024, 3, true}, {3000, 1000, 3, true}, {3001, 1000, 3, false},
		{683, 85, 1, false}, {1023, 128, 1, false}, {640, 128, 3, false},
	} {
		m := min(c.m, c.n)
		cols, _ := frameSpans(c.n, m, c.s)
		if got := wholeSpans(cols); got != c.whole {
			t.Fatalf("%+v: wholeSpans %v", c, got)
		}
		if !c.whole {
			continue
		}
		row := make([]uint8, 4*c.n)
		for i := range row {
			row[i] = uint8(r.Uint32())
		}
		want, got := make([]float64, 3*m), make([]float64, 3*m)
		addRow(want, row, cols, c.s)
		addRowWhole(make([]uint32, 3*m), got, row, cols, c.s)
		if !slices.Equal(got, want) {
			t.Fatalf("%+v: the whole-number sums differ", c)
		}
	}
}
