package edits

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"github.com/sleuthhq/sleuth/imaging"
)

// testPicture is a 120x80 picture with structure in every region (so that
// crops and flips are detectable): a gradient with a dark square in the
// top-left quadrant.
func testPicture() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := 0; y < 80; y++ {
		for x := 0; x < 120; x++ {
			c := color.RGBA{uint8(x * 2), uint8(y * 3), uint8(255 - x), 255}
			if x >= 10 && x < 40 && y >= 10 && y < 30 {
				c = color.RGBA{20, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func TestEveryEdit(t *testing.T) {
	src := testPicture()
	others := []image.Image{testPictureOther()}
	const w, h = 120, 80
	// Expected output size (0: not checked) and MIME per edit.
	type want struct{ w, h int }
	sizes := map[string]want{
		"exact-png": {w, h}, "resize-0.25": {30, 20}, "resize-0.5": {60, 40}, "resize-2": {240, 160},
		"jpeg-30": {w, h}, "format-png": {w, h}, "format-webp": {w, h}, "format-gif": {w, h},
		"hflip": {w, h}, "rot90": {h, w}, "rot180": {w, h}, "rotate-5": {w, h}, "rotate-15": {w, h},
		"crop-50": {85, 57}, "crop-50-off": {85, 57}, "crop-20": {107, 72}, "crop-5": {117, 78},
		"pad-20-solid": {144, 96}, "pad-30-pattern": {156, 104}, "grayscale": {w, h},
		"text-large": {w, h}, "logo-small": {w, h}, "blur-2": {w, h}, "noise-gauss-25": {w, h},
		"resize-0.5+rotate-5": {60, 40}, "pad-20+text": {144, 96},
	}
	mimes := map[string]string{
		"exact-png": imaging.MIMEPNG, "format-png": imaging.MIMEPNG, "format-webp": imaging.MIMEWebP,
		"format-gif": imaging.MIMEGIF, "jpeg-30": imaging.MIMEJPEG, "hflip": imaging.MIMEJPEG,
	}
	seen := map[string]bool{}
	for _, e := range All() {
		t.Run(e.Name, func(t *testing.T) {
			if seen[e.Name] {
				t.Fatalf("duplicate edit name %q", e.Name)
			}
			seen[e.Name] = true
			a, err := e.Apply(src, NewEnv(7, e.Name, "item", others, nil))
			if err != nil {
				t.Fatal(err)
			}
			b, err := e.Apply(src, NewEnv(7, e.Name, "item", others, nil))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatal("same seed gave different bytes")
			}
			img, err := imaging.Decode(a, imaging.Limits{})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if m, ok := mimes[e.Name]; ok && img.MIME != m {
				t.Errorf("MIME %s, want %s", img.MIME, m)
			}
			if s, ok := sizes[e.Name]; ok && (img.Width != s.w || img.Height != s.h) {
				t.Errorf("size %dx%d, want %dx%d", img.Width, img.Height, s.w, s.h)
			}
			if !strings.HasPrefix(e.Name, e.Family) && e.Family != "flip" && e.Family != "gray" &&
				e.Family != "combo" && e.Family != "rot90" && !strings.HasPrefix(e.Family, "rotate") {
				t.Errorf("name %q not under family %q", e.Name, e.Family)
			}
		})
	}
}

func testPictureOther() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := 0; y < 150; y++ {
		for x := 0; x < 200; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(255 - y), uint8(x), 90, 255})
		}
	}
	return img
}

// decodeEdit applies the named edit and decodes the result.
func decodeEdit(t *testing.T, name string, src image.Image, env *Env) *image.RGBA {
	t.Helper()
	for _, e := range All() {
		if e.Name == name {
			data, err := e.Apply(src, env)
			if err != nil {
				t.Fatal(err)
			}
			img, err := imaging.Decode(data, imaging.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			return img.RGBA
		}
	}
	t.Fatalf("no edit %q", name)
	return nil
}

// meanDiff is the mean absolute channel difference between a and the
// window of b at off.
func meanDiff(a, b *image.RGBA, off image.Point) float64 {
	sum, n := 0.0, 0
	for y := 0; y < a.Rect.Dy(); y++ {
		for x := 0; x < a.Rect.Dx(); x++ {
			p, q := a.Pix[a.PixOffset(x, y):], b.Pix[b.PixOffset(x+off.X, y+off.Y):]
			for c := 0; c < 3; c++ {
				sum += math.Abs(float64(p[c]) - float64(q[c]))
				n++
			}
		}
	}
	return sum / float64(n)
}

func near(a, b []uint8, tol int) bool {
	for i := 0; i < 3; i++ {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

// TestGeometry checks where source pixels land for the lossless and
// geometric edits.
func TestGeometry(t *testing.T) {
	src := testPicture()
	env := func(n string) *Env { return NewEnv(1, n, "x", nil, nil) }
	px := func(img *image.RGBA, x, y int) []uint8 { return img.Pix[img.PixOffset(x, y):][:3] }

	exact := decodeEdit(t, "exact-png", src, env("exact-png"))
	if !bytes.Equal(exact.Pix, src.Pix) {
		t.Error("exact-png is not pixel-identical")
	}
	fl := decodeEdit(t, "hflip", src, env("hflip"))
	if !near(px(fl, 119-20, 20), px(src, 20, 20), 12) || !near(px(fl, 5, 60), px(src, 114, 60), 12) {
		t.Error("hflip: pixels not mirrored")
	}
	r90 := decodeEdit(t, "rot90", src, env("rot90"))
	// Clockwise: source (x, y) lands at (h-1-y, x).
	if !near(px(r90, 79-20, 20), px(src, 20, 20), 12) || !near(px(r90, 79-70, 100), px(src, 100, 70), 12) {
		t.Error("rot90: not a clockwise quarter turn")
	}
	r180 := decodeEdit(t, "rot180", src, env("rot180"))
	if !near(px(r180, 119-20, 79-20), px(src, 20, 20), 12) {
		t.Error("rot180: not a half turn")
	}
	// Rotation: the centre stays, a corner becomes white fill.
	rot := decodeEdit(t, "rotate-15", src, env("rotate-15"))
	if !near(px(rot, 60, 40), px(src, 60, 40), 16) {
		t.Error("rotate-15 moved the centre")
	}
	if !near(px(rot, 0, 0), []uint8{255, 255, 255}, 16) {
		t.Errorf("rotate-15 corner is %v, want white fill", px(rot, 0, 0))
	}
	// Crop: the output is the source window, centred or not.
	for _, name := range []string{"crop-50", "crop-50-off", "crop-20-off"} {
		c := decodeEdit(t, name, src, env(name))
		frac := map[string]float64{"crop-50": 0.5, "crop-50-off": 0.5, "crop-20-off": 0.2}[name]
		win := cropWindow(120, 80, frac, strings.HasSuffix(name, "-off"), env(name))
		if c.Rect.Dx() != win.Dx() || c.Rect.Dy() != win.Dy() {
			t.Fatalf("%s: size %v, window %v", name, c.Rect, win)
		}
		if got := float64(win.Dx()*win.Dy()) / (120 * 80); math.Abs(got-(1-frac)) > 0.03 {
			t.Errorf("%s keeps %.3f of the area, want %.2f", name, got, 1-frac)
		}
		if d := meanDiff(c, src, win.Min); d > 6 {
			t.Errorf("%s: mean difference %.1f from the source window", name, d)
		}
		if name == "crop-50" && win.Min != image.Pt(17, 11) {
			t.Errorf("crop-50 window %v is not centred", win)
		}
	}
	// Pad: the source sits inside a border.
	pad := decodeEdit(t, "pad-20-solid", src, env("pad-20-solid"))
	if pad.Rect.Dx() != 144 || pad.Rect.Dy() != 96 {
		t.Fatalf("pad-20-solid size %v", pad.Rect)
	}
	// Embedding: the output is larger and the source covers about frac of it.
	emb := decodeEdit(t, "embed-35", src, NewEnv(1, "embed-35", "x", []image.Image{testPictureOther()}, nil))
	if got := float64(120*80) / float64(emb.Rect.Dx()*emb.Rect.Dy()); got < 0.25 || got > 0.45 {
		t.Errorf("embed-35: source area / output area = %.2f", got)
	}
	// Grayscale is grey.
	g := decodeEdit(t, "grayscale", src, env("grayscale"))
	if p := px(g, 100, 50); !near(p, []uint8{p[0], p[0], p[0]}, 3) {
		t.Errorf("grayscale pixel %v", p)
	}
}

func TestSeedsDiffer(t *testing.T) {
	src := testPicture()
	for _, name := range []string{"crop-20-off", "noise-gauss-12", "text-caption"} {
		a := decodeEdit(t, name, src, NewEnv(1, name, "a", nil, nil))
		b := decodeEdit(t, name, src, NewEnv(2, name, "a", nil, nil))
		if bytes.Equal(a.Pix, b.Pix) && a.Rect == b.Rect {
			t.Errorf("%s: seeds 1 and 2 gave the same picture", name)
		}
	}
}

func TestSelect(t *testing.T) {
	es, err := Select([]string{"flip", "crop-50"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, ","); got != "hflip,crop-50,crop-50-off" {
		t.Errorf("Select = %s", got)
	}
	if _, err := Select([]string{"nope"}); err == nil {
		t.Error("unknown family accepted")
	}
	if len(Families()) < 18 {
		t.Errorf("only %d families", len(Families()))
	}
}

func TestEmptySource(t *testing.T) {
	for _, e := range All() {
		if _, err := e.Apply(image.NewRGBA(image.Rect(0, 0, 0, 0)), NewEnv(1, e.Name, "", nil, nil)); err == nil {
			t.Errorf("%s accepted an empty picture", e.Name)
		}
	}
}
