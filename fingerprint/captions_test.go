package fingerprint

import (
	"image"
	"image/color"
	"math"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

func TestRowCrossings(t *testing.T) {
	const D, L, M = 10, 240, 128 // dark, light, neither
	for _, tc := range []struct {
		name string
		row  []uint8
		want []captionCrossing
	}{
		{"a stroke between outlines", []uint8{M, D, D, L, L, L, D, D, M}, []captionCrossing{{1, 8}}},
		{"antialiased edges", []uint8{M, D, M, L, L, M, D, M}, []captionCrossing{{1, 7}}},
		{"two pixels of grey are not an edge", []uint8{D, M, M, L, L, D}, nil},
		{"too wide a stroke", []uint8{D, L, L, L, L, L, D}, nil},
		{"too wide an outline", []uint8{D, D, D, D, L, D}, nil},
		{"no outline on the right", []uint8{D, L, L, M, M}, nil},
		{"two letters share an outline", []uint8{D, L, D, L, D}, []captionCrossing{{0, 3}, {2, 5}}},
		{"flat", []uint8{M, M, M, M}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := rowCrossings(tc.row, 3, 3, nil, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("rowCrossings = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("rowCrossings = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// captionPicture draws a smooth, cornered background of w x h (overlapping
// discs of colour on a gradient) and, when text is not empty, writes it
// at (x, y) (the baseline's left end) size pixels tall, white with a black
// outline as meme captions are.
func captionPicture(t testing.TB, w, h int, text string, x, y int, size float64) *image.RGBA {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for py := range h {
		for px := range w {
			c := color.RGBA{uint8(90 + 80*px/w), uint8(120 + 60*py/h), 150, 255}
			for k := range 6 {
				cx, cy := float64(w)*float64(k+1)/7, float64(h)*(0.3+0.4*float64(k%2))
				if math.Hypot(float64(px)-cx, float64(py)-cy) < float64(h)/9 {
					c = color.RGBA{uint8(40 * k), 200 - uint8(30*k), uint8(60 + 20*k), 255}
				}
			}
			img.SetRGBA(px, py, c)
		}
	}
	if text == "" {
		return img
	}
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	dr := &font.Drawer{Dst: img, Face: face, Src: image.NewUniform(color.Black)}
	o := max(1, int(size/14))
	for dy := -o; dy <= o; dy += o {
		for dx := -o; dx <= o; dx += o {
			dr.Dot = fixed.P(x+dx, y+dy)
			dr.DrawString(text)
		}
	}
	dr.Src = image.NewUniform(color.White)
	dr.Dot = fixed.P(x, y)
	dr.DrawString(text)
	return img
}

func TestFindCaptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		w, h int
		text string
		x, y int // the baseline's left end
		size float64
		want bool
	}{
		{name: "caption", w: 480, h: 360, text: "FOR SALE now", x: 60, y: 120, size: 36, want: true},
		{name: "large caption", w: 400, h: 400, text: "mint now", x: 40, y: 300, size: 57, want: true},
		{name: "small picture, small caption", w: 160, h: 120, text: "gm wow", x: 20, y: 60, size: 14, want: true},
		{name: "no caption", w: 480, h: 360},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := captionPicture(t, tc.w, tc.h, tc.text, tc.x, tc.y, tc.size)
			f := ExtractQueryFeatures(img, QueryFeatures)
			t.Logf("captions %v", f.Captions)
			if !tc.want {
				if len(f.Captions) != 0 {
					t.Fatalf("Captions = %v, want none", f.Captions)
				}
				return
			}
			if len(f.Captions) == 0 {
				t.Fatal("no caption found")
			}
			// A point of the text's first letters, halfway up, lies in a
			// rectangle no taller than two lines of letters.
			mx := float32(tc.x) / float32(tc.w)
			my := (float32(tc.y) - float32(tc.size)*0.35) / float32(tc.h)
			var hit *CaptionRect
			for i, r := range f.Captions {
				if x := mx + 0.05; x >= r.X0 && x <= r.X1 && my >= r.Y0 && my <= r.Y1 {
					hit = &f.Captions[i]
				}
			}
			if hit == nil {
				t.Fatalf("Captions = %v, none holds (%.2f, %.2f)", f.Captions, mx+0.05, my)
			}
			if tall := (hit.Y1 - hit.Y0) * float32(tc.h); tall > 2*float32(tc.size) {
				t.Errorf("rectangle %v is %.0f px tall for letters of %.0f px", *hit, tall, tc.size)
			}
		})
	}
}

// BenchmarkFindCaptions: the captions' finder alone, on the luma frame of
// a 512 x 384 picture under a caption.
func BenchmarkFindCaptions(b *testing.B) {
	img := captionPicture(b, 512, 384, "FOR SALE now", 60, 120, 40)
	g := lumaFrame(img, FeatureSide, new(grayImage), new(featureScratch))
	b.ReportAllocs()
	for b.Loop() {
		if len(findCaptions(g)) == 0 {
			b.Fatal("no caption")
		}
	}
}
