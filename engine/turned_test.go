package engine

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/sleuthhq/sleuth/internal/testpics"
	"github.com/sleuthhq/sleuth/match"
)

// TestSearchTurned: a flat picture turned by a few degrees on its own
// canvas keeps neither its PDQ nor keypoints enough to verify; its
// thumbnail turned back finds it (engine.turnedMatches), sure, with the
// turn as its transform, while a look-alike registered beside it is not.
func TestSearchTurned(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	flag := testpics.Flag(300, 200, false)
	a := register(t, e, write("flag.png", flag))
	twin := register(t, e, write("twin.png", testpics.Flag(300, 200, true)))
	register(t, e, labelme+"q0291.jpg")
	for _, deg := range []float64{-4, 9, -13.5} {
		var got *match.Match
		for _, m := range search(t, e, encodePNG(t, rotateBy(flag, deg))) {
			if m.Asset.Nid == twin.Nid && m.Score >= match.SureScore {
				t.Errorf("turned %g: the look-alike scored %.3f by %s", deg, m.Score, m.Method)
			}
			if m.Asset.Nid == a.Nid {
				got = &m
			}
		}
		if got == nil {
			t.Fatalf("turned %g: the original was not found", deg)
		}
		t.Logf("turned %g: %.3f %s/%s %+v", deg, got.Score, got.Fingerprint, got.Method, got.Transform)
		if got.Score < match.SureScore || got.Method != match.MethodAlignedPixels {
			t.Errorf("turned %g: score %.3f by %s, want >= %.2f by %s", deg, got.Score, got.Method, match.SureScore, match.MethodAlignedPixels)
		}
		if tr := got.Transform; tr == nil || math.Abs(tr.RotationDeg-deg) > 0.3 || got.QueryOverlap >= 1 || got.AlignedCorrelation == nil {
			t.Errorf("turned %g: transform %+v, query overlap %.3f: want the turn, part of the query", deg, got.Transform, got.QueryOverlap)
		}
	}
}

// frameStrip draws a w x h strip of square frames (h a few times w), each
// a dark disc placed a little differently: the layout of a sprite sheet.
func frameStrip(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			f := y / w
			cx, cy := float64(w)*(0.3+0.05*float64(f%4)), float64(f*w)+float64(w)*(0.6-0.04*float64(f%3))
			c := uint8(250)
			if d := math.Hypot(float64(x)-cx, float64(y)-cy); d < float64(w)/3 {
				c = uint8(40 + 20*(f%5))
			}
			img.SetRGBA(x, y, color.RGBA{c, c, c/2 + 100, 255})
		}
	}
	return img
}

// TestSearchTurnedStrip: a 64x512 sprite strip turned by 9 degrees on its
// canvas loses the ends of its frames to the corners, and its layout
// turned back lies further from the strip's than a turned photograph's
// does (cosine 0.76 at best, under minThumbCosine, over minTurnedCosine):
// it is found all the same, sure, by its pixels turned.
func TestSearchTurnedStrip(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	strip := frameStrip(64, 512)
	a := register(t, e, write("strip.png", strip))
	register(t, e, labelme+"q0291.jpg")
	var got *match.Match
	for _, m := range search(t, e, encodePNG(t, rotateBy(strip, 9))) {
		if m.Asset.Nid == a.Nid {
			got = &m
		}
	}
	if got == nil || got.Score < match.SureScore || got.Method != match.MethodAlignedPixels {
		t.Fatalf("the strip turned 9 degrees: %+v, want it sure by %s", got, match.MethodAlignedPixels)
	}
	if tr := got.Transform; tr == nil || math.Abs(tr.RotationDeg-9) > 0.5 {
		t.Errorf("transform %+v, want the turn of 9 degrees", got.Transform)
	}
}
