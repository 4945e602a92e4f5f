package fingerprint

import (
	"math"
	"math/bits"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestPHashStringParse(t *testing.T) {
	cases := []struct {
		h PHash
		s string
	}{
		{0, "0000000000000000"},
		{1, "0000000000000001"},
		{1 << 63, "8000000000000000"},
		{0x0123456789abcdef, "0123456789abcdef"},
		{math.MaxUint64, "ffffffffffffffff"},
	}
	for _, c := range cases {
		if got := c.h.String(); got != c.s {
			t.Errorf("%#x.String() = %q, want %q", uint64(c.h), got, c.s)
		}
		got, err := ParsePHash(c.s)
		if err != nil || got != c.h {
			t.Errorf("ParsePHash(%q) = %#x, %v", c.s, uint64(got), err)
		}
		got, err = ParsePHash(strings.ToUpper(c.s))
		if err != nil || got != c.h {
			t.Errorf("ParsePHash(upper %q) = %#x, %v", c.s, uint64(got), err)
		}
	}
	for _, bad := range []string{
		"", "0", "123456789abcdef", "0123456789abcdef0", "0x23456789abcdef", "+123456789abcdef",
		"-123456789abcdef", " 123456789abcdef", "0123456789abcdeg", "0123456789abcde\n", "_123456789abcdef",
		"ü123456789abcde",
	} {
		if h, err := ParsePHash(bad); err == nil || h != 0 {
			t.Errorf("ParsePHash(%q) = %v, %v; want error", bad, h, err)
		}
	}
}

func TestPHashDistance(t *testing.T) {
	cases := []struct {
		a, b PHash
		want int
	}{
		{0, 0, 0},
		{0, math.MaxUint64, 64},
		{1, 0, 1},
		{1 << 63, 1, 2},
		{0xf0f0, 0x0ff0, 8},
		{0x0123456789abcdef, 0x0123456789abcdef, 0},
	}
	for _, c := range cases {
		if got := c.a.Distance(c.b); got != c.want {
			t.Errorf("%v.Distance(%v) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := c.b.Distance(c.a); got != c.want {
			t.Errorf("%v.Distance(%v) = %d, want %d", c.b, c.a, got, c.want)
		}
	}
}

func FuzzParsePHash(f *testing.F) {
	f.Add("0123456789abcdef")
	f.Add("")
	f.Add("+123456789abcdef")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePHash(s)
		if err != nil {
			return
		}
		if got := h.String(); got != strings.ToLower(s) {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}

// pdqPHashNaive computes the documented PHash definition directly, in float64,
// from PDQ's 64x64 buffer of img.
func pdqPHashNaive(t *testing.T, rel string) (PHash, PHash) {
	t.Helper()
	img, ok := pdqDecodeTestImage(t, filepath.Join(pdqTestdata, rel))
	if !ok {
		t.Fatalf("cannot decode %s", rel)
	}
	got := Perceptualize(img).PHash

	w := new(pdqWork)
	width, height := img.Rect.Dx(), img.Rect.Dy()
	rows, cols := height, width
	if width > 512 || height > 512 {
		rows, cols = 512, 512
	}
	w.ensure(rows*cols, cols)
	if rows == height && cols == width {
		fillLuma(img, w.buf1, rows, cols)
	} else {
		fillLumaNearest(img, w, width, height)
	}
	w.hashFromLuma(rows, cols)

	var c [64]float64
	for u := 1; u <= 8; u++ {
		for v := 1; v <= 8; v++ {
			var s float64
			for y := 0; y < 64; y++ {
				for x := 0; x < 64; x++ {
					s += math.Cos(math.Pi/128*float64(u)*float64(2*y+1)) *
						float64(w.a64[y*64+x]) *
						math.Cos(math.Pi/128*float64(v)*float64(2*x+1))
				}
			}
			c[(u-1)*8+(v-1)] = s * 2 / 64
		}
	}
	sorted := c
	sort.Float64s(sorted[:])
	med := sorted[31]
	var want PHash
	for k, v := range c {
		if v > med {
			want |= 1 << (63 - k)
		}
	}
	return got, want
}

// TestPHashDefinition checks the PHash against its documented definition
// computed independently (float64 DCT from PDQ's 64x64 buffer).
func TestPHashDefinition(t *testing.T) {
	for _, rel := range []string{
		"bridge-mods/aaa-orig.jpg",
		"bridge-mods/square-128x128.jpg",
		"misc-images/wee.jpg",
		"reg-test-input/labelme-subset/q0291.jpg",
		"reg-test-input/labelme-subset/q2821.jpg",
		"reg-test-input/exif-rotn/exif-rotn-6.jpg",
	} {
		got, want := pdqPHashNaive(t, rel)
		t.Logf("%-44s pHash %v, by definition %v, distance %d, %d bits set", rel, got, want, got.Distance(want), bits.OnesCount64(uint64(got)))
		if got.Distance(want) > 1 {
			t.Errorf("%s: PHash %v, definition gives %v", rel, got, want)
		}
		if n := bits.OnesCount64(uint64(got)); n != 32 {
			t.Errorf("%s: %d bits set, want 32", rel, n)
		}
	}
}

// TestPHashRobust: edits and re-encodings of one photo keep the pHash close,
// and different photos are far apart.
func TestPHashRobust(t *testing.T) {
	orig, _ := pdqPerceptualizeFile(t, "bridge-mods/aaa-orig.jpg")
	for _, rel := range []string{
		"bridge-mods/blur-a-lot.jpg", "bridge-mods/high-contrast.jpg", "bridge-mods/sharpen-a-lot.jpg",
		"bridge-mods/shrink-a-lot.jpg", "bridge-mods/square-128x128.jpg", "misc-images/modes/L.png",
		"misc-images/modes/P.png", "misc-images/modes/1.png",
	} {
		p, _ := pdqPerceptualizeFile(t, rel)
		d := p.PHash.Distance(orig.PHash)
		t.Logf("%-36s pHash distance %2d", rel, d)
		if d > 8 {
			t.Errorf("%s: pHash distance %d to the original, want <= 8", rel, d)
		}
	}
	for _, rel := range []string{
		"reg-test-input/labelme-subset/q0291.jpg", "reg-test-input/labelme-subset/q1050.jpg",
		"misc-images/wee.jpg", "reg-test-input/exif-rotn/exif-rotn-1.jpg",
	} {
		p, _ := pdqPerceptualizeFile(t, rel)
		d := p.PHash.Distance(orig.PHash)
		t.Logf("%-36s pHash distance %2d (different picture)", rel, d)
		if d < 16 {
			t.Errorf("%s: pHash distance %d to an unrelated picture", rel, d)
		}
	}
}
