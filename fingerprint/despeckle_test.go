package fingerprint

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// drawing is a picture of flat discs on a gradient, crossed by a few thin
// lines: edges and lines a despeckler must leave alone.
func drawing(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	discs := []struct {
		x, y, r float64
		c       color.RGBA
	}{{0.3, 0.4, 0.25, color.RGBA{200, 60, 40, 255}}, {0.7, 0.6, 0.2, color.RGBA{40, 90, 200, 255}}, {0.55, 0.25, 0.12, color.RGBA{240, 220, 60, 255}}}
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(60 + 120*x/w), uint8(80 + 100*y/h), 140, 255}
			for _, d := range discs {
				dx, dy := float64(x)/float64(w)-d.x, float64(y)/float64(h)-d.y
				if dx*dx+dy*dy < d.r*d.r {
					c = d.c
				}
			}
			if x == w/5 || y == h*3/4 || x == y {
				c = color.RGBA{20, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// speckled sprinkles share of img's pixels with white or black, as the
// benchmark's salt and pepper does.
func speckled(img *image.RGBA, share float64, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed))
	out := image.NewRGBA(img.Rect)
	copy(out.Pix, img.Pix)
	for i := 0; i < len(out.Pix); i += 4 {
		if r.Float64() < share {
			v := uint8(255 * r.IntN(2))
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = v, v, v
		}
	}
	return out
}

// meanAbsDiff is the mean absolute difference of two pictures' R, G and
// B averaged over blocks of 4x4 pixels: what the fingerprints see (a
// thumbnail, PDQ's low frequencies), where JPEG's ringing around a
// speckle that mending leaves averages out.
func meanAbsDiff(a, b *image.RGBA) float64 {
	w, h := a.Rect.Dx()/4, a.Rect.Dy()/4
	var sum float64
	for by := range h {
		for bx := range w {
			for c := range 3 {
				d := 0
				for y := 4 * by; y < 4*by+4; y++ {
					for x := 4 * bx; x < 4*bx+4; x++ {
						i := y*a.Stride + 4*x + c
						d += int(a.Pix[i]) - int(b.Pix[i])
					}
				}
				sum += float64(max(d, -d)) / 16
			}
		}
	}
	return sum / float64(3*w*h)
}

func jpegRoundTrip(t *testing.T, img *image.RGBA) *image.RGBA {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(dec.Bounds())
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			out.Set(x, y, dec.At(x, y))
		}
	}
	return out
}

func TestDespeckle(t *testing.T) {
	orig := drawing(160, 120)
	origJPEG := jpegRoundTrip(t, orig)
	for _, tt := range []struct {
		name     string
		img      *image.RGBA
		speckled bool
		ref      *image.RGBA // what the mended picture should be near
		keep     float64     // the most of its difference to ref it may keep
	}{
		{"a clean drawing: lines and edges are not speckles", orig, false, nil, 0},
		{"the clean drawing through JPEG", origJPEG, false, nil, 0},
		{"a few speckles: not speckled", speckled(orig, 0.001, 1), false, nil, 0},
		{"2% salt and pepper", speckled(orig, 0.02, 2), true, orig, 0.2},
		// JPEG spreads a speckle over its 8x8 block, beyond the halo
		// mended, and hides the light speckles on light ground.
		{"2% salt and pepper through JPEG", jpegRoundTrip(t, speckled(orig, 0.02, 3)), true, origJPEG, 0.6},
		{"too small to judge", image.NewRGBA(image.Rect(0, 0, 2, 2)), false, nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]uint8(nil), tt.img.Pix...)
			clean, n := Despeckle(tt.img)
			if !bytes.Equal(before, tt.img.Pix) {
				t.Fatal("Despeckle modified its input")
			}
			if (clean != nil) != tt.speckled {
				t.Fatalf("Despeckle: speckled %v (%d speckles), want %v", clean != nil, n, tt.speckled)
			}
			if got := Speckled(tt.img); got != tt.speckled {
				t.Errorf("Speckled (its rows sampled) = %v, want %v", got, tt.speckled)
			}
			if clean == nil {
				return
			}
			if clean.Rect != tt.img.Rect {
				t.Fatalf("bounds %v, want %v", clean.Rect, tt.img.Rect)
			}
			// The speckles are gone: the mended picture is far nearer the
			// original (through JPEG too, when the speckled one was) than
			// the speckled one.
			was, now := meanAbsDiff(tt.img, tt.ref), meanAbsDiff(clean, tt.ref)
			if now > tt.keep*was {
				t.Errorf("mean difference to the original %.2f after, %.2f before: want %.2f at most", now, was, tt.keep*was)
			}
		})
	}
}

// TestDespeckledBytes: a speckled picture is fingerprinted again with its
// speckles taken out, nearer the clean picture's fingerprints; a clean one
// is not.
func TestDespeckledBytes(t *testing.T) {
	orig := drawing(160, 120)
	encode := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	opt := Options{Trim: true, Features: QueryFeatures, Captions: true, Inset: true}
	if p, err := DespeckledBytes(encode(orig), opt); err != nil || p != nil {
		t.Errorf("a clean picture: %v, %v; want nil, nil", p, err)
	}
	noisy := encode(speckled(orig, 0.02, 4))
	p, err := DespeckledBytes(noisy, opt)
	if err != nil || p == nil {
		t.Fatalf("a speckled picture: %v, %v; want its fingerprints", p, err)
	}
	if p.Features == nil {
		t.Error("the despeckled fingerprints have no local features: opt was not applied")
	}
	clean, err := Bytes(encode(orig), opt)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Bytes(noisy, opt)
	if err != nil {
		t.Fatal(err)
	}
	if d, dn := p.PDQ.Distance(clean.PDQ), raw.PDQ.Distance(clean.PDQ); d >= dn || d > 16 {
		t.Errorf("PDQ distance to the clean picture: %d despeckled, %d speckled; want the despeckled one nearer, within 16", d, dn)
	}
	if _, err := DespeckledBytes([]byte("not a picture"), opt); err == nil {
		t.Error("not a picture: no error")
	}
}

// TestDespeckleSubImage: a sub-image (bounds not at the origin) is
// judged and mended as the same pixels at the origin.
func TestDespeckleSubImage(t *testing.T) {
	big := speckled(drawing(200, 160), 0.02, 5)
	sub := big.SubImage(image.Rect(20, 30, 180, 150)).(*image.RGBA)
	at := image.NewRGBA(image.Rect(0, 0, 160, 120))
	for y := range 120 {
		for x := range 160 {
			at.SetRGBA(x, y, sub.RGBAAt(20+x, 30+y))
		}
	}
	a, na := Despeckle(sub)
	b, nb := Despeckle(at)
	if a == nil || b == nil || na != nb || !bytes.Equal(a.Pix, b.Pix) {
		t.Errorf("sub-image: %d speckles, mended %v; at the origin: %d, mended %v; want the same", na, a != nil, nb, b != nil)
	}
	if Speckled(sub) != Speckled(at) || !Speckled(at) {
		t.Errorf("Speckled: sub-image %v, at the origin %v; want both true", Speckled(sub), Speckled(at))
	}
}
