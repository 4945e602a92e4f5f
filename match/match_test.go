package match

import (
	"strings"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

func digest(b byte) fingerprint.Digest {
	var d fingerprint.Digest
	for i := range d {
		d[i] = b
	}
	return d
}

func pdqWithBits(n int) fingerprint.PDQ {
	var h fingerprint.PDQ
	for i := 0; i < n; i++ {
		h[i/8] |= 1 << (i % 8)
	}
	return h
}

func TestJudge(t *testing.T) {
	query := Query{
		Exact: fingerprint.Exact{Nid: "bafkq", SHA256: digest(1), BLAKE3: digest(2), MIME: "image/png"},
		Pixels: &fingerprint.Pixels{
			PDQ: pdqWithBits(0), PDQQuality: 100, PHash: 0x0f0f0f0f0f0f0f0f, PixelSHA256: digest(3),
		},
	}
	lowQ := query
	lowPixels := *query.Pixels
	lowPixels.PDQQuality = 10
	lowQ.Pixels = &lowPixels
	notImage := Query{Exact: query.Exact}
	// turned: the query's quarter turn has the asset's pHash.
	turned := func(q Query) Query {
		px := *q.Pixels
		px.PHashDihedral[1] = 0x0f0f0f0f0f0f0f0f
		px.PHash = 0xf0f0f0f0f0f0f0f0
		q.Pixels = &px
		return q
	}

	asset := func(mut func(a *sleuth.Asset)) *sleuth.Asset {
		a := &sleuth.Asset{
			ID: 7, Nid: "bafkother", SHA256: digest(9).String(), BLAKE3: digest(8).String(), PixelSHA256: digest(7).String(),
			Perceptual: []sleuth.Perceptual{
				{Kind: sleuth.KindPDQ, Hash: pdqWithBits(10).String(), Quality: 100},
				{Kind: sleuth.KindPHash, Hash: "0f0f0f0f0f0f0f0f"},
			},
		}
		if mut != nil {
			mut(a)
		}
		return a
	}
	tests := []struct {
		name     string
		q        Query
		a        *sleuth.Asset
		dist     int
		variant  int
		ok       bool
		tier     Tier
		by       string
		minScore float64
		maxScore float64
	}{
		{"same nid", query, asset(func(a *sleuth.Asset) { a.Nid = "bafkq" }), -1, 0, true, TierExact, ByNid, 1, 1},
		{"same sha256", query, asset(func(a *sleuth.Asset) { a.SHA256 = digest(1).String() }), -1, 0, true, TierExact, BySHA256, 1, 1},
		{"same blake3", query, asset(func(a *sleuth.Asset) { a.BLAKE3 = digest(2).String() }), -1, 0, true, TierExact, ByBLAKE3, 1, 1},
		{"same pixels", query, asset(func(a *sleuth.Asset) { a.PixelSHA256 = digest(3).String() }), -1, 0, true, TierExact, ByPixelSHA256, 1, 1},
		{"non-image query, same bytes", notImage, asset(func(a *sleuth.Asset) { a.SHA256 = digest(1).String() }), -1, 0, true, TierExact, BySHA256, 1, 1},
		{"non-image query, no exact", notImage, asset(nil), 3, 0, false, "", "", 0, 0},
		{"pdq distance 0", query, asset(nil), 0, 0, true, TierNearExact, ByPDQ, 0.99, 0.99},
		{"pdq distance 10", query, asset(nil), 10, 0, true, TierNearExact, ByPDQ, 0.9, 0.99},
		{"pdq distance 31", query, asset(nil), 31, 0, true, TierNearExact, ByPDQ, 0.29, 0.31},
		{"pdq distance 16, phash agrees", query, asset(nil), 16, 0, true, TierNearExact, ByPDQ, 0.885, 0.885},
		{"pdq distance 16, phash disagrees", query, asset(func(a *sleuth.Asset) { a.Perceptual[1].Hash = "f0f0f0f0f0f0f0f0" }), 16, 0, true, TierNearExact, ByPDQ, 0.45, 0.5},
		{"pdq distance 16, rotated: phash cannot corroborate", query, asset(nil), 16, 1, true, TierNearExact, ByPDQ, 0.45, 0.5},
		{"pdq distance 32", query, asset(nil), 32, 0, false, "", "", 0, 0},
		{"no pdq evidence", query, asset(nil), -1, 0, false, "", "", 0, 0},
		{"flipped", query, asset(nil), 5, 5, true, TierNearExact, ByPDQ, 0.9, 0.99},
		{"low quality query, phash agrees", lowQ, asset(nil), 4, 0, true, TierNearExact, ByPDQPHash, 0.5, 0.6},
		{"low quality query, phash disagrees", lowQ, asset(func(a *sleuth.Asset) { a.Perceptual[1].Hash = "f0f0f0f0f0f0f0f0" }), 4, 0, false, "", "", 0, 0},
		{"low quality asset, no phash", query, asset(func(a *sleuth.Asset) {
			a.Perceptual = []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(1).String(), Quality: 20}}
		}), 1, 0, false, "", "", 0, 0},
		{"low quality, rotated: phash cannot corroborate", lowQ, asset(nil), 4, 1, false, "", "", 0, 0},
		{"pdq distance 16, rotated, the turned phash agrees", turned(query), asset(nil), 16, 1, true, TierNearExact, ByPDQ, 0.885, 0.885},
		{"pdq distance 16, the turned phash agrees but the match is not turned", turned(query), asset(nil), 16, 0, true, TierNearExact, ByPDQ, 0.45, 0.5},
		{"low quality, rotated, the turned phash agrees", turned(lowQ), asset(nil), 4, 1, true, TierNearExact, ByPDQPHash, 0.5, 0.6},
		{"low quality, mirrored, only the turned phash agrees", turned(lowQ), asset(nil), 4, 5, false, "", "", 0, 0},
		{"asset without pdq", query, asset(func(a *sleuth.Asset) { a.Perceptual = nil }), 3, 0, false, "", "", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := Judge(tt.q, Candidate{Asset: tt.a, PDQDistance: tt.dist, PDQVariant: tt.variant})
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, m)
			}
			if !ok {
				return
			}
			if m.Tier != tt.tier || m.Fingerprint != tt.by || m.Score < tt.minScore || m.Score > tt.maxScore {
				t.Errorf("got tier %s by %s score %v; want %s by %s score in [%v,%v]", m.Tier, m.Fingerprint, m.Score, tt.tier, tt.by, tt.minScore, tt.maxScore)
			}
			if m.Tier == TierNearExact && m.Variant != VariantNames[tt.variant] {
				t.Errorf("variant %q, want %q", m.Variant, VariantNames[tt.variant])
			}
		})
	}
}

func TestScoreDecreases(t *testing.T) {
	prev := 2.0
	for d := 0; d <= MaxNearExactDistance; d++ {
		s := nearExactScore(d)
		if s > prev || s <= 0 || s > 1 {
			t.Fatalf("score(%d) = %v after %v", d, s, prev)
		}
		prev = s
	}
}

func TestSort(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	a := func(nid string, days int) *sleuth.Asset {
		return &sleuth.Asset{Nid: nid, FirstSeen: t0.AddDate(0, 0, days)}
	}
	ms := []Match{
		{Asset: a("e", 0), Tier: TierEdited, Score: 0.99},
		{Asset: a("n2", 5), Tier: TierNearExact, Score: 0.9},
		{Asset: a("n1", 0), Tier: TierNearExact, Score: 0.95},
		{Asset: a("x-later", 3), Tier: TierExact, Score: 1},
		{Asset: a("x-first", 1), Tier: TierExact, Score: 1},
		{Asset: a("n3", 1), Tier: TierNearExact, Score: 0.9},
	}
	Sort(ms)
	want := []string{"x-first", "x-later", "n1", "n3", "n2", "e"}
	for i, m := range ms {
		if m.Asset.Nid != want[i] {
			t.Fatalf("position %d: %s, want order %v", i, m.Asset.Nid, want)
		}
	}
}

// A verification that does not decide the match still shows in its
// evidence; the method and overlaps stay the deciding method's.
func TestJudgeReportsUndecidingGeometry(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(2).String(), Quality: 100}}}
	weak := Geometry{Inliers: 14, InlierRatio: 0.2, Coverage: 0.6, Correlation: 0.9, FullCorrelation: 0.85,
		QueryOverlap: 0.4, AssetOverlap: 0.5, Transform: Transform{Scale: 1.5, RotationDeg: 3}}
	m, ok := Judge(q, Candidate{Asset: a, PDQDistance: 2, Geometry: &weak})
	if !ok || m.Fingerprint != ByPDQ || m.Method != "" || m.Score != nearExactScore(2) {
		t.Fatalf("PDQ should decide: ok %v, %+v", ok, m)
	}
	if m.Inliers != 14 || m.InlierRatio != 0.2 || m.Transform == nil || m.Transform.Scale != 1.5 || m.FullCorrelation == nil || *m.FullCorrelation != 0.85 {
		t.Errorf("the verification's evidence is missing: %+v", m)
	}
	if m.QueryOverlap != 0 || m.AssetOverlap != 0 {
		t.Errorf("overlaps of a verification that did not decide: %v, %v", m.QueryOverlap, m.AssetOverlap)
	}
	// A trimmed match keeps its own method and overlaps.
	trim := &TrimEvidence{Distance: 0, QueryFraction: 0.8, AssetFraction: 1, QueryQuality: 100, AssetQuality: 100}
	m, ok = Judge(q, Candidate{Asset: a, PDQDistance: -1, Trim: trim, Geometry: &weak})
	if !ok || m.Method != MethodTrimmedPDQ || m.QueryOverlap != 0.8 || m.Inliers != 14 {
		t.Errorf("trimmed match with an undeciding verification: ok %v, %+v", ok, m)
	}
}

// Colours that differ in more than MaxColorOffCells cells make a sure
// match likely and a likely one possible, whichever method decided; one
// cell off changes nothing.
func TestJudgeCapsByColor(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(2).String(), Quality: 100}}}
	al := func(offCells int) *AlignedEvidence {
		return &AlignedEvidence{Correlation: 0.999, Cells: 1024, ColorOff: float64(offCells) / 256, ColorCells: 256}
	}
	sure := Geometry{Inliers: 60, InlierRatio: 0.9, Coverage: 0.9, Correlation: 0.99, FullCorrelation: 0.99,
		QueryOverlap: 0.6, AssetOverlap: 1, ColorOff: 0.1, ColorCells: 120}
	trim := &TrimEvidence{Distance: 12, QueryFraction: 0.8, AssetFraction: 1, QueryQuality: 100, AssetQuality: 100, Aligned: al(5)}
	for _, c := range []struct {
		name  string
		c     Candidate
		score float64
		off   float64
	}{
		{"pdq, colours agree", Candidate{Asset: a, PDQDistance: 2, Aligned: al(0)}, nearExactScore(2), 0},
		{"pdq, one cell off", Candidate{Asset: a, PDQDistance: 2, Aligned: al(1)}, nearExactScore(2), 1.0 / 256},
		{"pdq, colours differ", Candidate{Asset: a, PDQDistance: 2, Aligned: al(3)}, colorDiffersScore, 3.0 / 256},
		{"pdq likely, colours differ", Candidate{Asset: a, PDQDistance: 12, Aligned: &AlignedEvidence{Correlation: 0.991, Cells: 1024, ColorOff: 0.1, ColorCells: 256}}, colorDiffersLowScore, 0.1},
		{"trimmed, colours differ", Candidate{Asset: a, PDQDistance: -1, Trim: trim}, colorDiffersScore, 5.0 / 256},
		{"local features, colours differ", Candidate{Asset: a, PDQDistance: -1, Geometry: &sure}, colorDiffersScore, 0.1},
	} {
		m, ok := Judge(q, c.c)
		if !ok || m.Score != c.score || m.ColorOff == nil || *m.ColorOff != c.off {
			t.Errorf("%s: ok %v, score %v (want %v), colour off %v (want %v)", c.name, ok, m.Score, c.score, ptr(m.ColorOff), c.off)
		}
	}
	// Without a colour comparison (assets stored before colour grids):
	// no colour evidence, no cap.
	m, _ := Judge(q, Candidate{Asset: a, PDQDistance: 2, Aligned: &AlignedEvidence{Correlation: 0.999, Cells: 1024}})
	if m.ColorOff != nil || m.Score != nearExactScore(2) {
		t.Errorf("no colour: %+v", m)
	}
}

// A PDQ match up to distance 19 whose aligned pixels correlate from 0.99
// is sure only when the colours were compared and agree; without a colour
// comparison it stays likely, with colours that differ it is capped.
func TestJudgeAlignedColourAgrees(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	for _, c := range []struct {
		name       string
		d          int
		r          float64
		cells, off int
		sure       bool
		likely     bool
	}{
		{"colours agree", 15, 0.992, 256, 0, true, true},
		{"colours agree, one cell off", 19, 0.99, 256, 1, true, true},
		{"colours agree, beyond distance 19", 20, 0.992, 256, 0, false, true},
		{"colours agree, distance 20, correlation 0.998", 20, 0.998, 256, 0, true, true},
		{"colours agree, distance 22, correlation 0.997", 22, 0.997, 256, 0, false, true},
		{"colours agree, distance 22, softened correlation 0.998", 22, 0.97, 256, 0, true, true},
		{"colours agree, distance 25, correlation 0.998", 25, 0.998, 256, 1, true, true},
		{"colours agree, beyond distance 25", 26, 0.999, 256, 0, false, true},
		{"colours not compared, distance 22", 22, 0.999, 0, 0, false, true},
		{"colours differ, distance 22", 22, 0.999, 256, 2, false, false},
		{"colours agree, correlation under 0.99", 15, 0.989, 256, 0, false, false},
		{"colours not compared", 15, 0.992, 0, 0, false, true},
		{"colours differ", 15, 0.992, 256, 2, false, false},
	} {
		a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(c.d).String(), Quality: 100}}}
		al := &AlignedEvidence{Correlation: c.r, Cells: 1024, ColorCells: c.cells}
		if strings.Contains(c.name, "softened") {
			al.SoftCorrelation = 0.998
		}
		if c.cells > 0 {
			al.ColorOff = float64(c.off) / float64(c.cells)
		}
		m, ok := Judge(q, Candidate{Asset: a, PDQDistance: c.d, Aligned: al})
		if !ok || (m.Score >= SureScore) != c.sure || (m.Score >= LikelyScore) != c.likely {
			t.Errorf("%s: ok %v, score %v, want sure %v likely %v", c.name, ok, m.Score, c.sure, c.likely)
		}
	}
	// Low-quality hashes: the pHash must agree, and then the score stays
	// at MaxCorroboratedScore unless the pixels agree to alignedSure.
	q.Pixels.PDQQuality = 30
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(15).String(), Quality: 100}}}
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: 15, Aligned: &AlignedEvidence{Correlation: 0.992, Cells: 1024, ColorCells: 256}}); ok && m.Score >= LikelyScore {
		t.Errorf("low quality: %+v", m)
	}
}

func ptr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestJudgeVetoByAligned checks that a PDQ match, whole or trimmed, whose
// aligned pixels disagree keeps at most alignedVetoScore, and that local
// features that agree still decide on their own.
func TestJudgeVetoByAligned(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(0).String(), Quality: 100}}}
	al := func(r float64) *AlignedEvidence { return &AlignedEvidence{Correlation: r, Cells: 1024} }
	trim := func(r float64) *TrimEvidence {
		return &TrimEvidence{Distance: 0, QueryFraction: 1, AssetFraction: 0.66, QueryQuality: 100, AssetQuality: 100, Aligned: al(r)}
	}
	sure := Geometry{Inliers: 60, InlierRatio: 0.9, Coverage: 0.9, Correlation: 0.99, FullCorrelation: 0.99, QueryOverlap: 1, AssetOverlap: 1}
	for _, c := range []struct {
		name  string
		c     Candidate
		score float64
	}{
		{"pdq 0, pixels agree", Candidate{Asset: a, PDQDistance: 0, Aligned: al(0.95)}, nearExactScore(0)},
		{"pdq 0, pixels at the veto", Candidate{Asset: a, PDQDistance: 0, Aligned: al(alignedVetoCorrelation)}, nearExactScore(0)},
		{"pdq 0, pixels disagree", Candidate{Asset: a, PDQDistance: 0, Aligned: al(0.85)}, alignedVetoScore},
		{"pdq 0, not compared", Candidate{Asset: a, PDQDistance: 0}, nearExactScore(0)},
		{"pdq 30, pixels disagree, below the veto already", Candidate{Asset: a, PDQDistance: 30, Aligned: al(0.5)}, min(nearExactScore(30), alignedVetoScore)},
		{"trimmed, pixels agree", Candidate{Asset: a, PDQDistance: -1, Trim: trim(0.95)}, TrimScore(0, 1, 0.66)},
		{"trimmed, pixels disagree", Candidate{Asset: a, PDQDistance: -1, Trim: trim(0.83)}, alignedVetoScore},
		{"pdq 0, pixels disagree, local features sure", Candidate{Asset: a, PDQDistance: 0, Aligned: al(0.85), Geometry: &sure}, FeatureScore(sure)},
	} {
		m, ok := Judge(q, c.c)
		if !ok || m.Score != c.score {
			t.Errorf("%s: ok %v, score %v, want %v", c.name, ok, m.Score, c.score)
		}
	}
}
