package match

import (
	"encoding/json"
	"image"
	"math"
	"os"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// recolor maps every pixel of src inside r (all of it when r is empty)
// through f.
func recolor(src *image.RGBA, r image.Rectangle, f func(c [3]float64) [3]float64) *image.RGBA {
	dst := image.NewRGBA(src.Rect)
	copy(dst.Pix, src.Pix)
	if r.Empty() {
		r = src.Rect
	}
	clamp := func(v float64) uint8 { return uint8(min(max(math.Round(v), 0), 255)) }
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			o := dst.PixOffset(x, y)
			c := f([3]float64{float64(dst.Pix[o]), float64(dst.Pix[o+1]), float64(dst.Pix[o+2])})
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2] = clamp(c[0]), clamp(c[1]), clamp(c[2])
		}
	}
	return dst
}

// TestCompareColor: a copy recoloured as a whole (channels swapped,
// grayscale, mirrored) keeps one colour map and no cell is off; a picture
// with one region in other colours of the same brightness has that region
// off. A contrast boost that clips most of a smooth ramp leaves a few
// cells off where the clip level crosses them (the cell's mean of clipped
// pixels is not the clipped mean).
func TestCompareColor(t *testing.T) {
	asset := scene(5, 256, 256)
	af := fingerprint.ExtractFeatures(asset, 192)
	swap := func(c [3]float64) [3]float64 { return [3]float64{c[2], c[0], c[1]} }
	contrast := func(c [3]float64) [3]float64 {
		return [3]float64{(c[0]-128)*1.8 + 150, (c[1]-128)*1.8 + 150, (c[2]-128)*1.8 + 150}
	}
	gray := func(c [3]float64) [3]float64 {
		l := 0.299*c[0] + 0.587*c[1] + 0.114*c[2]
		return [3]float64{l, l, l}
	}
	region := image.Rect(64, 64, 160, 160) // 9% of the cells
	for _, c := range []struct {
		name    string
		q       *image.RGBA
		variant int
		maxOff  float64
		differs bool
	}{
		{"same", asset, 0, 0, false},
		{"channels swapped", recolor(asset, image.Rectangle{}, swap), 0, 0, false},
		{"contrast clipped", recolor(asset, image.Rectangle{}, contrast), 0, 0.04, true},
		{"grayscale", recolor(asset, image.Rectangle{}, gray), 0, 0, false},
		{"mirrored", transform(asset, fingerprint.DihedralFlipY), fingerprint.DihedralFlipY, 0, false},
		{"turned", transform(asset, fingerprint.DihedralRotate90), fingerprint.DihedralRotate270, 0, false},
		{"one region swapped", recolor(asset, region, swap), 0, 0.15, true},
	} {
		qf := fingerprint.ExtractFeatures(c.q, 192)
		ev, ok := CompareAligned(qf, af, c.variant)
		if !ok || ev.ColorCells != fingerprint.ColorSide*fingerprint.ColorSide {
			t.Fatalf("%s: colour not compared (%d cells)", c.name, ev.ColorCells)
		}
		if ev.ColorOff > c.maxOff || colorDiffers(ev.ColorOff, ev.ColorCells) != c.differs {
			t.Errorf("%s: colour off %.3f (differs %v), want <= %.2f, differs %v", c.name, ev.ColorOff,
				colorDiffers(ev.ColorOff, ev.ColorCells), c.maxOff, c.differs)
		}
	}
	// An asset stored without a colour grid: luma compared, colour not.
	old := *af
	old.Color = nil
	if ev, ok := CompareAligned(fingerprint.ExtractFeatures(asset, 192), &old, 0); !ok || ev.ColorCells != 0 || ev.ColorOff != 0 {
		t.Errorf("no colour grid: %+v %v", ev, ok)
	}
}

// A one-colour asset (a singular fit) maps exactly onto any one colour.
func TestFitColorMapDegenerate(t *testing.T) {
	as := make([][3]float64, 20)
	qs := make([][3]float64, 20)
	for i := range as {
		as[i] = [3]float64{200, 10, 10}
		qs[i] = [3]float64{10, 200, 30}
	}
	for i, m := range colorMisses(as, qs, fitColorMap(as, qs)) {
		if m > 0.5 {
			t.Fatalf("cell %d missed by %.2f", i, m)
		}
	}
}

// A picture of few colours saved as a GIF keeps its colours, but the
// least-squares fits, over a handful of distinct colours, missed the two
// cells of a rare green by 53 and 55 (testdata/color-gif-avatar.json: the
// accuracy corpus's avatar 378a5e7735b35482 and its GIF). The channels
// left unchanged miss none; a layer recoloured is still off.
func TestFitColorMapUnchanged(t *testing.T) {
	b, err := os.ReadFile("testdata/color-gif-avatar.json")
	if err != nil {
		t.Fatal(err)
	}
	var cells struct{ Asset, Query [][3]float64 }
	if err := json.Unmarshal(b, &cells); err != nil {
		t.Fatal(err)
	}
	as, qs := cells.Asset, cells.Query
	if len(as) != fingerprint.ColorSide*fingerprint.ColorSide || len(qs) != len(as) {
		t.Fatalf("%d and %d cells", len(as), len(qs))
	}
	for i, m := range colorMisses(as, qs, fitColorMap(as, qs)) {
		if m > colorTolerance {
			t.Errorf("cell %d missed by %.1f", i, m)
		}
	}
	// The green (cells 151 and 152) turned red in the query.
	qs[151], qs[152] = [3]float64{200, 40, 40}, [3]float64{201, 41, 40}
	var off []int
	for i, m := range colorMisses(as, qs, fitColorMap(as, qs)) {
		if m > colorTolerance {
			off = append(off, i)
		}
	}
	if len(off) != 2 || off[0] != 151 || off[1] != 152 {
		t.Errorf("recoloured green: cells %v off, want [151 152]", off)
	}
}

// TestColorMissesInk: a drawing in black and white has most of its cells
// clipped at 0 or 255. A caption over a tenth of it leaves those cells
// grey; a fit started from the unclipped cells alone fits the caption and
// misses the whole drawing. Only the caption's cells may be off, with or
// without a contrast change of the rest.
func TestColorMissesInk(t *testing.T) {
	const n = 256
	for _, c := range []struct {
		name  string
		level func(v float64) float64 // the query's value of an asset level outside the caption
	}{
		{"same", func(v float64) float64 { return v }},
		{"darker", func(v float64) float64 { return v * 0.8 }},
		{"contrast", func(v float64) float64 { return min(max((v-128)*1.5+128, 0), 255) }},
	} {
		as := make([][3]float64, n)
		qs := make([][3]float64, n)
		caption := map[int]bool{}
		for i := range as {
			v := 0.0
			if i%16 >= 9 || i/16 < 3 {
				v = 255 // white paper around a black shape
			}
			if i%16 == 4 && i/16 > 6 {
				v = 128 // a grey stroke
			}
			as[i] = [3]float64{v, v, v}
			w := c.level(v)
			if r := i / 16; r >= 5 && r < 7 && i%16 >= 2 && i%16 < 14 {
				w = 120 + float64(i%3)*40 // white letters outlined in black, averaged over a cell
				caption[i] = true
			}
			qs[i] = [3]float64{w, w, w}
		}
		for i, m := range colorMisses(as, qs, fitColorMap(as, qs)) {
			if m > colorTolerance && !caption[i] {
				t.Errorf("%s: cell %d (asset %v, query %v) outside the caption missed by %.1f", c.name, i, as[i][0], qs[i][0], m)
			}
		}
	}
}
