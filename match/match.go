// Package match turns fingerprint evidence into verdicts: for a query
// picture and one registered asset, whether the asset is a copy, how sure
// Sleuth is (a score in [0,1]), and why (the tier, the fingerprint, the
// distance, the dihedral transform).
//
// Tiers, strongest first (docs/MATCHING.md has the full rules):
//
//   - exact: the same bytes (Nid, sha256, BLAKE3) or the same decoded
//     pixels (pixel digest). Score 1.
//   - near_exact: the same picture re-encoded, resized, lightly recoloured,
//     flipped or turned by quarter turns: PDQ within MaxNearExactDistance
//     over the query's 8 dihedral variants, both hashes of quality >=
//     MinQuality. A PDQ of lower quality (flat or tiny pictures) is never
//     trusted alone: such a match needs the pHash to agree too, and scores
//     lower.
//   - edited: the same work cropped, padded, overlaid, embedded or
//     rotated by any angle: the PDQ of the picture inside a uniform
//     border (trimmed_pdq), of a picture found set inside the query by
//     its four edges against the whole asset (inset_pdq, see
//     fingerprint.FindInset), or local features that one similarity
//     transform maps onto each other (local_features, see Verify: the
//     transform is refined on the pixels before they are compared; a
//     query's captions are left out of a second judgement of the same
//     verification, Geometry.Captioned); and,
//     when nothing else is sure, a picture of the same shape whose
//     thumbnail agrees cell for cell, clearly better than any other's,
//     upright or turned by a few degrees on its own canvas
//     (aligned_pixels, see ThumbVector and CompareTurned), or that of
//     the inset's shape whose thumbnail agrees with the inset's
//     (inset_pixels, see InsetThumbVector), or one the query shows a
//     window of, cropped (cropped_pixels, see FindCropWindow).
//
// PDQ, trimmed-PDQ and inset-PDQ matches are also laid on each other pixel for pixel
// (CompareAligned): a copy agrees in every cell, a look-alike drawn from
// the same template does not.
//
// Judge is a pure function: the engine gathers candidates from its indexes
// and the store, and Judge decides, one asset at a time; Resolve then
// weighs a query's matches against each other (a look-alike outscored by
// a clean match is capped, a copy that no other asset competes with can
// be lifted). Everything here is deterministic.
package match

import (
	"cmp"
	"math"
	"slices"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
)

// Tier is how strongly a match is a copy.
type Tier string

// The tiers, strongest first.
const (
	TierExact     Tier = "exact"
	TierNearExact Tier = "near_exact"
	TierEdited    Tier = "edited"
)

// rank orders tiers, strongest first.
func (t Tier) rank() int {
	switch t {
	case TierExact:
		return 0
	case TierNearExact:
		return 1
	case TierEdited:
		return 2
	}
	return 3
}

// Thresholds of the near_exact tier.
const (
	// MaxNearExactDistance is the largest PDQ Hamming distance (of 256) for
	// near_exact: Meta's recommended match threshold.
	MaxNearExactDistance = 31
	// MinQuality is the PDQ quality below which a hash is not trusted alone.
	MinQuality = 50
	// MaxCorroboratingPHash is the largest pHash distance (of 64) that lets
	// a low-quality PDQ match stand.
	MaxCorroboratingPHash = 8
)

// Fingerprint names, as reported in Match.Fingerprint.
const (
	ByNid         = "nid"
	BySHA256      = "sha256"
	ByBLAKE3      = "blake3"
	ByPixelSHA256 = "pixel_sha256"
	ByPDQ         = "pdq"
	ByPDQPHash    = "pdq+phash"
)

// VariantNames names the dihedral variants of the query, by index.
var VariantNames = [8]string{"original", "rotate90", "rotate180", "rotate270", "flip_x", "flip_y", "flip_plus1", "flip_minus1"}

// Query is what is known of the picture being searched for.
type Query struct {
	Exact  fingerprint.Exact
	Pixels *fingerprint.Pixels // nil when the query is not a decodable image
}

// Candidate is one registered asset with the evidence an index found.
type Candidate struct {
	Asset *sleuth.Asset
	// PDQDistance and PDQVariant: the smallest distance between the asset's
	// PDQ and any dihedral variant of the query's, and that variant; -1
	// when no PDQ evidence was found.
	PDQDistance int
	PDQVariant  int
	// Trim is the best match of a trimmed picture's PDQ (the query's, the
	// asset's or both), nil when none was found.
	Trim *TrimEvidence
	// Inset is the PDQ match of a picture found set inside the query
	// (fingerprint.Pixels.Inset) with the whole asset, nil when none was
	// found.
	Inset *TrimEvidence
	// Geometry is the geometric verification of the local features, nil
	// when none was run or it found no transform.
	Geometry *Geometry
	// Aligned compares the pixels of the asset and of the query laid on
	// it by PDQVariant (CompareAligned), nil when not measured.
	Aligned *AlignedEvidence
	// Thumb is the thumbnail evidence, when the query had nothing sure
	// (engine): of an asset found by its thumbnail vector, or of a PDQ
	// candidate laid on the query by the picture or its mirror image;
	// nil otherwise.
	Thumb *ThumbEvidence
	// InsetThumb is the thumbnail evidence of an asset found by the
	// thumbnail vector of the picture set inside the query
	// (fingerprint.Features.Inset, or the picture inside its border:
	// ThumbEvidence.Part; engine), when the query had nothing
	// sure: the inset's pixels laid on the whole asset; nil otherwise.
	InsetThumb *ThumbEvidence
	// Cropped is the evidence of an asset found by the query's thumbnail
	// vector, when the query had nothing sure, laid on the window of it
	// the query may show (FindCropWindow; engine); nil otherwise.
	Cropped *CropEvidence
}

// Match is one verdict: this asset is a copy of the query.
type Match struct {
	Asset *sleuth.Asset `json:"asset"`
	Tier  Tier          `json:"tier"`
	// Score is the probability that the asset is a copy, in [0,1].
	Score float64 `json:"score"`
	// Fingerprint says which fingerprint decided (see the By* constants).
	Fingerprint string `json:"fingerprint"`
	// Distance is the Hamming distance of that fingerprint; 0 for exact.
	Distance int `json:"distance"`
	// Variant is the dihedral transform of the query that matched
	// ("original", "rotate90", ...); empty for exact matches.
	Variant string `json:"variant,omitempty"`
	// PHashDistance is the pHash distance when both have one, else -1:
	// of the query's variant that matched (Variant).
	PHashDistance int `json:"phash_distance"`
	// QueryQuality and AssetQuality are the PDQ qualities compared.
	QueryQuality int `json:"query_quality,omitempty"`
	AssetQuality int `json:"asset_quality,omitempty"`
	// Evidence of the edited tier (zero otherwise): the method that
	// found the copy (the Method* constants), the fractions of the query's
	// and of the asset's area that the two pictures share, and, for
	// local features, the number of keypoints that agree and the
	// transform mapping the asset onto the query. The local features'
	// evidence (Inliers, Transform, InlierRatio, Coverage and the
	// correlations) is also reported when a verification ran but another
	// method decided.
	Method       string     `json:"method,omitempty"`
	QueryOverlap float64    `json:"query_overlap,omitempty"`
	AssetOverlap float64    `json:"asset_overlap,omitempty"`
	Inliers      int        `json:"inliers,omitempty"`
	Transform    *Transform `json:"transform,omitempty"`
	// InlierRatio, Coverage and Correlation are the rest of a geometric
	// verification's evidence (Geometry): the share of the asset's
	// keypoints inside the shared area that agree, how much of that area
	// the agreeing ones span, and how alike the pixels are there (omitted
	// when not measured).
	InlierRatio float64 `json:"inlier_ratio,omitempty"`
	// GuidedInlierRatio is the share of those keypoints found again at
	// the place the transform puts them, once it is known
	// (Geometry.GuidedRatio).
	GuidedInlierRatio float64  `json:"guided_inlier_ratio,omitempty"`
	Coverage          float64  `json:"coverage,omitempty"`
	Correlation       *float64 `json:"correlation,omitempty"`
	// FullCorrelation is Correlation with no cell left out, Off the share
	// of those cells that disagree (Geometry.Off).
	FullCorrelation *float64 `json:"full_correlation,omitempty"`
	Off             *float64 `json:"off,omitempty"`
	// AlignedCorrelation is, for a PDQ or trimmed-PDQ match, the
	// correlation of the two pictures' (or rectangles') luma over a 32x32
	// grid once the query is turned by Variant (CompareAligned,
	// CompareAlignedRect); omitted when not measured.
	AlignedCorrelation *float64 `json:"aligned_correlation,omitempty"`
	// AlignedSoftCorrelation is the same correlation with the asset's
	// thumbnail softened (AlignedEvidence.SoftCorrelation), when higher.
	AlignedSoftCorrelation *float64 `json:"aligned_soft_correlation,omitempty"`
	// AlignedOff is the share of those cells that disagree
	// (AlignedEvidence.Off).
	AlignedOff *float64 `json:"aligned_off,omitempty"`
	// ColorOff is the share of the cells of the asset's 16x16 colour grid
	// (those the query covers) that the best affine colour map between the
	// two pictures misses, as laid on each other by the method that decided
	// (AlignedEvidence.ColorOff, Geometry.ColorOff); omitted when not
	// measured. More than MaxColorOffCells such cells cap the score
	// (capByColor).
	ColorOff *float64 `json:"color_off,omitempty"`
	// Recoloured says that the deciding comparison read the query's luma
	// back through a hue turn fitted to the colours (the query's colour as
	// the asset's luma), which agreed better: a copy whose hues were
	// turned (AlignedEvidence.Recoloured, Geometry.Recoloured). Omitted
	// when not.
	Recoloured bool `json:"recoloured,omitempty"`
	// Occlusion is the rectangle of the asset that holds every cell the
	// deciding comparison found to disagree (a caption, a logo, a layer
	// drawn differently), and how well the rest agrees; omitted when no
	// cell disagrees or the pixels were not compared.
	Occlusion *Occlusion `json:"occlusion,omitempty"`
	// CaptionCells counts the thumbnail cells of the shared area that the
	// query's captions cover (lines of outlined letters written over it,
	// fingerprint.Features.Captions): the local features' pixel and
	// colour comparisons leave them out, as the inlier ratio leaves out
	// the asset keypoints under them (Geometry.CaptionCells, Hidden).
	// Omitted when none.
	CaptionCells int `json:"caption_cells,omitempty"`
	// Alone says why the score was lifted because no other asset competes
	// for the query (Resolve; at most one weakly, or a few beside a solid
	// overlay, any number beside a stamp in a corner): AloneOverlay, the
	// query is this asset under
	// an overlay (a caption, a logo: every differing cell in one
	// Occlusion rectangle); AloneAgrees, every compared cell agrees (but
	// a few or scattered luma cells) though few keypoints do, or every
	// cell the query's captions leave to see does but cells beside them
	// (CaptionCells). Empty when not lifted.
	Alone string `json:"alone,omitempty"`
	// OutscoredBy is the Nid of the asset that explains the same part of
	// the query better, when that capped this match's score (Resolve).
	OutscoredBy string `json:"outscored_by,omitempty"`
	// CaptionRival is the Nid of another asset whose match is sure under
	// the query's captions too (CaptionCells), when that capped this one
	// at 0.85 (Resolve): the captions hide what would tell the two apart.
	CaptionRival string `json:"caption_rival,omitempty"`

	// colorCells is the number of cells ColorOff is a share of.
	colorCells int
	// captioned is the verification judged with the query's captions
	// left out (Geometry.Captioned) when every cell they leave to see
	// agrees, but cells beside them (captionAgrees), and m is not sure:
	// Resolve may lift such a match as an agreeing copy, reporting that
	// evidence.
	captioned *Geometry
}

// setAligned copies the aligned comparison into m.
func (m *Match) setAligned(al *AlignedEvidence) {
	r, off := al.Correlation, al.Off
	m.AlignedCorrelation, m.AlignedOff = &r, &off
	if sr := al.soft(); sr > r {
		m.AlignedSoftCorrelation = &sr
	}
	m.Occlusion = al.Occlusion
	if al.ColorCells > 0 {
		c := al.ColorOff
		m.ColorOff, m.colorCells = &c, al.ColorCells
	}
	m.Recoloured = al.Recoloured
}

// Scores of a match whose colours differ in more than MaxColorOffCells
// cells (capByColor): a match that would be sure is likely, one that
// would be likely only possible. On the accuracy benchmark such matches
// were 95.8% true where they would have scored >= SureScore and 78% where
// they would have scored from LikelyScore to SureScore.
const (
	colorDiffersScore    = 0.85
	colorDiffersLowScore = 0.5
)

// capByColor lowers the score of a match whose colour comparison finds
// more than MaxColorOffCells cells off.
func (m *Match) capByColor() {
	if m.ColorOff == nil || !colorDiffers(*m.ColorOff, m.colorCells) {
		return
	}
	if m.Score >= SureScore {
		m.Score = colorDiffersScore
	} else {
		m.Score = min(m.Score, colorDiffersLowScore)
	}
}

// setGeometry copies the evidence of a geometric verification into m and
// makes local features its method.
func (m *Match) setGeometry(g Geometry) {
	m.Method = MethodLocalFeatures
	m.QueryOverlap, m.AssetOverlap = g.QueryOverlap, g.AssetOverlap
	m.addGeometry(g)
	m.Occlusion = g.Occlusion
	if g.ColorCells > 0 {
		c := g.ColorOff
		m.ColorOff, m.colorCells = &c, g.ColorCells
	}
	m.Recoloured = g.Recoloured
}

// addGeometry copies the evidence of a geometric verification that did
// not decide the match (the method stays, and so do the overlaps it
// measured) into m.
func (m *Match) addGeometry(g Geometry) {
	if m.Transform == nil { // a turned thumbnail match keeps its own
		tr := g.Transform
		m.Transform = &tr
	}
	m.Inliers = g.Inliers
	m.InlierRatio, m.Coverage = g.InlierRatio, g.Coverage
	m.GuidedInlierRatio = g.GuidedRatio
	m.CaptionCells = g.CaptionCells
	if g.Correlation >= -0.5 {
		c, f, off := g.Correlation, g.FullCorrelation, g.Off
		m.Correlation, m.FullCorrelation, m.Off = &c, &f, &off
	}
}

// Judge decides whether c is a copy of q. It returns false when the
// evidence is not enough for any tier.
func Judge(q Query, c Candidate) (Match, bool) {
	a := c.Asset
	m := Match{Asset: a, PHashDistance: -1}
	switch {
	case a.Nid == q.Exact.Nid:
		m.Tier, m.Score, m.Fingerprint = TierExact, 1, ByNid
		return m, true
	case a.SHA256 == q.Exact.SHA256.String():
		m.Tier, m.Score, m.Fingerprint = TierExact, 1, BySHA256
		return m, true
	case a.BLAKE3 == q.Exact.BLAKE3.String():
		m.Tier, m.Score, m.Fingerprint = TierExact, 1, ByBLAKE3
		return m, true
	case q.Pixels != nil && a.PixelSHA256 != "" && a.PixelSHA256 == q.Pixels.PixelSHA256.String():
		m.Tier, m.Score, m.Fingerprint = TierExact, 1, ByPixelSHA256
		return m, true
	}
	if q.Pixels == nil || c.PDQDistance < 0 || c.PDQDistance > MaxNearExactDistance {
		return judgeEdited(q, c)
	}
	pdq, ok := a.PerceptualOf(sleuth.KindPDQ)
	if !ok {
		return judgeEdited(q, c)
	}
	m.Distance = c.PDQDistance
	m.Variant = VariantNames[c.PDQVariant&7]
	m.QueryQuality, m.AssetQuality = q.Pixels.PDQQuality, pdq.Quality
	if ph, ok := a.PerceptualOf(sleuth.KindPHash); ok {
		if h, err := fingerprint.ParsePHash(ph.Hash); err == nil {
			if qh, ok := q.Pixels.PHashOf(c.PDQVariant); ok {
				m.PHashDistance = h.Distance(qh)
			}
		}
	}
	m.Tier, m.Fingerprint = TierNearExact, ByPDQ
	m.Score = nearExactScore(c.PDQDistance)
	if al := c.Aligned; al != nil {
		m.setAligned(al)
		m.Score = max(m.Score, alignedScore(c.PDQDistance, al.soft()))
		if al.ColorCells > 0 && !colorDiffers(al.ColorOff, al.ColorCells) {
			m.Score = max(m.Score, alignedColorScore(c.PDQDistance, al.soft()))
		}
	}
	if m.PHashDistance >= 0 && m.PHashDistance <= maxCorroboratingPHashFar {
		// A distant PDQ that the pHash confirms almost bit for bit: on
		// the accuracy benchmark every such match was a copy.
		m.Score = max(m.Score, corroboratedScore(c.PDQDistance))
	}
	if min(m.QueryQuality, m.AssetQuality) < MinQuality {
		// Flat or tiny pictures hash alike: a PDQ match alone says little.
		if m.PHashDistance < 0 || m.PHashDistance > MaxCorroboratingPHash {
			return judgeEdited(q, c)
		}
		m.Fingerprint = ByPDQPHash
		m.Score = math.Min(m.Score, MaxCorroboratedScore)
		if al := c.Aligned; al != nil && al.soft() >= alignedSure {
			// Two hashes and every cell of the pixels agreeing: on the
			// benchmark, all such matches were copies.
			m.Score = max(m.Score, alignedScore(c.PDQDistance, al.soft()))
		}
	}
	m.vetoByAligned(c.Aligned)
	m.liftByThumb(q, c)
	if g := c.Geometry; g != nil {
		// Local features that agree make a distant PDQ match surer.
		if s := FeatureScore(*g); s > m.Score {
			m.Score = s
			m.setGeometry(*g)
		} else {
			m.addGeometry(*g)
		}
	}
	m.capByColor()
	if g := c.Geometry; g != nil {
		if s := occludedScore(*g); s > m.Score {
			m.Score = s
			m.setGeometry(*g)
		}
	}
	// Under captions, as in the edited tier: a caption moves a copy's PDQ
	// a little, so its copy is often a near-exact match.
	m, _ = judgeCaptioned(q, c, m, true)
	if mc, ok := judgeCropped(q, c); ok && mc.Score > m.Score {
		// The query laid on a window of the asset agrees cell for cell
		// where the whole pictures laid on each other did not.
		return mc, true
	}
	return m, true
}

// A PDQ match (whole or trimmed) whose pixels, laid on each other by its
// variant, correlate under alignedVetoCorrelation is not a copy whatever
// the hash says: two flat drawings hash alike, a small icon's trimmed
// hash meets another icon's. Such a match keeps at most alignedVetoScore
// (below LikelyScore); its local features may still lift it on their own
// evidence. On the 2026-12-05 afternoon benchmark run, PDQ-decided
// matches scored >= LikelyScore with an aligned correlation under 0.9
// were 5 false (0.97 and 0.898: a flat-theme arrow's trimmed hash against
// a hotel icon's, a Wesnoth panel against a barcode; three at 0.85) and 1
// true (a padded copy at 0.68); from 0.9 to 0.95, 1 false and 6 true.
const (
	alignedVetoCorrelation = 0.9
	alignedVetoScore       = LikelyScore - 0.05
)

// vetoByAligned caps m's score at alignedVetoScore when the aligned
// comparison al was made and its pixels disagree (see
// alignedVetoCorrelation).
func (m *Match) vetoByAligned(al *AlignedEvidence) {
	if al != nil && al.soft() < alignedVetoCorrelation {
		m.Score = min(m.Score, alignedVetoScore)
	}
}

// corroboratedScore is the score of a PDQ match at distance d whose pHash
// is within maxCorroboratingPHashFar (0 outside minCorroboratedPDQ to
// maxCorroboratedPDQ).
func corroboratedScore(d int) float64 {
	if d < minCorroboratedPDQ || d > maxCorroboratedPDQ {
		return 0
	}
	return corroboratedPDQScore
}

// A PDQ distance from minCorroboratedPDQ to maxCorroboratedPDQ, beyond
// where PDQ alone scores >= LikelyScore, scores corroboratedPDQScore (just
// under SureScore: the benchmark showed these >= 99% true, too few to
// show 99.9%) when the pHash (of the query's variant that matched) is within
// maxCorroboratingPHashFar: two hashes agreeing tell a copy from a
// look-alike that PDQ alone does not.
const (
	minCorroboratedPDQ       = 11
	maxCorroboratedPDQ       = 19
	maxCorroboratingPHashFar = 2
	corroboratedPDQScore     = 0.885
)

// Aligned-pixel bands of a PDQ match (CompareAligned): a correlation of
// at least alignedSure puts the match in the sure band (alignedSureHigh at
// distance 0 down to alignedSureLow at 31, above the PDQ curve from
// distance 6 on), one of at least alignedLikely lifts a match beyond
// distance 10 into the likely band (alignedLikelyHigh at 11 down to
// alignedLikelyLow at 31). Measured on the accuracy benchmark
// (docs/MATCHING.md): distinct pictures drawn from one template keep a PDQ
// distance of 14 to 31 and a correlation above 0.9, but rarely above
// 0.997, where edited copies (resized, blurred, noisy, mirrored) mostly
// are.
// From distance 20 on (alignedSureMaxDistance), a correlation >= 0.997
// earns alignedFarScore only: on the 2026-12-04 benchmark run, such PDQ
// matches scored >= 0.9 were 89 true and 2 false (97.8%; two chessboards,
// two look-alike drawings), short of the sure band's 99.9%.
const (
	alignedSure            = 0.997
	alignedSureHigh        = 0.95
	alignedSureLow         = 0.91
	alignedSureMaxDistance = 19
	// alignedColorFarMaxDistance: up to here, agreeing colours keep a
	// correlation >= alignedColorFarCorrelation in the sure band
	// (alignedColorScore).
	alignedColorFarMaxDistance = 25
	alignedColorFarCorrelation = 0.998
	alignedFarScore            = 0.85
	alignedLikely              = 0.99
	alignedLikelyHigh          = 0.8
	alignedLikelyLow           = 0.6
)

// alignedScore is the score a PDQ match at distance d earns from an
// aligned correlation r; 0 when it earns nothing.
func alignedScore(d int, r float64) float64 {
	if d < 0 || d > MaxNearExactDistance {
		return 0
	}
	var s float64
	switch {
	case r >= alignedSure && d > alignedSureMaxDistance:
		s = alignedFarScore
	case r >= alignedSure:
		s = alignedSureHigh - float64(d)/MaxNearExactDistance*(alignedSureHigh-alignedSureLow)
	case r >= alignedLikely && d > 10:
		s = alignedLikelyHigh - float64(d-11)/float64(MaxNearExactDistance-11)*(alignedLikelyHigh-alignedLikelyLow)
	}
	return math.Round(s*1000) / 1000
}

// alignedColorScore is the score a PDQ match at distance d earns from an
// aligned correlation r when the colours were compared and agree (at most
// MaxColorOffCells cells off): the sure band (as alignedScore's) from a
// correlation of alignedLikely up to distance alignedSureMaxDistance, and
// from alignedColorFarCorrelation up to alignedColorFarMaxDistance; 0
// otherwise.
// Look-alikes drawn from one template that keep a correlation from 0.99
// to 0.997 differ in the colour of some layer; on the
// 2026-12-05 benchmark run, such matches with agreeing colours (both
// hashes of quality >= MinQuality) were 7,015 true and 2 false. From
// distance 20 to alignedColorFarMaxDistance the correlation must reach
// alignedSure: on the 2026-12-05 evening run such matches (agreeing
// colours, both qualities >= MinQuality, then capped at alignedFarScore)
// were 80 true and none false; up to distance 31 they were 129 true and
// 1 false (two chessboards of different sizes). On the corpus rebuilt on
// the 2026-12-05 night, two twemoji clocks whose hands differ (1f552 and
// 1f55e, distance 22, aligned correlation 0.997: the hands are 4 cells of
// 1,024) passed from 0.997, so the far rule starts at
// alignedColorFarCorrelation: 2 false and 6 true matches fell to
// alignedFarScore, rescored offline on that run's log.
func alignedColorScore(d int, r float64) float64 {
	switch {
	case d < 0 || d > alignedColorFarMaxDistance || r < alignedLikely:
		return 0
	case d > alignedSureMaxDistance && r < alignedColorFarCorrelation:
		return 0
	}
	s := alignedSureHigh - float64(d)/MaxNearExactDistance*(alignedSureHigh-alignedSureLow)
	return math.Round(s*1000) / 1000
}

// nearExactScore maps a PDQ distance (0..31) to a score, calibrated on the
// accuracy benchmark (docs/MATCHING.md): 0.99 at distance 0 falling by
// 0.009 a step to 0.9 at 10 (where matches were still >= 99.9% true),
// then by 0.1 a step to 0.6 at 13, then from 0.5 at 14 to 0.3 at 31:
// beyond 13 a PDQ match alone is wrong too often (distinct pictures drawn
// from one template) to reach 0.55 without a geometric verification.
func nearExactScore(d int) float64 {
	var s float64
	switch {
	case d <= 10:
		s = 0.99 - 0.009*float64(d)
	case d <= 13:
		s = 0.9 - 0.1*float64(d-10)
	default:
		s = 0.5 - 0.2*float64(d-14)/float64(MaxNearExactDistance-14)
	}
	return math.Round(s*1000) / 1000
}

// Sort orders matches best first: by tier, then score, then the asset
// registered first (the likely original), then Nid.
func Sort(ms []Match) {
	slices.SortFunc(ms, func(a, b Match) int {
		if c := cmp.Compare(a.Tier.rank(), b.Tier.rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := a.Asset.FirstSeen.Compare(b.Asset.FirstSeen); c != 0 {
			return c
		}
		return cmp.Compare(a.Asset.Nid, b.Asset.Nid)
	})
}
