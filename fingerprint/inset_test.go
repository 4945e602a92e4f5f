package fingerprint

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/internal/testpics"
)

// insetBackground is a LabelMe photograph scaled to w x h: a busy
// background, edges everywhere but no straight rectangle.
func insetBackground(t testing.TB, w, h int) *image.RGBA {
	t.Helper()
	src, err := imaging.DecodeFile("../testdata/pdq/reg-test-input/labelme-subset/q0003.jpg", imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.BiLinear.Scale(out, out.Rect, src.RGBA, src.RGBA.Rect, xdraw.Src, nil)
	return out
}

// throughJPEG returns img encoded as a JPEG of quality q and decoded.
func throughJPEG(t *testing.T, img image.Image, q int) *image.RGBA {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	d, err := imaging.Decode(buf.Bytes(), imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return d.RGBA
}

// TestFindInset: a picture pasted into a photograph or onto a plain
// canvas, through JPEG, is found to the pixel, wherever it lies but on
// the edge, at any size from a fifth of the sides up, in a frame reduced
// or not; a photograph, a flat picture, one touching the edge and one too
// small are not.
func TestFindInset(t *testing.T) {
	plain := func(c color.Color) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, 700, 500))
		xdraw.Draw(m, m.Rect, image.NewUniform(c), image.Point{}, xdraw.Src)
		return m
	}
	cases := []struct {
		name string
		bg   *image.RGBA
		w, h int // the pasted flag's size
		at   image.Point
		want bool
	}{
		{"photo, a seventh", insetBackground(t, 600, 450), 240, 160, image.Pt(40, 30), true},
		{"photo, corner", insetBackground(t, 600, 450), 240, 160, image.Pt(343, 281), true},
		{"photo, half", insetBackground(t, 600, 450), 420, 270, image.Pt(91, 77), true},
		{"large photo, reduced frame", insetBackground(t, 1200, 900), 500, 330, image.Pt(301, 417), true},
		{"small photo", insetBackground(t, 200, 150), 90, 60, image.Pt(57, 44), true},
		{"grey canvas", plain(color.Gray{128}), 300, 200, image.Pt(211, 97), true},
		// The flag's white stripe melts into a white canvas: two sides
		// lose a third of their steps.
		{"white canvas", plain(color.White), 300, 200, image.Pt(211, 97), false},
		{"touching the edge", insetBackground(t, 600, 450), 240, 160, image.Pt(0, 100), false},
		{"too small", insetBackground(t, 600, 450), 100, 60, image.Pt(200, 200), false},
		{"the photo alone", insetBackground(t, 600, 450), 0, 0, image.Point{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := image.NewRGBA(c.bg.Rect)
			xdraw.Draw(q, q.Rect, c.bg, image.Point{}, xdraw.Src)
			want := image.Rectangle{Min: c.at, Max: c.at.Add(image.Pt(c.w, c.h))}
			if c.w > 0 {
				xdraw.Draw(q, want, testpics.Flag(c.w, c.h, false), image.Point{}, xdraw.Src)
			}
			got, ok := FindInset(throughJPEG(t, q, 85))
			if ok != c.want || (ok && got != want) {
				t.Errorf("FindInset = %v, %v; want %v, %v", got, ok, want, c.want)
			}
		})
	}
	for _, img := range []*image.RGBA{testpics.Flag(300, 200, false), image.NewRGBA(image.Rect(0, 0, 30, 300))} {
		if got, ok := FindInset(img); ok {
			t.Errorf("a %v picture of its own: FindInset = %v", img.Rect.Size(), got)
		}
	}
}

// FuzzFindInset: any picture, with a rectangle drawn in it or not, gives
// no rectangle or one inside it of about a fifth of each side or more,
// without a panic.
func FuzzFindInset(f *testing.F) {
	f.Add(uint16(200), uint16(150), uint16(40), uint16(30), uint16(90), uint16(70), []byte{20, 200, 60, 230, 40, 200})
	f.Add(uint16(48), uint16(48), uint16(2), uint16(2), uint16(44), uint16(44), []byte{0, 255})
	f.Add(uint16(700), uint16(60), uint16(10), uint16(5), uint16(600), uint16(50), []byte{128})
	f.Fuzz(func(t *testing.T, w, h, x0, y0, rw, rh uint16, pix []byte) {
		W, H := int(w%1100)+1, int(h%1100)+1
		if len(pix) == 0 {
			pix = []byte{0}
		}
		img := image.NewRGBA(image.Rect(7, 3, 7+W, 3+H))
		inner := image.Rect(int(x0), int(y0), int(x0)+int(rw), int(y0)+int(rh)).Add(img.Rect.Min)
		for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
			for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
				o := img.PixOffset(x, y)
				for c := range 3 {
					v := pix[(o+c)%len(pix)]
					if (image.Point{x, y}).In(inner) {
						v = ^v
					}
					img.Pix[o+c] = v
				}
				img.Pix[o+3] = 255
			}
		}
		r, ok := FindInset(img)
		if !ok {
			return
		}
		// A fifth of each side of the luma frame, but for its rounding.
		if r.Empty() || !r.In(img.Rect) || 5*(r.Dx()+3) < W || 5*(r.Dy()+3) < H {
			t.Fatalf("FindInset(%v) = %v", img.Rect, r)
		}
	})
}

// BenchmarkFindInset: a flat picture of a third of the side set in a
// photograph of 1024x1024, found in a luma frame of 512x512: the whole
// search (picture), and what a query pays besides the frame its local
// features are found in (frame).
func BenchmarkFindInset(b *testing.B) {
	img := insetBackground(b, 1024, 1024)
	small := image.Rect(0, 0, 341, 341).Add(image.Pt(400, 300))
	xdraw.Draw(img, small, testpics.Flag(341, 341, false), image.Point{}, xdraw.Src)
	if r, ok := FindInset(img); !ok || r != small {
		b.Fatalf("FindInset = %v, %v; want %v", r, ok, small)
	}
	b.Run("picture", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			FindInset(img)
		}
	})
	b.Run("frame", func(b *testing.B) {
		sc := new(featureScratch)
		g := lumaFrame(img, FeatureSide, new(grayImage), sc)
		b.ReportAllocs()
		for b.Loop() {
			if r, ok := findInset(g, sc); ok {
				refineInset(img, r, g.w, g.h)
			}
		}
	})
}

// TestLumaStep checks the one-comparison step against the difference.
func TestLumaStep(t *testing.T) {
	for a := range 256 {
		for b := range 256 {
			if got, want := lumaStep(uint8(a), uint8(b)), absDiff(a, b) >= insetLumaStep; got != want {
				t.Fatalf("lumaStep(%d, %d) = %v, want %v", a, b, got, want)
			}
		}
	}
}
