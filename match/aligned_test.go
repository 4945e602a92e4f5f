package match

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// scene draws an asymmetric w x h picture: a diagonal ramp and blobs.
func scene(seed uint64, w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type blob struct {
		x, y, r float64
		c       color.RGBA
	}
	var bs []blob
	for range 12 {
		bs = append(bs, blob{rng.Float64() * float64(w), rng.Float64() * float64(h), 5 + rng.Float64()*float64(w)/6,
			color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}})
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 90, 255}
			for _, b := range bs {
				if dx, dy := float64(x)-b.x, float64(y)-b.y; dx*dx+dy*dy < b.r*b.r {
					c = b.c
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// transform applies the dihedral variant k to src, pixel for pixel.
func transform(src *image.RGBA, k int) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	tw, th := w, h
	if k == fingerprint.DihedralRotate90 || k == fingerprint.DihedralRotate270 || k >= fingerprint.DihedralFlipPlus1 {
		tw, th = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			// The source pixel of (x, y), by dihedralInverse on pixel centres.
			sx, sy := dihedralInverse(k, (float64(x)+0.5)/float64(tw), (float64(y)+0.5)/float64(th))
			dst.SetRGBA(x, y, src.RGBAAt(int(sx*float64(w)), int(sy*float64(h))))
		}
	}
	return dst
}

// queryFor returns the asset transformed by the inverse of the dihedral
// variant k, so that the asset is the query transformed by k.
func queryFor(asset *image.RGBA, k int) *image.RGBA {
	switch k {
	case fingerprint.DihedralRotate90:
		return transform(asset, fingerprint.DihedralRotate270)
	case fingerprint.DihedralRotate270:
		return transform(asset, fingerprint.DihedralRotate90)
	}
	return transform(asset, k)
}

// TestCompareAligned checks dihedralInverse against the PDQ's own variants:
// a picture transformed by k, queried with the asset before the
// transform, matches through the variant PDQ names, and the aligned
// comparison agrees there and not under the other variants.
func TestCompareAligned(t *testing.T) {
	asset := scene(3, 240, 160)
	af := fingerprint.ExtractFeatures(asset, 192)
	ap := fingerprint.Perceptualize(asset)
	for k := range 8 {
		q := queryFor(asset, k)
		qp := fingerprint.Perceptualize(q)
		best, bestV := 257, -1
		for v := range 8 {
			if d := qp.Dihedral[v].Distance(ap.PDQ); d < best {
				best, bestV = d, v
			}
		}
		// The PDQ's variants are exact only on its 64x64 buffer, so the
		// distance is not 0 (20 to 36 on this flat, sharp-edged scene);
		// the nearest variant is still k.
		if bestV != k {
			t.Errorf("variant %d: PDQ names variant %d at distance %d", k, bestV, best)
		}
		qf := fingerprint.ExtractFeatures(q, 512)
		for v := range 8 {
			ev, ok := CompareAligned(qf, af, v)
			if !ok {
				t.Fatalf("variant %d under %d: not compared", k, v)
			}
			if v == k && ev.Correlation < 0.99 {
				t.Errorf("variant %d: correlation %.3f, want >= 0.99", k, ev.Correlation)
			}
			if v != k && ev.Correlation > 0.9 {
				t.Errorf("variant %d under %d: correlation %.3f, want < 0.9", k, v, ev.Correlation)
			}
		}
	}
	if _, ok := CompareAligned(nil, af, 0); ok {
		t.Error("nil query compared")
	}
	if _, ok := CompareAligned(af, &fingerprint.Features{}, 0); ok {
		t.Error("asset without a thumbnail compared")
	}
}

// TestCompareAlignedRect: a picture framed by a border compares with the
// original inside the frame, and not with another picture.
func TestCompareAlignedRect(t *testing.T) {
	asset := scene(3, 240, 160)
	framed := image.NewRGBA(image.Rect(0, 0, 360, 220))
	for i := range framed.Pix {
		framed.Pix[i] = 200
	}
	inner := image.Rect(70, 40, 310, 200)
	for y := 0; y < 160; y++ {
		copy(framed.Pix[framed.PixOffset(inner.Min.X, inner.Min.Y+y):], asset.Pix[asset.PixOffset(0, y):asset.PixOffset(240, y)])
	}
	qf := fingerprint.ExtractFeatures(framed, 512)
	qr := FractionRect(inner, 360, 220)
	ev, ok := CompareAlignedRect(qf, fingerprint.ExtractFeatures(asset, 192), fingerprint.DihedralOriginal, qr, Whole)
	if !ok || ev.Correlation < 0.99 || ev.Cells != fingerprint.ThumbSide*fingerprint.ThumbSide {
		t.Errorf("framed copy: %+v, %v", ev, ok)
	}
	if ev, ok := CompareAligned(qf, fingerprint.ExtractFeatures(asset, 192), fingerprint.DihedralOriginal); !ok || ev.Correlation > 0.9 {
		t.Errorf("framed copy compared whole: %+v, %v", ev, ok)
	}
	if ev, ok := CompareAlignedRect(qf, fingerprint.ExtractFeatures(scene(4, 240, 160), 192), fingerprint.DihedralOriginal, qr, Whole); !ok || ev.Correlation > 0.9 {
		t.Errorf("another picture: %+v, %v", ev, ok)
	}
	// A sliver of the asset has too few cells.
	if _, ok := CompareAlignedRect(qf, fingerprint.ExtractFeatures(asset, 192), 0, qr, Rect{0, 0, 0.1, 0.1}); ok {
		t.Error("a sliver was compared")
	}
}

// TestCompareAlignedSmall: a small picture (a 60x52 sprite, under two
// frame pixels a thumbnail cell) laid on itself mirrored or turned agrees
// in every cell: the query's cells count the pixels they cut by the share
// they cover, as the asset's thumbnail does.
func TestCompareAlignedSmall(t *testing.T) {
	asset := scene(5, 60, 52)
	af := fingerprint.ExtractFeatures(asset, 192)
	for k := range 8 {
		q := queryFor(asset, k)
		ev, ok := CompareAligned(fingerprint.ExtractFeatures(q, 512), af, k)
		if !ok || ev.Correlation < 0.999 {
			t.Errorf("variant %d: %+v, %v; want a correlation >= 0.999", k, ev, ok)
		}
		if ev.ColorCells > 0 && ev.ColorOff > 0 {
			t.Errorf("variant %d: colour off %.3f of %d cells, want 0", k, ev.ColorOff, ev.ColorCells)
		}
	}
}

// gaussBlur blurs src by a Gaussian of standard deviation sigma pixels
// (separable, edges clamped).
func gaussBlur(src *image.RGBA, sigma float64) *image.RGBA {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	pass := func(in *image.RGBA, dx, dy int) *image.RGBA {
		out := image.NewRGBA(in.Rect)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc [4]float64
				for i, kv := range k {
					sx, sy := min(max(x+(i-r)*dx, 0), w-1), min(max(y+(i-r)*dy, 0), h-1)
					o := in.PixOffset(sx, sy)
					for c := 0; c < 4; c++ {
						acc[c] += kv * float64(in.Pix[o+c])
					}
				}
				o := out.PixOffset(x, y)
				for c := 0; c < 4; c++ {
					out.Pix[o+c] = uint8(math.Round(acc[c] / sum))
				}
			}
		}
		return out
	}
	return pass(pass(src, 1, 0), 0, 1)
}

// TestCompareAlignedBlurred: a copy blurred by 2% of its side agrees
// better with the asset softened than with the asset, and its colours
// agree with the asset softened where the sharp comparison finds cells
// off; a copy with one region recoloured keeps that region off, and a
// sharp copy gains nothing.
func TestCompareAlignedBlurred(t *testing.T) {
	asset := scene(9, 256, 256)
	af := fingerprint.ExtractFeatures(asset, 192)
	blurred := gaussBlur(asset, 0.02*256)
	ev, ok := CompareAligned(fingerprint.ExtractFeatures(blurred, 512), af, 0)
	if !ok || ev.SoftCorrelation <= ev.Correlation || ev.SoftCorrelation < 0.997 {
		t.Errorf("blurred copy: correlation %.3f, softened %.3f; want the softened higher and >= 0.997", ev.Correlation, ev.SoftCorrelation)
	}
	if colorDiffers(ev.ColorOff, ev.ColorCells) {
		t.Errorf("blurred copy: %v of %d colour cells off", ev.ColorOff, ev.ColorCells)
	}
	// Tiles of saturated colours, one a colour cell: blurred, their
	// cells mix their neighbours' colours, which one colour map from the
	// sharp asset cannot follow; from the asset softened it can.
	rng := rand.New(rand.NewPCG(4, 4))
	tiles := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for ty := 0; ty < 16; ty++ {
		for tx := 0; tx < 16; tx++ {
			c := color.RGBA{uint8(rng.IntN(2) * 255), uint8(rng.IntN(2) * 255), uint8(rng.IntN(2) * 255), 255}
			draw.Draw(tiles, image.Rect(tx*16, ty*16, tx*16+16, ty*16+16), image.NewUniform(c), image.Point{}, draw.Src)
		}
	}
	tf := fingerprint.ExtractFeatures(tiles, 192)
	qf := fingerprint.ExtractFeatures(gaussBlur(tiles, 0.02*256), 512)
	whole := func(u, v float64) (float64, float64, bool) { return u, v, true }
	const half = 0.5 / fingerprint.ColorSide
	if off, cells, _, _, _ := compareColor(qf, tf, whole, half, half); !colorDiffers(off, cells) {
		t.Errorf("blurred tiles against the sharp asset: %v of %d cells off, want more than %d", off, cells, MaxColorOffCells)
	}
	if ev, ok := CompareAligned(qf, tf, 0); !ok || colorDiffers(ev.ColorOff, ev.ColorCells) {
		t.Errorf("blurred tiles: %v of %d colour cells off", ev.ColorOff, ev.ColorCells)
	}
	swap := func(c [3]float64) [3]float64 { return [3]float64{c[2], c[0], c[1]} }
	twin := recolor(asset, image.Rect(64, 64, 160, 160), swap)
	if ev, ok := CompareAligned(fingerprint.ExtractFeatures(twin, 512), af, 0); !ok || !colorDiffers(ev.ColorOff, ev.ColorCells) {
		t.Errorf("one region recoloured: %v of %d colour cells off, want more than %d", ev.ColorOff, ev.ColorCells, MaxColorOffCells)
	}
	if ev, ok := CompareAligned(fingerprint.ExtractFeatures(asset, 512), af, 0); !ok || ev.SoftCorrelation != ev.Correlation {
		t.Errorf("sharp copy: correlation %.3f, softened %.3f; want them equal", ev.Correlation, ev.SoftCorrelation)
	}
}

func TestLooksBlurred(t *testing.T) {
	for _, c := range []struct {
		r, soft float64
		want    bool
	}{
		{0.985, 0.992, true},  // softening gains and reaches alignedLikely
		{0.936, 0.988, true},  // a strong blur: gains 0.052, reaches 0.97
		{0.95, 0.971, true},   // gains 0.021
		{0.96, 0.975, false},  // gains only 0.015 under 0.99
		{0.9, 0.965, false},   // under blurredSoft
		{0.995, 0.995, false}, // softening gains nothing: a sharp copy
		{0.999, 0.998, false},
	} {
		if got := looksBlurred(c.r, c.soft); got != c.want {
			t.Errorf("looksBlurred(%v, %v) = %v, want %v", c.r, c.soft, got, c.want)
		}
	}
}

// TestCompareAlignedBlurredStrip: a 64x512 strip blurred by 1% and 2% of
// its longer side (5 and 10 pixels, 2.5 and 5 of its cells across) agrees
// with the asset softened as widely in pixels across as along; softened
// by the same number of cells both ways, as a square picture is, it did
// not (0.957 and 0.817 on a Hedgewars sprite strip of the benchmark).
func TestCompareAlignedBlurredStrip(t *testing.T) {
	strip := scene(11, 64, 512)
	// Frames of a sprite strip: a dark figure every 64 pixels down.
	for f := 0; f < 8; f++ {
		draw.Draw(strip, image.Rect(16+f%3*4, f*64+12, 40+f%3*4, f*64+52), image.NewUniform(color.RGBA{20, 20, 30, 255}), image.Point{}, draw.Src)
	}
	af := fingerprint.ExtractFeatures(strip, 192)
	for _, frac := range []float64{0.01, 0.02} {
		qf := fingerprint.ExtractFeatures(gaussBlur(strip, frac*512), 512)
		ev, ok := CompareAligned(qf, af, 0)
		if !ok || ev.SoftCorrelation < 0.997 {
			t.Errorf("strip blurred by %v: correlation %.3f, softened %.3f; want the softened >= 0.997", frac, ev.Correlation, ev.SoftCorrelation)
		}
		// Half of it compared (a trimmed rectangle): the grid's cells
		// are the whole strip's, softened for its shape, not the half's.
		half := Rect{X0: 0, Y0: 0.25, X1: 1, Y1: 0.75}
		ev, ok = CompareAlignedRect(qf, af, 0, half, half)
		if !ok || ev.SoftCorrelation < 0.997 {
			t.Errorf("half the strip blurred by %v: correlation %.3f, softened %.3f; want the softened >= 0.997", frac, ev.Correlation, ev.SoftCorrelation)
		}
		// The same, turned a quarter: the strip lies across.
		wide := transform(strip, fingerprint.DihedralRotate90)
		ev, ok = CompareAligned(fingerprint.ExtractFeatures(gaussBlur(wide, frac*512), 512), fingerprint.ExtractFeatures(wide, 192), 0)
		if !ok || ev.SoftCorrelation < 0.997 {
			t.Errorf("wide strip blurred by %v: correlation %.3f, softened %.3f; want the softened >= 0.997", frac, ev.Correlation, ev.SoftCorrelation)
		}
	}
}

// TestSoftAxis: along the longer side the kernel is applied once as
// given; along a side r times shorter, its variance grows by r^2, in
// passes of weight at most 1/4, up to softMaxPasses.
func TestSoftAxis(t *testing.T) {
	cases := []struct {
		w, r  float64
		wantW float64
		wantK int
	}{
		{0.2, 1, 0.2, 1},
		{0.1, 1, 0.1, 1},
		{0.2, 2, 0.2, 4},         // variance 1.6: 4 passes of 0.2
		{0.1, 1.5, 0.225, 1},     // variance 0.45: one pass
		{0.2, 8, 25.6 / 104, 52}, // variance 25.6
		{0.2, 100, 0.25, softMaxPasses},
	}
	for _, c := range cases {
		w, k := softAxis(c.w, c.r)
		if k != c.wantK || math.Abs(w-c.wantW) > 1e-9 {
			t.Errorf("softAxis(%v, %v) = %v, %d; want %v, %d", c.w, c.r, w, k, c.wantW, c.wantK)
		}
	}
}

// TestSoftenSquare: a square picture's grid is softened by one pass of
// the kernel each way, whatever the grid.
func TestSoftenSquare(t *testing.T) {
	const n = 4
	g := []uint8{0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100}
	got := soften(g, n, 1, 0.2, 1)
	// Cell (1,1) keeps 0.6*0.6 of its 255; (0,0), at the corner, gets
	// 0.2/0.8 of it along each side.
	if got[1*n+1] != 92 || got[0] != uint8(math.Round(255*0.25*0.25)) || got[2*n+2] != uint8(math.Round(255*0.04+100*0.04)) {
		t.Errorf("soften = %v", got)
	}
	if wide, tall := soften(g, n, 1, 0.2, 2), soften(g, n, 1, 0.2, 0.5); slices.Equal(wide, got) || slices.Equal(tall, got) || slices.Equal(wide, tall) {
		t.Errorf("soften of a wide (%v) or tall (%v) picture's grid is the square one's or the same", wide, tall)
	}
}

// softenPlain is soften as first written, a cell at a time: the fast
// passes must give the same grid to the last bit.
func softenPlain(g []uint8, n, c int, w, aspect float64) []uint8 {
	pass := func(src []float64, dx, dy int, w float64) []float64 {
		k := [3]float64{w, 1 - 2*w, w}
		dst := make([]float64, len(src))
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				for ch := 0; ch < c; ch++ {
					var sum, wsum float64
					for t := -1; t <= 1; t++ {
						y, x := i+t*dy, j+t*dx
						if y < 0 || y >= n || x < 0 || x >= n {
							continue
						}
						sum += k[t+1] * src[(y*n+x)*c+ch]
						wsum += k[t+1]
					}
					dst[(i*n+j)*c+ch] = sum / wsum
				}
			}
		}
		return dst
	}
	rx, ry := 1.0, 1.0
	switch {
	case aspect > 0 && aspect < 1:
		rx = 1 / aspect
	case aspect > 1:
		ry = aspect
	}
	f := make([]float64, len(g))
	for i, v := range g {
		f[i] = float64(v)
	}
	wx, kx := softAxis(w, rx)
	for range kx {
		f = pass(f, 1, 0, wx)
	}
	wy, ky := softAxis(w, ry)
	for range ky {
		f = pass(f, 0, 1, wy)
	}
	out := make([]uint8, len(g))
	for i, v := range f {
		out[i] = uint8(math.Round(v))
	}
	return out
}

// TestSoftenPlain: soften equals softenPlain on random grids of one and
// three channels, square, wide and tall.
func TestSoftenPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{fingerprint.ThumbSide, fingerprint.ColorSide} {
		for _, c := range []int{1, 3} {
			g := make([]uint8, n*n*c)
			for i := range g {
				g[i] = uint8(rng.IntN(256))
			}
			for _, w := range softWeights {
				for _, aspect := range []float64{1, 1.5, 0.125, 8, 0.7, 100} {
					if got, want := soften(g, n, c, w, aspect), softenPlain(g, n, c, w, aspect); !slices.Equal(got, want) {
						t.Errorf("n %d, c %d, w %v, aspect %v: the fast passes differ", n, c, w, aspect)
					}
				}
			}
		}
	}
}
