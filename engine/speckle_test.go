package engine

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/match"
)

// sprite is a small flat drawing: a few discs and bars on a plain ground,
// the kind of picture whose hashes and keypoints salt and pepper takes.
func sprite(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	ground := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = ground.R, ground.G, ground.B, 255
	}
	for range 6 {
		c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		cx, cy, rad := r.IntN(w), r.IntN(h), 4+r.IntN(w/4)
		bar := r.IntN(2) == 0
		for y := range h {
			for x := range w {
				dx, dy := x-cx, y-cy
				if bar && abs(dx) < rad && abs(dy) < rad/3 || !bar && dx*dx+dy*dy < rad*rad {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	return img
}

// saltPepper turns share of img's pixels white or black and encodes it as
// a JPEG of quality 92, as the accuracy benchmark's noise-saltpepper edit.
func saltPepper(t *testing.T, img *image.RGBA, share float64, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	out := image.NewRGBA(img.Rect)
	copy(out.Pix, img.Pix)
	for i := 0; i < len(out.Pix); i += 4 {
		if r.Float64() < share {
			v := uint8(255 * r.IntN(2))
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = v, v, v
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSearchSpeckled: small sprites sprinkled with salt and pepper are
// found, the speckles taken out of the query (fingerprint.Despeckle)
// when it finds nothing sure as it is.
func TestSearchSpeckled(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	var assets []*sleuth.Asset
	for k := range 12 {
		assets = append(assets, register(t, e, write("s"+string(rune('a'+k))+".png", sprite(72, 72, uint64(k+1)))))
	}
	found := 0
	for k, a := range assets {
		ms := search(t, e, saltPepper(t, sprite(72, 72, uint64(k+1)), 0.02, uint64(k)))
		for _, m := range ms {
			if m.Score >= match.SureScore && m.Asset.Nid != a.Nid {
				t.Errorf("sprite %d: another sprite %s sure at %v", k, m.Asset.Nid, m.Score)
			}
			if m.Asset.Nid == a.Nid && m.Score >= match.SureScore {
				found++
			}
		}
	}
	// 9 of the 12 are found, 1 without the speckles taken out.
	if found < len(assets)*2/3 {
		t.Errorf("%d of %d speckled sprites found sure, want at least %d", found, len(assets), len(assets)*2/3)
	}
	t.Logf("%d of %d found sure", found, len(assets))
}

func TestMergeJudged(t *testing.T) {
	m := func(id sleuth.AssetID, score float64, method string) match.Match {
		return match.Match{Asset: &sleuth.Asset{ID: id}, Score: score, Method: method}
	}
	got := mergeJudged(
		[]match.Match{m(1, 0.5, "first"), m(2, 0.92, "first"), m(3, 0.3, "first")},
		[]match.Match{m(2, 0.5, "second"), m(1, 0.9, "second"), m(4, 0.4, "second"), m(3, 0.3, "second")})
	want := []match.Match{m(1, 0.9, "second"), m(2, 0.92, "first"), m(3, 0.3, "first"), m(4, 0.4, "second")}
	if len(got) != len(want) {
		t.Fatalf("merged %d matches, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Asset.ID != want[i].Asset.ID || got[i].Score != want[i].Score || got[i].Method != want[i].Method {
			t.Errorf("match %d: asset %d %v %s, want asset %d %v %s", i, got[i].Asset.ID, got[i].Score, got[i].Method,
				want[i].Asset.ID, want[i].Score, want[i].Method)
		}
	}
}
