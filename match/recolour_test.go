package match

import (
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// hueShift returns a colour function that turns hues by deg degrees about
// the grey axis and raises the saturation by 30%, as the accuracy
// benchmark's color-hue edit.
func hueShift(deg float64) func(c [3]float64) [3]float64 {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	const k = 1.0 / 3
	sq := math.Sqrt(k)
	m := [3][3]float64{
		{cos + (1-cos)*k, k*(1-cos) - sq*sin, k*(1-cos) + sq*sin},
		{k*(1-cos) + sq*sin, cos + k*(1-cos), k*(1-cos) - sq*sin},
		{k*(1-cos) - sq*sin, k*(1-cos) + sq*sin, cos + k*(1-cos)},
	}
	return func(c [3]float64) [3]float64 {
		var o [3]float64
		for r := range o {
			o[r] = m[r][0]*c[0] + m[r][1]*c[1] + m[r][2]*c[2]
		}
		y := (o[0] + o[1] + o[2]) / 3
		for r := range o {
			o[r] = y + (o[r]-y)*1.3
		}
		return o
	}
}

// TestHueTurn: the hue turn fitted to a copy whose hues were turned
// misses no cell and reads its colours back as the asset's luma; one
// fitted to a picture whose single coloured layer changed colour, the
// rest grey but for another coloured layer, misses that layer.
func TestHueTurn(t *testing.T) {
	w := [3]float64{0.299, 0.587, 0.114}
	rng := rand.New(rand.NewPCG(1, 2))
	var as [][3]float64
	for range 64 {
		as = append(as, [3]float64{90 + rng.Float64()*80, 90 + rng.Float64()*80, 90 + rng.Float64()*80}) // none clipped
	}
	for _, deg := range []float64{90, -120, 150} {
		f := hueShift(deg)
		qs := make([][3]float64, len(as))
		for i, a := range as {
			qs[i] = f(a)
			for k := range qs[i] {
				qs[i][k] = min(max(qs[i][k], 0), 255)
			}
		}
		h, missed := fitHueTurn(as, qs)
		if missed > 0 {
			t.Errorf("hue turned by %g: %d cells missed", deg, missed)
		}
		luma, ok := h.lumaOf()
		if !ok {
			t.Fatalf("hue turned by %g: not read back", deg)
		}
		d0 := luma(qs[0]) - (w[0]*as[0][0] + w[1]*as[0][1] + w[2]*as[0][2])
		for i := range as {
			if d := luma(qs[i]) - (w[0]*as[i][0] + w[1]*as[i][1] + w[2]*as[i][2]); math.Abs(d-d0) > 1e-6 {
				t.Errorf("hue turned by %g: cell %d read back %+.1f off, the first %+.1f", deg, i, d, d0)
				break
			}
		}
	}
	// Two layers and a grey background: the copy keeps one layer, the
	// other changes colour (a look-alike token). The affine map of
	// fitColorMap takes these three colours anywhere; a hue turn cannot.
	bg, skin, shirt, shirt2 := [3]float64{128, 128, 128}, [3]float64{230, 180, 150}, [3]float64{40, 90, 200}, [3]float64{200, 60, 50}
	var la, lq [][3]float64
	for i := range 60 {
		switch i % 3 {
		case 0:
			la, lq = append(la, bg), append(lq, bg)
		case 1:
			la, lq = append(la, skin), append(lq, skin)
		default:
			la, lq = append(la, shirt), append(lq, shirt2)
		}
	}
	if m := colorMisses(la, lq, fitColorMap(la, lq)); slices.Max(m) > colorTolerance {
		t.Fatalf("the affine map misses the look-alike by %.1f: the case does not show what the hue turn is for", slices.Max(m))
	}
	if _, missed := fitHueTurn(la, lq); missed <= MaxColorOffCells {
		t.Errorf("a hue turn took a look-alike's layer to its new colour: %d cells missed", missed)
	}
	// A grayscale copy: luma is all it kept, nothing to read back.
	gs := make([][3]float64, len(as))
	for i, a := range as {
		l := w[0]*a[0] + w[1]*a[1] + w[2]*a[2]
		gs[i] = [3]float64{l, l, l}
	}
	if h, _ := fitHueTurn(as, gs); func() bool { _, ok := h.lumaOf(); return ok }() {
		t.Error("a grayscale copy read back")
	}
}

// TestCompareAlignedRecoloured: a copy whose hues were turned keeps its
// colours' layout (no colour cell off) but its luma is another mix of R,
// G and B, which takes the luma's correlation down by a few hundredths;
// read back through the colour map it agrees again (Recoloured). A picture with one
// region recoloured has colours that differ and is not read back, nor is
// a grayscale copy (luma is all it kept) or a copy that agrees already.
func TestCompareAlignedRecoloured(t *testing.T) {
	asset := scene(7, 384, 320) // coloured blobs on a ramp
	af := stored(t, fingerprint.ExtractFeatures(asset, fingerprint.AssetFeatures))
	gray := func(c [3]float64) [3]float64 {
		l := 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
		return [3]float64{l, l, l}
	}
	b := asset.Rect
	region := image.Rect(b.Dx()/4, b.Dy()/4, b.Dx()/2, b.Dy()/2)
	for _, c := range []struct {
		name       string
		q          *image.RGBA
		recoloured bool
	}{
		{"hue turned by 120 degrees", recolor(asset, image.Rectangle{}, hueShift(120)), true},
		{"hue turned by -100 degrees", recolor(asset, image.Rectangle{}, hueShift(-100)), true},
		{"same", asset, false},
		{"grayscale", recolor(asset, image.Rectangle{}, gray), false},
		{"one region's hue turned", recolor(asset, region, hueShift(120)), false},
	} {
		qf := fingerprint.ExtractQueryFeatures(c.q, fingerprint.QueryFeatures)
		plain := *qf
		ev, ok := CompareAligned(qf, af, 0)
		if !ok {
			t.Fatalf("%s: not compared", c.name)
		}
		if ev.Recoloured != c.recoloured {
			t.Errorf("%s: recoloured %v, want %v (correlation %.3f, colour off %.3f)", c.name, ev.Recoloured, c.recoloured, ev.Correlation, ev.ColorOff)
		}
		if !c.recoloured {
			continue
		}
		if ev.Correlation < 0.995 || colorDiffers(ev.ColorOff, ev.ColorCells) {
			t.Errorf("%s: correlation %.3f, colour off %.3f: want >= 0.995, colours agreeing", c.name, ev.Correlation, ev.ColorOff)
		}
		// The luma as it is agrees less.
		var us, vs []float64
		const n = fingerprint.ThumbSide
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				v, _ := plain.MeanLuma(float64(j)/n, float64(i)/n, float64(j+1)/n, float64(i+1)/n)
				us, vs = append(us, float64(af.Thumb[i*n+j])), append(vs, v)
			}
		}
		if r, _, _ := pearson(us, vs, nil); r >= ev.Correlation-0.01 {
			t.Errorf("%s: the luma as it is correlates %.3f already: the case does not need the colour map", c.name, r)
		}
		// Verified by keypoints, the same.
		g, ok := Verify(qf, c.q.Rect.Dx(), c.q.Rect.Dy(), af, b.Dx(), b.Dy())
		if !ok || !g.Recoloured || g.FullCorrelation < 0.997 {
			t.Errorf("%s: verified %v, recoloured %v, full correlation %.3f", c.name, ok, g.Recoloured, g.FullCorrelation)
		}
	}
}
