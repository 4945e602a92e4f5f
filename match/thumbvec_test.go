package match

import (
	"image"
	"math"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/internal/testpics"
)

// testThumb is a ThumbSide x ThumbSide thumbnail with some layout: a
// gradient, a dark block off-centre and a bright stripe.
func testThumb() []uint8 {
	const n = fingerprint.ThumbSide
	t := make([]uint8, n*n)
	for i := range n {
		for j := range n {
			v := 60 + 3*j + i
			if i > 4 && i < 14 && j > 18 && j < 27 {
				v = 10
			}
			if i == 25 || i == 26 {
				v = 250
			}
			t[i*n+j] = uint8(v)
		}
	}
	return t
}

func cosine(a, b ThumbVec) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return d / math.Sqrt(na*nb)
}

func TestThumbVector(t *testing.T) {
	th := testThumb()
	v, ok := ThumbVector(th)
	if !ok {
		t.Fatal("no vector")
	}
	top := 0
	for _, x := range v {
		top = max(top, int(x), -int(x))
	}
	if top != 127 {
		t.Errorf("largest cell %d, want 127", top)
	}
	// Brightness and contrast do not move it.
	moved := make([]uint8, len(th))
	for i, x := range th {
		moved[i] = uint8(20 + float64(x)*0.7)
	}
	w, ok := ThumbVector(moved)
	if !ok || cosine(v, w) < 0.999 {
		t.Errorf("contrast changed the vector: cosine %.4f", cosine(v, w))
	}
	// Negated, it is the opposite.
	neg := make([]uint8, len(th))
	for i, x := range th {
		neg[i] = 255 - x
	}
	if w, _ := ThumbVector(neg); cosine(v, w) > -0.999 {
		t.Errorf("negative: cosine %.4f, want -1", cosine(v, w))
	}
	blank := make([]uint8, len(th))
	for i := range blank {
		blank[i] = 200 + uint8(i%2) // std 0.5 < minThumbVecStd
	}
	for name, th := range map[string][]uint8{"blank": blank, "empty": nil, "short": th[:100]} {
		if _, ok := ThumbVector(th); ok {
			t.Errorf("%s: a vector", name)
		}
	}
}

// TestThumbVectors: the query's vector under variant k is the vector of an
// asset that looks like the query so transformed, in CompareAligned's
// convention (dihedralInverse).
func TestThumbVectors(t *testing.T) {
	const n = fingerprint.ThumbSide
	q := &fingerprint.Features{Thumb: testThumb()}
	vs, ok := ThumbVectors(q)
	if !ok {
		t.Fatal("no vectors")
	}
	for k := range 8 {
		a := make([]uint8, n*n)
		for i := range n {
			for j := range n {
				x, y := dihedralInverse(k, (float64(j)+0.5)/n, (float64(i)+0.5)/n)
				a[i*n+j] = q.Thumb[int(y*n)*n+int(x*n)]
			}
		}
		want, _ := ThumbVector(a)
		if vs[k] != want {
			t.Errorf("variant %d (%s): %v, want %v", k, VariantNames[k], vs[k][:8], want[:8])
		}
	}
	if vs[fingerprint.DihedralOriginal] == vs[fingerprint.DihedralFlipY] {
		t.Error("the mirror's vector is the picture's: the test thumbnail is symmetric")
	}
	if _, ok := ThumbVectors(nil); ok {
		t.Error("nil features: vectors")
	}
	if _, ok := ThumbVectors(&fingerprint.Features{}); ok {
		t.Error("no thumbnail: vectors")
	}
}

func TestSameShape(t *testing.T) {
	for _, tc := range []struct {
		qw, qh, aw, ah, k int
		want              bool
	}{
		{100, 100, 100, 100, fingerprint.DihedralOriginal, true},
		{25, 23, 100, 91, fingerprint.DihedralOriginal, true}, // a quarter, rounded
		{13, 25, 50, 100, fingerprint.DihedralOriginal, true}, // 12.5 rounded up
		{200, 182, 100, 91, fingerprint.DihedralFlipY, true},
		{512, 256, 512, 326, fingerprint.DihedralOriginal, false}, // two flags
		{300, 300, 100, 50, fingerprint.DihedralOriginal, false},
		{100, 200, 200, 100, fingerprint.DihedralOriginal, false},
		{100, 200, 200, 100, fingerprint.DihedralRotate90, true}, // turned: the sides swap
		{100, 200, 200, 100, fingerprint.DihedralFlipMinus1, true},
		{100, 200, 200, 100, fingerprint.DihedralRotate180, false},
		{0, 10, 10, 10, fingerprint.DihedralOriginal, false},
	} {
		if got := sameShape(tc.qw, tc.qh, tc.aw, tc.ah, tc.k); got != tc.want {
			t.Errorf("sameShape(%dx%d, %dx%d, %s) = %v, want %v", tc.qw, tc.qh, tc.aw, tc.ah, VariantNames[tc.k], got, tc.want)
		}
	}
}

func TestJudgeThumb(t *testing.T) {
	q := Query{Pixels: &fingerprint.Pixels{Width: 200, Height: 200}}
	asset := &sleuth.Asset{Nid: "a", Width: 100, Height: 100}
	cand := func(r, soft, rival float64, colorOff float64) Candidate {
		return Candidate{Asset: asset, PDQDistance: -1, Thumb: &ThumbEvidence{
			Variant: fingerprint.DihedralFlipY, Rival: rival,
			Aligned: &AlignedEvidence{Correlation: r, SoftCorrelation: soft, Cells: 1024, ColorOff: colorOff, ColorCells: 256},
		}}
	}
	for _, tc := range []struct {
		name  string
		q     Query
		c     Candidate
		found bool
		score float64
	}{
		{"alone", q, cand(0.999, 0.999, 0.9, 0), true, thumbSureScore},
		{"alone, soft", q, cand(0.98, 0.996, 0.985, 0), true, thumbSureScore},
		{"rival within the gap", q, cand(0.999, 0.999, 0.99, 0), true, thumbScoreLow},
		{"under the sure correlation", q, cand(0.994, 0.994, 0, 0), true, thumbScoreLow},
		{"under the least correlation", q, cand(0.989, 0.989, 0, 0), false, 0},
		{"colours differ", q, cand(0.999, 0.999, 0, 3.0/256), true, colorDiffersScore},
		{"another shape", Query{Pixels: &fingerprint.Pixels{Width: 200, Height: 150}}, cand(0.999, 0.999, 0, 0), false, 0},
		{"not compared", q, Candidate{Asset: asset, PDQDistance: -1, Thumb: &ThumbEvidence{Variant: fingerprint.DihedralFlipY}}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Judge(tc.q, tc.c)
			if ok != tc.found {
				t.Fatalf("found %v, want %v (%+v)", ok, tc.found, m)
			}
			if !ok {
				return
			}
			if m.Score != tc.score || m.Method != MethodAlignedPixels || m.Tier != TierEdited || m.Variant != "flip_y" {
				t.Errorf("got %s/%s %s %.3f, want %.3f by %s", m.Tier, m.Method, m.Variant, m.Score, tc.score, MethodAlignedPixels)
			}
		})
	}
}

// TestLiftByThumb: a distant PDQ match whose aligned pixels agree clearly
// better than any other candidate's is sure, by its thumbnail evidence.
func TestLiftByThumb(t *testing.T) {
	var h fingerprint.PDQ
	asset := &sleuth.Asset{Nid: "a", Width: 100, Height: 100, Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: h.String(), Quality: 100}}}
	q := Query{Pixels: &fingerprint.Pixels{Width: 50, Height: 50, PDQQuality: 100}}
	al := &AlignedEvidence{Correlation: 0.999, SoftCorrelation: 0.999, Cells: 1024, ColorCells: 256}
	for _, tc := range []struct {
		name   string
		thumb  *ThumbEvidence
		score  float64
		method string
	}{
		{"no thumbnail evidence", nil, alignedFarScore, ""},
		{"alone", &ThumbEvidence{Aligned: al, Rival: 0.98}, thumbSureScore, MethodAlignedPixels},
		{"a rival within the gap", &ThumbEvidence{Aligned: al, Rival: 0.992}, alignedFarScore, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Judge(q, Candidate{Asset: asset, PDQDistance: 27, Aligned: al, Thumb: tc.thumb})
			if !ok || m.Tier != TierNearExact || m.Score != tc.score || m.Method != tc.method {
				t.Fatalf("got %v %s %.3f method %q, want near_exact %.3f method %q", ok, m.Tier, m.Score, m.Method, tc.score, tc.method)
			}
		})
	}
}

// TestSetThumbRivals: each candidate with thumbnail evidence gets the best
// aligned correlation of the others, by its thumbnail's comparison or its
// PDQ's.
func TestSetThumbRivals(t *testing.T) {
	al := func(r, soft float64) *AlignedEvidence { return &AlignedEvidence{Correlation: r, SoftCorrelation: soft} }
	best := &Candidate{Thumb: &ThumbEvidence{Aligned: al(0.99, 0.998)}}
	thumb := &Candidate{Thumb: &ThumbEvidence{Aligned: al(0.97, 0)}}
	pdq := &Candidate{Aligned: al(0.993, 0)}                                               // a rival, no thumbnail evidence
	lifted := &Candidate{Aligned: al(0.5, 0), Thumb: &ThumbEvidence{Aligned: al(0.95, 0)}} // the thumbnail's comparison counts
	none := &Candidate{}
	SetThumbRivals([]*Candidate{thumb, none, best, pdq, lifted})
	for name, tc := range map[string]struct {
		c    *Candidate
		want float64
	}{"best": {best, 0.993}, "thumb": {thumb, 0.998}, "lifted": {lifted, 0.998}} {
		if got := tc.c.Thumb.Rival; got != tc.want {
			t.Errorf("%s: rival %.3f, want %.3f", name, got, tc.want)
		}
	}
	alone := &Candidate{Thumb: &ThumbEvidence{Aligned: al(0.999, 0)}}
	SetThumbRivals([]*Candidate{alone})
	if alone.Thumb.Rival != 0 {
		t.Errorf("alone: rival %.3f, want 0", alone.Thumb.Rival)
	}
}

// TestJudgeInsetThumb: the pixels of a picture set inside the query laid
// on an asset found by the inset's thumbnail vector, judged by the rules
// of a sure thumbnail match (nothing weaker is reported): the inset's
// shape, not the query's, is compared with the asset's, and the overlap
// is the inset's share of the query.
// withPart gives c's inset evidence the query's part r.
func withPart(c Candidate, r image.Rectangle) Candidate {
	t := *c.InsetThumb
	t.Part = r
	c.InsetThumb = &t
	return c
}

func TestJudgeInsetThumb(t *testing.T) {
	query := func(inset image.Rectangle) Query {
		return Query{Pixels: &fingerprint.Pixels{Width: 400, Height: 300, Features: &fingerprint.Features{Inset: inset}}}
	}
	q := query(image.Rect(100, 50, 300, 150)) // 200 x 100: a sixth of the query
	asset := &sleuth.Asset{Nid: "a", Width: 120, Height: 60}
	cand := func(soft, rival, colorOff float64, colorCells int) Candidate {
		return Candidate{Asset: asset, PDQDistance: -1, InsetThumb: &ThumbEvidence{
			Variant: fingerprint.DihedralOriginal, Rival: rival,
			Aligned: &AlignedEvidence{Correlation: soft, SoftCorrelation: soft, Cells: 1024, ColorOff: colorOff, ColorCells: colorCells},
		}}
	}
	for _, tc := range []struct {
		name  string
		q     Query
		c     Candidate
		found bool
		score float64
	}{
		{"alone", q, cand(0.999, 0.9, 0, 256), true, thumbSureScore},
		{"a cell of colour off", q, cand(0.999, 0.9, 1.0/256, 256), true, thumbSureScore},
		// Nothing weaker than sure is reported.
		{"rival within the gap", q, cand(0.999, 0.992, 0, 256), false, 0},
		{"under the sure correlation", q, cand(0.994, 0, 0, 256), false, 0},
		{"colours differ", q, cand(0.999, 0, 3.0/256, 256), false, 0},
		{"colours not compared", q, cand(0.999, 0, 0, 0), false, 0},
		{"the inset of another shape", query(image.Rect(100, 50, 300, 250)), cand(0.999, 0, 0, 256), false, 0},
		{"the inset too small a share", query(image.Rect(10, 10, 50, 30)), cand(0.999, 0, 0, 256), false, 0},
		{"no inset", query(image.Rectangle{}), cand(0.999, 0, 0, 256), false, 0},
		{"not compared", q, Candidate{Asset: asset, PDQDistance: -1, InsetThumb: &ThumbEvidence{}}, false, 0},
		// The picture inside a border (ThumbEvidence.Part) is
		// judged as the inset is, in its place.
		{"the part inside a border, no inset", query(image.Rectangle{}), withPart(cand(0.999, 0.9, 0, 256), image.Rect(100, 50, 300, 150)), true, thumbSureScore},
		{"the part, not the inset of another shape", query(image.Rect(100, 50, 300, 250)), withPart(cand(0.999, 0.9, 0, 256), image.Rect(100, 50, 300, 150)), true, thumbSureScore},
		{"the part of another shape", q, withPart(cand(0.999, 0.9, 0, 256), image.Rect(100, 50, 300, 250)), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := Judge(tc.q, tc.c)
			if ok != tc.found {
				t.Fatalf("found %v, want %v (%+v)", ok, tc.found, m)
			}
			if !ok {
				return
			}
			if m.Score != tc.score || m.Method != MethodInsetPixels || m.Tier != TierEdited || m.QueryOverlap != round3(1.0/6) || m.AssetOverlap != 1 {
				t.Errorf("got %s/%s %.3f overlaps %.3f %.3f, want %.3f by %s, overlaps %.3f 1", m.Tier, m.Method, m.Score, m.QueryOverlap, m.AssetOverlap, tc.score, MethodInsetPixels, round3(1.0/6))
			}
		})
	}
}

// TestSetInsetThumbRivals: an inset candidate's rival is the best other
// candidate laid on the inset (by its thumbnail or its inset PDQ), not
// one compared whole, nor one whose colours differ.
func TestSetInsetThumbRivals(t *testing.T) {
	ev := func(r, colorOff float64) *AlignedEvidence {
		return &AlignedEvidence{Correlation: r, Cells: 1024, ColorOff: colorOff, ColorCells: 256}
	}
	best := &Candidate{InsetThumb: &ThumbEvidence{Aligned: ev(0.999, 0)}}
	second := &Candidate{InsetThumb: &ThumbEvidence{Aligned: ev(0.97, 0)}}
	byPDQ := &Candidate{Inset: &TrimEvidence{Aligned: ev(0.98, 0)}}
	recoloured := &Candidate{InsetThumb: &ThumbEvidence{Aligned: ev(0.998, 10.0/256)}}
	whole := &Candidate{Aligned: ev(0.9995, 0), Thumb: &ThumbEvidence{Aligned: ev(0.9995, 0)}}
	noEvidence := &Candidate{InsetThumb: &ThumbEvidence{}}
	SetInsetThumbRivals([]*Candidate{second, best, byPDQ, recoloured, whole, noEvidence})
	for _, tc := range []struct {
		name string
		c    *Candidate
		want float64
	}{
		{"best", best, 0.98}, {"second", second, 0.999}, {"recoloured", recoloured, 0.999}, {"not compared", noEvidence, 0.999},
	} {
		if got := tc.c.InsetThumb.Rival; got != tc.want {
			t.Errorf("%s: rival %.4f, want %.4f", tc.name, got, tc.want)
		}
	}
	if whole.Thumb.Rival != 0 {
		t.Errorf("the whole-picture evidence's rival was set: %.4f", whole.Thumb.Rival)
	}
}

// TestInsetThumbVector: the vector of a picture's rectangle in a larger
// one is the vector of that picture alone, to the rounding.
func TestInsetThumbVector(t *testing.T) {
	flag := testpics.Flag(240, 160, false)
	want, ok := ThumbVector(fingerprint.ExtractFeatures(flag, fingerprint.AssetFeatures).Thumb)
	if !ok {
		t.Fatal("the flag has no vector")
	}
	big := image.NewRGBA(image.Rect(0, 0, 500, 400))
	for i := range big.Pix {
		big.Pix[i] = uint8(40 + i%7)
	}
	r := image.Rect(130, 90, 370, 250)
	for y := 0; y < 160; y++ {
		copy(big.Pix[big.PixOffset(r.Min.X, r.Min.Y+y):], flag.Pix[flag.PixOffset(0, y):flag.PixOffset(240, y)])
	}
	f := fingerprint.ExtractQueryFeatures(big, fingerprint.QueryFeatures)
	got, ok := InsetThumbVector(f, FractionRect(r, 500, 400))
	if !ok {
		t.Fatal("no vector for the rectangle")
	}
	var dot, nw, ng float64
	for i := range got {
		dot += float64(got[i]) * float64(want[i])
		nw += float64(want[i]) * float64(want[i])
		ng += float64(got[i]) * float64(got[i])
	}
	if c := dot / math.Sqrt(nw*ng); c < 0.999 {
		t.Errorf("cosine %.4f with the flag's own vector, want >= 0.999", c)
	}
	if _, ok := InsetThumbVector(f, Rect{0.2, 0.2, 0.2, 0.5}); ok {
		t.Error("an empty rectangle has a vector")
	}
	if _, ok := InsetThumbVector(&fingerprint.Features{Width: 500, Height: 400}, FractionRect(r, 500, 400)); ok {
		t.Error("features without their luma (stored ones) gave a vector")
	}
}
