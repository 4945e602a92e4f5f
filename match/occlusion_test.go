package match

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// lumaCell is one compared thumbnail cell: its place on the asset's grid,
// the asset's luma u and the query's v.
type lumaCell struct {
	i, j int
	u, v float64
}

// occlusionOf is occlusion of cells.
func occlusionOf(cells []lumaCell, colorOff []int) (*Occlusion, bool) {
	var us, vs []float64
	var at []cellAt
	for _, c := range cells {
		us, vs, at = append(us, c.u), append(vs, c.v), append(at, cellAt{c.i, c.j})
	}
	return occlusion(us, vs, at, colorOff)
}

// grid returns the 32x32 thumbnail cells of a ramp, with v = f(i, j, u).
func grid(f func(i, j int, u float64) float64) []lumaCell {
	const n = fingerprint.ThumbSide
	var cs []lumaCell
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			u := float64((i*7 + j*5) % 256)
			cs = append(cs, lumaCell{i, j, u, f(i, j, u)})
		}
	}
	return cs
}

// TestOcclusionCells: the rectangle bounds the cells off the line, in luma
// or in colour, and the cells outside it correlate.
func TestOcclusionCells(t *testing.T) {
	same := func(i, j int, u float64) float64 { return 0.8*u + 20 }
	band := func(i, j int, u float64) float64 {
		if i >= 10 && i < 14 && j >= 3 && j < 29 {
			return 255 - u // a caption: another picture there
		}
		return 0.8*u + 20
	}
	spots := func(i, j int, u float64) float64 {
		if (i == 2 && j == 3) || (i == 28 && j == 30) {
			return 255 - u
		}
		return 0.8*u + 20
	}
	for _, c := range []struct {
		name     string
		cells    []lumaCell
		colorOff []int
		want     *Rect // nil: no occlusion
		share    float64
	}{
		{"same", grid(same), nil, nil, 0},
		{"flat asset", grid(func(i, j int, u float64) float64 { return 9 }), nil, nil, 0},
		{"band", grid(band), nil, &Rect{3.0 / 32, 10.0 / 32, 29.0 / 32, 14.0 / 32}, 26 * 4 / 1024.0},
		{"two far spots", grid(spots), nil, &Rect{3.0 / 32, 2.0 / 32, 31.0 / 32, 29.0 / 32}, 28 * 27 / 1024.0},
		// Colour cell (row 1, column 2) of 16x16: thumbnail rows 2-3,
		// columns 4-5.
		{"colour only", grid(same), []int{1*fingerprint.ColorSide + 2}, &Rect{4.0 / 32, 2.0 / 32, 6.0 / 32, 4.0 / 32}, 4 / 1024.0},
	} {
		// The flat asset is a flat side: nothing to be off.
		if c.name == "flat asset" {
			for k := range c.cells {
				c.cells[k].u = 50
			}
		}
		o, judged := occlusionOf(c.cells, c.colorOff)
		if judged != (c.name != "flat asset") {
			t.Errorf("%s: judged %v", c.name, judged)
		}
		if c.want == nil {
			if o != nil {
				t.Errorf("%s: occlusion %+v, want none", c.name, *o)
			}
			continue
		}
		if o == nil {
			t.Fatalf("%s: no occlusion", c.name)
		}
		if o.Rect != *c.want || o.Share != round3(c.share) {
			t.Errorf("%s: rect %+v share %.3f, want %+v %.3f", c.name, o.Rect, o.Share, *c.want, round3(c.share))
		}
		if o.Cells != 1024-int(c.share*1024+0.5) || o.Correlation < 0.999 {
			t.Errorf("%s: %d cells outside correlating %.3f, want %d at >= 0.999", c.name, o.Cells, o.Correlation, 1024-int(c.share*1024+0.5))
		}
	}
	if o, judged := occlusionOf(grid(band)[:40], nil); o != nil || judged {
		t.Errorf("40 cells: occlusion %+v, want none (fewer than minCells)", *o)
	}
}

// TestOcclusionCaption: a caption written over a copy is bounded by a
// small rectangle where it is written, and the rest agrees; the copy
// itself has no occlusion, and neither has a grayscale copy (its luma and
// its colours keep one map; a copy whose channels are swapped does not
// keep its luma line, and shows cells off all over).
func TestOcclusionCaption(t *testing.T) {
	asset := scene(7, 256, 256)
	af := fingerprint.ExtractFeatures(asset, 192)
	caption := image.Rect(40, 180, 220, 206)
	q := image.NewRGBA(asset.Rect)
	draw.Draw(q, q.Rect, asset, image.Point{}, draw.Src)
	draw.Draw(q, caption, image.NewUniform(color.RGBA{0, 0, 0, 255}), image.Point{}, draw.Src)
	for x := caption.Min.X + 4; x < caption.Max.X-4; x += 6 {
		draw.Draw(q, image.Rect(x, caption.Min.Y+4, x+3, caption.Max.Y-4), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)
	}
	ev, ok := CompareAligned(fingerprint.ExtractFeatures(q, 512), af, 0)
	if !ok || ev.Occlusion == nil {
		t.Fatalf("caption: no occlusion (%+v, %v)", ev, ok)
	}
	o := ev.Occlusion
	r := FractionRect(caption, 256, 256)
	// The rectangle holds the caption, give or take the cells it cuts.
	const cell = 1.0 / fingerprint.ThumbSide
	if o.Rect.X0 > r.X0+cell || o.Rect.X0 < r.X0-2*cell || o.Rect.X1 < r.X1-cell || o.Rect.X1 > r.X1+2*cell ||
		o.Rect.Y0 > r.Y0+cell || o.Rect.Y0 < r.Y0-2*cell || o.Rect.Y1 < r.Y1-cell || o.Rect.Y1 > r.Y1+2*cell {
		t.Errorf("caption at %+v: occlusion %+v", r, o.Rect)
	}
	if o.Share > 0.12 || o.Correlation < 0.995 || o.ColorOff == 0 || o.LumaOff == 0 {
		t.Errorf("caption: %+v, want share <= 0.12, correlation >= 0.995 outside, luma and colour cells off", *o)
	}
	gray := func(c [3]float64) [3]float64 {
		l := 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
		return [3]float64{l, l, l}
	}
	for name, q := range map[string]*image.RGBA{"copy": asset, "grayscale": recolor(asset, image.Rectangle{}, gray)} {
		if ev, ok := CompareAligned(fingerprint.ExtractFeatures(q, 512), af, 0); !ok || ev.Occlusion != nil {
			t.Errorf("%s: occlusion %+v (%v), want none", name, ev.Occlusion, ok)
		}
	}
}

// TestOccludedScore: a copy under a caption or a logo is sure when most of
// its keypoints agree and everything outside one small rectangle agrees;
// a look-alike with fewer keypoints agreeing, a large rectangle, or a
// disagreement outside it is not.
func TestOccludedScore(t *testing.T) {
	base := Geometry{Inliers: 80, InlierRatio: 0.9, Coverage: 0.9, Correlation: 0.999, FullCorrelation: 0.98,
		ColorCells: 256, ColorOff: 12.0 / 256,
		Occlusion: &Occlusion{Rect: Rect{0.8, 0.8, 1, 1}, Share: 0.04, Correlation: 0.999, Cells: 980, LumaOff: 20, ColorOff: 12}}
	for _, c := range []struct {
		name string
		mut  func(g *Geometry)
		sure bool
	}{
		{"logo in a corner", nil, true},
		{"caption, a quarter of the cells", func(g *Geometry) { g.Occlusion.Share, g.Occlusion.Cells = 0.25, 768 }, true},
		{"larger than a quarter", func(g *Geometry) { g.Occlusion.Share, g.Occlusion.Cells = 0.26, 758 }, false},
		{"look-alike: four fifths of the keypoints", func(g *Geometry) { g.InlierRatio = 0.8 }, false},
		{"disagrees outside the rectangle", func(g *Geometry) { g.Occlusion.Correlation = 0.995 }, false},
		{"too few cells outside", func(g *Geometry) { g.Occlusion.Cells = minCells - 1 }, false},
		{"full correlation low", func(g *Geometry) { g.FullCorrelation = 0.96 }, false},
		{"colours not compared", func(g *Geometry) { g.ColorCells, g.ColorOff = 0, 0 }, false},
		{"no cell differs", func(g *Geometry) { g.Occlusion = nil }, false},
		{"few inliers", func(g *Geometry) { g.Inliers = sureInliers - 1 }, false},
	} {
		g := base
		o := *base.Occlusion
		g.Occlusion = &o
		if c.mut != nil {
			c.mut(&g)
		}
		s := occludedScore(g)
		if (s >= SureScore) != c.sure || (s != 0 && (s < SureScore || s > 0.95)) {
			t.Errorf("%s: occludedScore %v, want sure %v", c.name, s, c.sure)
		}
	}
	// Judge: the colours that differ under the logo would cap a PDQ match
	// (and the local features' own score) at 0.85; the rectangle lifts it.
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(8).String(), Quality: 100}}}
	g := base
	m, ok := Judge(q, Candidate{Asset: a, PDQDistance: 8, Geometry: &g,
		Aligned: &AlignedEvidence{Correlation: 0.99, Cells: 1024, ColorOff: 12.0 / 256, ColorCells: 256}})
	if !ok || m.Score < SureScore || m.Method != MethodLocalFeatures || m.Occlusion == nil || m.Occlusion.Share != 0.04 {
		t.Errorf("PDQ match under a logo: %+v", m)
	}
	g.InlierRatio = 0.8
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: 8, Geometry: &g,
		Aligned: &AlignedEvidence{Correlation: 0.99, Cells: 1024, ColorOff: 12.0 / 256, ColorCells: 256}}); !ok || m.Score >= SureScore {
		t.Errorf("look-alike: %+v", m)
	}
	// The edited tier (no PDQ match): the same.
	g.InlierRatio = 0.9
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g}); !ok || m.Score < SureScore || m.Tier != TierEdited {
		t.Errorf("edited copy under a logo: %+v", m)
	}
}

// TestVerifyLogo: Verify finds the logo drawn over a copy as its
// occlusion, and the match is sure.
func TestVerifyLogo(t *testing.T) {
	asset := scene(11, 384, 384)
	af := fingerprint.ExtractFeatures(asset, 192)
	q := image.NewRGBA(asset.Rect)
	draw.Draw(q, q.Rect, asset, image.Point{}, draw.Src)
	logo := image.Rect(316, 316, 364, 364)
	draw.Draw(q, logo, image.NewUniform(color.RGBA{250, 200, 0, 255}), image.Point{}, draw.Src)
	draw.Draw(q, logo.Inset(12), image.NewUniform(color.RGBA{200, 0, 40, 255}), image.Point{}, draw.Src)
	g, ok := Verify(fingerprint.ExtractFeatures(q, 512), 384, 384, af, 384, 384)
	if !ok || g.Occlusion == nil {
		t.Fatalf("no occlusion: %+v %v", g, ok)
	}
	r := FractionRect(logo, 384, 384)
	if o := g.Occlusion.Rect; o.X0 > r.X0+1.0/32 || o.Y0 > r.Y0+1.0/32 || o.X1 < r.X1-1.0/32 || o.Y1 < r.Y1-1.0/32 || g.Occlusion.Share > 0.06 {
		t.Errorf("logo at %+v: occlusion %+v", r, *g.Occlusion)
	}
	if !colorDiffers(g.ColorOff, g.ColorCells) || g.Agrees {
		t.Errorf("the logo's colours should differ: %v of %d cells (agrees %v)", g.ColorOff, g.ColorCells, g.Agrees)
	}
	// A soft picture cropped: every cell agrees (hard-edged ones:
	// TestVerifyCropRegistration).
	soft := gaussBlur(scene(13, 384, 384), 4)
	sf := fingerprint.ExtractFeatures(soft, 192)
	crop := soft.SubImage(image.Rect(40, 30, 384, 384)).(*image.RGBA)
	if g, ok := Verify(fingerprint.ExtractFeatures(crop, 512), 344, 354, sf, 384, 384); !ok || !g.Agrees || g.Occlusion != nil {
		t.Errorf("crop: agrees %v, occlusion %+v (%v), transform %+v", g.Agrees, g.Occlusion, ok, g.Transform)
	}
	if s := occludedScore(g); s < SureScore {
		t.Errorf("copy under a logo: occludedScore %v (ratio %.3f, full %.3f, occlusion %+v)", s, g.InlierRatio, g.FullCorrelation, *g.Occlusion)
	}
}

func TestCaptionedScore(t *testing.T) {
	// The plain evidence of a copy under a large caption: half the
	// keypoints are under it, and a quarter of the cells differ.
	plain := Geometry{Inliers: 60, InlierRatio: 0.3, Coverage: 0.9, Correlation: 0.95, FullCorrelation: 0.7,
		ColorCells: 256, ColorOff: 0.2, Cells: 1024,
		Occlusion: &Occlusion{Rect: Rect{0.1, 0.3, 0.9, 0.6}, Share: 0.3, Correlation: 0.999, Cells: 716, LumaOff: 200, ColorOff: 50}}
	// With the caption left out: what is left agrees.
	base := Geometry{Inliers: 60, InlierRatio: 0.6, Coverage: 0.9, Correlation: 1, FullCorrelation: 0.999,
		ColorCells: 180, Cells: 716, CaptionCells: 308, Hidden: 90, Agrees: true}
	for _, c := range []struct {
		name string
		mut  func(g *Geometry)
		sure bool
	}{
		{"every cell left agrees", nil, true},
		{"a few cells off beside the caption", func(g *Geometry) {
			g.Agrees, g.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.63}, Share: 0.012, Correlation: 1, Cells: 704, LumaOff: 5}
		}, true},
		{"too many cells off", func(g *Geometry) {
			g.Agrees, g.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.7}, Share: 0.04, Correlation: 1, Cells: 690, LumaOff: 20}
		}, false},
		{"a colour cell off", func(g *Geometry) {
			g.Agrees, g.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.63}, Share: 0.012, Correlation: 1, Cells: 704, LumaOff: 5, ColorOff: 1}
		}, false},
		{"the rest disagrees", func(g *Geometry) {
			g.Agrees, g.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.63}, Share: 0.012, Correlation: 0.99, Cells: 704, LumaOff: 5}
		}, false},
		{"few keypoints agree", func(g *Geometry) { g.InlierRatio = captionedInlierRatio - 0.01 }, false},
		{"full correlation low", func(g *Geometry) { g.FullCorrelation = 0.997 }, false},
		{"few inliers", func(g *Geometry) { g.Inliers = sureInliers - 1 }, false},
		{"low coverage", func(g *Geometry) { g.Coverage = 0.4 }, false},
		{"colours not compared", func(g *Geometry) { g.ColorCells, g.Agrees = 0, false }, false},
		{"cells not judged (one side flat)", func(g *Geometry) { g.Agrees = false }, false},
		{"pixels not measured", func(g *Geometry) { g.Correlation, g.FullCorrelation, g.Agrees = -1, -1, false }, false},
	} {
		g := plain
		cg := base
		if c.mut != nil {
			c.mut(&cg)
		}
		g.Captioned = &cg
		s := captionedScore(g)
		if (s >= SureScore) != c.sure || (s != 0 && (s < SureScore || s > 0.95)) {
			t.Errorf("%s: captionedScore %v, want sure %v", c.name, s, c.sure)
		}
	}
	if s := captionedScore(plain); s != 0 {
		t.Errorf("no caption: captionedScore %v", s)
	}
	// Judge reports the captioned evidence when it decides, the plain one
	// otherwise.
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka"}
	g := plain
	cg := base
	g.Captioned = &cg
	m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g})
	if !ok || m.Score < SureScore || m.Method != MethodLocalFeatures || m.CaptionCells != 308 || m.InlierRatio != 0.6 || m.Occlusion != nil {
		t.Errorf("copy under a caption: %+v", m)
	}
	// The keypoints under a large caption take the plain inlier ratio
	// under MinInlierRatio: the plain evidence finds nothing, the
	// captioned one the copy.
	g.InlierRatio = MinInlierRatio / 2
	if s := FeatureScore(g); s != 0 {
		t.Fatalf("plain evidence with a ratio of %v scores %v: the case no longer tests a copy the plain evidence misses", g.InlierRatio, s)
	}
	m, ok = Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g})
	if !ok || m.Score < SureScore || m.CaptionCells != 308 {
		t.Errorf("copy under a caption hiding most keypoints: %+v (%v)", m, ok)
	}
	g.InlierRatio = 0.3
	cg.InlierRatio = 0.3
	m, ok = Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g})
	if !ok || m.Score >= SureScore || m.CaptionCells != 0 || m.InlierRatio != 0.3 {
		t.Errorf("too few keypoints agree under a caption: %+v", m)
	}
}
