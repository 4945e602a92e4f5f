package fingerprint

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"math"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/imaging"
)

// squares draws dark squares of side s on white at the given top-left
// corners, on a w x h canvas.
func squares(w, h, s int, at [][2]int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for _, p := range at {
		for y := p[1]; y < p[1]+s; y++ {
			for x := p[0]; x < p[0]+s; x++ {
				img.SetRGBA(x, y, color.RGBA{30, 30, 30, 255})
			}
		}
	}
	return img
}

func TestKeypointsOnSquares(t *testing.T) {
	// Three 40-pixel squares: their 12 corners are the only corners.
	at := [][2]int{{60, 60}, {200, 90}, {110, 200}}
	img := squares(320, 320, 40, at)
	f := ExtractFeatures(img, 64)
	if f == nil || f.Width != 320 || f.Height != 320 {
		t.Fatalf("features %+v", f)
	}
	var corners [][2]float64
	for _, p := range at {
		for _, d := range [][2]int{{0, 0}, {40, 0}, {0, 40}, {40, 40}} {
			corners = append(corners, [2]float64{float64(p[0] + d[0]), float64(p[1] + d[1])})
		}
	}
	found := make([]bool, len(corners))
	for _, k := range f.Points {
		x, y := float64(k.X)*320, float64(k.Y)*320
		near := false
		for i, c := range corners {
			// A keypoint of level L is placed within about 2^(L/2)+2 pixels.
			if math.Hypot(x-c[0], y-c[1]) <= 3+2*LevelScale(k.Level) {
				found[i], near = true, true
			}
		}
		if !near {
			t.Errorf("keypoint at (%.1f, %.1f) level %d is on no corner", x, y, k.Level)
		}
	}
	for i, ok := range found {
		if !ok {
			t.Errorf("corner %v not found", corners[i])
		}
	}
	// Deterministic.
	if g := ExtractFeatures(img, 64); g.String() != f.String() {
		t.Error("two extractions differ")
	}
}

func TestFeaturesRotationInvariant(t *testing.T) {
	src, err := imaging.DecodeFile("../testdata/pdq/bridge-mods/aaa-orig.jpg", imaging.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a := ExtractFeatures(src.RGBA, AssetFeatures)
	rot := rotate90(src.RGBA)
	b := ExtractFeatures(rot, QueryFeatures)
	if a == nil || b == nil || len(a.Points) != AssetFeatures {
		t.Fatalf("features: %v %v", a, b)
	}
	// Every asset keypoint's counterpart in the turned picture: (x, y) ->
	// (1-y, x) in fractions. Count those whose nearest descriptor in the
	// turned picture is that counterpart.
	hits := 0
	for _, p := range a.Points {
		best, bj := 257, -1
		for j := range b.Points {
			if d := DescDistance(&p.Desc, &b.Points[j].Desc); d < best {
				best, bj = d, j
			}
		}
		q := b.Points[bj]
		dx := float64(q.X-(1-p.Y)) * float64(rot.Rect.Dx())
		dy := float64(q.Y-p.X) * float64(rot.Rect.Dy())
		if math.Hypot(dx, dy) < 8*LevelScale(p.Level) {
			hits++
		}
	}
	if hits < len(a.Points)/3 {
		t.Errorf("only %d of %d keypoints found again in the turned picture", hits, len(a.Points))
	}
}

// rotate90 turns img a quarter turn clockwise.
func rotate90(img *image.RGBA) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, h, w))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.SetRGBA(h-1-y, x, img.RGBAAt(x, y))
		}
	}
	return out
}

func TestFeaturesTooSmall(t *testing.T) {
	// Pictures without keypoints keep their thumbnail and colour grid.
	for _, c := range []struct {
		name string
		img  *image.RGBA
	}{
		{"40 pixels wide", textured(40, 300, 1)},
		{"flat", image.NewRGBA(image.Rect(0, 0, 200, 200))},
		{"18x18", textured(18, 18, 2)},
		{"8x8", textured(8, 8, 3)},
	} {
		f := ExtractFeatures(c.img, 10)
		if f == nil {
			t.Errorf("%s: no features", c.name)
			continue
		}
		if len(f.Points) != 0 || len(f.Thumb) != ThumbSide*ThumbSide || len(f.Color) != colorBytes {
			t.Errorf("%s: %d keypoints, thumbnail of %d bytes, colour grid of %d", c.name, len(f.Points), len(f.Thumb), len(f.Color))
		}
		var g Features
		if err := g.UnmarshalBinary(mustMarshal(t, f)); err != nil || len(g.Points) != 0 || !bytes.Equal(g.Thumb, f.Thumb) || !bytes.Equal(g.Color, f.Color) {
			t.Errorf("%s: round trip: %v", c.name, err)
		}
	}
	// A textured 18x18 picture: its thumbnail is the picture, not flat.
	if f := ExtractFeatures(textured(18, 18, 2), 10); f != nil && slices.Min(f.Thumb) == slices.Max(f.Thumb) {
		t.Error("18x18: flat thumbnail")
	}
	if f := ExtractFeatures(textured(7, 300, 1), 10); f != nil {
		t.Error("a 7-pixel-wide picture has features")
	}
	if f := ExtractFeatures(nil, 10); f != nil {
		t.Error("nil picture")
	}
}

func mustMarshal(t *testing.T, f *Features) []byte {
	t.Helper()
	b, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFeaturesRoundTrip(t *testing.T) {
	f := ExtractFeatures(textured(300, 200, 5), 50)
	if f == nil || len(f.Points) != 50 {
		t.Fatalf("features %v", f)
	}
	s := f.String()
	if want := base64.RawStdEncoding.EncodedLen(featuresHeader + 50*featurePointBytes + ThumbSide*ThumbSide + colorBytes); len(s) != want {
		t.Errorf("stored form is %d characters, want %d", len(s), want)
	}
	g, err := ParseFeatures(s)
	if err != nil {
		t.Fatal(err)
	}
	if g.Width != f.Width || g.Height != f.Height || len(g.Points) != len(f.Points) {
		t.Fatalf("header differs: %dx%d %d", g.Width, g.Height, len(g.Points))
	}
	for i := range f.Points {
		p, q := f.Points[i], g.Points[i]
		if p.Desc != q.Desc || p.Level != q.Level || p.Angle != q.Angle ||
			math.Abs(float64(p.X-q.X)) > 1e-4 || math.Abs(float64(p.Y-q.Y)) > 1e-4 {
			t.Fatalf("keypoint %d: %+v != %+v", i, p, q)
		}
	}
	if g.String() != s || !bytes.Equal(g.Thumb, f.Thumb) || !bytes.Equal(g.Color, f.Color) || len(g.Color) != colorBytes {
		t.Error("re-encoding differs")
	}
	// Version 2 blobs (no colour grid) and version 1 blobs (no thumbnail
	// either) still parse; version 2 is written back as it was.
	b, _ := f.MarshalBinary()
	b[0] = 2
	v2s := base64.RawStdEncoding.EncodeToString(b[:len(b)-colorBytes])
	v2, err := ParseFeatures(v2s)
	if err != nil || v2.Color != nil || !bytes.Equal(v2.Thumb, f.Thumb) || len(v2.Points) != 50 || v2.String() != v2s {
		t.Errorf("version 2: %v", err)
	}
	b[0] = 1
	v1, err := ParseFeatures(base64.RawStdEncoding.EncodeToString(b[:len(b)-colorBytes-ThumbSide*ThumbSide]))
	if err != nil || v1.Thumb != nil || len(v1.Points) != 50 {
		t.Errorf("version 1: %v", err)
	}
}

func TestParseFeaturesErrors(t *testing.T) {
	good, _ := ExtractFeatures(textured(300, 200, 5), 3).MarshalBinary()
	bad := func(mut func(b []byte) []byte) string {
		return base64.RawStdEncoding.EncodeToString(mut(bytes.Clone(good)))
	}
	for name, s := range map[string]string{
		"empty":        "",
		"not base64":   "!!!!",
		"padded":       base64.StdEncoding.EncodeToString(good[:len(good)-1]),
		"version":      bad(func(b []byte) []byte { b[0] = 4; return b }),
		"no colour":    bad(func(b []byte) []byte { return b[:len(b)-colorBytes] }),
		"v2 colour":    bad(func(b []byte) []byte { b[0] = 2; return b }),
		"no thumbnail": bad(func(b []byte) []byte { return b[:len(b)-ThumbSide*ThumbSide-colorBytes] }),
		"zero width":   bad(func(b []byte) []byte { b[1], b[2] = 0, 0; return b }),
		"wide frame":   bad(func(b []byte) []byte { b[1], b[2] = 2, 1; return b }),
		"short":        bad(func(b []byte) []byte { return b[:len(b)-1] }),
		"long":         bad(func(b []byte) []byte { return append(b, 0) }),
		"count":        bad(func(b []byte) []byte { b[6]++; return b }),
		"level":        bad(func(b []byte) []byte { b[featuresHeader+4] = 9; return b }),
		"header only":  bad(func(b []byte) []byte { return b[:5] }),
		"over the max": bad(func(b []byte) []byte { b[5], b[6] = 0x10, 0x01; return b }),
	} {
		if _, err := ParseFeatures(s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseFeatures(f *testing.F) {
	f.Add(ExtractFeatures(textured(300, 200, 5), 3).String())
	f.Add("")
	f.Add("AQAB")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseFeatures(s)
		if err != nil {
			return
		}
		if len(g.Points) > MaxStoredFeatures || g.Width < 1 || g.Width > FeatureSide {
			t.Fatalf("accepted out of range: %dx%d, %d", g.Width, g.Height, len(g.Points))
		}
		if g.Thumb == nil {
			return // version 1: only versions 2 and 3 are written
		}
		if _, err := ParseFeatures(g.String()); err != nil {
			t.Fatalf("re-encoded form rejected: %v", err)
		}
	})
}
