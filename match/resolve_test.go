package match

import (
	"fmt"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// pdqAsset is an asset named nid whose PDQ hash has the first flips bits
// set (so two such assets are |a-b| bits apart); flips < 0 leaves it
// without a PDQ.
func pdqAsset(nid string, flips int) *sleuth.Asset {
	a := &sleuth.Asset{Nid: nid}
	if flips >= 0 {
		var h fingerprint.PDQ
		for i := 0; i < flips; i++ {
			h[i/8] |= 1 << (i % 8)
		}
		a.Perceptual = []sleuth.Perceptual{{Kind: sleuth.KindPDQ, Hash: h.String()}}
	}
	return a
}

// overlaid is a local-features match that passes the overlay rule, scored
// as Judge leaves such matches (its colours differ).
func overlaid(a *sleuth.Asset) Match {
	c := 1.0
	return Match{Asset: a, Tier: TierEdited, Score: 0.5, Method: MethodLocalFeatures,
		QueryOverlap: 1, AssetOverlap: 1, Inliers: 120, InlierRatio: 0.7, GuidedInlierRatio: 0.8,
		Coverage: 0.95, Correlation: &c,
		Occlusion: &Occlusion{Share: 0.08, Correlation: 0.999, Cells: 900, LumaOff: 40, ColorOff: 12}}
}

func TestOverlayScore(t *testing.T) {
	// stampAt makes the rectangle a stamp's (stamp), moved to r.
	stampAt := func(r Rect) func(*Match) {
		return func(m *Match) { stamp(m.Occlusion); m.Occlusion.Rect = r }
	}
	for _, tt := range []struct {
		name string
		edit func(*Match)
		want float64
	}{
		{"passes", func(*Match) {}, overlayLiftScore},
		{"no occlusion", func(m *Match) { m.Occlusion = nil }, 0},
		{"pixels not compared", func(m *Match) { m.Correlation = nil }, 0},
		{"rectangle too large", func(m *Match) { m.Occlusion.Share = 0.31 }, 0},
		{"rectangle at the bound", func(m *Match) { m.Occlusion.Share = overlayMaxShare }, overlayLiftScore},
		{"solid rectangle: sure", func(m *Match) { m.Occlusion.Density = overlaySureDensity }, SureScore},
		{"rectangle not quite solid", func(m *Match) { m.Occlusion.Density = 0.49 }, overlayLiftScore},
		{"solid, but the rest disagrees", func(m *Match) { m.Occlusion.Density, m.Occlusion.Correlation = 0.9, 0.99 }, 0},
		{"stamp in a corner: sure", func(m *Match) { stamp(m.Occlusion) }, SureScore},
		{"stamp in each corner: sure", stampAt(Rect{X0: 0.8125, Y0: 0.84375, X1: 0.96875, Y1: 1}), SureScore},
		{"stamp two cells from the edges: sure", stampAt(Rect{X0: 0.0625, Y0: 0.0625, X1: 0.25, Y1: 0.25}), SureScore},
		{"stamp three cells from an edge: not a stamp", stampAt(Rect{X0: 0.09375, Y0: 0, X1: 0.25, Y1: 0.1875}), overlayLiftScore},
		{"stamp along one edge only: not a stamp", stampAt(Rect{X0: 0.375, Y0: 0, X1: 0.5625, Y1: 0.1875}), overlayLiftScore},
		{"stamp inside the picture: not a stamp", stampAt(Rect{X0: 0.375, Y0: 0.125, X1: 0.59375, Y1: 0.40625}), overlayLiftScore},
		{"stamp too sparse", func(m *Match) { stamp(m.Occlusion); m.Occlusion.Density = stampDensity - 0.01 }, overlayLiftScore},
		{"stamp too large", func(m *Match) { stamp(m.Occlusion); m.Occlusion.Share = stampMaxShare + 0.01 }, overlayLiftScore},
		{"empty rectangle: not a stamp", stampAt(Rect{}), overlayLiftScore},
		{"rest disagrees", func(m *Match) { m.Occlusion.Correlation = 0.99 }, 0},
		{"too few cells outside", func(m *Match) { m.Occlusion.Cells = minCells - 1 }, 0},
		{"few inliers", func(m *Match) { m.Inliers = sureInliers - 1 }, 0},
		{"low inlier ratio", func(m *Match) { m.InlierRatio = 0.49 }, 0},
		{"low guided ratio", func(m *Match) { m.GuidedInlierRatio = 0.59 }, 0},
		{"low coverage", func(m *Match) { m.Coverage = 0.4 }, 0},
		{"low correlation", func(m *Match) { c := 0.94; m.Correlation = &c }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := overlaid(pdqAsset("a", 0))
			o := *m.Occlusion
			m.Occlusion = &o
			tt.edit(&m)
			if got, wide := m.overlayScore(); got != tt.want || wide {
				t.Errorf("overlayScore = %v, %v, want %v, false", got, wide, tt.want)
			}
		})
	}
}

// stamp makes o a logo's rectangle in the asset's top left corner, a
// little under half of its cells off (as cornerStamp takes it).
func stamp(o *Occlusion) {
	o.Rect = Rect{X0: 0, Y0: 0.03125, X1: 0.1875, Y1: 0.1875}
	o.Share, o.Density = 0.03, 0.4
}

// stampedFew is a small drawing under a logo in its corner: few of its
// keypoints pass the ratio test, but they come back where they were.
func stampedFew(a *sleuth.Asset) Match {
	m := overlaid(a)
	stamp(m.Occlusion)
	m.Inliers, m.InlierRatio, m.GuidedInlierRatio, m.Coverage = 14, 0.2, 0.9, 0.45
	return m
}

func TestStampScore(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Match)
		want float64
	}{
		{"passes", func(*Match) {}, SureScore},
		{"at the bounds", func(m *Match) {
			m.Inliers, m.InlierRatio, m.GuidedInlierRatio, m.Coverage = stampInliers, stampInlierRatio, overlayGuidedRatio, stampCoverage
		}, SureScore},
		{"not in a corner", func(m *Match) { m.Occlusion.Rect = Rect{X0: 0.375, Y0: 0, X1: 0.5625, Y1: 0.1875} }, 0},
		{"no occlusion", func(m *Match) { m.Occlusion = nil }, 0},
		{"pixels not compared", func(m *Match) { m.Correlation = nil }, 0},
		{"rest disagrees", func(m *Match) { m.Occlusion.Correlation = 0.99 }, 0},
		{"low correlation", func(m *Match) { c := 0.94; m.Correlation = &c }, 0},
		{"too few inliers", func(m *Match) { m.Inliers = stampInliers - 1 }, 0},
		{"inlier ratio too low", func(m *Match) { m.InlierRatio = stampInlierRatio - 0.01 }, 0},
		{"keypoints not found again", func(m *Match) { m.GuidedInlierRatio = overlayGuidedRatio - 0.01 }, 0},
		{"low coverage", func(m *Match) { m.Coverage = stampCoverage - 0.01 }, 0},
		{"a small part of the query", func(m *Match) { m.QueryOverlap = 0.5 }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := stampedFew(pdqAsset("a", 0))
			tt.edit(&m)
			if got := m.stampScore(); got != tt.want {
				t.Errorf("stampScore = %v, want %v", got, tt.want)
			}
			if got, _ := m.overlayScore(); got != 0 && m.Occlusion != nil && m.InlierRatio < overlayInlierRatio {
				t.Errorf("overlayScore = %v for an inlier ratio of %v, want 0", got, m.InlierRatio)
			}
		})
	}
}

// alignedOverlaid is a near-exact PDQ match whose aligned comparison
// found every differing cell in one rectangle, the rest agreeing: a copy
// under a caption, capped by its colours (capByColor).
func alignedOverlaid(a *sleuth.Asset) Match {
	r := 0.99
	return Match{Asset: a, Tier: TierNearExact, Score: colorDiffersScore, Fingerprint: ByPDQ, Distance: 24,
		AlignedCorrelation: &r, Occlusion: &Occlusion{Share: 0.12, Correlation: 0.999, Cells: 800, LumaOff: 40, ColorOff: 9, Density: 0.4}}
}

func TestAlignedOverlayScore(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Match)
		want float64
	}{
		{"passes", func(*Match) {}, SureScore},
		{"flat picture, pHash agreeing", func(m *Match) { m.Fingerprint = ByPDQPHash }, SureScore},
		{"no occlusion", func(m *Match) { m.Occlusion = nil }, 0},
		{"rectangle at the bound", func(m *Match) { m.Occlusion.Share = overlayMaxShare }, SureScore},
		{"rectangle too large", func(m *Match) { m.Occlusion.Share = 0.31 }, 0},
		{"rest disagrees", func(m *Match) { m.Occlusion.Correlation = 0.997 }, 0},
		{"too few cells outside", func(m *Match) { m.Occlusion.Cells = minCells - 1 }, 0},
		{"edited tier", func(m *Match) { m.Tier = TierEdited }, 0},
		{"trimmed PDQ", func(m *Match) { m.Tier, m.Fingerprint, m.Method = TierEdited, MethodTrimmedPDQ, MethodTrimmedPDQ }, SureScore},
		{"pixels aligned without a hash", func(m *Match) { m.Tier, m.Fingerprint, m.Method = TierEdited, MethodAlignedPixels, MethodAlignedPixels }, 0},
		{"local features", func(m *Match) { m.Tier, m.Fingerprint, m.Method = TierEdited, MethodLocalFeatures, MethodLocalFeatures }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := alignedOverlaid(pdqAsset("a", 0))
			o := *m.Occlusion
			m.Occlusion = &o
			tt.edit(&m)
			if got := m.alignedOverlayScore(); got != tt.want {
				t.Errorf("alignedOverlayScore = %v, want %v", got, tt.want)
			}
		})
	}
}

// wideOverlaid is a local-features match under two lines of large text:
// a solid rectangle over a third of the picture, few keypoints agreeing
// by the ratio test, most found again at their place.
func wideOverlaid(a *sleuth.Asset) Match {
	m := overlaid(a)
	m.Inliers, m.InlierRatio, m.GuidedInlierRatio = 60, 0.35, 0.65
	m.Occlusion.Share, m.Occlusion.Density = 0.33, 0.55
	m.Occlusion.Rect = Rect{X0: 0.05, Y0: 0.3, X1: 0.95, Y1: 0.67} // two lines across
	return m
}

func TestWideOverlayScore(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Match)
		want float64
		wide bool
	}{
		{"passes", func(*Match) {}, SureScore, true},
		{"narrow form first", func(m *Match) { m.Occlusion.Share, m.InlierRatio = 0.3, 0.5 }, SureScore, false},
		{"rectangle at the bound", func(m *Match) { m.Occlusion.Share = wideOverlayMaxShare }, SureScore, true},
		{"rectangle too large", func(m *Match) { m.Occlusion.Share = 0.36 }, 0, false},
		{"rectangle at the least share", func(m *Match) { m.Occlusion.Share = wideOverlayMinShare }, SureScore, true},
		{"solid small rectangle", func(m *Match) { m.Occlusion.Share = 0.03 }, SureScore, true},
		{"letters: rectangle too small", func(m *Match) { m.Occlusion.Share, m.Occlusion.Density = 0.05, 0.45 }, 0, false},
		{"letters: density at the bound", func(m *Match) { m.Occlusion.Density = wideOverlayDensity }, SureScore, true},
		{"letters: guided ratio under the solid bound", func(m *Match) { m.GuidedInlierRatio = 0.45 }, SureScore, true},
		{"solid: guided ratio low, rectangle too small for letters", func(m *Match) {
			m.Occlusion.Share, m.GuidedInlierRatio = 0.05, 0.45
		}, 0, false},
		{"letters under the plain form's inlier ratio, a rectangle not wide: sure", func(m *Match) {
			m.Occlusion.Density, m.Occlusion.Rect.X1 = 0.45, 0.2
		}, SureScore, true},
		{"plain form passed, letters not wide: the plain lift", func(m *Match) {
			m.Occlusion.Density, m.Occlusion.Share, m.InlierRatio = 0.45, 0.2, 0.6
			m.Occlusion.Rect.X1 = 0.05 + 0.37*(lettersMinAspect-0.01)
		}, overlayLiftScore, false},
		{"plain form passed, letters wide enough: sure", func(m *Match) {
			m.Occlusion.Density, m.Occlusion.Share, m.InlierRatio = 0.45, 0.2, 0.6
			m.Occlusion.Rect.X1 = 0.05 + 0.37*(lettersMinAspect+0.01)
		}, SureScore, true},
		{"plain form passed, letters wide in the asset's pixels, not in fractions", func(m *Match) {
			m.Asset.Width, m.Asset.Height = 200, 100
			m.Occlusion.Density, m.Occlusion.Share, m.InlierRatio = 0.45, 0.2, 0.6
			m.Occlusion.Rect.X1 = 0.05 + 0.37*1.05
		}, SureScore, true},
		{"plain form passed, letters across the picture: sure", func(m *Match) {
			m.Occlusion.Density, m.Occlusion.Share, m.InlierRatio = 0.45, 0.2, 0.6
		}, SureScore, true},
		{"plain form passed, letters sparse: the plain lift", func(m *Match) {
			m.Occlusion.Density, m.Occlusion.Share, m.InlierRatio = wideOverlayDensity-0.01, 0.2, 0.6
		}, overlayLiftScore, false},
		{"rectangle sparse", func(m *Match) { m.Occlusion.Density = 0.29 }, 0, false},
		{"rest disagrees", func(m *Match) { m.Occlusion.Correlation = 0.997 }, 0, false},
		{"few inliers", func(m *Match) { m.Inliers = wideOverlayInliers - 1 }, 0, false},
		{"inlier ratio at the bound", func(m *Match) { m.InlierRatio = wideOverlayInlierRatio }, SureScore, true},
		{"inlier ratio low", func(m *Match) { m.InlierRatio = 0.19 }, 0, false},
		{"guided ratio at the bound", func(m *Match) { m.GuidedInlierRatio = wideOverlayGuidedRatio }, SureScore, true},
		{"guided ratio low", func(m *Match) { m.GuidedInlierRatio = 0.29 }, 0, false},
		{"low coverage", func(m *Match) { m.Coverage = 0.49 }, 0, false},
		{"a picture set in a larger one", func(m *Match) { m.QueryOverlap = 0.59 }, 0, false},
		{"query share at the bound", func(m *Match) { m.QueryOverlap = wideOverlayQueryShare }, SureScore, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := wideOverlaid(pdqAsset("a", 0))
			o := *m.Occlusion
			m.Occlusion = &o
			tt.edit(&m)
			if got, wide := m.overlayScore(); got != tt.want || wide != tt.wide {
				t.Errorf("overlayScore = %v, %v, want %v, %v", got, wide, tt.want, tt.wide)
			}
		})
	}
}

// agreeing is a local-features match whose pixels and colours agree in
// every cell but with few keypoints found again, scored as FeatureScore
// leaves it.
func agreeing(a *sleuth.Asset) Match {
	c, f, off := 1.0, 0.999, 0.0
	return Match{Asset: a, Tier: TierEdited, Score: 0.48, Method: MethodLocalFeatures,
		QueryOverlap: 0.3, AssetOverlap: 1, Inliers: 40, InlierRatio: 0.22, GuidedInlierRatio: 0.45,
		Coverage: 0.8, Correlation: &c, FullCorrelation: &f, ColorOff: &off}
}

func TestAgreeScore(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*Match)
		want float64
	}{
		{"passes", func(*Match) {}, SureScore},
		{"a few cells off", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.004, LumaOff: agreeMaxLumaOff, Density: 0.75, Correlation: 0.999, Cells: 1000}
		}, SureScore},
		{"one cell more off", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.008, LumaOff: agreeMaxLumaOff + 1, Density: 0.5, Correlation: 0.999, Cells: 1000}
		}, 0},
		{"a colour cell off in the rectangle", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.016, LumaOff: 1, ColorOff: 1, Density: 0.06, Correlation: 0.999, Cells: 1000}
		}, 0},
		{"a cell off, the rest disagreeing", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.001, LumaOff: 1, Density: 1, Correlation: 0.997, Cells: 1000}
		}, 0},
		{"two cells off at opposite corners: sparse", func(m *Match) { m.Occlusion = &Occlusion{Share: 1, LumaOff: 2, Density: 0.002, Correlation: -1} }, SureScore},
		{"a few cells off, full correlation low", func(m *Match) {
			f := 0.997
			m.FullCorrelation = &f
			m.Occlusion = &Occlusion{Share: 0.002, LumaOff: 1, Density: 0.5, Correlation: 0.999, Cells: 1000}
		}, 0},
		{"sparse cells off (a turned copy)", func(m *Match) {
			f := agreeSparseCorrelation
			m.FullCorrelation = &f
			m.Occlusion = &Occlusion{Share: 0.5, LumaOff: 50, Density: agreeSparseDensity, Correlation: agreeSparseCorrelation, Cells: 500}
		}, SureScore},
		{"sparse cells off everywhere", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 1, LumaOff: 100, Density: 0.1, Correlation: -1}
		}, SureScore},
		{"sparse cells off, full correlation low", func(m *Match) {
			f := 0.989
			m.FullCorrelation = &f
			m.Occlusion = &Occlusion{Share: 1, LumaOff: 100, Density: 0.1, Correlation: -1}
		}, 0},
		{"sparse cells off, the rest disagreeing", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.5, LumaOff: 50, Density: 0.1, Correlation: 0.989, Cells: 500}
		}, 0},
		{"cells off in a patch", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.1, LumaOff: 21, Density: 0.21, Correlation: 0.999, Cells: 900}
		}, 0},
		{"sparse cells off, a colour cell too", func(m *Match) {
			m.Occlusion = &Occlusion{Share: 0.5, LumaOff: 50, ColorOff: 1, Density: 0.1, Correlation: 0.999, Cells: 500}
		}, 0},
		{"colours not compared", func(m *Match) { m.ColorOff = nil }, 0},
		{"a colour cell off", func(m *Match) { c := 0.004; m.ColorOff = &c }, 0},
		{"pixels not compared", func(m *Match) { m.Correlation, m.FullCorrelation = nil, nil }, 0},
		{"full correlation low", func(m *Match) { f := agreeSparseCorrelation - 0.001; m.FullCorrelation = &f }, 0},
		{"no cell off, full correlation of a resampled copy", func(m *Match) { f := agreeSparseCorrelation; m.FullCorrelation = &f }, SureScore},
		{"trimmed correlation low", func(m *Match) { c := 0.94; m.Correlation = &c }, 0},
		{"few inliers", func(m *Match) { m.Inliers = MinInliers - 1 }, 0},
		{"inliers at the bound", func(m *Match) { m.Inliers = MinInliers }, SureScore},
		{"coverage under the sure bound", func(m *Match) { m.Coverage = 0.35 }, SureScore},
		{"coverage at the bound", func(m *Match) { m.Coverage = MinCoverage }, SureScore},
		{"low coverage", func(m *Match) { m.Coverage = 0.29 }, 0},
		{"low guided ratio", func(m *Match) { m.GuidedInlierRatio = 0.19 }, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := agreeing(pdqAsset("a", 0))
			tt.edit(&m)
			if got := m.agreeScore(); got != tt.want {
				t.Errorf("agreeScore = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	// pdq is a PDQ match whose aligned pixels agree in every cell, off
	// the same with some cells off.
	pdq := func(a *sleuth.Asset, score float64) Match {
		r := 0.999
		return Match{Asset: a, Tier: TierNearExact, Score: score, Fingerprint: ByPDQ, AlignedCorrelation: &r}
	}
	off := func(m Match) Match {
		m.Occlusion = &Occlusion{Share: 0.05, Correlation: 0.999, Cells: 900, LumaOff: 12}
		return m
	}
	part := func(m Match, share float64) Match { m.QueryOverlap = share; return m }
	// solid is an overlaid copy under a solid rectangle; weak returns n
	// weak rivals (distinct works: PDQ hashes far apart), weakWant what
	// Resolve leaves them.
	solid := func(a *sleuth.Asset) Match { m := overlaid(a); m.Occlusion.Density = 0.8; return m }
	stamped := func(a *sleuth.Asset) Match { m := overlaid(a); stamp(m.Occlusion); return m }
	weak := func(n int) []Match {
		var ms []Match
		for k := range n {
			ms = append(ms, pdq(pdqAsset(fmt.Sprint("w", k), 12*(k+2)), weakRivalScore-0.01))
		}
		return ms
	}
	// fainter returns n weak rivals of a wide overlay that each differ
	// from the query in a rectangle wideRivalShareFactor times as wide
	// (the overlay's, wideOverlaid: a third of the cells, 40 luma cells
	// off), with fewer inliers and as many cells off.
	fainter := func(n int) []Match {
		ms := weak(n)
		for k := range ms {
			ms[k].Inliers = 40
			ms[k].Occlusion = &Occlusion{Share: 0.33 * wideRivalShareFactor, Correlation: 0.95, Cells: 900, LumaOff: 40, Density: 0.2}
		}
		return ms
	}
	type want struct {
		score       float64
		alone       string
		outscoredBy string
	}
	weakWant := func(n int) []want {
		ws := make([]want, n)
		for k := range ws {
			ws[k].score = weakRivalScore - 0.01
		}
		return ws
	}
	// letters is a copy under a caption that passes the plain form of the
	// overlay rule and the lines of letters of its wide form.
	letters := func(a *sleuth.Asset) Match {
		m := wideOverlaid(a)
		m.InlierRatio, m.Occlusion.Share, m.Occlusion.Density = 0.6, 0.15, 0.4
		return m
	}
	for _, tt := range []struct {
		name string
		ms   []Match
		want []want
	}{
		{"alone, overlaid: lifted", []Match{overlaid(pdqAsset("a", 0))},
			[]want{{overlayLiftScore, AloneOverlay, ""}}},
		{"two siblings match too: not lifted", []Match{overlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), 0.3), pdq(pdqAsset("c", 80), 0.3)},
			[]want{{0.5, "", ""}, {0.3, "", ""}, {0.3, "", ""}}},
		{"one weak rival: lifted", []Match{overlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore)},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {weakRivalScore, "", ""}}},
		{"one weak rival overlaid itself: neither lifted", []Match{overlaid(pdqAsset("a", 0)), overlaid(pdqAsset("b", 40))},
			[]want{{0.5, "", ""}, {0.5, "", ""}}},
		{"two weak rivals: not lifted", []Match{overlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), 0.4), pdq(pdqAsset("c", 80), 0.4)},
			[]want{{0.5, "", ""}, {0.4, "", ""}, {0.4, "", ""}}},
		{"solid, weak rivals not overlaid: sure", append([]Match{solid(pdqAsset("a", 0))}, weak(maxWeakRivals)...),
			append([]want{{SureScore, AloneOverlay, ""}}, weakWant(maxWeakRivals)...)},
		{"solid, too many weak rivals: not lifted", append([]Match{solid(pdqAsset("a", 0))}, weak(maxWeakRivals+1)...),
			append([]want{{0.5, "", ""}}, weakWant(maxWeakRivals+1)...)},
		{"stamp, alone: sure", []Match{stamped(pdqAsset("a", 0))},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"stamp, many weak rivals not overlaid: sure", append([]Match{stamped(pdqAsset("a", 0))}, weak(2*maxWeakRivals)...),
			append([]want{{SureScore, AloneOverlay, ""}}, weakWant(2*maxWeakRivals)...)},
		{"stamp, a weak rival overlaid itself: not lifted", append([]Match{stamped(pdqAsset("a", 0)), overlaid(pdqAsset("b", 250))}, weak(3)...),
			append([]want{{0.5, "", ""}, {0.5, "", ""}}, weakWant(3)...)},
		{"stamp, a rival above the weak band: not lifted", []Match{stamped(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore+0.01)},
			[]want{{0.5, "", ""}, {weakRivalScore + 0.01, "", ""}}},
		{"stamp, few keypoints, alone: sure", []Match{stampedFew(pdqAsset("a", 0))},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"stamp, few keypoints, one weak rival: sure", []Match{stampedFew(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore)},
			[]want{{SureScore, AloneOverlay, ""}, {weakRivalScore, "", ""}}},
		{"stamp, few keypoints, two weak rivals: not lifted", append([]Match{stampedFew(pdqAsset("a", 0))}, weak(2)...),
			append([]want{{0.5, "", ""}}, weakWant(2)...)},
		{"stamp, few keypoints, one weak rival stamped itself: neither lifted", []Match{stampedFew(pdqAsset("a", 0)),
			func() Match { m := stampedFew(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{0.5, "", ""}, {0.4, "", ""}}},
		{"solid inside the picture, many weak rivals: not lifted", append([]Match{func() Match {
			m := solid(pdqAsset("a", 0))
			m.Occlusion.Rect = Rect{X0: 0.375, Y0: 0.125, X1: 0.59375, Y1: 0.40625}
			return m
		}()}, weak(2*maxWeakRivals)...),
			append([]want{{0.5, "", ""}}, weakWant(2*maxWeakRivals)...)},
		{"solid, a weak rival overlaid itself: not lifted", []Match{solid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), 0.4), overlaid(pdqAsset("c", 80))},
			[]want{{0.5, "", ""}, {0.4, "", ""}, {0.5, "", ""}}},
		{"one rival above the weak band: not lifted", []Match{overlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore+0.01)},
			[]want{{0.5, "", ""}, {weakRivalScore + 0.01, "", ""}}},
		{"the same work registered twice: both lifted", []Match{overlaid(pdqAsset("a", 0)), overlaid(pdqAsset("b", samePDQDistance))},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {overlayLiftScore, AloneOverlay, ""}}},
		{"another part of the query: lifted", []Match{part(overlaid(pdqAsset("a", 0)), 0.4), part(pdq(pdqAsset("b", 40), 0.6), 0.5)},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {0.6, "", ""}}},
		{"a look-alike outscored", []Match{pdq(pdqAsset("a", 0), 0.99), off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{0.99, "", ""}, {dominatedScore, "", "a"}}},
		{"an exact match caps nothing", []Match{{Asset: pdqAsset("a", 0), Tier: TierExact, Score: 1}, off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{1, "", ""}, {0.93, "", ""}}},
		{"an exact match blocks a lift", []Match{{Asset: pdqAsset("a", 0), Tier: TierExact, Score: 1}, overlaid(pdqAsset("b", 12))},
			[]want{{1, "", ""}, {0.5, "", ""}}},
		{"a clean copy beside its original: kept", []Match{pdq(pdqAsset("a", 0), 0.99), pdq(pdqAsset("b", 12), 0.93)},
			[]want{{0.99, "", ""}, {0.93, "", ""}}},
		{"outscored by a match with cells off: kept", []Match{off(pdq(pdqAsset("a", 0), 0.99)), off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{0.99, "", ""}, {0.93, "", ""}}},
		{"no cell shown off: kept", []Match{{Asset: pdqAsset("a", 0), Tier: TierExact, Score: 1}, {Asset: pdqAsset("b", 16), Tier: TierNearExact, Score: 0.885}},
			[]want{{1, "", ""}, {0.885, "", ""}}},
		{"pixels not compared: not clean", []Match{{Asset: pdqAsset("a", 0), Tier: TierNearExact, Score: 0.99}, off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{0.99, "", ""}, {0.93, "", ""}}},
		{"within the margin: kept", []Match{pdq(pdqAsset("a", 0), 0.935), off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{0.935, "", ""}, {0.93, "", ""}}},
		{"at the margin: capped", []Match{pdq(pdqAsset("a", 0), 0.94), off(pdq(pdqAsset("b", 12), 0.93))},
			[]want{{0.94, "", ""}, {dominatedScore, "", "a"}}},
		{"already likely: unchanged", []Match{pdq(pdqAsset("a", 0), 0.99), off(pdq(pdqAsset("b", 12), 0.6))},
			[]want{{0.99, "", ""}, {0.6, "", ""}}},
		{"outscored by the best of several", []Match{pdq(pdqAsset("a", 0), 0.95), pdq(pdqAsset("b", 12), 0.99), off(pdq(pdqAsset("c", 30), 0.92))},
			[]want{{0.95, "", ""}, {0.99, "", ""}, {dominatedScore, "", "b"}}},
		{"one work twice: no cap", []Match{pdq(pdqAsset("a", 0), 0.99), off(pdq(pdqAsset("b", 3), 0.93))},
			[]want{{0.99, "", ""}, {0.93, "", ""}}},
		{"no PDQ: distinct", []Match{pdq(pdqAsset("a", -1), 0.99), off(pdq(pdqAsset("b", -1), 0.93))},
			[]want{{0.99, "", ""}, {dominatedScore, "", "a"}}},
		{"another part of the query: kept", []Match{part(pdq(pdqAsset("a", 0), 0.99), 0.5), part(off(pdq(pdqAsset("b", 40), 0.93)), 0.4)},
			[]want{{0.99, "", ""}, {0.93, "", ""}}},
		{"agreeing, alone: sure", []Match{agreeing(pdqAsset("a", 0))},
			[]want{{SureScore, AloneAgrees, ""}}},
		{"agreeing, with a sibling above the weak band: not lifted", []Match{agreeing(pdqAsset("a", 0)), part(pdq(pdqAsset("b", 40), weakRivalScore+0.01), 0.9)},
			[]want{{0.48, "", ""}, {weakRivalScore + 0.01, "", ""}}},
		{"agreeing, one weak rival: lifted", []Match{agreeing(pdqAsset("a", 0)), part(pdq(pdqAsset("b", 40), weakRivalScore), 0.9)},
			[]want{{SureScore, AloneAgrees, ""}, {weakRivalScore, "", ""}}},
		{"agreeing, two weak rivals: not lifted", []Match{agreeing(pdqAsset("a", 0)), part(pdq(pdqAsset("b", 40), 0.4), 0.9), part(pdq(pdqAsset("c", 80), 0.4), 0.9)},
			[]want{{0.48, "", ""}, {0.4, "", ""}, {0.4, "", ""}}},
		{"agreeing, one weak rival overlaid itself: not lifted (the rival is, beside a weak rival)", []Match{agreeing(pdqAsset("a", 0)), func() Match { m := overlaid(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{0.48, "", ""}, {overlayLiftScore, AloneOverlay, ""}}},
		{"agreeing, one weak rival agreeing itself: neither lifted", []Match{agreeing(pdqAsset("a", 0)), func() Match { m := part(agreeing(pdqAsset("b", 40)), 0.9); m.Score = 0.4; return m }()},
			[]want{{0.48, "", ""}, {0.4, "", ""}}},
		{"agreeing beside another part of the query: lifted", []Match{agreeing(pdqAsset("a", 0)), part(pdq(pdqAsset("b", 40), 0.4), 0.6)},
			[]want{{SureScore, AloneAgrees, ""}, {0.4, "", ""}}},
		{"already sure: unchanged", []Match{func() Match { m := agreeing(pdqAsset("a", 0)); m.Score = 0.95; return m }()},
			[]want{{0.95, "", ""}}},
		{"a competitor blocks the lift", []Match{overlaid(pdqAsset("a", 0)), part(pdq(pdqAsset("b", 40), 0.88), 0.5)},
			[]want{{0.5, "", ""}, {0.88, "", ""}}},
		{"solid overlay, alone: sure", []Match{func() Match { m := overlaid(pdqAsset("a", 0)); m.Occlusion.Density = 0.8; return m }()},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"a part of the query, explained whole by a clean sure match: capped", []Match{pdq(pdqAsset("a", 0), 0.99), part(pdq(pdqAsset("b", 40), 0.945), 0.59)},
			[]want{{0.99, "", ""}, {dominatedScore, "", "a"}}},
		{"a part, the whole explained sure but lower: capped", []Match{pdq(pdqAsset("a", 0), 0.905), part(pdq(pdqAsset("b", 40), 0.908), 0.34)},
			[]want{{0.905, "", ""}, {dominatedScore, "", "a"}}},
		{"a part, the whole explained lower and not sure: kept", []Match{pdq(pdqAsset("a", 0), 0.88), part(pdq(pdqAsset("b", 40), 0.908), 0.34)},
			[]want{{0.88, "", ""}, {0.908, "", ""}}},
		{"a part, the whole explained higher but not sure: capped", []Match{pdq(pdqAsset("a", 0), 0.89), part(pdq(pdqAsset("b", 40), 0.87), 0.34)},
			[]want{{0.89, "", ""}, {dominatedScore, "", "a"}}},
		{"parts of nearly one size: kept", []Match{part(pdq(pdqAsset("a", 0), 0.99), 0.95), part(pdq(pdqAsset("b", 40), 0.945), 0.86)},
			[]want{{0.99, "", ""}, {0.945, "", ""}}},
		{"a part, the whole matched exactly: kept", []Match{{Asset: pdqAsset("a", 0), Tier: TierExact, Score: 1}, part(pdq(pdqAsset("b", 40), 0.945), 0.59)},
			[]want{{1, "", ""}, {0.945, "", ""}}},
		{"a part, the whole explained with cells off: kept", []Match{off(pdq(pdqAsset("a", 0), 0.99)), part(pdq(pdqAsset("b", 40), 0.945), 0.59)},
			[]want{{0.99, "", ""}, {0.945, "", ""}}},
		{"wide overlay, alone: sure", []Match{wideOverlaid(pdqAsset("a", 0))},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"wide overlay, one weak rival: not lifted", []Match{wideOverlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), 0.4)},
			[]want{{0.5, "", ""}, {0.4, "", ""}}},
		{"wide overlay beside fainter rivals: sure", append([]Match{wideOverlaid(pdqAsset("a", 0))}, fainter(wideWeakRivals)...),
			append([]want{{SureScore, AloneOverlay, ""}}, weakWant(wideWeakRivals)...)},
		{"wide overlay beside too many fainter rivals: not lifted", append([]Match{wideOverlaid(pdqAsset("a", 0))}, fainter(wideWeakRivals+1)...),
			append([]want{{0.5, "", ""}}, weakWant(wideWeakRivals+1)...)},
		{"wide overlay beside a rival differing in a rectangle not wide enough: not lifted", []Match{wideOverlaid(pdqAsset("a", 0)),
			func() Match { m := fainter(1)[0]; m.Occlusion.Share = 0.33 * (wideRivalShareFactor - 0.01); return m }()},
			append([]want{{0.5, "", ""}}, weakWant(1)...)},
		{"wide overlay beside a fainter rival with as many inliers: not lifted", []Match{wideOverlaid(pdqAsset("a", 0)),
			func() Match { m := fainter(1)[0]; m.Inliers = 60; return m }()},
			append([]want{{0.5, "", ""}}, weakWant(1)...)},
		{"wide overlay beside a fainter rival with fewer cells off: not lifted", []Match{wideOverlaid(pdqAsset("a", 0)),
			func() Match { m := fainter(1)[0]; m.Occlusion.LumaOff = 39; return m }()},
			append([]want{{0.5, "", ""}}, weakWant(1)...)},
		{"wide overlay beside a stronger rival differing more: not lifted", []Match{wideOverlaid(pdqAsset("a", 0)),
			func() Match { m := fainter(1)[0]; m.Score = weakRivalScore + 0.01; return m }()},
			[]want{{0.5, "", ""}, {weakRivalScore + 0.01, "", ""}}},
		{"solid overlay beside a weak rival passing the wide form: not lifted", []Match{solid(pdqAsset("a", 0)), func() Match { m := wideOverlaid(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{0.5, "", ""}, {0.4, "", ""}}},
		{"aligned overlay, alone: sure", []Match{alignedOverlaid(pdqAsset("a", 0))},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"aligned overlay, one weak rival: sure", []Match{alignedOverlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore)},
			[]want{{SureScore, AloneOverlay, ""}, {weakRivalScore, "", ""}}},
		{"aligned overlay, two weak rivals: not lifted", append([]Match{alignedOverlaid(pdqAsset("a", 0))}, weak(2)...),
			append([]want{{colorDiffersScore, "", ""}}, weakWant(2)...)},
		{"aligned overlay, a rival above the weak band: not lifted", []Match{alignedOverlaid(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), weakRivalScore+0.01)},
			[]want{{colorDiffersScore, "", ""}, {weakRivalScore + 0.01, "", ""}}},
		{"aligned overlay, a weak rival overlaid the same way: neither lifted", []Match{alignedOverlaid(pdqAsset("a", 0)),
			func() Match { m := alignedOverlaid(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{colorDiffersScore, "", ""}, {0.4, "", ""}}},
		{"aligned overlay, a weak rival overlaid by local features: not lifted", []Match{alignedOverlaid(pdqAsset("a", 0)),
			func() Match { m := overlaid(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{colorDiffersScore, "", ""}, {0.4, "", ""}}},
		{"local overlay beside a weak rival overlaid in the aligned form: lifted (as before)", []Match{overlaid(pdqAsset("a", 0)),
			func() Match { m := alignedOverlaid(pdqAsset("b", 40)); m.Score = 0.4; return m }()},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {0.4, "", ""}}},
		{"letters passing the plain form too, alone: sure", []Match{letters(pdqAsset("a", 0))},
			[]want{{SureScore, AloneOverlay, ""}}},
		{"letters passing the plain form too, one weak rival not fainter: the plain lift", []Match{letters(pdqAsset("a", 0)), pdq(pdqAsset("b", 40), 0.4)},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {0.4, "", ""}}},
		{"letters passing the plain form too, two weak rivals not fainter: not lifted", append([]Match{letters(pdqAsset("a", 0))}, weak(2)...),
			append([]want{{0.5, "", ""}}, weakWant(2)...)},
		{"letters passing the plain form too, fainter rivals: sure", append([]Match{letters(pdqAsset("a", 0))}, fainter(wideWeakRivals)...),
			append([]want{{SureScore, AloneOverlay, ""}}, weakWant(wideWeakRivals)...)},
		{"a lifted match outscores no one", []Match{overlaid(pdqAsset("a", 0)), overlaid(pdqAsset("b", 2))},
			[]want{{overlayLiftScore, AloneOverlay, ""}, {overlayLiftScore, AloneOverlay, ""}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			Resolve(tt.ms)
			for i, w := range tt.want {
				m := tt.ms[i]
				if got := (want{m.Score, m.Alone, m.OutscoredBy}); got != w {
					t.Errorf("match %d (%s): got %+v, want %+v", i, m.Asset.Nid, got, w)
				}
			}
		})
	}
	Resolve(nil) // no matches: nothing to do
}

// TestResolveCaptionRivals: matches sure only under the query's captions
// (CaptionCells) that compete cap each other at dominatedScore, naming
// the rival; one alone, or beside a plain match, or beside the same work,
// keeps its score.
func TestResolveCaptionRivals(t *testing.T) {
	captioned := func(a *sleuth.Asset, score float64) Match {
		r, f := 1.0, 0.999
		return Match{Asset: a, Tier: TierEdited, Score: score, Fingerprint: MethodLocalFeatures, Method: MethodLocalFeatures,
			Inliers: 24, InlierRatio: 1, Coverage: 0.6, Correlation: &r, FullCorrelation: &f, CaptionCells: 128, QueryOverlap: 1}
	}
	plain := func(m Match) Match { m.CaptionCells = 0; return m }
	type want struct {
		score float64
		rival string
	}
	for _, tt := range []struct {
		name string
		ms   []Match
		want []want
	}{
		{"alone", []Match{captioned(pdqAsset("a", 0), 0.95)}, []want{{0.95, ""}}},
		{"two rivals", []Match{captioned(pdqAsset("b", 0), 0.95), captioned(pdqAsset("a", 40), 0.92)},
			[]want{{dominatedScore, "a"}, {dominatedScore, "b"}}},
		{"three: the smaller Nid named", []Match{captioned(pdqAsset("c", 0), 0.95), captioned(pdqAsset("b", 40), 0.95), captioned(pdqAsset("a", 80), 0.95)},
			[]want{{dominatedScore, "a"}, {dominatedScore, "a"}, {dominatedScore, "b"}}},
		{"beside a weaker captioned match", []Match{captioned(pdqAsset("a", 0), 0.95), captioned(pdqAsset("b", 40), 0.5)},
			[]want{{0.95, ""}, {0.5, ""}}},
		{"beside a plain sure match", []Match{captioned(pdqAsset("a", 0), 0.95), plain(captioned(pdqAsset("b", 40), 0.95))},
			[]want{{0.95, ""}, {0.95, ""}}},
		{"the same work registered twice", []Match{captioned(pdqAsset("a", 0), 0.95), captioned(pdqAsset("b", 2), 0.95)},
			[]want{{0.95, ""}, {0.95, ""}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			Resolve(tt.ms)
			for i, w := range tt.want {
				m := tt.ms[i]
				if got := (want{m.Score, m.CaptionRival}); got != w {
					t.Errorf("match %d (%s): got %+v, want %+v", i, m.Asset.Nid, got, w)
				}
			}
		})
	}
}

// TestResolveOrderFree checks that the outcome does not depend on the
// order the matches come in.
func TestResolveOrderFree(t *testing.T) {
	mk := func() []Match {
		ms := []Match{overlaid(pdqAsset("a", 0))}
		for i, s := range []float64{0.99, 0.93, 0.95, 0.6} {
			r := 0.999
			m := Match{Asset: pdqAsset(fmt.Sprint("p", i), 20+10*i), Tier: TierNearExact, Score: s, AlignedCorrelation: &r}
			if i%2 == 1 {
				m.Occlusion = &Occlusion{Share: 0.1}
			}
			ms = append(ms, m)
		}
		return ms
	}
	ref := mk()
	Resolve(ref)
	byNid := map[string]Match{}
	for _, m := range ref {
		byNid[m.Asset.Nid] = m
	}
	ms := mk()
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	Resolve(ms)
	for _, m := range ms {
		r := byNid[m.Asset.Nid]
		if m.Score != r.Score || m.Alone != r.Alone || m.OutscoredBy != r.OutscoredBy {
			t.Errorf("%s: %v/%q/%q reversed, %v/%q/%q in order", m.Asset.Nid, m.Score, m.Alone, m.OutscoredBy, r.Score, r.Alone, r.OutscoredBy)
		}
	}
}
