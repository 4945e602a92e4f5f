package fingerprint

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth/imaging"
)

var updateFeatures = flag.Bool("update", false, "rewrite testdata/features.golden from the current ExtractFeatures")

// featuresGolden is the digest of ExtractFeatures' output for a set of
// real pictures, made by the code before any speed work: the features of
// a picture must never change, or stored fingerprints stop matching.
const featuresGolden = "testdata/features.golden"

// goldenPictures are the real pictures of the golden test, under
// ../testdata.
var goldenPictures = []string{
	"pdq/bridge-mods/aaa-orig.jpg",
	"pdq/bridge-mods/blur-a-little.jpg",
	"pdq/bridge-mods/square-256x256.jpg",
	"pdq/reg-test-input/dih/bridge-2-rotate-90.jpg",
	"pdq/reg-test-input/labelme-subset/q0122.jpg",
	"pdq/reg-test-input/labelme-subset/q2821.jpg",
	"pdq/reg-test-input/pen-and-coaster.png",
	"pdq/reg-test-input/exif-rotn/exif-rotn-6.jpg",
	"pdq/misc-images/c.png",
	"pdq/misc-images/small.jpg",
	"pdq/misc-images/wee.jpg",
	"pdq/misc-images/modes/L.png",
	"jsonl/media/4.png",
}

// featuresDigest hashes everything ExtractFeatures returns, exactly: the
// frame, every keypoint's float bits, level, angle and descriptor, the
// thumbnail, the colour grids and the summed-area tables (stricter than the stored form,
// which rounds positions).
func featuresDigest(f *Features) string {
	if f == nil {
		return "nil"
	}
	h := sha256.New()
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Width))
	b = binary.LittleEndian.AppendUint32(b, uint32(f.Height))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Points)))
	for _, p := range f.Points {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(p.X))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(p.Y))
		b = append(b, p.Level, p.Angle)
		for _, d := range p.Desc {
			b = binary.LittleEndian.AppendUint64(b, d)
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Thumb)))
	b = append(b, f.Thumb...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.Color)))
	b = append(b, f.Color...)
	if cf := f.color; cf != nil {
		for _, s := range cf.sums {
			for _, v := range s {
				b = binary.LittleEndian.AppendUint32(b, v)
			}
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(f.integral)))
	for _, v := range f.integral {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	h.Write(b)
	return fmt.Sprintf("%d %x", len(f.Points), h.Sum(nil)[:16])
}

// goldenCases decodes the golden pictures and returns, by name, each at
// its size, scaled to 1024 and to 300 on the longest side, and a cropped
// sub-image (its Pix not starting at its row's first byte, Stride wider
// than the picture).
func goldenCases(t testing.TB) (names []string, imgs map[string]*image.RGBA) {
	t.Helper()
	imgs = make(map[string]*image.RGBA)
	add := func(name string, img *image.RGBA) {
		names = append(names, name)
		imgs[name] = img
	}
	scaled := func(src *image.RGBA, side int) *image.RGBA {
		W, H := src.Rect.Dx(), src.Rect.Dy()
		m := max(W, H)
		w, h := max(1, W*side/m), max(1, H*side/m)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.CatmullRom.Scale(dst, dst.Rect, src, src.Rect, draw.Src, nil)
		return dst
	}
	for _, p := range goldenPictures {
		im, err := imaging.DecodeFile(filepath.Join("..", "testdata", p), imaging.Limits{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		src := im.RGBA
		add(p, src)
		add(p+"@1024", scaled(src, 1024))
		add(p+"@300", scaled(src, 300))
		W, H := src.Rect.Dx(), src.Rect.Dy()
		if W > 20 && H > 20 {
			r := image.Rect(W/7, H/9, W-W/5, H-3)
			add(p+"#crop", src.SubImage(r).(*image.RGBA))
		}
	}
	// Synthetic: squares (known corners), a flat picture (no corner), a
	// thin strip (under minFeatureSide once reduced).
	add("squares", squares(320, 320, 40, [][2]int{{60, 60}, {200, 90}, {110, 200}}))
	flat := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for i := range flat.Pix {
		flat.Pix[i] = 128
	}
	add("flat", flat)
	add("strip", squares(2000, 150, 30, [][2]int{{100, 50}, {900, 40}}))
	return names, imgs
}

// TestFeaturesGolden checks ExtractFeatures against the digests of the
// golden file, for asset, query and a small number of keypoints. Run with
// -update to rewrite the file (only when the features are meant to
// change: stored fingerprints then need recomputing).
func TestFeaturesGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes large pictures")
	}
	names, imgs := goldenCases(t)
	var got []string
	for _, name := range names {
		for _, n := range []int{AssetFeatures, QueryFeatures, 24} {
			got = append(got, fmt.Sprintf("%s n=%d %s", name, n, featuresDigest(ExtractFeatures(imgs[name], n))))
		}
	}
	if *updateFeatures {
		if err := os.MkdirAll(filepath.Dir(featuresGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(featuresGolden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(featuresGolden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		want = append(want, sc.Text())
	}
	if len(want) != len(got) {
		t.Fatalf("golden file has %d lines, the test makes %d", len(want), len(got))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("features changed:\n got %s\nwant %s", got[i], want[i])
		}
	}
	// The cases must exercise the code: most pictures have features.
	nonNil := 0
	for _, g := range got {
		if !strings.HasSuffix(g, " nil") {
			nonNil++
		}
	}
	if nonNil < len(got)*3/4 {
		t.Errorf("only %d of %d cases have features", nonNil, len(got))
	}
}

// TestDivide checks the division by reciprocal of the area reductions
// against the division operator.
func TestDivide(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(n, d uint32) {
		want := uint32(0)
		if d > 0 {
			want = n / d
		}
		if got := divide(n, d, reciprocal(d)); got != want {
			t.Fatalf("divide(%d, %d) = %d, want %d", n, d, got, want)
		}
	}
	edges := []uint32{0, 1, 2, 3, 4, 5, 7, 255, 256, 1<<16 - 1, 1 << 16, 1<<31 - 1, 1 << 31, 1<<32 - 1}
	for _, n := range edges {
		for _, d := range edges {
			check(n, d)
		}
	}
	for range 200_000 {
		d := rng.Uint32() >> rng.IntN(32)
		check(rng.Uint32()>>rng.IntN(32), d)
		check(d*rng.Uint32N(256)+rng.Uint32N(d+1), d)
	}
}

// TestFastTestCircle checks fastTest's circle against fastCircle: a run of
// 9 points of fastCircle brighter (or darker) than the centre makes a
// corner with the expected score, a run of 8 does not.
func TestFastTestCircle(t *testing.T) {
	const w, t0 = 9, 10
	for _, run := range []int{8, 9, 12} {
		for start := range 16 {
			for _, sign := range []int{1, -1} {
				pix := make([]uint8, w*w)
				for i := range pix {
					pix[i] = 100
				}
				for j := range run {
					c := fastCircle[(start+j)%16]
					pix[(4+c[1])*w+4+c[0]] = uint8(100 + sign*(t0+1+j))
				}
				score := make([]int32, w*w)
				cand := fastTest(pix, 4*w+4, w, t0, score, nil)
				want := int32(0)
				if run >= 9 {
					want = int32(run*(run+1)/2 + 1)
				}
				if score[4*w+4] != want || (len(cand) == 1) != (want > 0) {
					t.Errorf("run %d from %d sign %d: score %d, candidates %v, want score %d", run, start, sign, score[4*w+4], cand, want)
				}
			}
		}
	}
}

// BenchmarkFeaturesGolden extracts the registered features (AssetFeatures)
// of every picture of the golden test, at all its sizes: one op is all 55
// of them (photos, drawings, smooth pictures that take three FAST
// thresholds, pictures too small for features).
func BenchmarkFeaturesGolden(b *testing.B) {
	names, imgs := goldenCases(b)
	b.ResetTimer()
	for b.Loop() {
		for _, name := range names {
			ExtractFeatures(imgs[name], AssetFeatures)
		}
	}
}
