package match

import (
	"math"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// A query's matches are judged one asset at a time (Judge); Resolve then
// weighs them against each other. Four rules, each measured on the
// accuracy benchmark (docs/MATCHING.md, "Competing matches"):
//
//   - A query that one asset explains cleanly (pixels compared with no
//     cell off) is not also a copy of a second asset that explains the
//     same part of it with some cells off (Match.Occlusion) and a score
//     lower by dominanceMargin or more: that one is a look-alike of the
//     first (a sibling token of one collection, a numbered clipart
//     series) and keeps at most dominatedScore. Copies registered beside
//     their original are not touched: a clean copy agrees with the query
//     everywhere too, and two assets whose PDQ hashes are at most
//     samePDQDistance apart never compete. Nor does an exact match cap
//     anything: a query that is a registered asset itself (its owner
//     looking for copies of it) matches that asset exactly, and its
//     edited copies in the index (blurred, under a logo) differ from it
//     in some cells just as its look-alikes do. It still competes, so
//     that nothing is lifted beside it.
//   - Nor is a query a copy of an asset that explains only a part of it
//     when a competing clean match explains more of it (partialMargin
//     more of the query) and scores more or is sure: two drawings that
//     share a part (a mirrored arrow and its twin, a map and the fort
//     drawn from it, two stages of one drawing) match each other on
//     that part, where the query's own original explains all of it.
//     The part keeps at most dominatedScore.
//   - A copy under a caption or a logo differs from its original in one
//     rectangle, and so do two tokens drawn from one template (a face's
//     expression, a clock's hands). What tells them apart is the rest of
//     the index: a token's siblings match the query too, each with its
//     own differing rectangle, where an overlaid copy of a work matches
//     that work alone. A match that passes the overlay rule
//     (overlayScore) is lifted to overlayLiftScore when no other asset
//     competes with it, or one only, weakly and not overlaid itself
//     (weakRivalScore), to SureScore when its differing rectangle is
//     solid (overlaySureDensity) or a stamp in a corner (cornerStamp);
//     with a solid rectangle, up to maxWeakRivals such rivals may
//     compete, with a stamp any number.
//     A wider overlay (two lines of large text) lifts the same way under
//     the wide form of the rule (wideOverlay), when no other asset
//     competes or only a few weak ones that each differ from the query
//     far more than it does (fainterRival). A near-exact or trimmed PDQ
//     match whose aligned pixels differ in one rectangle only
//     (alignedOverlayScore) is lifted to SureScore beside one weak rival
//     at most, and so is a match whose keypoints mostly do not come back
//     in the ratio test but whose differing rectangle is a stamp in a
//     corner (stampScore).
//   - A match whose pixels and colours agree in every compared cell, or
//     all but a few or scattered luma cells (local features verified), but
//     whose keypoints mostly do not come back (a copy turned, cropped or
//     set in a larger picture, its keypoints on other pyramid levels) is
//     as sure as the five ways of FeatureScore when no other asset
//     competes with it, or one only, weakly and not overlaid itself
//     (agreeScore): look-alikes that agree cell for cell
//     with the query come in sets (a theme's sky and its mirror image,
//     star polygons of nearby point counts), and the set matches
//     together. So is, when no other lift applies, a match whose pixels
//     and colours agree in every cell the query's captions leave to see
//     (Match.captioned, captionAgrees), which then reports that evidence.

// Reasons for a lift, as reported in Match.Alone.
const (
	AloneOverlay = "overlay"
	AloneAgrees  = "agrees"
)

const (
	// samePDQDistance: assets whose PDQ hashes are at most this far apart
	// are one work registered twice; they never compete.
	samePDQDistance = 4
	// dominanceMargin and dominatedScore: a match with cells off, scored
	// at least dominanceMargin below a competing clean one, keeps at most
	// dominatedScore.
	dominanceMargin = 0.01
	dominatedScore  = 0.85
	// overlayLiftScore is the score of an overlaid copy found alone: the
	// top of the likely band (0.85, as a sure match whose colours differ,
	// capByColor), as such matches were 99.7% true on the benchmark, short
	// of the sure band's 99.9%.
	overlayLiftScore = 0.85
	// weakRivalScore: an overlaid copy counts as found alone beside one
	// competing match scored at most this (the lowest band of
	// FeatureScore, whose top is 0.5) that does not pass the overlay
	// rule itself: the look-alikes that share a template come in sets
	// (a token's siblings, each differing from the query in its own
	// rectangle), where an edited copy of a work may come back with one
	// stray drawing. Chosen offline on the 2026-12-05 night benchmark
	// run (the consistent votes, which return more look-alikes beside an
	// overlaid copy): of the matches passing the overlay rule with
	// competitors, one competitor scored <= 0.5 stood beside 114 true
	// and 5 false ones, two or more (all <= 0.5) beside 235 true and 75
	// false, a stronger one beside 3 true and 204 false; rescored,
	// 75.25% -> 75.63% at the same threshold (logos 61.6% -> 66.1%, text
	// 25.0% -> 27.8%), one more false match >= 0.9 (12 of 15,104: two
	// OpenClipart network switches), as the whole run then measured. A
	// lone rival that is an overlaid match itself (one true match of the
	// 114; the engine's TestSearchOverlaid: two signs over one bridge)
	// blocks the lift: otherwise each of two siblings lifts the other.
	weakRivalScore = 0.5
	// maxWeakRivals: an overlaid copy whose differing rectangle is solid
	// (overlaySureDensity) is sure beside up to this many weak rivals
	// when none of them passes the overlay rule itself. Chosen
	// offline on the log of the run with weakRivalScore: of such matches
	// with 2 to 8 weak rivals, none overlaid, 117 were true and none
	// false (75.63% -> 75.97% at 0.880, the same 12 false >= 0.9); with
	// 9 or more, 78 true and 2 false (avatars among a dozen or more of
	// their look-alikes), which would have raised the threshold to 0.898
	// for 76.09%, 99.908% >= 0.9; with a sparse rectangle, 63 true and
	// 17 false.
	maxWeakRivals = 8
	// overlaySureDensity: an overlaid copy found alone whose differing
	// rectangle is solid (Occlusion.Density, the share of its cells that
	// differ, at least this) is sure. A caption or a logo covers the
	// cells of its rectangle; a look-alike token differs in a few
	// strokes (a mouth, an eye) inside a larger one. Chosen offline on
	// the 2026-12-05 afternoon benchmark run of the midday's code (the
	// 8 false overlaid copies found alone, holdouts against a look-alike,
	// had densities of 0.23 to 0.75, six under 0.5); measured with it,
	// overlaid copies found alone were 622 true and 1 false from a
	// density of 0.5 (Wesnoth's keep tile over water against the one
	// over cobbles), 92 true and 7 false under it.
	overlaySureDensity = 0.5
	// stampMaxShare, stampDensity and stampEdge: a logo or a watermark is
	// stamped in a corner of a picture, and a rectangle reaching within
	// stampEdge of two adjacent edges of the asset, of at most
	// stampMaxShare of the compared cells, is such a stamp (cornerStamp).
	// It is solid from a density of stampDensity: a stamp a few cells wide
	// spans part-covered cells on each side, and a round badge or a logo
	// with transparent margins covers less of its rectangle still (0.33 to
	// 0.49 for the benchmark's logos a tenth to a fifth of the width).
	// And since a template's tokens differ where their layers differ, in
	// the middle (a face, a clock's hands), a stamp stays sure beside any
	// number of weak rivals (maxWeakRivals does not bound it), none
	// overlaid itself: siblings of a set that differ in a corner (a
	// number) each pass the overlay rule there and block one another.
	// Chosen offline on the log of the 2026-12-07 night benchmark run
	// (b60d34f): of the matches passing the overlay rule under SureScore
	// with such a rectangle and a density from 0.3, 68 were true (25
	// with no rival or one weak one, 8 beside 2 to 8 weak rivals, 35
	// beside 9 to 17) and none false; the rectangles of the false
	// overlaid matches (holdouts against a sibling) lay inside the
	// picture or covered more than 12% of it.
	stampMaxShare = 0.12
	stampDensity  = 0.3
	stampEdge     = 1.0 / 16
	// partialMargin: a clean match that explains at least this much more
	// of the query than another one competing with it, and scores more
	// (by dominanceMargin) or is sure, caps the other at dominatedScore.
	partialMargin = 0.1
)

// The overlay rule (overlayScore): the deciding comparison found every
// disagreeing cell inside one rectangle (Match.Occlusion) of at most
// overlayMaxShare of the compared cells, the cells outside it agree to
// occludedCorrelation (over at least minCells of them), and the local
// features agree: >= sureInliers inliers, an inlier ratio >=
// overlayInlierRatio, a guided ratio >= overlayGuidedRatio, coverage >=
// sureCoverage and a trimmed thumbnail correlation >= sureCorrelation.
// Measured on the 2026-12-05 midday benchmark run (rescored offline):
// 1,209 true and 813 false matches scored under SureScore passed the
// looser form of the rule (share 0.3, inlier ratio 0.3); of the false
// ones, 806 had another asset competing, of the true ones 195.
const (
	overlayMaxShare    = 0.3
	overlayInlierRatio = 0.5
	overlayGuidedRatio = 0.6
)

// The wide form of the overlay rule (wideOverlay): two lines of large
// text cover up to a third of the picture, hide the keypoints under them
// and draw the query's own keypoints, which take the asset's nearest
// neighbours in the ratio test: the inlier ratio falls to 0.2-0.5 while
// the keypoints found again where the transform puts them (the guided
// ratio) stay. A match is sure by it when its differing rectangle holds
// at most wideOverlayMaxShare of the cells and is solid
// (overlaySureDensity) with a guided ratio >= overlayGuidedRatio, or, since
// the 2026-12-06 morning, holds at least wideOverlayMinShare of the cells,
// wideOverlayDensity of them differing, with a guided ratio >=
// wideOverlayGuidedRatio (lines of letters, below); the rest agrees
// (occludedCorrelation over minCells or more), >= wideOverlayInliers
// inliers make an inlier ratio >= wideOverlayInlierRatio,
// spanning sureCoverage, with a trimmed correlation >= sureCorrelation,
// and the match explains at least wideOverlayQueryShare of the query (an
// overlay on a copy, not a picture set in a larger one). Resolve lifts it
// only when no other asset competes, or a few weak ones that each differ
// from the query far more (fainterRival). First chosen (no lower bound
// on the share, a density of overlaySureDensity and a guided ratio of
// overlayGuidedRatio) offline on the 2026-12-06 benchmark run's log
// (d748cfe, the same as the small hours'): 133 more true matches >= 0.9
// (captions, large text, logos), no false one. Without the inlier and
// query-share bounds, an inlier ratio of 0.3 and no guided bound: 181
// true and 3 false (a magnifier icon beside its
// sibling with another glass, two OpenClipart group icons, an
// illustrator's file icon beside the vector-graphics one inside a larger
// picture).
//
// Lines of letters (since the 2026-12-06 morning): letters outlined in
// black leave the cells between them and between the lines untouched
// (densities of 0.3-0.5), and the keypoints under two lines of large text
// are not found again (guided ratios of 0.3-0.6). A rectangle of at least
// wideOverlayMinShare of the cells passes with a density of
// wideOverlayDensity and a guided ratio of wideOverlayGuidedRatio: a wide
// overlay is wide, where the icons of one set that differ in one small
// symbol (a magnifier's "+" against its "1:1") differ in 3% of the cells.
// Measured first without the solid form beside it (the letters' bounds
// alone, on the run with the censored colour fit, 0a55cc0: 81.50% at
// 0.885): 158 copies found and 80 lost (78 of them lifted before as
// solid rectangles under wideOverlayMinShare: logos on half-size
// pictures, small captions), and one
// false match more: an agreeing match lifted beside a copy under a small
// logo, which no longer counted as an overlaid rival. Rescored offline on
// 0a55cc0's log with both forms, Resolve's other rules applied: 160 more
// true matches >= 0.9 (text, combinations with text, logos), no false
// one; with a density and a guided ratio of 0.25, 168 true and no false.
// Without the solid form, no lower bound on the share (and a guided ratio
// of 0.4) gave 2 false (the magnifier and another pair of OpenClipart
// drawings that differ in 3% of the cells), and the share up to 0.45, 2
// false.
const (
	wideOverlayMaxShare    = 0.35
	wideOverlayMinShare    = 0.06
	wideOverlayDensity     = 0.3
	wideOverlayGuidedRatio = 0.3
	wideOverlayInlierRatio = 0.2
	wideOverlayInliers     = 30
	wideOverlayQueryShare  = 0.6
	// lettersMinAspect: a match passing the plain rule (an inlier ratio
	// of overlayInlierRatio) with a rectangle that is not solid passes
	// the lines of letters only when their rectangle is at least this
	// many times as wide as it is tall, in the asset's pixels (since
	// the 2026-12-06 afternoon). Rescored offline on the log of the
	// midday run (3354953): 68 more true matches >= 0.9 and 5 false
	// without the bound (holdouts against drawings of their series:
	// rectangles 0.7-1.8 times as wide as tall, and OpenClipart's left
	// and right callouts, 2.6); 51 true and that one false with it.
	// Letters under the plain rule's inlier ratio keep no such bound:
	// applied to them it lost 30 copies (short captions in two large
	// lines, logos under 0.6 of keypoints found again; measured).
	lettersMinAspect = 2.0
)

// The agreeing rule (agreeScore): the deciding comparison compared the
// colours (none off) and found no luma cell off either, the local features'
// pixels correlate >= sureFullCorrelationD over every cell and >=
// sureCorrelation trimmed, >= MinInliers inliers spanning >= sureCoverage
// (MinCoverage since 2026-12-06, below),
// and >= agreeGuidedRatio of the covered keypoints come back where the
// transform puts them. Measured on the 2026-12-05 midday run's log
// (rescored offline, Resolve's other rules applied): 145 true matches
// under SureScore passed it with no other asset competing, no false
// one; without the competition test, 149 true and 13 false.
//
// Since 2026-12-06 the rule also takes luma cells off, none in colour,
// when they are
//   - few: at most agreeMaxLumaOff, the cells outside their rectangle
//     correlating >= occludedCorrelation and the full correlation as
//     above (the edge of a picture set in a larger one, resampled with
//     its neighbours), or
//   - sparse: at most agreeSparseDensity of the cells in their rectangle,
//     the full correlation and that of the cells outside the rectangle
//     (when there are minCells of them) >= agreeSparseCorrelation. A
//     copy turned by a few degrees, scaled or cropped is resampled: its
//     sharp edges land between cells, which differ by more than
//     lumaOffTolerance here and there, where a look-alike differs in a
//     patch.
//
// Rescored offline on the 2026-12-06 run's log (d748cfe, the same as the
// small hours'): 353 more true matches >= 0.9 (embedded, rotated,
// cropped, padded copies and combinations), no false one (the few cells
// alone: 107). With a fourth cell off, one false (a crop of a mirrored
// OpenClipart flourish corner, its original not returned at all); with
// sparse cells to a density of 0.3 and a full correlation of 0.98, one
// false (a holdout against a drawing of its series, 55 cells off, full
// correlation 0.981) for 431 true.
//
// And since the same night the inliers need only span MinCoverage of the
// covered area (the least any verification passes with), not
// sureCoverage: with every compared cell and colour agreeing, where the
// keypoints that agree lie says little more (a crop of half a picture,
// its keypoints on one side). Rescored offline on the log of the run
// with the cells above (79.58% at 0.885): 156 more true matches >= 0.9
// (crop 50% 58.1% -> 65.3%, crop 20% 82.8% -> 84.6%), no false one; no
// bound at all gave 3 more true ones and no false one either.
//
// Since the engine's second vote (2026-12-06 early morning), an agreeing
// copy is lifted beside one weak rival too (weakRivalScore, not overlaid
// itself), as an overlaid one is: that vote brought such rivals beside 13
// copies the rule had lifted. Rescored offline on that run's log (80.93%
// at 0.885): agreeing matches with one weak rival were 45 true and none
// false (81.15%, the same 9 false matches >= 0.9); with up to three, 53
// true and 2 false.
//
// Since the 2026-12-06 afternoon a match with no cell off at all needs
// the full correlation of the sparse cells (agreeSparseCorrelation), not
// sureFullCorrelationD: a copy cropped, turned or set in a larger picture
// is resampled, and its cells agree a little less than a copy's laid cell
// on cell, where scattered cells off passed with 0.99 already. Its lone
// weak rival must not pass the agreeing rule itself (two drawings of one
// series that agree on a part would lift each other). Rescored offline on
// the log of the 2026-12-06 midday run (3354953, 83.20% at 0.880): 115 more
// true matches >= 0.9 (crops of half a picture, embedded, rotated and
// noisy copies), one lost (an agreeing copy beside an agreeing rival),
// one false more (a Hedgewars holdout against a drawing sharing half of
// it, full correlation 0.997, which 0.998 kept out). With 0.98, 140 true
// and the same false one; without the rival's test, 117 true and 3 false.
const (
	agreeGuidedRatio       = 0.2
	agreeMaxLumaOff        = 3
	agreeSparseDensity     = 0.2
	agreeSparseCorrelation = 0.99
)

// agreeScore is SureScore when m's evidence passes the agreeing rule, 0
// otherwise. It reads the match's own evidence, as reported.
func (m *Match) agreeScore() float64 {
	if m.ColorOff == nil || *m.ColorOff > 0 || m.Correlation == nil || m.FullCorrelation == nil {
		return 0
	}
	full := *m.FullCorrelation
	if o := m.Occlusion; o == nil {
		if full < agreeSparseCorrelation {
			return 0
		}
	} else {
		few := o.LumaOff <= agreeMaxLumaOff && o.Correlation >= occludedCorrelation && full >= sureFullCorrelationD
		sparse := o.Density <= agreeSparseDensity && full >= agreeSparseCorrelation &&
			(o.Correlation >= agreeSparseCorrelation || o.Cells < minCells)
		if o.ColorOff > 0 || !few && !sparse {
			return 0
		}
	}
	if *m.Correlation < sureCorrelation || m.Inliers < MinInliers || m.Coverage < MinCoverage ||
		m.GuidedInlierRatio < agreeGuidedRatio {
		return 0
	}
	return SureScore
}

// overlayScore is the lift m's evidence earns by the overlay rule:
// SureScore when the differing rectangle is solid (overlaySureDensity),
// overlayLiftScore otherwise, 0 when it fails the rule. Failing it, a
// match may pass the rule's wide form (wideOverlay): then SureScore, and
// wide is true. It reads the match's own evidence, as reported.
func (m *Match) overlayScore() (s float64, wide bool) {
	if !m.overlayBase() {
		return 0, false
	}
	if m.overlayPlain() {
		if m.Occlusion.Density >= overlaySureDensity || m.cornerStamp() {
			return SureScore, false
		}
		// Since the 2026-12-06 afternoon a match passing the plain rule
		// may pass the lines of letters too (wideOverlay), when they are
		// wide (lettersMinAspect): a caption over few enough keypoints
		// keeps the inlier ratio. Resolve falls back to
		// overlayLiftScore when its rivals block the wide lift.
		if m.wideOverlay() && m.occlusionAspect() >= lettersMinAspect {
			return SureScore, true
		}
		return overlayLiftScore, false
	}
	if m.wideOverlay() {
		return SureScore, true
	}
	return 0, false
}

// cornerStamp reports whether m's differing rectangle is a stamp in a
// corner of the asset, solid enough to be a logo or a watermark (see
// stampMaxShare).
func (m *Match) cornerStamp() bool {
	o := m.Occlusion
	if o == nil || o.Share > stampMaxShare || o.Density < stampDensity {
		return false
	}
	r := o.Rect
	if r.X1 <= r.X0 || r.Y1 <= r.Y0 {
		return false
	}
	return (r.X0 <= stampEdge || r.X1 >= 1-stampEdge) && (r.Y0 <= stampEdge || r.Y1 >= 1-stampEdge)
}

// overlayBase reports whether m passes the bounds both forms of the
// overlay rule share.
func (m *Match) overlayBase() bool {
	o := m.Occlusion
	return o != nil && m.Correlation != nil && m.Inliers >= sureInliers && o.restAgrees() &&
		m.Coverage >= sureCoverage && *m.Correlation >= sureCorrelation
}

// overlayPlain reports whether m, passing overlayBase, passes the plain
// form of the overlay rule (lifted to overlayLiftScore, or SureScore when
// its rectangle is solid).
func (m *Match) overlayPlain() bool {
	return m.Occlusion.Share <= overlayMaxShare && m.InlierRatio >= overlayInlierRatio && m.GuidedInlierRatio >= overlayGuidedRatio
}

// wideOverlay reports whether m passes the wide form of the overlay rule
// (see wideOverlayMaxShare), given the bounds overlayScore checks first.
func (m *Match) wideOverlay() bool {
	o := m.Occlusion
	if o.Share > wideOverlayMaxShare || m.Inliers < wideOverlayInliers || m.InlierRatio < wideOverlayInlierRatio ||
		m.queryShare() < wideOverlayQueryShare {
		return false
	}
	solid := o.Density >= overlaySureDensity && m.GuidedInlierRatio >= overlayGuidedRatio
	letters := o.Share >= wideOverlayMinShare && o.Density >= wideOverlayDensity && m.GuidedInlierRatio >= wideOverlayGuidedRatio
	return solid || letters
}

// occlusionAspect is the width of m's differing rectangle over its
// height, in the asset's pixels (in fractions of the asset when its size
// is not known).
func (m *Match) occlusionAspect() float64 {
	r := m.Occlusion.Rect
	w, h := r.X1-r.X0, r.Y1-r.Y0
	if a := m.Asset; a != nil && a.Width > 0 && a.Height > 0 {
		w, h = w*float64(a.Width), h*float64(a.Height)
	}
	if h <= 0 {
		return 0
	}
	return w / h
}

// The aligned form of the overlay rule (alignedOverlayScore, since the
// 2026-12-06 afternoon): a near-exact PDQ match (the whole query turned by
// its Variant within MaxNearExactDistance of the asset) whose aligned
// comparison finds every differing cell inside one rectangle of at most
// overlayMaxShare of the cells, the cells outside it agreeing to
// occludedCorrelation over minCells or more, is sure when no other asset
// competes, or one only, scored at most weakRivalScore and overlaid by
// neither form of the rule. So is a trimmed-PDQ match (MaxTrimDistance;
// its rectangles compared), the same evidence once the border is off. A
// caption or a logo on a copy moves its PDQ a little and leaves the rest
// of its pixels alone, but turns colour cells off (capByColor keeps it at
// 0.85) and hides keypoints, so that the local features' form rarely
// passes; a look-alike token comes back beside its siblings. Rescored
// offline on the log of the 2026-12-06 midday run (3354953, 83.20% at
// 0.880): 138 more true matches >= 0.9 (text, logos and their
// combinations), no false one; with two weak rivals 144 true and no
// false, with three 149 and one false, with eight (as the solid form
// allows) 156 true and 14 false (holdouts among their siblings). Trimmed
// PDQ matches: 17 more true, no false (aligned_pixels matches would add
// 22 true and 1 false; local features' 219 true and 49 false).
//
// alignedOverlayScore is SureScore when m's evidence passes it, 0
// otherwise.
func (m *Match) alignedOverlayScore() float64 {
	o := m.Occlusion
	pdq := m.Tier == TierNearExact && (m.Fingerprint == ByPDQ || m.Fingerprint == ByPDQPHash) ||
		m.Fingerprint == MethodTrimmedPDQ
	if !pdq || o == nil || o.Share > overlayMaxShare || !o.restAgrees() {
		return 0
	}
	return SureScore
}

// The stamp form of the overlay rule (stampScore, since the 2026-12-07
// night): a picture with few keypoints under a logo in its corner keeps
// them where they were (a guided ratio from overlayGuidedRatio) but takes
// the logo's keypoints for its own in the ratio test, so that its inlier
// ratio falls under the plain form's (0.1 to 0.5 on the benchmark's small
// drawings, 10 to 90 inliers), and a logo of a fifth of a small picture's
// width can hide half its keypoints (coverage down to 0.4). A match whose
// differing rectangle is a stamp in a corner (cornerStamp), the rest
// agreeing (occludedCorrelation over minCells or more), with a trimmed
// correlation >= sureCorrelation, >= stampInliers inliers, an inlier
// ratio >= stampInlierRatio, a guided ratio >= overlayGuidedRatio,
// coverage >= stampCoverage, explaining >= wideOverlayQueryShare of the
// query, is sure when no other asset competes, or one only, scored at
// most weakRivalScore and overlaid by neither form itself. Chosen offline
// on the log of the 2026-12-07 night benchmark run (b60d34f): 34 such
// matches under SureScore with at most one weak rival, all true; beside
// 2 to 8 weak rivals 5 true and 1 false (a half-size jigsaw piece under
// a logo against another piece, differing in a tall rectangle at its
// right edge); with no floor on the inliers and the ratios, 47 true and 1
// false alone.
const (
	stampInliers     = 10
	stampInlierRatio = 0.1
	stampCoverage    = 0.4
)

// stampScore is SureScore when m's evidence passes the stamp form of the
// overlay rule, 0 otherwise.
func (m *Match) stampScore() float64 {
	o := m.Occlusion
	if o == nil || m.Correlation == nil || !m.cornerStamp() || !o.restAgrees() || *m.Correlation < sureCorrelation ||
		m.Inliers < stampInliers || m.InlierRatio < stampInlierRatio || m.GuidedInlierRatio < overlayGuidedRatio ||
		m.Coverage < stampCoverage || m.queryShare() < wideOverlayQueryShare {
		return 0
	}
	return SureScore
}

// Weak rivals beside a wide overlay (fainterRival, since the 2026-12-06
// midday): a copy under two lines of text or a logo comes back with a
// few stray drawings of its set, each differing from the query in a
// wider rectangle than the copy's own, where a token among its siblings
// differs from each of them in a rectangle of about its own size. Such a
// copy is lifted beside up to wideWeakRivals rivals, each scored at most
// weakRivalScore, not overlaid itself, with fewer inliers, at least as
// many luma cells off and a differing rectangle at least
// wideRivalShareFactor times as wide as the copy's. Rescored offline on
// the log of the run with the turned pHash (2805a8d, 82.51% at 0.885):
// 51 more true matches >= 0.9 (text, logos and their combinations), no
// false one; measured, 50 copies more found at 0.885, none lost, the
// same 10 false matches >= 0.9 (82.51% -> 82.76%). The 5 false matches
// that would pass the rest (holdout avatars against their siblings)
// stood beside 2 to 14 rivals, whose rectangles were at most 1.79 times
// as wide as theirs; beside any number of rivals, a factor of 2 lifted
// 69 true ones, 1.5 the three false ones with 5, 10 and 14 rivals.
const (
	wideWeakRivals       = 3
	wideRivalShareFactor = 2.0
)

// fainterRival reports whether r, competing with the wide overlay m, lets
// it be lifted (see wideWeakRivals).
func (m *Match) fainterRival(r *Match) bool {
	o, ro := m.Occlusion, r.Occlusion
	return o != nil && ro != nil && r.Inliers < m.Inliers && ro.LumaOff >= o.LumaOff &&
		ro.Share >= wideRivalShareFactor*o.Share
}

// queryShare is the share of the query a match explains: its query
// overlap, or the whole picture for the tiers that compare whole pictures.
func (m *Match) queryShare() float64 {
	if m.QueryOverlap > 0 {
		return m.QueryOverlap
	}
	return 1
}

// clean reports whether the match's pixels were compared (whole, aligned,
// or by the local features' transform) and no cell disagrees. An exact
// match compares no pixels, so it is not clean and caps nothing (see
// above).
func (m *Match) clean() bool {
	return (m.Correlation != nil || m.AlignedCorrelation != nil) && m.Occlusion == nil
}

// assetPDQ returns the asset's PDQ hash, if it has one.
func assetPDQ(a *sleuth.Asset) (fingerprint.PDQ, bool) {
	if a == nil {
		return fingerprint.PDQ{}, false
	}
	p, ok := a.PerceptualOf(sleuth.KindPDQ)
	if !ok {
		return fingerprint.PDQ{}, false
	}
	h, err := fingerprint.ParsePDQ(p.Hash)
	return h, err == nil
}

// Resolve weighs a query's matches against each other (see above): it
// lifts the overlaid and the agreeing copies that no other asset competes
// with and caps the matches another one outscores, or that another one
// rivals under the query's captions, recording why (Match.Alone,
// Match.OutscoredBy, Match.CaptionRival). ms must hold every match Judge
// returned for the query, whatever its score (a weak match still
// competes), each with its asset.
func Resolve(ms []Match) {
	n := len(ms)
	if n == 0 {
		return
	}
	hashes := make([]fingerprint.PDQ, n)
	hashed := make([]bool, n)
	for i := range ms {
		hashes[i], hashed[i] = assetPDQ(ms[i].Asset)
	}
	competes := func(i, j int) bool {
		if i == j {
			return false
		}
		if hashed[i] && hashed[j] && hashes[i].Distance(hashes[j]) <= samePDQDistance {
			return false
		}
		// Two parts of the query that cannot both fit: they overlap.
		return ms[i].queryShare()+ms[j].queryShare() > 1
	}
	nid := func(i int) string {
		if ms[i].Asset == nil {
			return ""
		}
		return ms[i].Asset.Nid
	}
	clean := make([]bool, n)
	overlay := make([]float64, n) // each match's overlayScore, read for it and for its rivals
	wide := make([]bool, n)       // passed the rule's wide form: lifted only with no rival
	aligned := make([]float64, n) // each match's alignedOverlayScore
	stamped := make([]float64, n) // each match's stampScore
	agree := make([]float64, n)   // each match's agreeScore
	capAgree := make([]bool, n)   // agrees under the query's captions (Match.captioned)
	for i := range ms {
		clean[i] = ms[i].clean()
		overlay[i], wide[i] = ms[i].overlayScore()
		aligned[i] = ms[i].alignedOverlayScore()
		stamped[i] = ms[i].stampScore()
		agree[i] = ms[i].agreeScore()
		capAgree[i] = ms[i].captioned != nil
	}
	scores := make([]float64, n)
	for i := range ms {
		scores[i] = ms[i].Score
		lift, why := agree[i], AloneAgrees
		if s := overlay[i]; s > lift {
			lift, why = s, AloneOverlay
		}
		alignedLift := false // the aligned form: one weak rival at most
		if s := aligned[i]; s > lift {
			lift, why, alignedLift = s, AloneOverlay, true
		}
		stampLift := false // the stamp form: one weak rival at most
		if s := stamped[i]; s > lift {
			lift, why, stampLift = s, AloneOverlay, true
		}
		captionLift := false // the agreeing lift on what the captions leave to see
		if lift <= ms[i].Score && capAgree[i] {
			lift, why, captionLift = SureScore, AloneAgrees, true
		}
		if lift <= ms[i].Score {
			continue
		}
		// An overlaid copy may have weak rivals (weakRivalScore) that do
		// not pass the overlay rule themselves: one, or a few when its
		// rectangle is solid (maxWeakRivals), or any number when it is a
		// stamp in a corner (cornerStamp). The agreeing lift takes one
		// such rival (since 2026-12-06, see the agreeing rule above), the
		// overlay rule's wide form up to wideWeakRivals that each differ
		// from the query far more than it does (fainterRival).
		wideLift := why == AloneOverlay && wide[i]
		rivals, strong, unlike, overlaid := 0, false, false, false
		for j := range ms {
			if !competes(i, j) {
				continue
			}
			rivals++
			strong = strong || ms[j].Score > weakRivalScore
			unlike = unlike || wideLift && !ms[i].fainterRival(&ms[j])
			overlaid = overlaid || overlay[j] > 0 || alignedLift && aligned[j] > 0 || stampLift && stamped[j] > 0 ||
				why == AloneAgrees && (agree[j] > 0 || capAgree[j])
		}
		var alone bool
		switch {
		case rivals == 0:
			alone = true
		case strong || overlaid:
			// not alone
		case wideLift:
			alone = !unlike && rivals <= wideWeakRivals
			if !alone && rivals == 1 && ms[i].overlayPlain() && overlayLiftScore > ms[i].Score {
				// The plain form's lift beside one weak rival.
				lift, alone = overlayLiftScore, true
			}
		default:
			alone = rivals == 1 || why == AloneOverlay && !alignedLift && !stampLift && lift >= SureScore &&
				(rivals <= maxWeakRivals || ms[i].cornerStamp())
		}
		if alone {
			scores[i] = lift
			ms[i].Alone = why
			if captionLift {
				// Lifted on what the query's captions leave to see.
				ms[i].setGeometry(*ms[i].captioned)
			}
		}
	}
	// Matches sure only under the query's captions (captionedScore,
	// Match.CaptionCells) that compete with each other: the captions
	// hide what would tell the assets apart (three drawings of one ice
	// cream cone with one, two and three scoops, queried by a crop of
	// the cone whose waffle the finder took for letters). Each keeps at
	// most dominatedScore, naming the other (the smaller Nid when more).
	capped := make([]string, n)
	for i := range ms {
		if ms[i].CaptionCells == 0 || scores[i] < SureScore {
			continue
		}
		for j := range ms {
			if ms[j].CaptionCells > 0 && scores[j] >= SureScore && competes(i, j) && (capped[i] == "" || nid(j) < capped[i]) {
				capped[i] = nid(j)
			}
		}
	}
	for i := range ms {
		if capped[i] != "" {
			scores[i] = min(scores[i], dominatedScore)
			ms[i].CaptionRival = capped[i]
		}
	}
	for i := range ms {
		best := -1
		for j := range ms {
			if !clean[j] || !competes(i, j) {
				continue
			}
			more := scores[j]-scores[i] >= dominanceMargin-1e-9
			wider := ms[j].queryShare()-ms[i].queryShare() >= partialMargin-1e-9
			lookalike := more && ms[i].Occlusion != nil
			part := wider && (more || scores[j] >= SureScore)
			if !lookalike && !part {
				continue
			}
			// The best competitor names the cap (ties: the smaller Nid).
			if best < 0 || scores[j] > scores[best] || (scores[j] == scores[best] && nid(j) < nid(best)) {
				best = j
			}
		}
		ms[i].Score = scores[i]
		if best >= 0 && scores[i] > dominatedScore {
			ms[i].Score = dominatedScore
			ms[i].OutscoredBy = nid(best)
		}
		ms[i].Score = math.Round(ms[i].Score*1000) / 1000
	}
}
