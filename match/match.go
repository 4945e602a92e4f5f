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
//   - edited: the same work cropped, padded, overlaid or rotated by any
//     angle (methods of their own; none yet in this package's Judge).
//
// Judge is a pure function: the engine gathers candidates from its indexes
// and the store, and Judge decides. Everything here is deterministic.
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
	// PHashDistance is the pHash distance when both have one, else -1.
	PHashDistance int `json:"phash_distance"`
	// QueryQuality and AssetQuality are the PDQ qualities compared.
	QueryQuality int `json:"query_quality,omitempty"`
	AssetQuality int `json:"asset_quality,omitempty"`
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
		return Match{}, false
	}
	pdq, ok := a.PerceptualOf(sleuth.KindPDQ)
	if !ok {
		return Match{}, false
	}
	m.Distance = c.PDQDistance
	m.Variant = VariantNames[c.PDQVariant&7]
	m.QueryQuality, m.AssetQuality = q.Pixels.PDQQuality, pdq.Quality
	if ph, ok := a.PerceptualOf(sleuth.KindPHash); ok && c.PDQVariant == 0 {
		if h, err := fingerprint.ParsePHash(ph.Hash); err == nil {
			m.PHashDistance = h.Distance(q.Pixels.PHash)
		}
	}
	m.Tier, m.Fingerprint = TierNearExact, ByPDQ
	m.Score = nearExactScore(c.PDQDistance)
	if min(m.QueryQuality, m.AssetQuality) < MinQuality {
		// Flat or tiny pictures hash alike: a PDQ match alone says little.
		if m.PHashDistance < 0 || m.PHashDistance > MaxCorroboratingPHash {
			return Match{}, false
		}
		m.Fingerprint = ByPDQPHash
		m.Score = math.Min(m.Score, 0.6)
	}
	return m, true
}

// MaxPDQScore is the highest score a match found by PDQ alone at distance
// d can get: callers skip candidates that cannot reach the score they want
// without loading them.
func MaxPDQScore(d int) float64 {
	if d < 0 || d > MaxNearExactDistance {
		return 0
	}
	return nearExactScore(d)
}

// nearExactScore maps a PDQ distance (0..31) to a score: 0.99 at distance
// 0, falling with the square of the distance to 0.75 at 31. Provisional:
// the accuracy benchmark calibrates it (docs/MATCHING.md).
func nearExactScore(d int) float64 {
	x := float64(d) / MaxNearExactDistance
	return math.Round((0.99-0.24*x*x)*1000) / 1000
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
