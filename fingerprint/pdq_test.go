package fingerprint

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

// TestPDQReference compares against the hashes Meta's C++ pdq-photo-hasher
// prints for the reference images (testdata/pdq/expected-pdq.csv).
func TestPDQReference(t *testing.T) {
	var maxGood, maxRest, n int
	for _, e := range pdqReadExpected(t) {
		p, ok := pdqPerceptualizeFile(t, e.file)
		if !ok {
			t.Logf("%-48s not decodable by the standard library, skipped", e.file)
			continue
		}
		n++
		d := p.PDQ.Distance(e.hash)
		t.Logf("%-48s distance %3d  quality %3d (reference %3d)", e.file, d, p.Quality, e.quality)
		limit := 16
		if e.quality >= 80 {
			limit = 10
			maxGood = max(maxGood, d)
		} else {
			maxRest = max(maxRest, d)
		}
		if d > limit {
			t.Errorf("%s: distance %d to the reference hash, want <= %d\n got  %v\n want %v", e.file, d, limit, p.PDQ, e.hash)
		}
		if pdqAbs(p.Quality-e.quality) > 5 {
			t.Errorf("%s: quality %d, reference %d", e.file, p.Quality, e.quality)
		}
		if e.quality < 50 && p.Quality >= 50 {
			t.Errorf("%s: quality %d, want < 50 like the reference (%d)", e.file, p.Quality, e.quality)
		}
		if p.Dihedral[DihedralOriginal] != p.PDQ {
			t.Errorf("%s: Dihedral[0] != PDQ", e.file)
		}
	}
	t.Logf("%d rows hashed; max distance %d for quality >= 80, %d for the rest", n, maxGood, maxRest)
}

func pdqAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestPDQDihedral: the 8 dihedral hashes of the original match the hashes
// of the seven transformed files (the reference's dih regression test).
//
// The reference itself is not exactly dihedral-invariant: the nearest-
// neighbour resize to 512x512, the even-width box windows and the decimation
// grid are not symmetric, so its own hashes of rotate-90, rotate-180, flipy
// and flip-minus-1 are 14, 18, 14 and 18 bits from the dihedral variants of
// the original (our hashes of all eight files equal the reference's
// bit for bit). Hence the limit of 20 rather than 12, and the check that
// each variant is far closer to its own file than to any other.
func TestPDQDihedral(t *testing.T) {
	const dir = "reg-test-input/dih/"
	files := [8]string{
		DihedralOriginal:   "bridge-1-original.jpg",
		DihedralRotate90:   "bridge-2-rotate-90.jpg",
		DihedralRotate180:  "bridge-3-rotate-180.jpg",
		DihedralRotate270:  "bridge-4-rotate-270.jpg",
		DihedralFlipX:      "bridge-5-flipx.jpg",
		DihedralFlipY:      "bridge-6-flipy.jpg",
		DihedralFlipPlus1:  "bridge-7-flip-plus-1.jpg",
		DihedralFlipMinus1: "bridge-8-flip-minus-1.jpg",
	}
	const limit = 20
	want := map[string]PDQ{}
	for _, e := range pdqReadExpected(t) {
		want[e.file] = e.hash
	}
	var hashes [8]PDQ
	for k, f := range files {
		p, ok := pdqPerceptualizeFile(t, dir+f)
		if !ok {
			t.Fatalf("cannot decode %s", f)
		}
		hashes[k] = p.PDQ
	}
	orig, _ := pdqPerceptualizeFile(t, dir+files[0])
	for k, f := range files {
		d := orig.Dihedral[k].Distance(hashes[k])
		dRef := orig.Dihedral[k].Distance(want[dir+f])
		t.Logf("Dihedral[%d] vs %-26s distance %2d (to the reference's hash of that file: %2d)", k, f, d, dRef)
		if d > limit || dRef > limit {
			t.Errorf("Dihedral[%d] of %s is %d bits (%d to the reference hash) from %s, want <= %d", k, files[0], d, dRef, f, limit)
		}
		for j := range files {
			if j != k && orig.Dihedral[k].Distance(hashes[j]) <= 3*d+8 {
				t.Errorf("Dihedral[%d] is %d bits from %s, too close to its own file's %d", k, orig.Dihedral[k].Distance(hashes[j]), files[j], d)
			}
		}
	}
}

// TestPDQBridgeMods: edits of one photo stay within 31 bits of it.
func TestPDQBridgeMods(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join(pdqTestdata, "bridge-mods", "*"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no bridge-mods files: %v", err)
	}
	orig, _ := pdqPerceptualizeFile(t, "bridge-mods/aaa-orig.jpg")
	for _, m := range matches {
		rel, _ := filepath.Rel(pdqTestdata, m)
		p, ok := pdqPerceptualizeFile(t, rel)
		if !ok {
			continue
		}
		d := p.PDQ.Distance(orig.PDQ)
		t.Logf("%-36s distance %2d, quality %3d, pHash distance %2d", rel, d, p.Quality, p.PHash.Distance(orig.PHash))
		if d > 31 {
			t.Errorf("%s: distance %d to aaa-orig.jpg, want <= 31", rel, d)
		}
	}
}

// TestPDQModes: the same picture stored in different colour modes hashes
// (nearly) the same, including modes the reference cannot read (LA, RGBA,
// CMYK).
func TestPDQModes(t *testing.T) {
	orig, _ := pdqPerceptualizeFile(t, "misc-images/modes/original.jpg")
	matches, _ := filepath.Glob(filepath.Join(pdqTestdata, "misc-images", "modes", "*"))
	for _, m := range matches {
		if strings.HasSuffix(m, ".md") {
			continue
		}
		rel, _ := filepath.Rel(pdqTestdata, m)
		p, ok := pdqPerceptualizeFile(t, rel)
		if !ok {
			t.Logf("%-36s not decodable by the standard library, skipped", rel)
			continue
		}
		d := p.PDQ.Distance(orig.PDQ)
		t.Logf("%-36s distance %2d, quality %3d", rel, d, p.Quality)
		if d > 16 {
			t.Errorf("%s: distance %d to original.jpg, want <= 16", rel, d)
		}
	}
}

func TestPDQStringParse(t *testing.T) {
	const ref = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	h, err := ParsePDQ(ref)
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != ref {
		t.Errorf("round trip: %s", h)
	}
	if h[0] != 0xd8 || h[31] != 0x22 {
		t.Errorf("byte order: % x", h[:])
	}
	up, err := ParsePDQ(strings.ToUpper(ref))
	if err != nil || up != h {
		t.Errorf("upper case: %v %v", up, err)
	}
	var zero PDQ
	if zero.String() != strings.Repeat("0", 64) {
		t.Errorf("zero: %s", zero)
	}
	for _, bad := range []string{
		"",
		ref[:63],
		ref + "0",
		ref[:62] + "g0",
		" " + ref[1:],
		ref[:63] + "\n",
		"0x" + ref[2:],
		"-" + ref[1:],
		strings.Repeat("ü", 32),
	} {
		if _, err := ParsePDQ(bad); err == nil {
			t.Errorf("ParsePDQ(%q) accepted", bad)
		}
	}
}

func TestPDQBitOrder(t *testing.T) {
	// Bit k = 16i+j of the reference is bit j of word w[i]; the string
	// prints w[15] first, each word as 4 hex digits.
	cases := []struct {
		bit  int
		want string
	}{
		{0, strings.Repeat("0", 63) + "1"},
		{15, strings.Repeat("0", 60) + "8000"},
		{16, strings.Repeat("0", 59) + "1" + "0000"},
		{255, "8" + strings.Repeat("0", 63)},
		{240, "0001" + strings.Repeat("0", 60)},
	}
	for _, c := range cases {
		var h PDQ
		h.setBit(c.bit)
		if h.String() != c.want {
			t.Errorf("bit %d: %s, want %s", c.bit, h, c.want)
		}
	}
}

func TestPDQDistance(t *testing.T) {
	a, _ := ParsePDQ("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	b, _ := ParsePDQ("d8f8f0cee0f4a84f0637022a038f67f0b36e2ed596631e1d33e6339c4e9c9b22")
	ones, _ := ParsePDQ(strings.Repeat("f", 64))
	var zero PDQ
	cases := []struct {
		x, y PDQ
		want int
	}{
		{zero, zero, 0},
		{a, a, 0},
		{a, b, 2},
		{b, a, 2},
		{zero, ones, 256},
		{a, ones, 256 - pdqPopcount(a)},
	}
	for i, c := range cases {
		if got := c.x.Distance(c.y); got != c.want {
			t.Errorf("case %d: Distance = %d, want %d", i, got, c.want)
		}
	}
	for k := 0; k < 256; k++ {
		var h PDQ
		h.setBit(k)
		if d := h.Distance(zero); d != 1 {
			t.Errorf("bit %d: distance %d", k, d)
		}
	}
}

func pdqPopcount(h PDQ) int {
	n := 0
	for _, b := range h {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}

func FuzzParsePDQ(f *testing.F) {
	f.Add("d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	f.Add(strings.Repeat("F", 64))
	f.Add("")
	f.Add("xyz")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParsePDQ(s)
		if err != nil {
			if h != (PDQ{}) {
				t.Errorf("error with non-zero hash")
			}
			return
		}
		if len(s) != 64 {
			t.Fatalf("accepted %d characters", len(s))
		}
		if got := h.String(); got != strings.ToLower(s) {
			t.Fatalf("round trip %q -> %q", s, got)
		}
		h2, err := ParsePDQ(h.String())
		if err != nil || h2 != h {
			t.Fatalf("reparse: %v %v", h2, err)
		}
	})
}

func pdqSolidRGBA(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	return img
}

func pdqNoiseRGBA(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := img.PixOffset(x, y)
			g := float64(x+y) / float64(w+h) * 200
			img.Pix[i] = uint8(g + r.Float64()*55)
			img.Pix[i+1] = uint8(255 - g - r.Float64()*55)
			img.Pix[i+2] = uint8(r.IntN(256))
			img.Pix[i+3] = 255
		}
	}
	return img
}

func TestPDQTinyAndFlat(t *testing.T) {
	sizes := [][2]int{{1, 1}, {1, 64}, {64, 1}, {2, 2}, {3, 200}, {200, 3}, {4, 4}, {5, 5}, {6, 7}, {63, 65},
		{64, 64}, {127, 129}, {511, 512}, {513, 5}, {3, 2000}, {2000, 1}, {600, 700}}
	white := color.RGBA{255, 255, 255, 255}
	black := color.RGBA{0, 0, 0, 255}
	grey := color.RGBA{97, 140, 33, 255}
	for _, s := range sizes {
		for _, c := range []color.RGBA{white, black, grey} {
			p := Perceptualize(pdqSolidRGBA(s[0], s[1], c))
			if p.Quality != 0 {
				t.Errorf("%dx%d flat %v: quality %d, want 0", s[0], s[1], c, p.Quality)
			}
		}
		p := Perceptualize(pdqNoiseRGBA(s[0], s[1], 7))
		t.Logf("%4dx%-4d noise: quality %3d pdq %v phash %v", s[0], s[1], p.Quality, p.PDQ, p.PHash)
		tooSmall := (s[0] < 5 || s[1] < 5) && s[0] <= 512 && s[1] <= 512
		if tooSmall && (p != Perceptual{}) {
			t.Errorf("%dx%d: want all-zero result for an image under 5 px, got %+v", s[0], s[1], p)
		}
	}
	if p := Perceptualize(nil); p != (Perceptual{}) {
		t.Errorf("nil image: %+v", p)
	}
	if p := Perceptualize(image.NewRGBA(image.Rectangle{})); p != (Perceptual{}) {
		t.Errorf("empty image: %+v", p)
	}
}

// TestPerceptualizeSubImage: an image whose Rect does not start at 0,0 (a
// SubImage sharing its parent's Pix, with a larger stride) hashes like a
// copy of the same pixels.
func TestPerceptualizeSubImage(t *testing.T) {
	for _, r := range []image.Rectangle{
		image.Rect(13, 7, 13+300, 7+200),   // no resize
		image.Rect(50, 40, 50+700, 40+520), // resize to 512
	} {
		parent := pdqNoiseRGBA(900, 700, 3)
		sub := parent.SubImage(r).(*image.RGBA)
		cp := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		for y := 0; y < r.Dy(); y++ {
			copy(cp.Pix[y*cp.Stride:y*cp.Stride+4*r.Dx()], sub.Pix[y*sub.Stride:y*sub.Stride+4*r.Dx()])
		}
		moved := *cp
		moved.Rect = cp.Rect.Add(image.Pt(-1000, 555))
		a, b, c := Perceptualize(sub), Perceptualize(cp), Perceptualize(&moved)
		if a != b || b != c {
			t.Errorf("%v: sub-image %v, copy %v, moved copy %v", r, a.PDQ, b.PDQ, c.PDQ)
		}
	}
}

// TestPDQDeterministic: pooled buffers carry nothing from one image to the
// next.
func TestPDQDeterministic(t *testing.T) {
	a := pdqNoiseRGBA(300, 200, 1)
	b := pdqNoiseRGBA(1000, 900, 2)
	pa, pb := Perceptualize(a), Perceptualize(b)
	for i := 0; i < 3; i++ {
		if Perceptualize(b) != pb || Perceptualize(a) != pa {
			t.Fatal("hash changed between runs")
		}
	}
}

// TestDivfMatchesDivision checks the claim behind divf: multiplying by the
// float64 reciprocal and rounding gives the float32 quotient bitwise.
func TestDivfMatchesDivision(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for d := 1; d <= 300; d++ {
		inv := 1 / float64(d)
		for i := 0; i < 20000; i++ {
			var s float32
			switch i % 3 {
			case 0:
				s = float32(r.Float64() * 255 * float64(d))
			case 1:
				s = math.Float32frombits(r.Uint32()&^(0xff<<23) | uint32(100+r.IntN(60))<<23)
			default:
				s = float32(r.IntN(255 * d))
			}
			if got, want := divf(s, inv), s/float32(d); got != want {
				t.Fatalf("divf(%v, 1/%d) = %v, want %v", s, d, got, want)
			}
		}
	}
}

func TestJaroszWindowSize(t *testing.T) {
	for _, c := range [][2]int{{1, 1}, {64, 1}, {128, 1}, {129, 2}, {512, 4}, {513, 5}, {1024, 8}, {4032, 32}} {
		if got := jaroszWindowSize(c[0]); got != c[1] {
			t.Errorf("jaroszWindowSize(%d) = %d, want %d", c[0], got, c[1])
		}
	}
}

func TestTorben(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 300; n++ {
		m := make([]float32, n)
		for i := range m {
			m[i] = float32(r.IntN(40)) // many ties
			if n%2 == 0 {
				m[i] = float32(r.NormFloat64())
			}
		}
		got := torben(m)
		s := append([]float32(nil), m...)
		pdqSortFloat32(s)
		if want := s[(n+1)/2-1]; got != want {
			t.Fatalf("n=%d: torben %v, want %v", n, got, want)
		}
	}
}

func pdqSortFloat32(s []float32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestJaroszMatchesReference checks the reorganised filter against a direct
// transcription of the reference's jaroszFilterFloat + decimateFloat.
func TestJaroszMatchesReference(t *testing.T) {
	for _, s := range [][2]int{{5, 5}, {7, 300}, {64, 64}, {65, 130}, {200, 129}, {512, 512}, {257, 511}} {
		rows, cols := s[0], s[1]
		r := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
		luma := make([]float32, rows*cols)
		for i := range luma {
			luma[i] = lumaR[r.IntN(256)] + lumaG[r.IntN(256)] + lumaB[r.IntN(256)]
		}
		// Reference transcription.
		b1 := append([]float32(nil), luma...)
		b2 := make([]float32, rows*cols)
		wr, wc := jaroszWindowSize(cols), jaroszWindowSize(rows)
		for pass := 0; pass < 2; pass++ {
			for i := 0; i < rows; i++ {
				pdqRefBox1D(b1[i*cols:], b2[i*cols:], cols, 1, wr)
			}
			for j := 0; j < cols; j++ {
				pdqRefBox1D(b2[j:], b1[j:], rows, cols, wc)
			}
		}
		var want [64 * 64]float32
		for i := 0; i < 64; i++ {
			ini := int(((float64(i) + 0.5) * float64(rows)) / 64)
			for j := 0; j < 64; j++ {
				inj := int(((float64(j) + 0.5) * float64(cols)) / 64)
				want[i*64+j] = b1[ini*cols+inj]
			}
		}
		w := new(pdqWork)
		w.ensure(rows*cols, cols)
		copy(w.buf1, luma)
		w.jaroszDecimate(rows, cols)
		for i := range want {
			if math.Float32bits(w.a64[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%dx%d: a64[%d] = %v, reference %v", rows, cols, i, w.a64[i], want[i])
			}
		}
	}
}

// pdqRefBox1D is box1DFloat as written in the reference.
func pdqRefBox1D(invec, outvec []float32, n, stride, window int) {
	half := (window + 2) / 2
	p1, p2, p3, p4 := half-1, window-half+1, n-window, half-1
	li, ri, oi := 0, 0, 0
	var sum float32
	cur := 0
	for i := 0; i < p1; i++ {
		sum += invec[ri]
		cur++
		ri += stride
	}
	for i := 0; i < p2; i++ {
		sum += invec[ri]
		cur++
		outvec[oi] = sum / float32(cur)
		ri += stride
		oi += stride
	}
	for i := 0; i < p3; i++ {
		sum += invec[ri]
		sum -= invec[li]
		outvec[oi] = sum / float32(cur)
		li += stride
		ri += stride
		oi += stride
	}
	for i := 0; i < p4; i++ {
		sum -= invec[li]
		cur--
		outvec[oi] = sum / float32(cur)
		li += stride
		oi += stride
	}
}

// TestDCTMatchesReference checks dct64To16 against the reference's loop
// order.
func TestDCTMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var a [64 * 64]float32
	for i := range a {
		a[i] = float32(r.Float64() * 255)
	}
	var tt [16 * 64]float32
	var b [16 * 16]float32
	dct64To16(&a, &tt, &b)
	for i := 0; i < 16; i++ {
		var ti [64]float32
		for j := 0; j < 64; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(pdqDCT[i*64+k] * a[k*64+j])
			}
			ti[j] = s
		}
		for j := 0; j < 16; j++ {
			var s float32
			for k := 0; k < 64; k++ {
				s += float32(ti[k] * pdqDCT[j*64+k])
			}
			if math.Float32bits(s) != math.Float32bits(b[i*16+j]) {
				t.Fatalf("B[%d][%d] = %v, reference order %v", i, j, b[i*16+j], s)
			}
		}
	}
}

// pdqDihedralTransforms[k] maps a destination pixel (x, y) of an n x n image
// to the source pixel, for the transform whose hash Dihedral[k] predicts.
func pdqDihedralTransforms(n int) [8]func(x, y int) (int, int) {
	m := n - 1
	return [8]func(x, y int) (int, int){
		DihedralOriginal:   func(x, y int) (int, int) { return x, y },
		DihedralRotate90:   func(x, y int) (int, int) { return m - y, x },     // 90 degrees counter-clockwise
		DihedralRotate180:  func(x, y int) (int, int) { return m - x, m - y }, // 180 degrees
		DihedralRotate270:  func(x, y int) (int, int) { return y, m - x },     // 90 degrees clockwise
		DihedralFlipX:      func(x, y int) (int, int) { return x, m - y },     // top-bottom mirror
		DihedralFlipY:      func(x, y int) (int, int) { return m - x, y },     // left-right mirror
		DihedralFlipPlus1:  func(x, y int) (int, int) { return y, x },         // transpose
		DihedralFlipMinus1: func(x, y int) (int, int) { return m - y, m - x }, // anti-transpose
	}
}

func pdqTransformRGBA(src *image.RGBA, f func(x, y int) (int, int)) *image.RGBA {
	n := src.Rect.Dx()
	dst := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			sx, sy := f(x, y)
			copy(dst.Pix[dst.PixOffset(x, y):dst.PixOffset(x, y)+4], src.Pix[src.PixOffset(sx, sy):src.PixOffset(sx, sy)+4])
		}
	}
	return dst
}

// pdqSmoothRGBA is an n x n image of a few random low-frequency waves.
func pdqSmoothRGBA(n int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 3))
	type wave struct{ fx, fy, ph, amp float64 }
	var ws [6]wave
	for i := range ws {
		ws[i] = wave{float64(r.IntN(5)), float64(r.IntN(5)), r.Float64() * 6.28, 10 + r.Float64()*20}
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			v := 128.0
			for _, w := range ws {
				v += w.amp * math.Cos(math.Pi*(w.fx*float64(x)+w.fy*float64(y))/float64(n)+w.ph)
			}
			i := img.PixOffset(x, y)
			g := uint8(max(0, min(255, v)))
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = g, 255-g, g/2, 255
		}
	}
	return img
}

// TestDihedralOfTransformedImage: the dihedral hashes computed from the DCT
// equal the hashes of the actually transformed pixels: exactly (up to float
// rounding at the median) for a 64x64 image, which PDQ hashes without
// filtering or sampling, and within a few bits for larger images. Above 512
// pixels the reference's nearest-neighbour resize samples columns
// floor(x*700/512), which is not mirror-symmetric, so (as with the
// reference's own dih test files) some variants are up to ~18 bits off.
func TestDihedralOfTransformedImage(t *testing.T) {
	cases := []struct {
		img   *image.RGBA
		limit int
	}{
		{pdqNoiseRGBA(64, 64, 11), 2},
		{pdqSmoothRGBA(64, 4), 2},
		{pdqSmoothRGBA(300, 21), 12},
		{pdqSmoothRGBA(700, 5), 20},
	}
	for _, c := range cases {
		n := c.img.Rect.Dx()
		orig := Perceptualize(c.img)
		for k, f := range pdqDihedralTransforms(n) {
			d := orig.Dihedral[k].Distance(Perceptualize(pdqTransformRGBA(c.img, f)).PDQ)
			t.Logf("%dx%d Dihedral[%d]: distance %2d to the hash of the transformed pixels", n, n, k, d)
			if d > c.limit {
				t.Errorf("%dx%d Dihedral[%d]: distance %d, want <= %d", n, n, k, d, c.limit)
			}
		}
	}
}

// pdqBenchImage returns a w x h image made from a real photo (box-resampled).
func pdqBenchImage(b *testing.B, w, h int) *image.RGBA {
	b.Helper()
	src, ok := pdqDecodeTestImage(b, filepath.Join(pdqTestdata, "bridge-mods", "aaa-orig.jpg"))
	if !ok {
		b.Fatal("cannot decode the benchmark photo")
	}
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var sum [3]int
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					i := src.PixOffset(xx, yy)
					sum[0] += int(src.Pix[i])
					sum[1] += int(src.Pix[i+1])
					sum[2] += int(src.Pix[i+2])
				}
			}
			cnt := (y1 - y0) * (x1 - x0)
			i := dst.PixOffset(x, y)
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(sum[0]/cnt), uint8(sum[1]/cnt), uint8(sum[2]/cnt), 255
		}
	}
	return dst
}

var pdqBenchSink Perceptual

func BenchmarkPDQ512(b *testing.B) {
	img := pdqBenchImage(b, 512, 512)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pdqBenchSink = Perceptualize(img)
	}
}

func BenchmarkPerceptualize1024(b *testing.B) {
	img := pdqBenchImage(b, 1024, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pdqBenchSink = Perceptualize(img)
	}
}

func BenchmarkPerceptualize4032x3024(b *testing.B) {
	img := pdqBenchImage(b, 4032, 3024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pdqBenchSink = Perceptualize(img)
	}
}
