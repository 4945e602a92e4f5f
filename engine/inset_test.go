package engine

import (
	"image"
	"image/color"
	"math"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth"
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

// bands is a w x h flag of horizontal bands of the colours cs, the i-th
// band cuts[i] of the height down to cuts[i+1] (fractions).
func bands(w, h int, cs []color.RGBA, cuts []float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		k := 0
		for k+1 < len(cs) && float64(y) >= cuts[k+1]*float64(h) {
			k++
		}
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, cs[k])
		}
	}
	return img
}

// TestSearchInsetBands: a flag of three bands pasted into a photograph.
// Its PDQ bits follow coefficients near their median (a picture that
// varies along one axis only), so the inset's hash does not find it; the
// inset's thumbnail vector does, and its pixels laid on the flag make it
// sure (match.MethodInsetPixels). Flags of the same colours whose bands
// are cut elsewhere, or with a thin stripe more, stay under the sure
// band.
func TestSearchInsetBands(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	red, white, blue := color.RGBA{174, 28, 40, 255}, color.RGBA{255, 255, 255, 255}, color.RGBA{33, 70, 139, 255}
	flag := bands(300, 200, []color.RGBA{red, white, blue}, []float64{0, 1.0 / 3, 2.0 / 3})
	a := register(t, e, write("flag.png", flag))
	others := []*sleuth.Asset{
		register(t, e, write("cut.png", bands(300, 200, []color.RGBA{red, white, blue}, []float64{0, 0.3, 0.7}))),
		register(t, e, write("stripe.png", bands(300, 200, []color.RGBA{red, white, blue, white, blue}, []float64{0, 1.0 / 3, 2.0 / 3, 0.8, 0.83}))),
	}
	register(t, e, labelme+"q0291.jpg")
	small := decode(t, labelme+"q0003.jpg")
	photo := image.NewRGBA(image.Rect(0, 0, 640, 480))
	xdraw.BiLinear.Scale(photo, photo.Rect, small, small.Rect, xdraw.Src, nil)
	q := pasteInto(photo, flag, 170, 120)
	var got *match.Match
	for _, m := range search(t, e, encodeJPEG(t, q, 85)) {
		for _, o := range others {
			if m.Asset.Nid == o.Nid && m.Score >= match.SureScore {
				t.Errorf("%s scored %.3f by %s", o.Source, m.Score, m.Method)
			}
		}
		if m.Asset.Nid == a.Nid {
			got = &m
		}
	}
	if got == nil {
		t.Fatal("the flag was not found")
	}
	share := float64(300*200) / float64(640*480)
	t.Logf("%.3f %s, query overlap %.3f", got.Score, got.Method, got.QueryOverlap)
	if got.Score < match.SureScore || got.Method != match.MethodInsetPixels || math.Abs(got.QueryOverlap-share) > 0.01 {
		t.Errorf("score %.3f by %s, query overlap %.3f: want >= %.2f by %s, overlap %.3f",
			got.Score, got.Method, got.QueryOverlap, match.SureScore, match.MethodInsetPixels, share)
	}
}

// madagascar draws a w x h flag like Madagascar's: a white band down the
// first cut of its width, red above green on the rest.
func madagascar(w, h int, cut float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{252, 61, 50, 255}
			switch {
			case float64(x) < cut*float64(w):
				c = color.RGBA{255, 255, 255, 255}
			case y >= h/2:
				c = color.RGBA{0, 126, 58, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// TestSearchPaddedBands: a flag of three bands in a solid border whose
// luma is near its red band's (grey against red steps by a few levels)
// shows no edge there, and the inset found by luma steps is its white band
// alone (no thumbnail vector: blank); its trimmed PDQ is of too low a
// quality to be looked up. The picture inside the border is looked up as
// an inset's (insetThumbMatches, match.ThumbEvidence.Part) and found sure,
// with the border's share left out of the query overlap; a flag whose
// white band is cut elsewhere is not.
func TestSearchPaddedBands(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	flag := madagascar(300, 200, 1.0/3)
	a := register(t, e, write("flag.png", flag))
	other := register(t, e, write("cut.png", madagascar(300, 200, 0.45)))
	register(t, e, labelme+"q0291.jpg")
	for _, c := range []color.RGBA{{120, 120, 120, 255}, {130, 110, 110, 255}} {
		q := padBy(flag, 0.1, c)
		var got *match.Match
		for _, m := range search(t, e, encodeJPEG(t, q, 92)) {
			if m.Asset.Nid == other.Nid && m.Score >= match.SureScore {
				t.Errorf("border %v: the other flag scored %.3f by %s", c, m.Score, m.Method)
			}
			if m.Asset.Nid == a.Nid {
				got = &m
			}
		}
		if got == nil {
			t.Fatalf("border %v: the flag was not found", c)
		}
		share := float64(300*200) / float64(q.Rect.Dx()*q.Rect.Dy())
		// The trim may keep a line of the border that JPEG blurred.
		if got.Score < match.SureScore || got.Method != match.MethodInsetPixels || math.Abs(got.QueryOverlap-share) > 0.02 {
			t.Errorf("border %v: score %.3f by %s, query overlap %.3f: want >= %.2f by %s, overlap %.3f",
				c, got.Score, got.Method, got.QueryOverlap, match.SureScore, match.MethodInsetPixels, share)
		}
	}
}
