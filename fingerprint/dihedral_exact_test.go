package fingerprint

import (
	"fmt"
	"image"
	"testing"
)

// dihedralRGBA transforms src by the dihedral variant k (rotate90 is
// counter-clockwise, flipX top to bottom, flipPlus1 the transpose),
// mapping each destination pixel centre back to the source.
func dihedralRGBA(src *image.RGBA, k int) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	tw, th := w, h
	if k == DihedralRotate90 || k == DihedralRotate270 || k == DihedralFlipPlus1 || k == DihedralFlipMinus1 {
		tw, th = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := 0; y < th; y++ {
		for x := 0; x < tw; x++ {
			u, v := (float64(x)+0.5)/float64(tw), (float64(y)+0.5)/float64(th)
			var sx, sy float64 // the source point, as fractions
			switch k {
			case DihedralOriginal:
				sx, sy = u, v
			case DihedralRotate90: // the top edge becomes the left edge
				sx, sy = 1-v, u
			case DihedralRotate180:
				sx, sy = 1-u, 1-v
			case DihedralRotate270:
				sx, sy = v, 1-u
			case DihedralFlipX:
				sx, sy = u, 1-v
			case DihedralFlipY:
				sx, sy = 1-u, v
			case DihedralFlipPlus1:
				sx, sy = v, u
			case DihedralFlipMinus1:
				sx, sy = 1-v, 1-u
			}
			dst.SetRGBA(x, y, src.RGBAAt(int(sx*float64(w)), int(sy*float64(h))))
		}
	}
	return dst
}

// TestExactDihedral: after ExactDihedral, variant k of a picture is the
// PDQ of the picture so transformed, bit for bit, where the prediction
// from the DCT is off by many bits on a flat drawing with sharp edges.
func TestExactDihedral(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  *image.RGBA
	}{
		{"squares 300x200", squares(300, 200, 40, [][2]int{{20, 30}, {150, 20}, {90, 120}, {230, 140}})},
		{"smooth 512", pdqSmoothRGBA(512, 5)},
		{"squares 900x700 (reduced to 512x512 first)", squares(900, 700, 120, [][2]int{{40, 60}, {500, 80}, {300, 400}})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Perceptualize(tc.img)
			predicted := p.Dihedral
			ExactDihedral(tc.img, &p.Dihedral)
			if p.Dihedral[DihedralOriginal] != predicted[DihedralOriginal] || p.PDQ != predicted[DihedralOriginal] {
				t.Fatal("the original hash changed")
			}
			worst := 0
			for k := DihedralRotate90; k <= DihedralFlipMinus1; k++ {
				want := Perceptualize(dihedralRGBA(tc.img, k)).PDQ
				if d := p.Dihedral[k].Distance(want); d != 0 {
					t.Errorf("variant %d: %d bits from the transformed picture's PDQ", k, d)
				}
				worst = max(worst, predicted[k].Distance(want))
			}
			t.Logf("the DCT's prediction was up to %d bits off", worst)
		})
	}
	// Too small to hash: left alone.
	tiny := squares(4, 4, 1, nil)
	p := Perceptualize(tiny)
	ExactDihedral(tiny, &p.Dihedral)
	if p != (Perceptual{}) {
		t.Errorf("tiny picture: %+v", p)
	}
	ExactDihedral(nil, &p.Dihedral)
}

func BenchmarkExactDihedral(b *testing.B) {
	for _, n := range []int{512, 1024} {
		img := pdqSmoothRGBA(n, 1)
		p := Perceptualize(img)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				ExactDihedral(img, &p.Dihedral, CommonDihedral...)
			}
		})
	}
}

// TestPHashDihedral: each dihedral variant's PHash is the PHash of the
// picture so transformed: predicted from the DCT by Perceptualize, exactly
// by exactDihedral, and PHashOf reads them.
func TestPHashDihedral(t *testing.T) {
	for _, tc := range []struct {
		name string
		img  *image.RGBA
	}{
		{"squares 300x200", squares(300, 200, 40, [][2]int{{20, 30}, {150, 20}, {90, 120}, {230, 140}})},
		{"smooth 512", pdqSmoothRGBA(512, 5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Perceptualize(tc.img)
			if p.PHashDihedral[DihedralOriginal] != p.PHash {
				t.Fatal("variant 0 is not the PHash")
			}
			predicted := p.PHashDihedral
			exactDihedral(tc.img, &p.Dihedral, &p.PHashDihedral, []int{DihedralRotate90, DihedralRotate180, DihedralRotate270, DihedralFlipX, DihedralFlipY, DihedralFlipPlus1, DihedralFlipMinus1})
			px := &Pixels{PHash: p.PHash, PHashDihedral: p.PHashDihedral}
			worst := 0
			for k := DihedralRotate90; k <= DihedralFlipMinus1; k++ {
				want := Perceptualize(dihedralRGBA(tc.img, k)).PHash
				if got, ok := px.PHashOf(k); !ok || got != want {
					t.Errorf("variant %d: %v %v, want %v", k, got, ok, want)
				}
				if p.PHash.Distance(want) == 0 {
					t.Errorf("variant %d: the transformed picture hashes as the original; the test shows nothing", k)
				}
				d := predicted[k].Distance(want)
				if d > 16 {
					t.Errorf("variant %d: the prediction is %d bits off", k, d)
				}
				worst = max(worst, d)
			}
			t.Logf("the DCT's prediction was up to %d bits off", worst)
		})
	}
	var px Pixels
	if _, ok := px.PHashOf(DihedralRotate90); ok {
		t.Error("PHashOf reported a variant that was not computed")
	}
	if _, ok := px.PHashOf(8); ok {
		t.Error("PHashOf accepted variant 8")
	}
}
