package engine

import (
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/match"
)

// glow draws a w x h picture of soft light: a gradient and a few broad
// glows of colour, with no corner for keypoints and a PDQ that a crop
// moves far (a wallpaper's kind of picture); extra adds one more glow.
func glow(w, h int, extra bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type spot struct{ x, y, r, cr, cg, cb float64 }
	spots := []spot{{0.25, 0.3, 0.35, 220, 120, 40}, {0.7, 0.65, 0.3, 40, 90, 200}, {0.55, 0.2, 0.2, 230, 210, 90}}
	if extra {
		spots = append(spots, spot{0.3, 0.75, 0.18, 30, 200, 90})
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			r, g, b := 30+60*v, 30+40*u, 60+50*(1-v)
			for _, s := range spots {
				d := math.Hypot(u-s.x, (v-s.y)*float64(h)/float64(w))
				k := math.Exp(-d * d / (2 * s.r * s.r / 4))
				r, g, b = r*(1-k)+s.cr*k, g*(1-k)+s.cg*k, b*(1-k)+s.cb*k
			}
			img.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return img
}

// TestSearchCropped: a picture of soft light, with neither keypoints nor
// a PDQ that survives a crop, is found cropped by 20% off-centre, by half
// about its centre and by 40% to a corner, by the window it shows
// (cropped_pixels; half of it in a corner is not looked for: its
// thumbnail vector lies too far from the whole picture's, cosine 0.48 to
// 0.70 against 0.85 centred); its sibling
// with one glow more is not taken for it, nor it for its sibling, and the
// picture whole is not found by a window.
func TestSearchCropped(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	pic, sib := glow(400, 300, false), glow(400, 300, true)
	a := register(t, e, write("glow.png", pic))
	s := register(t, e, write("sibling.png", sib))
	register(t, e, labelme+"q0291.jpg")
	for _, tc := range []struct {
		name    string
		q       *image.RGBA
		want    string // the Nid found sure by its window; "" none
		overlap float64
	}{
		{"crop 20% off-centre", cropTo(pic, 0.8, 0.9, 0.2), a.Nid, 0.8},
		{"crop 50% centred", cropTo(pic, 0.5, 0.5, 0.5), a.Nid, 0.5},
		// Its thumbnail vector's cosine with the picture's is 0.76: under
		// minThumbCosine, over minCropCosine.
		{"crop 40% to the top right corner", cropTo(pic, 0.6, 1, 0), a.Nid, 0.6},
		{"the sibling cropped", cropTo(sib, 0.8, 0.2, 0.9), s.Nid, 0.8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *match.Match
			for _, m := range search(t, e, encodeJPEG(t, tc.q, 90)) {
				if m.Score < match.SureScore {
					continue
				}
				if m.Asset.Nid != tc.want {
					t.Errorf("%s scored %.3f by %s", m.Asset.Source, m.Score, m.Method)
					continue
				}
				got = &m
			}
			if got == nil {
				t.Fatal("not found sure")
			}
			if got.Method != match.MethodCroppedPixels || math.Abs(got.AssetOverlap-tc.overlap) > 0.03 || got.QueryOverlap != 1 {
				t.Errorf("%.3f by %s, overlaps %v/%v; want %s, the asset's overlap %v", got.Score, got.Method, got.QueryOverlap, got.AssetOverlap, match.MethodCroppedPixels, tc.overlap)
			}
		})
	}
	t.Run("whole", func(t *testing.T) {
		for _, m := range search(t, e, encodeJPEG(t, pic, 90)) {
			if m.Method == match.MethodCroppedPixels {
				t.Errorf("%s found by a window (%.3f)", m.Asset.Source, m.Score)
			}
		}
	})
}

// TestCropHits: the window search looks first at the assets found
// unmirrored, then at those nearer the query's mirror image whose own
// cosine is at least minCropCosine, each group bounded and in the
// lookup's order.
func TestCropHits(t *testing.T) {
	hit := func(id int, mirrored bool, cos, plain float32) index.ThumbHit {
		return index.ThumbHit{ID: index.ID(id), Mirrored: mirrored, Cosine: cos, Plain: plain}
	}
	plain, mirrored := cropHits([]index.ThumbHit{
		hit(1, true, 0.95, 0.94), hit(2, false, 0.9, 0.9), hit(3, true, 0.85, 0.6), hit(4, true, 0.8, 0.75), hit(5, false, 0.72, 0.72),
	})
	if want := []uint32{2, 5}; !slices.Equal(plain, want) {
		t.Errorf("plain %v, want %v", plain, want)
	}
	if want := []uint32{1, 4}; !slices.Equal(mirrored, want) {
		t.Errorf("mirrored %v, want %v (3's own cosine is under %v)", mirrored, want, minCropCosine)
	}
	var many []index.ThumbHit
	for id := range 2 * (MaxCropCandidates + MaxCropMirrored) {
		many = append(many, hit(id+1, id%2 == 1, 0.99, 0.99))
	}
	plain, mirrored = cropHits(many)
	if len(plain) != MaxCropCandidates || len(mirrored) != MaxCropMirrored || plain[0] != 1 || mirrored[0] != 2 {
		t.Errorf("plain %v, mirrored %v: want the first %d and %d", plain, mirrored, MaxCropCandidates, MaxCropMirrored)
	}
}
