package match

import (
	"fmt"
	"math"
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
	// Two lines of letters across the middle of the picture.
	caps := []fingerprint.CaptionRect{{X0: 0.1, Y0: 0.3, X1: 0.9, Y1: 0.42}, {X0: 0.2, Y0: 0.48, X1: 0.8, Y1: 0.6}}
	beside := func(r Rect) func(g *Geometry) {
		return func(g *Geometry) {
			g.Agrees, g.ColorOff, g.FullCorrelation = false, 0.02, 0.98
			g.Occlusion = &Occlusion{Rect: r, Share: 0.05, Correlation: 0.999, Cells: 660, LumaOff: 30, ColorOff: 4, Density: 0.6}
		}
	}
	m := captionBesideMargin
	for _, c := range []struct {
		name  string
		mut   func(g *Geometry)
		caps  []fingerprint.CaptionRect
		agree bool
	}{
		{"every cell left agrees, few keypoints", nil, caps, true},
		{"at the bounds", func(g *Geometry) {
			g.Cells, g.FullCorrelation, g.Correlation, g.QueryOverlap = captionAgreeCells, captionedFullCorrelation, sureCorrelation, wideOverlayQueryShare
		}, caps, true},
		{"no caption found", nil, nil, false},
		{"no caption cell", func(g *Geometry) { g.CaptionCells = 0 }, caps, false},
		{"cells not judged", func(g *Geometry) { g.Agrees = false }, caps, false},
		{"colours not compared", func(g *Geometry) { g.ColorCells = 0 }, caps, false},
		{"a colour off, no rectangle", func(g *Geometry) { g.ColorOff = 0.005 }, caps, false},
		{"too few cells left", func(g *Geometry) { g.Cells = captionAgreeCells - 1 }, caps, false},
		{"full correlation low", func(g *Geometry) { g.FullCorrelation = captionedFullCorrelation - 0.001 }, caps, false},
		{"trimmed correlation low", func(g *Geometry) { g.Correlation = sureCorrelation - 0.01 }, caps, false},
		{"a part of the query", func(g *Geometry) { g.QueryOverlap = wideOverlayQueryShare - 0.01 }, caps, false},
		{"cells off between the lines", beside(Rect{0.3, 0.4, 0.6, 0.5}), caps, true},
		{"cells off above the first line, at the margin", beside(Rect{0.1 - m, 0.3 - m, 0.5, 0.35}), caps, true},
		{"cells off past the margin", beside(Rect{0.1 - m - 0.01, 0.3 - m, 0.5, 0.35}), caps, false},
		{"cells off far from the letters", beside(Rect{0.3, 0.7, 0.5, 0.8}), caps, false},
		{"cells off in too large a rectangle", func(g *Geometry) {
			beside(Rect{0.1, 0.25, 0.9, 0.65})(g)
			g.Occlusion.Share = captionBesideShare + 0.01
		}, caps, false},
		{"cells off, the rest disagreeing", func(g *Geometry) {
			beside(Rect{0.3, 0.4, 0.6, 0.5})(g)
			g.Occlusion.Correlation = occludedCorrelation - 0.001
		}, caps, false},
		{"cells off, the rest too small", func(g *Geometry) {
			beside(Rect{0.3, 0.4, 0.6, 0.5})(g)
			g.Occlusion.Cells = minCells - 1
		}, caps, false},
	} {
		g := captionedLeft()
		if c.mut != nil {
			c.mut(&g)
		}
		if got := captionAgrees(g, c.caps, func(r Rect) Rect { return r }); got != c.agree {
			t.Errorf("%s: captionAgrees %v, want %v", c.name, got, c.agree)
		}
	}
}

func TestRectToQuery(t *testing.T) {
	r := Rect{0.25, 0.5, 0.5, 1}
	for _, c := range []struct {
		name string
		t    Transform
		want Rect
	}{
		{"identity", Transform{Scale: 1}, r},
		{"halved into a border", Transform{Scale: 0.5, OffsetX: 100, OffsetY: 50}, Rect{0.375, 0.375, 0.5, 0.625}},
		{"a quarter turn", Transform{Scale: 1, RotationDeg: 90, OffsetX: 400}, Rect{0, 0.25, 0.5, 0.5}},
	} {
		got := c.t.rectToQuery(r, 400, 400, 400, 400)
		if math.Abs(got.X0-c.want.X0) > 1e-9 || math.Abs(got.Y0-c.want.Y0) > 1e-9 || math.Abs(got.X1-c.want.X1) > 1e-9 || math.Abs(got.Y1-c.want.Y1) > 1e-9 {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := (Transform{Scale: 1}).rectToQuery(r, 0, 400, 400, 400); got != r {
		t.Errorf("no asset size: %+v", got)
	}
}

// TestJudgeCaptionAgrees: a verification whose captioned evidence agrees
// in every cell makes a weak match carrying it where the plain evidence
// makes none, and marks the plain match otherwise; a near-exact PDQ match
// is judged under the captions too.
func TestJudgeCaptionAgrees(t *testing.T) {
	q := Query{Exact: fingerprint.Exact{Nid: "bafkq"}, Pixels: &fingerprint.Pixels{PDQ: pdqWithBits(0), PDQQuality: 100,
		Features: &fingerprint.Features{Captions: []fingerprint.CaptionRect{{X0: 0.1, Y0: 0.3, X1: 0.9, Y1: 0.6}}}}}
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
	// Cells off far from the captions: no match, as before.
	off := cg
	off.Agrees, off.Occlusion = false, &Occlusion{Rect: Rect{0.1, 0.8, 0.5, 0.9}, Share: 0.04, Correlation: 1, Cells: 690, LumaOff: 20}
	g.Captioned = &off
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g}); ok {
		t.Errorf("cells off far from the captions: %+v", m)
	}
	// Cells off beside them (the letters' tops): a match.
	near := off
	near.Occlusion = &Occlusion{Rect: Rect{0.1, 0.25, 0.5, 0.35}, Share: 0.04, Correlation: 1, Cells: 690, LumaOff: 20, ColorOff: 3}
	g.Captioned = &near
	if m, ok := Judge(q, Candidate{Asset: a, PDQDistance: -1, Geometry: &g}); !ok || m.captioned == nil || m.Occlusion == nil || m.CaptionCells != 300 {
		t.Errorf("cells off beside the captions: %+v (%v)", m, ok)
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
	// A copy under a solid overlay that agrees under the captions too
	// keeps the overlay rule's lift, which takes more weak rivals.
	solid := overlaid(pdqAsset("s", 0))
	solid.Occlusion.Density = 0.8
	cg := captionedLeft()
	solid.captioned = &cg
	ms := []Match{solid, weak("b", 40), weak("c", 80), weak("d", 120)}
	Resolve(ms)
	if ms[0].Score != SureScore || ms[0].Alone != AloneOverlay || ms[0].CaptionCells != 0 {
		t.Errorf("solid overlay agreeing under the captions beside 3 weak rivals: %+v", ms[0])
	}
	// Many weak rivals (a template's siblings, whose differing part the
	// captions may hide) keep it where it was.
	ms = []Match{agreeing("a", 0, captionAgreeScore)}
	for k := range 8 {
		ms = append(ms, weak(fmt.Sprint("w", k), 12*(k+2)))
	}
	Resolve(ms)
	if ms[0].Score != captionAgreeScore {
		t.Errorf("beside 8 weak rivals: %v", ms[0].Score)
	}
}
