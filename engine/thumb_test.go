package engine

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/match"
)

// lineDrawing is a small flat drawing: thin dark strokes on white, the kind
// of picture whose hashes and keypoints a blur or a downscale loses.
func lineDrawing(w, h int, strokes [][4]float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	ink := color.RGBA{30, 30, 90, 255}
	for _, s := range strokes {
		x0, y0, x1, y1 := s[0]*float64(w), s[1]*float64(h), s[2]*float64(w), s[3]*float64(h)
		n := int(max(abs(int(x1-x0)), abs(int(y1-y0)))) * 2
		for i := 0; i <= n; i++ {
			f := float64(i) / float64(max(n, 1))
			x, y := int(x0+f*(x1-x0)), int(y0+f*(y1-y0))
			for dx := 0; dx < 2; dx++ {
				img.Set(x+dx, y, ink)
			}
		}
	}
	return img
}

// TestSearchThumbnails: a small line drawing scaled up twice or two and a
// half times loses its PDQ (and its keypoints do not make it sure), so its
// thumbnail vector finds it (engine.thumbMatches): sure while no other
// registered picture is laid out alike, only possible beside a near twin,
// and never for a picture of another shape.
func TestSearchThumbnails(t *testing.T) {
	e, _ := openTest(t)
	write := pngWriter(t)
	strokes := [][4]float64{{0.1, 0.1, 0.9, 0.2}, {0.9, 0.2, 0.5, 0.9}, {0.5, 0.9, 0.1, 0.1}, {0.3, 0.5, 0.7, 0.5}}
	orig := lineDrawing(100, 100, strokes)
	a := register(t, e, write("a.png", orig))
	if st := e.Stats(); st.ThumbEntries != 1 || st.ThumbIndexBytes <= 0 {
		t.Fatalf("stats after one register: %+v", st)
	}
	// Another shape, laid out alike: never a thumbnail match.
	wide := register(t, e, write("wide.png", lineDrawing(100, 60, strokes)))
	scaled := func(img *image.RGBA, f float64) *image.RGBA {
		b := img.Bounds()
		out := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*f), int(float64(b.Dy())*f)))
		draw.CatmullRom.Scale(out, out.Bounds(), img, b, draw.Src, nil)
		return out
	}
	mirror := func(img *image.RGBA) *image.RGBA {
		b := img.Bounds()
		out := image.NewRGBA(b)
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				out.Set(b.Dx()-1-x, y, img.At(x, y))
			}
		}
		return out
	}
	find := func(t *testing.T, q *image.RGBA) *match.Match {
		t.Helper()
		var got *match.Match
		for _, m := range search(t, e, encodePNG(t, q)) {
			if m.Asset.Nid == wide.Nid && m.Method == match.MethodAlignedPixels {
				t.Errorf("a picture of another shape matched by its thumbnail: %+v", m)
			}
			if m.Asset.Nid == a.Nid {
				got = &m
			}
		}
		if got == nil {
			t.Fatal("the original was not found")
		}
		if got.Method != match.MethodAlignedPixels || got.Tier != match.TierEdited {
			t.Fatalf("found by %s/%s (%s), want the edited tier by %s: the test no longer exercises the thumbnails",
				got.Tier, got.Method, got.Fingerprint, match.MethodAlignedPixels)
		}
		if got.AlignedCorrelation == nil || got.QueryOverlap != 1 || got.AssetOverlap != 1 {
			t.Errorf("evidence missing: %+v", got)
		}
		return got
	}
	t.Run("alone", func(t *testing.T) {
		m := find(t, scaled(orig, 2))
		if m.Score < match.SureScore || m.Variant != "original" {
			t.Errorf("score %.3f variant %s, want >= %.2f, original", m.Score, m.Variant, match.SureScore)
		}
	})
	t.Run("mirrored", func(t *testing.T) {
		m := find(t, scaled(mirror(orig), 2))
		if m.Score < match.SureScore || m.Variant != "flip_y" {
			t.Errorf("score %.3f variant %s, want >= %.2f, flip_y", m.Score, m.Variant, match.SureScore)
		}
	})
	t.Run("deleted", func(t *testing.T) {
		before := e.Stats().ThumbEntries
		p := write("gone.png", lineDrawing(80, 80, strokes[1:]))
		g := register(t, e, p)
		if _, err := e.Delete(context.Background(), g.Nid); err != nil {
			t.Fatal(err)
		}
		if got := e.Stats().ThumbEntries; got != before {
			t.Fatalf("thumb entries %d after a register and a delete, want %d", got, before)
		}
	})
	t.Run("near twin", func(t *testing.T) {
		twin := append(slices.Clone(strokes), [4]float64{0.42, 0.62, 0.47, 0.64})
		tw := register(t, e, write("twin.png", lineDrawing(100, 100, twin)))
		m := find(t, scaled(orig, 2.5))
		if m.Score >= match.LikelyScore {
			t.Errorf("score %.3f beside a near twin, want < %.2f", m.Score, match.LikelyScore)
		}
		// At twice the size the keypoints verify (the asset's coarsest
		// keypoints, too large to be found in the query, are not counted
		// as covered: match.Verify), and tell the original from its twin.
		for _, m := range search(t, e, encodePNG(t, scaled(orig, 2))) {
			switch {
			case m.Asset.Nid == a.Nid && (m.Score < match.SureScore || m.Method != match.MethodLocalFeatures):
				t.Errorf("twice the size: the original scored %.3f by %s, want sure by local features", m.Score, m.Method)
			case m.Asset.Nid == tw.Nid && m.Score >= match.LikelyScore:
				t.Errorf("twice the size: the twin scored %.3f", m.Score)
			}
		}
	})
}

// pngWriter returns a function that writes a picture as a PNG file of
// that name in a temporary directory of t and returns its path.
func pngWriter(t *testing.T) func(name string, img image.Image) string {
	dir := t.TempDir()
	return func(name string, img image.Image) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, encodePNG(t, img), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func encodePNG(t testing.TB, m image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
