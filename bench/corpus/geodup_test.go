package corpus

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/match"
)

// TestGeometricDuplicates: a drawing scaled down onto a larger canvas, or
// mirrored, is the same work as the drawing; the drawing with a region
// painted over, another drawing, a photo, and a picture of a source that
// is not natural are not (nor is anything compared with a later entry).
// (A photo scaled by 0.9 keeps a full correlation of 0.988 with itself,
// under geoDupCorrelation: the rule is made for drawings, whose copies
// filed twice the PDQ passes miss.)
func TestGeometricDuplicates(t *testing.T) {
	photo, err := imaging.DecodeFile("../../testdata/pdq/reg-test-input/labelme-subset/q0291.jpg", imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	p := drawing(5, 400, 300)
	W, H := p.Rect.Dx(), p.Rect.Dy()
	// Scaled to 90% and placed off-centre on a grey canvas a little
	// larger than the drawing.
	canvas := image.NewRGBA(image.Rect(0, 0, W+20, H+10))
	xdraw.Draw(canvas, canvas.Rect, image.NewUniform(color.RGBA{200, 200, 200, 255}), image.Point{}, xdraw.Src)
	xdraw.CatmullRom.Scale(canvas, image.Rect(30, 12, 30+W*9/10, 12+H*9/10), p, p.Rect, xdraw.Src, nil)
	// The drawing with a block painted over a fifth of it.
	painted := image.NewRGBA(p.Rect)
	copy(painted.Pix, p.Pix)
	xdraw.Draw(painted, image.Rect(W/4, H/4, W/4+W*2/5, H/4+H/2), image.NewUniform(color.RGBA{20, 160, 40, 255}), image.Point{}, xdraw.Src)

	dir := t.TempDir()
	pics := []struct {
		name string
		img  *image.RGBA
		src  string
		dup  bool
	}{
		{"drawing", p, "natural", false},
		{"canvas", canvas, "natural", true},
		{"mirrored", mirror(p), "natural", true},
		{"painted", painted, "natural", false},
		{"other", drawing(6, 400, 300), "natural", false},
		{"photo", photo.RGBA, "natural", false},
		{"generated", mirror(p), "generated", false},
	}
	var entries []Entry
	for _, pc := range pics {
		path := pc.name + ".png"
		f, err := os.Create(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, pc.img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		entries = append(entries, Entry{ID: pc.name, Source: pc.src, Path: path, Width: pc.img.Rect.Dx(), Height: pc.img.Rect.Dy()})
	}
	natural := func(e Entry) bool { return e.Source == "natural" }
	dup, err := geometricDuplicates(context.Background(), dir, entries, natural, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, pc := range pics {
		if (dup[i] == 0) != pc.dup || (!pc.dup && dup[i] != -1) {
			t.Errorf("%s: duplicate of %d, want %v (of the drawing, 0)", pc.name, dup[i], pc.dup)
		}
	}
	// A missing file is an error, not a silent keep.
	entries[1].Path = "missing.png"
	if _, err := geometricDuplicates(context.Background(), dir, entries, natural, 2, nil); err == nil {
		t.Error("missing picture: no error")
	}
}

// mirror flips a picture whose bounds do not start at the origin (a sub-image).
func TestMirrorSubImage(t *testing.T) {
	p := drawing(7, 40, 30)
	sub := p.SubImage(image.Rect(10, 5, 30, 25)).(*image.RGBA)
	m := mirror(sub)
	if m.Rect != image.Rect(0, 0, 20, 20) {
		t.Fatalf("bounds %v", m.Rect)
	}
	for y := 0; y < 20; y++ {
		for x := 0; x < 20; x++ {
			if got, want := m.RGBAAt(x, y), p.RGBAAt(10+19-x, 5+y); got != want {
				t.Fatalf("(%d,%d): %v, want %v", x, y, got, want)
			}
		}
	}
}

// TestSameWork: the rule's gates one at a time, from a pair that passes
// (OpenClipart's arrow07_1 and arrow07_3, one turned half a turn: inlier
// ratio 0.188, guided ratio 0.623, passes by the guided ratio).
func TestSameWork(t *testing.T) {
	base := match.Geometry{Inliers: 40, InlierRatio: 0.188, GuidedRatio: 0.623, QueryOverlap: 0.95, AssetOverlap: 0.7,
		Correlation: 0.999, FullCorrelation: 0.998, ColorCells: 256, ColorOff: 1.0 / 256}
	for _, tc := range []struct {
		name string
		edit func(*match.Geometry)
		want bool
	}{
		{"guided ratio", func(*match.Geometry) {}, true},
		{"inlier ratio", func(g *match.Geometry) { g.InlierRatio, g.GuidedRatio = 0.2, 0.3 }, true},
		{"neither ratio (a star polygon of other points)", func(g *match.Geometry) { g.InlierRatio, g.GuidedRatio = 0.19, 0.44 }, false},
		{"few inliers", func(g *match.Geometry) { g.Inliers = 19 }, false},
		{"not inside", func(g *match.Geometry) { g.QueryOverlap, g.AssetOverlap = 0.89, 0.89 }, false},
		{"trimmed correlation", func(g *match.Geometry) { g.Correlation = 0.994 }, false},
		{"full correlation", func(g *match.Geometry) { g.FullCorrelation = 0.994 }, false},
		{"colours not compared", func(g *match.Geometry) { g.ColorCells = 0 }, false},
		{"colours off", func(g *match.Geometry) { g.ColorOff = float64(match.MaxColorOffCells+1) / 256 }, false},
		{"full correlation only once refined", func(g *match.Geometry) {
			g.Fitted = &match.PixelEvidence{Correlation: 0.999, FullCorrelation: 0.99, ColorCells: 256}
		}, false},
		{"colours agreeing only once refined", func(g *match.Geometry) {
			g.Fitted = &match.PixelEvidence{Correlation: 0.999, FullCorrelation: 0.998, ColorCells: 63, ColorOff: 3.0 / 63}
		}, false},
		{"agreeing before and after refining", func(g *match.Geometry) {
			g.Fitted = &match.PixelEvidence{Correlation: 0.998, FullCorrelation: 0.996, ColorCells: 256, ColorOff: 1.0 / 256}
		}, true},
	} {
		g := base
		tc.edit(&g)
		if got := sameWork(g); got != tc.want {
			t.Errorf("%s: sameWork = %v, want %v", tc.name, got, tc.want)
		}
	}
}
