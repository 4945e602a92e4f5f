package match

import (
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

func TestTrimScore(t *testing.T) {
	tests := []struct {
		name   string
		d      int
		qf, af float64
		want   float64
	}{
		{"whole pictures, distance 0", 0, 1, 1, 0.97},
		{"half of each, distance 10", 10, 0.5, 0.5, 0.88},
		{"a small rectangle: never likely", 0, 0.3, 1, LikelyScore - 0.05},
		{"distance 20", 20, 1, 1, nearExactScore(20) - 0.02},
		{"too far", MaxTrimDistance + 1, 1, 1, 0},
		{"no distance", -1, 1, 1, 0},
	}
	for _, tt := range tests {
		if got := TrimScore(tt.d, tt.qf, tt.af); got != tt.want {
			t.Errorf("%s: TrimScore(%d, %v, %v) = %v, want %v", tt.name, tt.d, tt.qf, tt.af, got, tt.want)
		}
	}
}

// TestScoreBands checks the calibration's promise on the curves: PDQ alone
// is sure only up to distance 10 and likely only up to 13; a verification
// is sure only with most keypoints agreeing.
func TestScoreBands(t *testing.T) {
	for d := 0; d <= MaxNearExactDistance; d++ {
		s := nearExactScore(d)
		if sure := s >= SureScore; sure != (d <= 10) {
			t.Errorf("distance %d: score %v, sure %v", d, s, sure)
		}
		if likely := s >= LikelyScore; likely != (d <= 13) {
			t.Errorf("distance %d: score %v, likely %v", d, s, likely)
		}
		if m := alignedColorScore(d, 1); (m >= SureScore) != (d <= alignedColorFarMaxDistance) {
			t.Errorf("distance %d: alignedColorScore %v (aligned pixels and colours can make a PDQ match sure up to distance %d)", d, m, alignedColorFarMaxDistance)
		}
	}
	// Beyond distance 10, the aligned pixels decide: sure from 0.997 (up
	// to distance 19; likely beyond), likely from 0.99, nothing more below.
	for _, tt := range []struct {
		d            int
		r            float64
		sure, likely bool
	}{
		{11, 0.999, true, true}, {19, 0.997, true, true}, {20, 0.999, false, true}, {31, 0.997, false, true}, {20, 0.996, false, true},
		{31, 0.99, false, true}, {20, 0.989, false, false}, {14, 0.5, false, false},
	} {
		s := max(nearExactScore(tt.d), alignedScore(tt.d, tt.r))
		if s >= SureScore != tt.sure || s >= LikelyScore != tt.likely {
			t.Errorf("distance %d, aligned %.3f: score %v, want sure %v likely %v", tt.d, tt.r, s, tt.sure, tt.likely)
		}
	}
	if s := alignedScore(5, 0.99); s != 0 {
		t.Errorf("alignedScore(5, 0.99) = %v: up to distance 10 only a sure correlation counts", s)
	}
	if s := alignedScore(0, 1); s != alignedSureHigh {
		t.Errorf("alignedScore(0, 1) = %v", s)
	}
	// With every cell agreeing, the inlier ratio sets the band; with one
	// cell in ten off (full correlation 0.96), only the first way to sure
	// is open.
	for r := 0.12; r <= 1; r += 0.01 {
		g := Geometry{Inliers: 100, InlierRatio: r, Coverage: 1, Correlation: 1, FullCorrelation: 1}
		s := FeatureScore(g)
		if s >= SureScore != (r >= sureInlierRatioB) {
			t.Errorf("ratio %.2f: score %v", r, s)
		}
		if s >= LikelyScore != (r >= likelyInlierRatio) {
			t.Errorf("ratio %.2f: score %v", r, s)
		}
		g.FullCorrelation = 0.96
		s = FeatureScore(g)
		if s >= SureScore != (r >= sureInlierRatio) || s >= LikelyScore != (r >= sureInlierRatio) {
			t.Errorf("ratio %.2f, full correlation 0.96: score %v", r, s)
		}
	}
}

func TestTrimAlignedScore(t *testing.T) {
	for _, tt := range []struct {
		r, qf, af, want float64
	}{
		{0.999, 0.6, 1, 0.93},
		{0.99, 0.6, 1, 0.7},
		{0.989, 0.6, 1, 0},
		{0.999, 0.3, 1, LikelyScore - 0.05}, // a small rectangle is never more than likely
	} {
		if got := trimAlignedScore(tt.r, tt.qf, tt.af); got != tt.want {
			t.Errorf("trimAlignedScore(%v, %v, %v) = %v, want %v", tt.r, tt.qf, tt.af, got, tt.want)
		}
	}
}

// TestJudgeInset: a picture found set inside the query is judged as a
// whole-picture PDQ match however small a share of the query it is, but
// only with its pixels and colours compared; the aligned veto and the
// colour cap hold.
func TestJudgeInset(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(2).String(), Quality: 100}}}
	al := func(r float64, off, cells int) *AlignedEvidence {
		return &AlignedEvidence{Correlation: r, Cells: 1024, ColorOff: float64(off) / 256, ColorCells: cells}
	}
	inset := func(d int, qf float64, quality int, aligned *AlignedEvidence) *TrimEvidence {
		return &TrimEvidence{Distance: d, QueryFraction: qf, AssetFraction: 1, QueryQuality: quality, AssetQuality: 100, Aligned: aligned}
	}
	for _, c := range []struct {
		name  string
		t     *TrimEvidence
		ok    bool
		score float64
	}{
		{"a fifth of the query, near", inset(2, 0.2, 100, al(0.999, 0, 256)), true, nearExactScore(2) - 0.02},
		{"a twentieth, far, pixels agree", inset(20, 0.05, 100, al(0.998, 0, 256)), true, 0.93},
		{"pixels likely", inset(20, 0.3, 100, al(0.992, 0, 256)), true, 0.7},
		{"no pixels compared", inset(0, 0.3, 100, nil), true, LikelyScore - 0.05},
		{"colours not compared", inset(0, 0.3, 100, al(0.999, 0, 0)), true, LikelyScore - 0.05},
		{"colours differ", inset(2, 0.3, 100, al(0.999, 5, 256)), true, colorDiffersScore},
		{"pixels disagree: vetoed", inset(2, 0.3, 100, al(0.8, 0, 256)), true, alignedVetoScore},
		{"too small a share", inset(0, MinInsetFraction-0.01, 100, al(0.999, 0, 256)), false, 0},
		{"flat inset", inset(0, 0.3, MinQuality-1, al(0.999, 0, 256)), false, 0},
		{"too far", inset(MaxTrimDistance+1, 0.3, 100, al(0.999, 0, 256)), false, 0},
	} {
		m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Inset: c.t})
		if ok != c.ok || (ok && (m.Score != c.score || m.Method != MethodInsetPDQ || m.QueryOverlap != round3(c.t.QueryFraction) || m.AssetOverlap != 1)) {
			t.Errorf("%s: ok %v, score %v by %s, overlaps %v/%v; want ok %v, %v by %s, %v/1", c.name, ok, m.Score, m.Method,
				m.QueryOverlap, m.AssetOverlap, c.ok, c.score, MethodInsetPDQ, c.t.QueryFraction)
		}
	}
}
