package fingerprint

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/sleuthhq/sleuth/imaging"
)

// textured returns a w x h picture with detail everywhere (no uniform
// line).
func textured(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8((x*7 + y*13) % 200)
			img.SetRGBA(x, y, color.RGBA{v + uint8(rng.IntN(40)), uint8(x), uint8(y), 255})
		}
	}
	return img
}

// framed puts src inside a border of colour c: l, t, r, b pixels wide.
func framed(src *image.RGBA, l, t, r, b int, c color.RGBA, noise int) *image.RGBA {
	w, h := src.Rect.Dx()+l+r, src.Rect.Dy()+t+b
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(9, 9))
	jit := func(v uint8) uint8 {
		if noise == 0 {
			return v
		}
		return uint8(min(255, max(0, int(v)+rng.IntN(2*noise+1)-noise)))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{jit(c.R), jit(c.G), jit(c.B), 255})
		}
	}
	for y := 0; y < src.Rect.Dy(); y++ {
		copy(img.Pix[img.PixOffset(l, t+y):], src.Pix[src.PixOffset(0, y):src.PixOffset(src.Rect.Dx(), y)])
	}
	return img
}

func TestTrimBorders(t *testing.T) {
	pic := textured(120, 80, 1)
	white := color.RGBA{255, 255, 255, 255}
	black := color.RGBA{0, 0, 0, 255}
	uniform := image.NewRGBA(image.Rect(0, 0, 50, 50))
	for i := range uniform.Pix {
		uniform.Pix[i] = 200
	}
	tests := []struct {
		name string
		img  *image.RGBA
		want image.Rectangle
	}{
		{"no border", pic, image.Rect(0, 0, 120, 80)},
		{"white frame", framed(pic, 10, 10, 10, 10, white, 0), image.Rect(10, 10, 130, 90)},
		{"uneven black", framed(pic, 3, 25, 40, 0, black, 0), image.Rect(3, 25, 123, 105)},
		{"letterbox", framed(pic, 0, 30, 0, 30, black, 0), image.Rect(0, 30, 120, 110)},
		{"noisy border", framed(pic, 12, 12, 12, 12, color.RGBA{90, 140, 30, 255}, 10), image.Rect(12, 12, 132, 92)},
		// 45% of a side at most: a border wider than that is trimmed to it.
		{"huge border", framed(pic, 200, 0, 0, 0, white, 0), image.Rect(144, 0, 320, 80)},
		{"uniform picture", uniform, image.Rect(0, 0, 50, 50)},
		{"tiny", textured(6, 6, 2), image.Rect(0, 0, 6, 6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TrimBorders(tt.img); got != tt.want {
				t.Errorf("TrimBorders = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTrimOf(t *testing.T) {
	src, err := imaging.DecodeFile("../testdata/pdq/bridge-mods/aaa-orig.jpg", imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if tr := TrimOf(src.RGBA); tr != nil {
		t.Fatalf("a photograph without a border was trimmed to %v", tr.Rect)
	}
	padded := framed(src.RGBA, 300, 150, 200, 250, color.RGBA{20, 30, 200, 255}, 0)
	tr := TrimOf(padded)
	if tr == nil {
		t.Fatal("padded picture not trimmed")
	}
	if tr.Rect != image.Rect(300, 150, 1900, 1154) {
		t.Errorf("rect %v", tr.Rect)
	}
	p := Perceptualize(src.RGBA)
	if d := tr.PDQ.Distance(p.PDQ); d > 20 {
		t.Errorf("trimmed PDQ %d bits from the original's", d)
	}
	back, err := ParseTrim(tr.String())
	if err != nil || back.Rect != tr.Rect || back.PDQ != tr.PDQ {
		t.Errorf("round trip: %+v %v", back, err)
	}
	if f := tr.Fraction(padded.Rect.Dx(), padded.Rect.Dy()); f < 0.5 || f > 0.6 {
		t.Errorf("fraction %v", f)
	}
}

func TestParseTrimErrors(t *testing.T) {
	good := (&Trim{Rect: image.Rect(1, 2, 30, 40)}).String()
	if _, err := ParseTrim(good); err != nil {
		t.Fatalf("%s: %v", good, err)
	}
	for _, s := range []string{
		"",
		good[:95],
		good + "0",
		good[:64] + "0000000200000001" + "0000000100000002", // inverted
		good[:64] + "000000010000000200000001000000ff",      // empty
		good[:64] + "80000000000000000000000100000001",      // over 2^31
		good[:64] + "0000000A000000020000001e00000028",      // upper case
		"zz" + good[2:],
	} {
		if _, err := ParseTrim(s); err == nil {
			t.Errorf("ParseTrim(%q) accepted", s)
		}
	}
}

func FuzzParseTrim(f *testing.F) {
	f.Add((&Trim{Rect: image.Rect(1, 2, 30, 40)}).String())
	f.Add("")
	f.Add("0000000000000000000000000000000000000000000000000000000000000000ffffffffffffffffffffffffffffffff")
	f.Fuzz(func(t *testing.T, s string) {
		tr, err := ParseTrim(s)
		if err != nil {
			return
		}
		if tr.Rect.Empty() {
			t.Fatalf("accepted an empty rectangle: %q", s)
		}
		if back := tr.String(); back != s {
			t.Fatalf("round trip %q -> %q", s, back)
		}
	})
}
