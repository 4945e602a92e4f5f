package engine

import (
	"image"
	"image/color"
	"math"
	"reflect"
	"testing"

	"github.com/sleuthhq/sleuth/index"
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

// TestTurnedHits: the assets the turned lookups find are gathered per
// asset, with every angle found under and its opposite; an asset found
// only through the query's mirror image is kept apart, after those found
// unmirrored, each group in order of cosine and bounded.
func TestTurnedHits(t *testing.T) {
	hit := func(id int, mirrored bool, cos float32) index.ThumbHit {
		return index.ThumbHit{ID: index.ID(id), Mirrored: mirrored, Cosine: cos}
	}
	found := map[float64][]index.ThumbHit{
		-3: {hit(1, false, 0.9), hit(2, true, 0.95)},
		3:  {hit(1, true, 0.97), hit(3, true, 0.8), hit(4, false, 0.75)},
		7:  {hit(2, true, 0.85), hit(5, true, 0.96)},
	}
	plain, mirrored := turnedHits(func(deg float64) []index.ThumbHit { return found[deg] })
	type got struct {
		id             uint32
		cosine, mirror float32
		angles         []float64
	}
	flat := func(hs []*turnedHit) []got {
		var g []got
		for _, h := range hs {
			g = append(g, got{h.id, h.cosine, h.mirror, h.angles})
		}
		return g
	}
	wantPlain := []got{{1, 0.9, 0.97, []float64{-3, 3}}, {4, 0.75, 0, []float64{3, -3}}}
	wantMirrored := []got{{5, 0, 0.96, []float64{7, -7}}, {2, 0, 0.95, []float64{-3, 3, 7, -7}}, {3, 0, 0.8, []float64{3, -3}}}
	if g := flat(plain); !reflect.DeepEqual(g, wantPlain) {
		t.Errorf("plain %+v, want %+v", g, wantPlain)
	}
	if g := flat(mirrored); !reflect.DeepEqual(g, wantMirrored) {
		t.Errorf("mirrored %+v, want %+v", g, wantMirrored)
	}

	// Bounds: the largest cosines are kept.
	var many []index.ThumbHit
	for id := range MaxTurnedCandidates + MaxTurnedMirrored + 10 {
		many = append(many, hit(id+1, id%2 == 1, float32(id+1)/100))
	}
	plain, mirrored = turnedHits(func(deg float64) []index.ThumbHit {
		if deg == 11 {
			return many
		}
		return nil
	})
	if len(plain) != MaxTurnedCandidates || len(mirrored) != MaxTurnedMirrored {
		t.Fatalf("%d plain, %d mirrored, want %d and %d", len(plain), len(mirrored), MaxTurnedCandidates, MaxTurnedMirrored)
	}
	if top := len(many); plain[0].id != uint32(top-1) || mirrored[0].id != uint32(top) || plain[0].cosine < plain[len(plain)-1].cosine {
		t.Errorf("first plain %d, first mirrored %d: want %d and %d, largest first", plain[0].id, mirrored[0].id, top-1, top)
	}
}
