package match

import (
	"fmt"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// captionedPlain is the plain evidence of a copy under two lines of large
// letters: few keypoints agree (the letters draw their own), and a third
// of the cells differ. captionedLeft is the same verification with the
// letters left out: every cell they leave agrees, but the keypoints are
// still too few for captionedScore.
func captionedPlain() Geometry {
	return Geometry{Inliers: 9, InlierRatio: 0.09, Coverage: 0.4, Correlation: 0.93, FullCorrelation: 0.8,
		ColorCells: 256, ColorOff: 0.1, Cells: 1000, QueryOverlap: 1, AssetOverlap: 1,
		Occlusion: &Occlusion{Rect: Rect{0.1, 0.3, 0.9, 0.6}, Share: 0.3, Correlation: 0.999, Cells: 700, LumaOff: 150, ColorOff: 26}}
}

func captionedLeft() Geometry {
	return Geometry{Inliers: 9, InlierRatio: 0.15, Coverage: 0.4, Correlation: 1, FullCorrelation: 0.999,
		ColorCells: 190, Cells: 700, CaptionCells: 300, Hidden: 80, Agrees: true, QueryOverlap: 1, AssetOverlap: 1}
}

func TestCaptionAgrees(t *testing.T) {
	for _, c := range []struct {
		name  string
		mut   func(g *Geometry)
		agree bool
	}{
		{"every cell left agrees, few keypoints", nil, true},
		{"at the bounds", func(g *Geometry) {
			g.Cells, g.FullCorrelation, g.Correlation, g.QueryOverlap = captionAgreeCells, captionedFullCorrelation, sureCorrelation, wideOverlayQueryShare
		}, true},
		{"no caption cell", func(g *Geometry) { g.CaptionCells = 0 }, false},
		{"cells off", func(g *Geometry) {
			g.Agrees, g.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.63}, Share: 0.01, Correlation: 1, Cells: 690, LumaOff: 4}
		}, false},
		{"cells not judged", func(g *Geometry) { g.Agrees = false }, false},
		{"colours not compared", func(g *Geometry) { g.ColorCells = 0 }, false},
		{"a colour off", func(g *Geometry) { g.ColorOff = 0.005 }, false},
		{"too few cells left", func(g *Geometry) { g.Cells = captionAgreeCells - 1 }, false},
		{"full correlation low", func(g *Geometry) { g.FullCorrelation = captionedFullCorrelation - 0.001 }, false},
		{"trimmed correlation low", func(g *Geometry) { g.Correlation = sureCorrelation - 0.01 }, false},
		{"a part of the query", func(g *Geometry) { g.QueryOverlap = wideOverlayQueryShare - 0.01 }, false},
	} {
		g := captionedLeft()
		if c.mut != nil {
			c.mut(&g)
		}
		if got := captionAgrees(g); got != c.agree {
			t.Errorf("%s: captionAgrees %v, want %v", c.name, got, c.agree)
		}
	}
}

// TestJudgeCaptionAgrees: a verification whose captioned evidence agrees
// in every cell makes a weak match carrying it where the plain evidence
// makes none, and marks the plain match otherwise; a near-exact PDQ match
// is judged under the captions too.
func TestJudgeCaptionAgrees(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100}}
	a := &sleuth.Asset{ID: 1, Nid: "bafka"}
	g := captionedPlain()
	cg := captionedLeft()
	g.Captioned = &cg
	if s := FeatureScore(g); s != 0 {
		t.Fatalf("the plain evidence scores %v: the case no longer tests a copy it misses", s)
	}
	if s := captionedScore(g); s != 0 {
		t.Fatalf("captionedScore %v: the case no longer tests a copy it misses", s)
	}
	m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g})
	if !ok || m.Score != captionAgreeScore || m.captioned == nil || m.CaptionCells != 300 || m.Occlusion != nil || m.Inliers != 9 {
		t.Errorf("edited: %+v (%v), captioned %v", m, ok, m.captioned)
	}
	// Cells off under the captions too: no match, as before.
	off := cg
	off.Agrees, off.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.6, 0.5, 0.7}, Share: 0.04, Correlation: 1, Cells: 690, LumaOff: 20}
	g.Captioned = &off
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g}); ok {
		t.Errorf("cells off under the captions: %+v", m)
	}
	// A near-exact PDQ match keeps its own evidence and score, marked.
	pa := &sleuth.Asset{ID: 2, Nid: "bafkp", Perceptual: []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: pdqWithBits(20).String(), Quality: 100}}}
	g.Captioned = &cg
	m, ok = Judge(q, Candidate{Asset: pa, PDQDistance: 20, Geometry: &g})
	if !ok || m.Tier != TierNearExact || m.Score >= SureScore || m.captioned == nil || m.CaptionCells != 0 {
		t.Errorf("near-exact: %+v (%v), captioned %v", m, ok, m.captioned)
	}
	// And is sure when the captioned evidence is (captionedScore), which
	// the near-exact path did not ask before.
	sure := cg
	sure.Inliers, sure.InlierRatio, sure.Coverage = 60, 0.6, 0.9
	g.Captioned = &sure
	m, ok = Judge(q, Candidate{Asset: pa, PDQDistance: 20, Geometry: &g})
	if !ok || m.Score < SureScore || m.CaptionCells != 300 || m.captioned != nil {
		t.Errorf("near-exact, sure under the captions: %+v (%v)", m, ok)
	}
}

// TestResolveCaptionAgrees: a match whose captioned evidence agrees is
// lifted as an agreeing copy when no other asset competes, or one weak
// one that does not agree itself, and then reports that evidence.
func TestResolveCaptionAgrees(t *testing.T) {
	agreeing := func(nid string, flips int, score float64) Match {
		cg := captionedLeft()
		m := featuresMatch(pdqAsset(nid, flips), score, captionedPlain())
		m.captioned = &cg
		return m
	}
	weak := func(nid string, flips int) Match {
		r := 0.999
		return Match{Asset: pdqAsset(nid, flips), Tier: TierNearExact, Score: weakRivalScore - 0.01, Fingerprint: ByPDQ, AlignedCorrelation: &r}
	}
	for _, tt := range []struct {
		name string
		ms   []Match
		want []float64
		lift bool
	}{
		{"alone", []Match{agreeing("a", 0, captionAgreeScore)}, []float64{SureScore}, true},
		{"alone, colour-capped", []Match{agreeing("a", 0, colorDiffersScore)}, []float64{SureScore}, true},
		{"one weak rival", []Match{agreeing("a", 0, captionAgreeScore), weak("b", 40)}, []float64{SureScore, weakRivalScore - 0.01}, true},
		{"two weak rivals", []Match{agreeing("a", 0, captionAgreeScore), weak("b", 40), weak("c", 80)},
			[]float64{captionAgreeScore, weakRivalScore - 0.01, weakRivalScore - 0.01}, false},
		{"a rival agreeing under the captions too", []Match{agreeing("a", 0, captionAgreeScore), agreeing("b", 40, 0.4)},
			[]float64{captionAgreeScore, 0.4}, false},
		{"a rival above the weak band", []Match{agreeing("a", 0, captionAgreeScore), func() Match { m := weak("b", 40); m.Score = 0.6; return m }()},
			[]float64{captionAgreeScore, 0.6}, false},
		{"the same work registered twice", []Match{agreeing("a", 0, captionAgreeScore), agreeing("a2", 2, captionAgreeScore)},
			[]float64{SureScore, SureScore}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			Resolve(tt.ms)
			for i, w := range tt.want {
				if got := tt.ms[i].Score; got != w {
					t.Errorf("match %d: score %v, want %v", i, got, w)
				}
			}
			m := tt.ms[0]
			if tt.lift {
				if m.Alone != AloneAgrees || m.CaptionCells != 300 || m.Occlusion != nil || m.InlierRatio != 0.15 || *m.FullCorrelation != 0.999 {
					t.Errorf("lifted: %+v, want the captioned evidence reported", m)
				}
			} else if m.Alone != "" || m.CaptionCells != 0 || m.Occlusion == nil {
				t.Errorf("not lifted: %+v, want the plain evidence reported", m)
			}
		})
	}
	// Many weak rivals (a template's siblings, whose differing part the
	// captions may hide) keep it where it was.
	ms := []Match{agreeing("a", 0, captionAgreeScore)}
	for k := range 8 {
		ms = append(ms, weak(fmt.Sprint("w", k), 12*(k+2)))
	}
	Resolve(ms)
	if ms[0].Score != captionAgreeScore {
		t.Errorf("beside 8 weak rivals: %v", ms[0].Score)
	}
}
