package match

import (
	"math"
	"math/cmplx"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// Methods of the edited tier, as reported in Match.Method (and
// Match.Fingerprint).
const (
	MethodTrimmedPDQ    = "trimmed_pdq"
	MethodInsetPDQ      = "inset_pdq"
	MethodLocalFeatures = "local_features"
	// MethodInsetPixels: a picture found set inside the query, found by
	// its thumbnail vector and judged by its pixels laid on the whole
	// asset (judgeInsetThumb).
	MethodInsetPixels = "inset_pixels"
)

// TrimEvidence is a PDQ match between pictures of which at least one was
// trimmed of a uniform border.
type TrimEvidence struct {
	// Distance and Variant: the PDQ distance and the query's dihedral
	// variant that reached it.
	Distance int
	Variant  int
	// QueryFraction and AssetFraction are the shares of each picture's
	// area that were hashed (1 for a picture compared whole).
	QueryFraction float64
	AssetFraction float64
	// QueryQuality and AssetQuality are the qualities of the hashes
	// compared.
	QueryQuality int
	AssetQuality int
	// Aligned compares the pixels of the two rectangles laid on each
	// other by Variant (CompareAlignedRect), nil when not measured.
	Aligned *AlignedEvidence
}

// Thresholds of the edited tier.
const (
	// MaxTrimDistance is the largest PDQ distance of a trimmed match.
	MaxTrimDistance = MaxNearExactDistance
	// MinTrimFraction is the smallest share of a picture a trimmed hash
	// may stand for: a tiny picture left inside a large frame says little.
	MinTrimFraction = 0.2
	// MinInliers is the least number of agreeing keypoints for a
	// local-features match, MinInlierRatio the least share of the asset's
	// keypoints inside the shared area that must agree, MinCoverage the
	// least Geometry.Coverage and MinCorrelation the least thumbnail
	// correlation (when measured).
	MinInliers     = 12
	MinInlierRatio = 0.12
	MinCoverage    = 0.3
	MinCorrelation = 0.8
)

// judgeEdited decides the edited tier from the trimmed-PDQ, inset-PDQ
// and geometric evidence of c, keeping the better scored. The inset
// (judgeInset, colours compared) decides only when it scores higher and
// is sure, or when the other evidence is not a verification: a
// verification under the bands may still be lifted by Resolve on
// evidence the inset match does not carry (Match.Alone). On the accuracy
// benchmark, letting the inset decide whenever it scored higher lost
// three copies a verification had found (two lifted that way); this rule
// loses two that Resolve lifted on the inset's own evidence
// (docs/MATCHING.md, Measured, "Insets, a picture set inside another").
func judgeEdited(q Query, c Candidate) (Match, bool) {
	m, ok := judgePlainEdited(q, c)
	if q.Pixels == nil {
		return m, ok
	}
	better := func(mi Match) bool {
		return !ok || (mi.Score > m.Score && (mi.Score >= SureScore || m.Method != MethodLocalFeatures))
	}
	// A verification that did not decide is kept as evidence beside.
	withGeometry := func(mi Match) Match {
		if g := c.Geometry; g != nil {
			mi.addGeometry(*g)
		}
		return mi
	}
	if mi, oki := judgeInset(c); oki {
		mi = withGeometry(mi)
		mi.capByColor()
		if better(mi) {
			m, ok = mi, true
		}
	}
	if mi, oki := judgeInsetThumb(q, c); oki && better(mi) {
		m, ok = withGeometry(mi), true
	}
	if mi, oki := judgeCropped(q, c); oki && better(mi) {
		m, ok = withGeometry(mi), true
	}
	return m, ok
}

// judgePlainEdited is judgeEdited without the inset: the trimmed-PDQ and
// geometric evidence of c, keeping the better scored.
func judgePlainEdited(q Query, c Candidate) (Match, bool) {
	if q.Pixels == nil {
		return Match{}, false
	}
	best := Match{}
	found := false
	if t := c.Trim; t != nil && t.Distance >= 0 && t.Distance <= MaxTrimDistance &&
		min(t.QueryQuality, t.AssetQuality) >= MinQuality &&
		min(t.QueryFraction, t.AssetFraction) >= MinTrimFraction {
		score := TrimScore(t.Distance, t.QueryFraction, t.AssetFraction)
		if al := t.Aligned; al != nil {
			score = max(score, trimAlignedScore(al.Correlation, t.QueryFraction, t.AssetFraction))
		}
		best, found = partMatch(c.Asset, t, MethodTrimmedPDQ, score), true
	}
	if m, ok := judgeThumb(q, c); ok && (!found || m.Score > best.Score) {
		best, found = m, true
	}
	if g := c.Geometry; g != nil {
		if s := FeatureScore(*g); s > 0 && (!found || s > best.Score) {
			best, found = featuresMatch(c.Asset, s, *g), true
		} else if found {
			best.addGeometry(*g)
		}
	}
	if found {
		best.capByColor()
		if g := c.Geometry; g != nil {
			if s := occludedScore(*g); s > best.Score {
				best = featuresMatch(c.Asset, s, *g)
			}
		}
	}
	// Under captions: judged on what they leave to see, whether or not
	// the plain evidence found the copy (the keypoints under a large
	// caption can take its inlier ratio under MinInlierRatio).
	return judgeCaptioned(q, c, best, found)
}

// judgeCaptioned weighs the evidence of c's verification judged with the
// query's captions left out (Geometry.Captioned) against best, the match
// the other evidence made (found: whether it made one). A match sure by
// captionedScore replaces a weaker best. Failing that, when every cell
// the captions leave to see agrees but for cells beside them
// (captionAgrees), the captioned evidence is kept on a best that is not
// sure, for Resolve's agreeing lift (Match.captioned), and makes a match
// of its own, scored captionAgreeScore, where the other evidence made
// none: the keypoints left beside two lines of large letters (or on a
// texture, which JPEG moves) are often too few for any rule on them, but
// the pixels the letters leave agree cell for cell and colour for colour.
func judgeCaptioned(q Query, c Candidate, best Match, found bool) (Match, bool) {
	g := c.Geometry
	if g == nil || g.Captioned == nil {
		return best, found
	}
	if s := captionedScore(*g); s > 0 && (!found || s > best.Score) {
		return featuresMatch(c.Asset, s, *g.Captioned), true
	}
	if q.Pixels == nil || q.Pixels.Features == nil || c.Asset == nil || found && best.Score >= SureScore ||
		!captionAgrees(*g.Captioned, q.Pixels.Features.Captions, func(r Rect) Rect {
			return g.Captioned.Transform.rectToQuery(r, c.Asset.Width, c.Asset.Height, q.Pixels.Width, q.Pixels.Height)
		}) {
		return best, found
	}
	if !found {
		best, found = featuresMatch(c.Asset, captionAgreeScore, *g.Captioned), true
	}
	cg := *g.Captioned
	best.captioned = &cg
	return best, found
}

// Evidence a verification judged with the query's captions left out
// needs for Resolve's agreeing lift (captionAgrees), and the score of a
// match made on it alone.
const (
	// captionAgreeCells is the least number of thumbnail cells the
	// captions leave to compare: half the picture's.
	captionAgreeCells = fingerprint.ThumbSide * fingerprint.ThumbSide / 2
	// captionBesideMargin is how far beside the captions (their bounding
	// box, in fractions of the query's sides) the cells off may lie: two
	// thumbnail cells, the letters' tops and tails and the outline that
	// the rows crossing the letters miss (fingerprint's finder), and the
	// gap between two lines. captionBesideShare bounds their rectangle.
	captionBesideMargin = 2.0 / fingerprint.ThumbSide
	captionBesideShare  = 0.15
	// captionAgreeScore is the top of the weak band: the pixels agree,
	// but a sibling drawn from one template, whose differing part the
	// captions hide, would agree as well; only the rest of the index
	// (Resolve) tells.
	captionAgreeScore = 0.5
)

// captionAgrees reports whether a verification judged with the query's
// captions (caps) left out (c, a Geometry.Captioned) finds every cell
// they leave to see agreeing, but cells beside them: colours compared, >=
// captionAgreeCells cells left, correlating >= sureCorrelation trimmed,
// the match explaining >= wideOverlayQueryShare of the query (a caption
// is written over a copy, not beside a picture set in a larger one), and
// either no cell off (luma or colour) with a full correlation >=
// captionedFullCorrelation, or every cell off in one rectangle of at most
// captionBesideShare of the cells, which toQuery lays (from the asset's
// fractions to the query's) inside the captions' bounding box grown by
// captionBesideMargin, outside which the rest agrees
// (Occlusion.restAgrees). No floor is put on the keypoints beyond the
// verification's own: the pixels, laid by the transform they fit, agree
// cell for cell.
func captionAgrees(c Geometry, caps []fingerprint.CaptionRect, toQuery func(Rect) Rect) bool {
	if c.CaptionCells == 0 || len(caps) == 0 || c.ColorCells == 0 || c.Cells < captionAgreeCells ||
		c.Correlation < sureCorrelation || c.QueryOverlap < wideOverlayQueryShare {
		return false
	}
	o := c.Occlusion
	if o == nil {
		return c.Agrees && c.ColorOff == 0 && c.FullCorrelation >= captionedFullCorrelation
	}
	if o.Share > captionBesideShare || !o.restAgrees() {
		return false
	}
	b := Rect{X0: 1, Y0: 1}
	for _, r := range caps {
		b.X0, b.Y0 = min(b.X0, float64(r.X0)), min(b.Y0, float64(r.Y0))
		b.X1, b.Y1 = max(b.X1, float64(r.X1)), max(b.Y1, float64(r.Y1))
	}
	const eps = 1e-6
	m := captionBesideMargin + eps
	r := toQuery(o.Rect)
	return r.X0 >= b.X0-m && r.Y0 >= b.Y0-m && r.X1 <= b.X1+m && r.Y1 <= b.Y1+m
}

// rectToQuery lays r, a rectangle of an aw x ah asset in fractions of its
// sides, into a qw x qh query by t: the bounding box of its corners, in
// fractions of the query's sides.
func (t Transform) rectToQuery(r Rect, aw, ah, qw, qh int) Rect {
	if aw <= 0 || ah <= 0 || qw <= 0 || qh <= 0 {
		return r
	}
	z := cmplx.Rect(t.Scale, t.RotationDeg*math.Pi/180)
	off := complex(t.OffsetX, t.OffsetY)
	out := Rect{X0: math.Inf(1), Y0: math.Inf(1), X1: math.Inf(-1), Y1: math.Inf(-1)}
	for _, p := range [4]complex128{complex(r.X0, r.Y0), complex(r.X1, r.Y0), complex(r.X0, r.Y1), complex(r.X1, r.Y1)} {
		v := z*complex(real(p)*float64(aw), imag(p)*float64(ah)) + off
		x, y := real(v)/float64(qw), imag(v)/float64(qh)
		out.X0, out.Y0, out.X1, out.Y1 = min(out.X0, x), min(out.Y0, y), max(out.X1, x), max(out.Y1, y)
	}
	return out
}

// MinInsetFraction is the least share of the query a picture found set
// inside it (fingerprint.FindInset) may have to be compared: its sides
// are at least 0.2 of the query's.
const MinInsetFraction = 0.04

// judgeInset decides the edited tier from the PDQ match of a picture found
// set inside the query with the whole asset (Candidate.Inset): scored as
// a whole-picture match on its distance and on the pixels of the two laid
// on each other (the near-exact curve less 0.02, 0.93 when they correlate
// >= 0.997, 0.7 from 0.99), but no more than likely without the pixels
// compared, colours included. Unlike a trimmed rectangle, a small one is
// not capped: the asset is compared whole, and the rectangle was found by
// four edges, not left inside a plain frame (where a tiny icon hashes
// like unrelated ones). The aligned veto and the colours judge it as any
// PDQ match.
func judgeInset(c Candidate) (Match, bool) {
	t := c.Inset
	if t == nil || t.Distance < 0 || t.Distance > MaxTrimDistance ||
		min(t.QueryQuality, t.AssetQuality) < MinQuality || t.QueryFraction < MinInsetFraction {
		return Match{}, false
	}
	score := TrimScore(t.Distance, 1, 1)
	if al := t.Aligned; al != nil {
		score = max(score, trimAlignedScore(al.Correlation, 1, 1))
	}
	if al := t.Aligned; al == nil || al.ColorCells == 0 {
		score = min(score, LikelyScore-0.05)
	}
	return partMatch(c.Asset, t, MethodInsetPDQ, score), true
}

// judgeInsetThumb decides the edited tier from the pixels of the picture
// set inside the query (fingerprint.Features.Inset, or the rectangle
// ThumbEvidence.Part) laid on an asset
// found by the inset's thumbnail vector (Candidate.InsetThumb), by the
// rules of a sure match found by the whole query's (thumbScore): the
// inset and the asset of one shape, their pixels agreeing to thumbSure
// with no rival (another asset laid on the inset) within thumbSureGap,
// and their colours compared and agreeing. It finds the copies set inside
// a picture whose PDQ says nothing: a flag of three bands or a picture of
// stripes, whose hash bits follow coefficients near their median, and the
// flat pictures (soft gradients, near-blank drawings) whose PDQ quality
// is under MinQuality (docs/MATCHING.md, "Insets"). Unlike a whole-query
// thumbnail match it reports nothing weaker: on the accuracy benchmark
// the weaker ones were look-alikes laid out alike (avatars of one
// style), which then competed with true matches (match.Resolve) and kept
// three copies from their lift.
func judgeInsetThumb(q Query, c Candidate) (Match, bool) {
	t := c.InsetThumb
	if t == nil || t.Aligned == nil || c.Asset == nil || q.Pixels == nil || q.Pixels.Features == nil {
		return Match{}, false
	}
	r := t.Part
	if r.Empty() {
		r = q.Pixels.Features.Inset
	}
	qw, qh := q.Pixels.Width, q.Pixels.Height
	if r.Empty() || qw <= 0 || qh <= 0 || !sameShape(r.Dx(), r.Dy(), c.Asset.Width, c.Asset.Height, t.Variant) {
		return Match{}, false
	}
	share := float64(r.Dx()) * float64(r.Dy()) / (float64(qw) * float64(qh))
	al := t.Aligned
	if share < MinInsetFraction || al.soft() < thumbSure || al.soft()-t.Rival < thumbSureGap ||
		al.ColorCells == 0 || colorDiffers(al.ColorOff, al.ColorCells) {
		return Match{}, false
	}
	m := Match{
		Asset: c.Asset, Tier: TierEdited, Score: thumbSureScore,
		Fingerprint: MethodInsetPixels, Method: MethodInsetPixels,
		Variant: VariantNames[t.Variant&7], PHashDistance: -1,
		QueryOverlap: round3(share), AssetOverlap: 1,
	}
	m.setAligned(al)
	return m, true
}

// partMatch is the edited-tier match decided by the PDQ of a part of a
// picture (trimmed or inset) t, scored s, with its aligned pixels as
// evidence and their veto.
func partMatch(a *sleuth.Asset, t *TrimEvidence, method string, s float64) Match {
	m := Match{
		Asset: a, Tier: TierEdited, Score: s,
		Fingerprint: method, Method: method,
		Distance: t.Distance, Variant: VariantNames[t.Variant&7], PHashDistance: -1,
		QueryQuality: t.QueryQuality, AssetQuality: t.AssetQuality,
		QueryOverlap: round3(t.QueryFraction), AssetOverlap: round3(t.AssetFraction),
	}
	if t.Aligned != nil {
		m.setAligned(t.Aligned)
	}
	m.vetoByAligned(t.Aligned)
	return m
}

// featuresMatch is the edited-tier match decided by the local features'
// evidence g, scored s.
func featuresMatch(a *sleuth.Asset, s float64, g Geometry) Match {
	m := Match{Asset: a, Tier: TierEdited, Score: s, Fingerprint: MethodLocalFeatures, PHashDistance: -1}
	m.setGeometry(g)
	return m
}

// Score bands (docs/MATCHING.md, "Scores"): a match scores >= SureScore
// only on evidence under which labelled matches were >= 99.9% true, and
// >= LikelyScore only where they were >= 99% true.
const (
	SureScore   = 0.9
	LikelyScore = 0.55
	// MaxCorroboratedScore caps a near_exact match whose PDQ is of low
	// quality (flat or tiny pictures), found only because the pHash
	// agrees too: below LikelyScore, as nothing measured it.
	MaxCorroboratedScore = 0.5
	// MinSureTrimFraction is the least share of each picture a trimmed
	// hash must stand for to score above LikelyScore: a small trimmed
	// rectangle (an icon inside a frame) matches unrelated pictures.
	MinSureTrimFraction = 0.5
)

// Geometric evidence a local-features match needs to score >= SureScore
// (sure*, two ways) or >= LikelyScore (likely*): the thumbnail correlation
// with the worst tenth of the cells left out (Correlation), the same over
// every cell (FullCorrelation), the inlier ratio, the inliers and the
// coverage. Distinct pictures drawn from one template (avatar tokens that
// share layers, numbered clipart series, icon themes) agree pixel for
// pixel wherever they share a layer, so the trimmed correlation is high
// for them too; over every cell of the shared area it is not, where a
// copy that is only cropped, turned or framed agrees everywhere. A copy
// under a caption or a logo keeps most of its keypoints (the inlier ratio)
// but not every cell.
const (
	sureCorrelation     = 0.95
	sureInlierRatio     = 0.86
	sureFullCorrelation = 0.95 // with sureInlierRatio
	sureInliers         = 20
	sureCoverage        = 0.5
	// The second way: fewer keypoints agree (a rotation, a crop), every
	// cell does.
	sureFullCorrelationB  = 0.99
	sureInlierRatioB      = 0.55
	likelyFullCorrelation = 0.99
	likelyInlierRatio     = 0.3
	likelyCoverage        = 0.5
	// The third way to sure: two fifths of the keypoints agree, the
	// pixels agree in every cell to sureFullCorrelationC, and the colours
	// were compared and agree (at most MaxColorOffCells cells off). On
	// the 2026-12-05 benchmark run (the corpus with geometric duplicates
	// merged), rescored offline, this took the recall from 56.1% to
	// 61.3% at a threshold of 0.88 with matches >= 0.9 99.918% true;
	// from an inlier ratio of 0.3 (63.1%) matches >= 0.9 fell to 99.905%
	// true, with no margin left.
	sureFullCorrelationC = 0.995
	sureInlierRatioC     = 0.4
	// The fourth way: a third of the keypoints agree (a crop or a
	// rotation scaled up or down, whose keypoints fall on other pyramid
	// levels), the pixels agree to sureFullCorrelationD, and not one cell
	// of the shared area disagrees, in luma or in colour
	// (Geometry.Agrees): look-alikes that share layers differ in some
	// cell. On the 2026-12-05 evening runs: from a ratio of 0.2, 65.9%
	// (threshold 0.898, 99.901% >= 0.9) before Verify's tightened refit,
	// and with it 67.5% but 99.879% >= 0.9 (17 false matches: mirrored
	// OpenClipart flourishes, star polygons of nearby point counts,
	// localised versions of one Wesnoth help picture); from 0.3 with the
	// refit, 68.6% at 0.898 with 99.905% (13 false). Rescored offline:
	// 0.25 gave 99.899%, 0.4 66.3% with 99.917%.
	sureFullCorrelationD = 0.998
	sureInlierRatioD     = 0.3
	// The fifth way, up to 0.95: no cell disagrees and the pixels agree
	// to sureFullCorrelationD as in the fourth, at least
	// sureGuidedRatio of the keypoints come back where the transform puts
	// them (Geometry.GuidedRatio), and each picture shows at least
	// sureGuidedOverlap of its area in the other. It reaches the drawings
	// whose repeated strokes leave few keypoints through the ratio test
	// (inlier ratios of 0.1-0.3, so below the fourth way). Rescored
	// offline on the 2026-12-05 benchmark run (the night's corpus): a
	// guided ratio of 0.6 took the recall from 68.6% to 70.3% at the same
	// threshold (0.880), matches >= 0.9 from 99.920% to 99.915% true (12
	// false: one more, a mirrored OpenClipart flourish corner); without
	// the overlap bound, 4 false matches more (New South Wales's flag
	// against the United Kingdom's, in its canton; two emoji embedded in
	// backgrounds against a Hedgewars sky; each over a quarter of the
	// query).
	sureGuidedRatio   = 0.6
	sureGuidedOverlap = 0.3
)

// guidedSure reports whether g passes the fifth way to sure (see
// sureGuidedRatio). The pixels are judged under the transform fitted to
// the keypoints (Geometry.Fitted, when the refinement moved it): with so
// few keypoints agreeing, the refinement's freedom to move the transform
// by a pixel or two, in scale and turn too, was enough on the 2026-12-06
// night run to make look-alikes agree in every cell (star polygons of
// nearby point counts, a flourish against its mirror image).
func guidedSure(g Geometry) bool {
	px := PixelEvidence{Correlation: g.Correlation, FullCorrelation: g.FullCorrelation, Agrees: g.Agrees}
	if g.Fitted != nil {
		px = *g.Fitted
	}
	return px.Agrees && px.Correlation >= sureCorrelation && px.FullCorrelation >= sureFullCorrelationD &&
		g.GuidedRatio >= sureGuidedRatio && g.Inliers >= MinInliers && g.Coverage >= sureCoverage &&
		min(g.QueryOverlap, g.AssetOverlap) >= sureGuidedOverlap
}

// TrimScore is the score of a trimmed-PDQ match at distance d (0..31)
// between rectangles that stand for the fractions qf and af of the query
// and of the asset: the near-exact curve, a little lower, and below
// LikelyScore when either rectangle is under MinSureTrimFraction of its
// picture.
func TrimScore(d int, qf, af float64) float64 {
	if d < 0 || d > MaxTrimDistance {
		return 0
	}
	s := nearExactScore(d) - 0.02
	if min(qf, af) < MinSureTrimFraction {
		s = min(s, LikelyScore-0.05)
	}
	return math.Round(s*1000) / 1000
}

// trimAlignedScore is the score a trimmed-PDQ match earns from the aligned
// correlation r of its rectangles: the PDQ's sure (0.93) and likely (0.7)
// levels at the aligned thresholds of a whole-picture match, no more than
// likely when either rectangle is under MinSureTrimFraction of its
// picture; 0 below.
func trimAlignedScore(r, qf, af float64) float64 {
	var s float64
	switch {
	case r >= alignedSure:
		s = 0.93
	case r >= alignedLikely:
		s = 0.7
	}
	if min(qf, af) < MinSureTrimFraction {
		s = min(s, LikelyScore-0.05)
	}
	return s
}

// FeatureScore is the score of a geometric verification: the probability
// that the asset is a copy given the evidence, as measured on the accuracy
// benchmark (docs/MATCHING.md). It is 0 unless the evidence passes every
// gate (MinInliers agreeing keypoints, MinInlierRatio of the covered ones,
// inliers spanning MinCoverage of the covered area, and, when it could be
// measured, a thumbnail correlation of MinCorrelation). Then, with the
// pixels measured and a trimmed correlation >= 0.95:
//
//   - sure band, 0.9 to 0.99: inlier ratio >= 0.86, full correlation >=
//     0.95, >= 20 inliers, coverage >= 0.5, rising with the ratio (to
//     0.95) and the trimmed correlation (to 0.99), the weaker of the two;
//     or inlier ratio >= 0.55, full correlation >= 0.99, >= 20 inliers,
//     coverage >= 0.5, rising with the ratio (to 0.95) and the full
//     correlation (to 1); or, up to 0.95, inlier ratio >= 0.4, full
//     correlation >= 0.995, >= 20 inliers, coverage >= 0.5 and colours
//     compared and agreeing (at most MaxColorOffCells cells off), rising
//     with the ratio (to 0.95) and the full correlation (to 1); or, up to
//     0.95, inlier ratio >= 0.3, full correlation >= 0.998, >= 20
//     inliers, coverage >= 0.5 and no cell disagreeing (Geometry.Agrees),
//     rising the same way; or, up to 0.95, no cell disagreeing, full
//     correlation >= 0.998, >= 12 inliers, coverage >= 0.5, a guided
//     inlier ratio >= 0.6 (Geometry.GuidedRatio) and each picture
//     showing >= 0.3 of itself in the other, rising with the guided
//     ratio (to 0.95); this way passes the inlier-ratio gate too;
//   - likely band, 0.55 to 0.85: inlier ratio >= 0.3, full correlation >=
//     0.99, coverage >= 0.5, rising with the ratio (to 0.55) and the full
//     correlation (to 1);
//   - otherwise 0.3 to 0.5, rising with the evidence e of evidence().
//
// Without a correlation (a query rebuilt from stored features, which has
// no pixels) a match stays in the lowest band: the pixels are what tells a
// copy from a look-alike drawn from the same layers.
func FeatureScore(g Geometry) float64 {
	if g.Inliers < MinInliers || g.Coverage < MinCoverage || (g.InlierRatio < MinInlierRatio && !guidedSure(g)) {
		return 0
	}
	measured := g.Correlation >= -0.5
	if measured && g.Correlation < MinCorrelation {
		return 0
	}
	clamp := func(v float64) float64 { return math.Max(0, math.Min(1, v)) }
	ratio, full := g.InlierRatio, g.FullCorrelation
	pixels := measured && g.Correlation >= sureCorrelation
	var s float64
	switch {
	case pixels && ratio >= sureInlierRatio && full >= sureFullCorrelation &&
		g.Inliers >= sureInliers && g.Coverage >= sureCoverage:
		s = 0.9 + 0.09*min(clamp((ratio-sureInlierRatio)/(0.95-sureInlierRatio)), clamp((g.Correlation-sureCorrelation)/0.04))
	case pixels && ratio >= sureInlierRatioB && full >= sureFullCorrelationB &&
		g.Inliers >= sureInliers && g.Coverage >= sureCoverage:
		s = 0.9 + 0.09*min(clamp((ratio-sureInlierRatioB)/(0.95-sureInlierRatioB)), clamp((full-sureFullCorrelationB)/(1-sureFullCorrelationB)))
	case pixels && ratio >= sureInlierRatioC && full >= sureFullCorrelationC &&
		g.Inliers >= sureInliers && g.Coverage >= sureCoverage &&
		g.ColorCells > 0 && !colorDiffers(g.ColorOff, g.ColorCells):
		s = 0.9 + 0.05*min(clamp((ratio-sureInlierRatioC)/(0.95-sureInlierRatioC)), clamp((full-sureFullCorrelationC)/(1-sureFullCorrelationC)))
	case pixels && g.Agrees && ratio >= sureInlierRatioD && full >= sureFullCorrelationD &&
		g.Inliers >= sureInliers && g.Coverage >= sureCoverage:
		s = 0.9 + 0.05*min(clamp((ratio-sureInlierRatioD)/(0.95-sureInlierRatioD)), clamp((full-sureFullCorrelationD)/(1-sureFullCorrelationD)))
	case pixels && guidedSure(g):
		s = 0.9 + 0.05*clamp((g.GuidedRatio-sureGuidedRatio)/(0.95-sureGuidedRatio))
	case pixels && ratio >= likelyInlierRatio && full >= likelyFullCorrelation && g.Coverage >= likelyCoverage:
		s = 0.55 + 0.3*min(clamp((ratio-likelyInlierRatio)/(sureInlierRatioB-likelyInlierRatio)), clamp((full-likelyFullCorrelation)/(1-likelyFullCorrelation)))
	default:
		s = 0.3 + 0.2*evidence(g)
	}
	return math.Round(s*1000) / 1000
}

// Evidence a local-features match needs to be sure when its colours (or
// some of its cells) differ inside one small rectangle (occludedScore).
const (
	occludedInlierRatio     = 0.85
	occludedFullCorrelation = 0.97
	occludedMaxShare        = 0.25
	occludedCorrelation     = 0.998
)

// occludedScore is the score of a geometric verification that finds a copy
// under a caption or a logo: most keypoints agree (an inlier ratio >=
// occludedInlierRatio, >= sureInliers of them, coverage >= sureCoverage),
// the pixels agree (trimmed correlation >= sureCorrelation, full >=
// occludedFullCorrelation), the colours were compared, and every cell that
// differs, in luma or in colour, lies in one rectangle (g.Occlusion) of at
// most occludedMaxShare of the cells, outside which the thumbnail cells
// correlate >= occludedCorrelation. Such a match is sure, 0.9 rising with
// the ratio to 0.95 at 0.95, however many colour cells the rectangle
// holds: Match.capByColor does not apply. 0 otherwise.
//
// Distinct tokens drawn from one template can differ in one compact
// region too (a face's expression, a clock's hands): on the 2026-12-05
// evening benchmark run, the false matches passing the rest of the rule
// kept inlier ratios up to 0.797; of the 1,472 true ones, 269 kept 0.85
// or more, 185 of which scored under 0.9 without the rule (rescored
// offline: recall 61.3% -> 62.2% at the same threshold, no new false
// match; a ratio of 0.8 gave 62.6%, with no margin).
func occludedScore(g Geometry) float64 {
	o := g.Occlusion
	if o == nil || g.Correlation < sureCorrelation || g.FullCorrelation < occludedFullCorrelation ||
		g.InlierRatio < occludedInlierRatio || g.Inliers < sureInliers || g.Coverage < sureCoverage ||
		g.ColorCells == 0 || o.Share > occludedMaxShare || !o.restAgrees() {
		return 0
	}
	r := math.Max(0, math.Min(1, (g.InlierRatio-occludedInlierRatio)/(0.95-occludedInlierRatio)))
	return math.Round((0.9+0.05*r)*1000) / 1000
}

// Evidence a local-features match needs to be sure with the query's
// captions left out (captionedScore).
const (
	captionedInlierRatio     = 0.4
	captionedFullCorrelation = 0.998
	captionedMaxShare        = 0.03
)

// captionedScore is the score of a geometric verification that finds a
// copy under captions (lines of outlined letters, found in the query:
// fingerprint.Features.Captions), judged on what they leave to see
// (g.Captioned): at least captionedInlierRatio of the asset keypoints
// not under a caption agree (>= sureInliers of them, coverage >=
// sureCoverage), the cells not under a caption correlate >=
// captionedFullCorrelation, none left out, and no cell disagrees, in luma
// or in colour, but in one rectangle of at most captionedMaxShare of the
// cells with no colour cell off (the caption's outline where it outgrows
// the rectangle found, JPEG's ringing around it), outside which the rest
// agrees. Such a match is sure, 0.9 rising with the ratio to 0.95 at
// 0.95. 0 otherwise, and for a query without captions.
//
// Pictures that differ only where the query has letters (one help
// picture localised into several languages, whose own text the finder
// takes for a caption) pass the rest of the rule: what tells them apart
// is the cells beside the letters, which is why so few may be off. Rescored
// offline on the 2026-12-06 evening run of the text family with every
// local-features rule seeing the captions left out (docs/MATCHING.md,
// "Captions"): this rule found 93 copies the plain evidence had missed,
// with no false match; an inlier ratio of 0.3 or a full correlation of
// 0.99 let in one or two, and letting every rule see the captions left
// out found 189 but with 9 false matches >= 0.9 (the localised pictures,
// avatar tokens whose differing part the caption hid).
func captionedScore(g Geometry) float64 {
	c := g.Captioned
	if c == nil || c.Correlation < -0.5 || c.ColorCells == 0 || c.FullCorrelation < captionedFullCorrelation ||
		c.InlierRatio < captionedInlierRatio || c.Inliers < sureInliers || c.Coverage < sureCoverage {
		return 0
	}
	if o := c.Occlusion; o != nil && (o.Share > captionedMaxShare || o.ColorOff > 0 || !o.restAgrees()) {
		return 0
	}
	if c.Occlusion == nil && !c.Agrees {
		return 0
	}
	r := math.Max(0, math.Min(1, (c.InlierRatio-captionedInlierRatio)/(0.95-captionedInlierRatio)))
	return math.Round((0.9+0.05*r)*1000) / 1000
}

// evidence sums up a verification in [0,1]: the correlation from 0.85 to
// 0.98 (0.5 when not measured), weighted 4, the inliers from 12 to 60 (log
// scale), the inlier ratio from 0.12 to 0.42 and the coverage from 0.3 to
// 0.8, each clamped to [0,1].
func evidence(g Geometry) float64 {
	clamp := func(v float64) float64 { return math.Max(0, math.Min(1, v)) }
	a := 0.5
	if g.Correlation >= -0.5 {
		a = clamp((g.Correlation - 0.85) / 0.13)
	}
	b := clamp((math.Log(float64(g.Inliers)) - math.Log(MinInliers)) / (math.Log(60) - math.Log(MinInliers)))
	c := clamp((g.InlierRatio - MinInlierRatio) / 0.3)
	d := clamp((g.Coverage - MinCoverage) / 0.5)
	return (4*a + b + c + d) / 7
}
