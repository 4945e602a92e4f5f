package engine

import (
	"image"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/internal/testpics"
	"github.com/sleuthhq/sleuth/match"
)

// pasteInto returns bg with src drawn at (x, y), as a new picture.
func pasteInto(bg, src *image.RGBA, x, y int) *image.RGBA {
	out := image.NewRGBA(bg.Rect)
	xdraw.Draw(out, out.Rect, bg, bg.Rect.Min, xdraw.Src)
	xdraw.Draw(out, src.Rect.Sub(src.Rect.Min).Add(image.Pt(x, y)), src, src.Rect.Min, xdraw.Src)
	return out
}

// TestSearchInset: a flat picture pasted into an unregistered photograph
// (a seventh of it) has too few keypoints to verify, and moves
// every bit of the whole query's PDQ; the picture found inside by its
// edges (fingerprint.FindInset) finds it, sure, by its own PDQ and pixels
// (match.MethodInsetPDQ), while the look-alike registered beside it stays
// under the sure band.
func TestSearchInset(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	flag := testpics.Flag(240, 160, false)
	a := register(t, e, write("flag.png", flag))
	twin := register(t, e, write("twin.png", testpics.Flag(240, 160, true)))
	register(t, e, labelme+"q0291.jpg")
	small := decode(t, labelme+"q0003.jpg")
	photo := image.NewRGBA(image.Rect(0, 0, 600, 450))
	xdraw.BiLinear.Scale(photo, photo.Rect, small, small.Rect, xdraw.Src, nil)
	for _, at := range []image.Point{{40, 30}, {photo.Rect.Dx() - 240 - 17, photo.Rect.Dy() - 160 - 9}} {
		q := pasteInto(photo, flag, at.X, at.Y)
		var got *match.Match
		for _, m := range search(t, e, encodeJPEG(t, q, 85)) {
			if m.Asset.Nid == twin.Nid && m.Score >= match.SureScore {
				t.Errorf("pasted at %v: the look-alike scored %.3f by %s", at, m.Score, m.Method)
			}
			if m.Asset.Nid == a.Nid {
				got = &m
			}
		}
		if got == nil {
			t.Fatalf("pasted at %v into %v: the original was not found", at, photo.Rect.Size())
		}
		t.Logf("pasted at %v: %.3f %s, query overlap %.3f", at, got.Score, got.Method, got.QueryOverlap)
		share := float64(240*160) / float64(photo.Rect.Dx()*photo.Rect.Dy())
		if got.Score < match.SureScore || got.Method != match.MethodInsetPDQ || got.QueryOverlap > share+0.01 || got.QueryOverlap < share-0.01 {
			t.Errorf("pasted at %v: score %.3f by %s, query overlap %.3f: want >= %.2f by %s, overlap %.3f",
				at, got.Score, got.Method, got.QueryOverlap, match.SureScore, match.MethodInsetPDQ, share)
		}
	}
}
