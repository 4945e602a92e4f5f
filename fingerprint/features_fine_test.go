package fingerprint

import (
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// stripes is a w x h picture of random colours changing every other
// column and every 16th row: the detail of a sprite strip, across it.
func stripes(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cols := make([][3]uint8, (w+1)/2*((h+15)/16))
	for i := range cols {
		cols[i] = [3]uint8{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256))}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := cols[(y/16)*((w+1)/2)+x/2]
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = c[0], c[1], c[2], 255
		}
	}
	return img
}

// exactMean is the mean luma (as lumaFrame computes it) and colour of the
// pixels of img in r.
func exactMean(img *image.RGBA, r image.Rectangle) (float64, [3]float64) {
	var l float64
	var c [3]float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			l += float64((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 32768) >> 16)
			for k := range c {
				c[k] += float64(p[k])
			}
		}
	}
	n := float64(r.Dx() * r.Dy())
	for k := range c {
		c[k] /= n
	}
	return l / n, c
}

// TestFineFrames checks that a narrow picture keeps its luma and colour
// fine enough for the cells of a strip set in it (MeanLuma and MeanColor
// of whole picture pixels within rounding of their exact means), a query
// as an asset, and that a picture of usual proportions keeps the frames
// it had.
func TestFineFrames(t *testing.T) {
	cases := []struct {
		name             string
		w, h             int
		fineLuma         bool
		colorW, colorH   int
		maxLuma, maxRGB  float64 // the worst error over the cells
		coarseLumaOffMin float64 // the worst error of the luma frame alone, at least
	}{
		// A 64x512 strip padded by a fifth: reduced to 64x512 for the
		// keypoints; the luma and the colour are kept at 77x614.
		{"strip padded", 77, 614, true, 77, 614, 0.51, 0.51, 10},
		{"strip turned", 614, 77, true, 614, 77, 0.51, 0.51, 10},
		// Longer than fineMaxColorSide: the colour at 1024 on that side.
		{"long strip", 160, 1500, true, 109, 1024, 0.51, 255, 10},
		// Not reduced: the luma frame is the picture already.
		{"strip", 64, 512, false, 64, 512, 0.51, 0.51, -1},
		// Usual proportions: the frames of before.
		{"photo", 1024, 683, false, 128, 85, 255, 255, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			img := stripes(c.w, c.h, uint64(c.w))
			f := ExtractQueryFeatures(img, QueryFeatures)
			if f == nil {
				t.Fatal("no features")
			}
			if got := f.iw > 0; got != c.fineLuma {
				t.Errorf("fine luma kept: %v, want %v", got, c.fineLuma)
			}
			if c.fineLuma && (f.iw != c.w || f.ih != c.h) {
				t.Errorf("fine luma %dx%d, want %dx%d", f.iw, f.ih, c.w, c.h)
			}
			if f.color.w != c.colorW || f.color.h != c.colorH {
				t.Errorf("colour frame %dx%d, want %dx%d", f.color.w, f.color.h, c.colorW, c.colorH)
			}
			// An asset's stored thumbnail and colour grid come from the
			// same frames.
			a := ExtractFeatures(img, AssetFeatures)
			if !slices.Equal(a.Thumb, f.Thumb) || !slices.Equal(a.Color, f.Color) {
				t.Error("the asset's thumbnail or colour grid differs from the query's")
			}
			if want := f.thumb(); !slices.Equal(want, a.Thumb) {
				t.Error("the stored thumbnail is not made from MeanLuma")
			}
			// The luma frame alone (what MeanLuma read before).
			coarse := &Features{Width: f.Width, Height: f.Height, integral: summedArea(lumaFrame(img, FeatureSide, &grayImage{}, new(featureScratch)))}
			// Cells of 2 x 16 picture pixels (a 64x512 asset's
			// thumbnail cells) for the luma, 4 x 32 (its colour cells)
			// for the colour, on the picture's own pixels.
			var worstL, worstC, coarseL float64
			fw, fh := float64(c.w), float64(c.h)
			cells := func(cw, ch int, f func(r image.Rectangle, x0, y0, x1, y1 float64)) {
				if c.w > c.h {
					cw, ch = ch, cw
				}
				for y := 0; y+ch <= c.h; y += ch {
					for x := 0; x+cw <= c.w; x += cw {
						r := image.Rect(x, y, x+cw, y+ch)
						f(r, float64(r.Min.X)/fw, float64(r.Min.Y)/fh, float64(r.Max.X)/fw, float64(r.Max.Y)/fh)
					}
				}
			}
			cells(2, 16, func(r image.Rectangle, x0, y0, x1, y1 float64) {
				want, _ := exactMean(img, r)
				l, ok := f.MeanLuma(x0, y0, x1, y1)
				pl, okp := coarse.MeanLuma(x0, y0, x1, y1)
				if !ok || !okp {
					t.Fatalf("cell %v not measured", r)
				}
				worstL = max(worstL, math.Abs(l-want))
				coarseL = max(coarseL, math.Abs(pl-want))
			})
			cells(4, 32, func(r image.Rectangle, x0, y0, x1, y1 float64) {
				_, want := exactMean(img, r)
				col, ok := f.MeanColor(x0, y0, x1, y1)
				if !ok {
					t.Fatalf("cell %v not measured", r)
				}
				for k := range col {
					worstC = max(worstC, math.Abs(col[k]-want[k]))
				}
			})
			if worstL > c.maxLuma || worstC > c.maxRGB {
				t.Errorf("worst cell off by %.2f in luma, %.2f in colour; want at most %.2f, %.2f", worstL, worstC, c.maxLuma, c.maxRGB)
			}
			if c.coarseLumaOffMin >= 0 && coarseL < c.coarseLumaOffMin {
				t.Errorf("without fine frames the worst cell is off by %.2f, under %.2f: the case no longer tests anything", coarseL, c.coarseLumaOffMin)
			}
		})
	}
}
