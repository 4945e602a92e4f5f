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

// patternedFrame puts src inside a frame of checks (or diagonal
// stripes) of two colours, step pixels wide, l, t, r, b pixels wide.
func patternedFrame(src *image.RGBA, l, tp, r, b, step int, checks bool) *image.RGBA {
	w, h := src.Rect.Dx()+l+r, src.Rect.Dy()+tp+b
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c1, c2 := color.RGBA{20, 200, 60, 255}, color.RGBA{230, 40, 200, 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			on := ((x+y)/step)%2 == 0
			if checks {
				on = (x/step+y/step)%2 == 0
			}
			if on {
				img.SetRGBA(x, y, c1)
			} else {
				img.SetRGBA(x, y, c2)
			}
		}
	}
	for y := 0; y < src.Rect.Dy(); y++ {
		copy(img.Pix[img.PixOffset(l, tp+y):], src.Pix[src.PixOffset(0, y):src.PixOffset(src.Rect.Dx(), y)])
	}
	return img
}

// patterned is patternedFrame compressed as JPEG at quality 75, as a
// thief's frame would be.
func patterned(t *testing.T, src *image.RGBA, l, tp, r, b, step int, checks bool) *image.RGBA {
	return throughJPEG(t, patternedFrame(src, l, tp, r, b, step, checks), 75)
}

// TestTrimPatterned: a frame of two colours in checks or stripes is
// trimmed (to within the pixels JPEG blurs at the picture's edge);
// pictures whose edges hold two colours but no such frame are not.
func TestTrimPatterned(t *testing.T) {
	pic := textured(240, 160, 3)
	for _, tt := range []struct {
		name       string
		checks     bool
		l, t, r, b int
	}{
		{name: "checks", checks: true, l: 40, t: 30, r: 20, b: 50},
		{name: "diagonal stripes", l: 25, t: 45, r: 35, b: 30},
		{name: "narrow checks", checks: true, l: 12, t: 12, r: 30, b: 22},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{8, 13} {
				img := patterned(t, pic, tt.l, tt.t, tt.r, tt.b, step, tt.checks)
				got := TrimBorders(img)
				want := image.Rect(tt.l, tt.t, tt.l+pic.Rect.Dx(), tt.t+pic.Rect.Dy())
				if abs(got.Min.X-want.Min.X) > 2 || abs(got.Min.Y-want.Min.Y) > 2 || abs(got.Max.X-want.Max.X) > 2 || abs(got.Max.Y-want.Max.Y) > 2 {
					t.Errorf("step %d: TrimBorders = %v, want %v", step, got, want)
				}
			}
		})
	}
	// A chessboard is not a frame around a picture.
	board := image.NewRGBA(image.Rect(0, 0, 200, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 200; x++ {
			c := color.RGBA{20, 200, 60, 255}
			if (x/10+y/10)%2 == 1 {
				c = color.RGBA{230, 40, 200, 255}
			}
			board.SetRGBA(x, y, c)
		}
	}
	if got := TrimBorders(board); got != board.Rect {
		t.Errorf("chessboard trimmed to %v", got)
	}
	// A figure on a plain ground, cut by the bottom edge: the edge holds
	// two colours, changing twice, not alternating.
	figure := framed(textured(240, 100, 4), 30, 30, 30, 60, color.RGBA{250, 250, 250, 255}, 0)
	for y := figure.Rect.Dy() - 40; y < figure.Rect.Dy(); y++ {
		for x := 60; x < 200; x++ {
			figure.SetRGBA(x, y, color.RGBA{200, 30, 30, 255})
		}
	}
	if got, want := TrimBorders(figure), image.Rect(30, 30, 270, 190); got != want {
		t.Errorf("figure: TrimBorders = %v, want %v", got, want)
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

// FuzzTrimBorders: any picture, patterned or not, is trimmed to a
// non-empty rectangle inside it, without a panic.
func FuzzTrimBorders(f *testing.F) {
	f.Add(uint8(40), uint8(30), uint8(6), []byte{20, 200, 60, 230, 40, 200})
	f.Add(uint8(8), uint8(8), uint8(1), []byte{0})
	f.Add(uint8(100), uint8(12), uint8(3), []byte{255, 255, 255, 0, 0, 0, 128})
	f.Fuzz(func(t *testing.T, w, h, step uint8, pix []byte) {
		if len(pix) == 0 || w == 0 || h == 0 {
			return // an empty picture is its own rectangle
		}
		img := image.NewRGBA(image.Rect(3, 5, 3+int(w), 5+int(h)))
		st := int(step%16) + 1
		for y := 0; y < int(h); y++ {
			for x := 0; x < int(w); x++ {
				o := img.PixOffset(3+x, 5+y)
				// Checks of the fuzzed colours, so that the two-coloured
				// search runs, with the rest of the bytes laid over them.
				k := ((x/st + y/st) % 2) * 3
				for c := range 3 {
					img.Pix[o+c] = pix[(k+c)%len(pix)] ^ pix[(o+c)%len(pix)]&byte(step>>4)
				}
				img.Pix[o+3] = 255
			}
		}
		r := TrimBorders(img)
		if r.Empty() || !r.In(img.Rect) {
			t.Fatalf("TrimBorders(%v) = %v", img.Rect, r)
		}
	})
}
