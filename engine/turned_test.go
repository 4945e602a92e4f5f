package engine

import (
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
