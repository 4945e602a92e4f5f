package match

import (
	"image"
	"math"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Thumbnail vectors: the coarse layout of a picture's luma, small enough to
// compare a query with every indexed asset. They find the copies whose
// hashes moved too far and whose keypoints are too few: small flat
// drawings resized, blurred or sprinkled with noise, where PDQ's bits
// follow coefficients near their median and flip, and the local features
// find nothing to agree on. A candidate found this way is judged by its
// aligned pixels (CompareAligned), cell by cell over the full thumbnail
// and its colours, not by the vector.

// ThumbVecSide is the side of the grid of a ThumbVec: each of its cells
// averages ThumbSide/ThumbVecSide squared cells of the thumbnail.
const ThumbVecSide = 8

// ThumbVecLen is the length of a ThumbVec.
const ThumbVecLen = ThumbVecSide * ThumbVecSide

// ThumbVec is a picture's luma over a ThumbVecSide x ThumbVecSide grid,
// centred on its mean and scaled so that its largest cell is +-127: the
// cosine of two vectors is the correlation of the two grids (to the
// rounding).
type ThumbVec [ThumbVecLen]int8

// minThumbVecStd is the least standard deviation (in luma levels, over the
// grid's cells) of a picture with a ThumbVec: a blank picture has no
// layout to compare.
const minThumbVecStd = 2

// ThumbVector returns the vector of a ThumbSide x ThumbSide thumbnail
// (fingerprint.Features.Thumb); false when there is none or the picture
// is (nearly) blank.
func ThumbVector(thumb []uint8) (ThumbVec, bool) {
	const n, k = fingerprint.ThumbSide, fingerprint.ThumbSide / ThumbVecSide
	if len(thumb) != n*n {
		return ThumbVec{}, false
	}
	var cells [ThumbVecLen]float64
	var mean float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			cells[(i/k)*ThumbVecSide+j/k] += float64(thumb[i*n+j])
		}
	}
	for i := range cells {
		cells[i] /= k * k
		mean += cells[i]
	}
	mean /= ThumbVecLen
	var ss, top float64
	for i := range cells {
		cells[i] -= mean
		ss += cells[i] * cells[i]
		top = max(top, math.Abs(cells[i]))
	}
	if math.Sqrt(ss/ThumbVecLen) < minThumbVecStd {
		return ThumbVec{}, false
	}
	f := 127 / top
	var v ThumbVec
	for i, c := range cells {
		v[i] = int8(max(-127, min(127, math.Round(c*f))))
	}
	return v, true
}

// ThumbVectors returns the query's vector under each dihedral variant
// (fingerprint.Dihedral*): vs[k] is the query turned by k, as an asset
// that looks like the query so transformed would have it (the convention
// of CompareAligned). False when the query has no vector.
func ThumbVectors(q *fingerprint.Features) (vs [8]ThumbVec, ok bool) {
	if q == nil {
		return vs, false
	}
	v, ok := ThumbVector(q.Thumb)
	if !ok {
		return vs, false
	}
	for k := range vs {
		for i := 0; i < ThumbVecSide; i++ {
			for j := 0; j < ThumbVecSide; j++ {
				x, y := dihedralInverse(k, (float64(j)+0.5)/ThumbVecSide, (float64(i)+0.5)/ThumbVecSide)
				vs[k][i*ThumbVecSide+j] = v[int(y*ThumbVecSide)*ThumbVecSide+int(x*ThumbVecSide)]
			}
		}
	}
	return vs, true
}

// InsetThumbVector returns the thumbnail vector of the rectangle r (in
// fractions) of the query q, as ThumbVector of a thumbnail of that
// rectangle alone (ThumbSide x ThumbSide cells of q's luma, MeanLuma):
// what an asset copied into that part of the query has. False when q's
// luma was not kept, r is empty or the rectangle is (nearly) blank.
func InsetThumbVector(q *fingerprint.Features, r Rect) (ThumbVec, bool) {
	const n = fingerprint.ThumbSide
	if q == nil || r.X1 <= r.X0 || r.Y1 <= r.Y0 {
		return ThumbVec{}, false
	}
	w, h := (r.X1-r.X0)/n, (r.Y1-r.Y0)/n
	thumb := make([]uint8, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x0, y0 := r.X0+float64(j)*w, r.Y0+float64(i)*h
			m, ok := q.MeanLuma(x0, y0, x0+w, y0+h)
			if !ok {
				return ThumbVec{}, false
			}
			thumb[i*n+j] = uint8(min(max(math.Round(m), 0), 255))
		}
	}
	return ThumbVector(thumb)
}

// SetInsetThumbRivals sets the Rival of every candidate of cs with inset
// thumbnail evidence (Candidate.InsetThumb): the best aligned correlation
// of the other candidates whose pixels were laid on the query's inset
// (by that evidence, or by an inset-PDQ match's), leaving out those
// whose colours were compared and differ: a sibling in other colours
// (an avatar with another background) is laid out as the copy is, but
// cannot be it (judgeInsetThumb reports no match whose colours differ).
func SetInsetThumbRivals(cs []*Candidate) {
	setRivals(cs, func(c *Candidate) *AlignedEvidence {
		var al *AlignedEvidence
		switch {
		case c.InsetThumb != nil && c.InsetThumb.Aligned != nil:
			al = c.InsetThumb.Aligned
		case c.Inset != nil && c.Inset.Aligned != nil:
			al = c.Inset.Aligned
		}
		return unlessColorsDiffer(al)
	}, func(c *Candidate) *ThumbEvidence { return c.InsetThumb })
}

// unlessColorsDiffer is al, or nil when its colours were compared and
// differ: such a candidate is no rival of a sure match that asks the
// colours to agree (judgeInsetThumb, judgeCropped).
func unlessColorsDiffer(al *AlignedEvidence) *AlignedEvidence {
	if al != nil && al.ColorCells > 0 && colorDiffers(al.ColorOff, al.ColorCells) {
		return nil
	}
	return al
}

// MethodAlignedPixels is the edited tier's method for a match found by its
// thumbnail vector and judged by its aligned pixels alone, and the method
// of a PDQ match the same rule made sure (liftByThumb).
const MethodAlignedPixels = "aligned_pixels"

// ThumbEvidence is what is known of an asset found by its thumbnail vector
// (index.Thumbs), or of a PDQ candidate judged by the same rule: the
// dihedral variant of the query laid on it, the aligned comparison of the
// pixels (nil when not measured), and Rival, the best aligned correlation
// (the better of Correlation and SoftCorrelation) of every other
// candidate of the query compared whole (0 when none). Turned is set when
// the query was laid on the asset turned (CompareTurned; Variant is then
// the original): its transform and overlaps, Aligned its comparison.
type ThumbEvidence struct {
	Variant int
	Aligned *AlignedEvidence
	Rival   float64
	Turned  *TurnedEvidence
	// Part is, for an inset's evidence (Candidate.InsetThumb), the
	// rectangle of the query (pixels) laid on the asset: the picture
	// inside a border, plain or patterned (fingerprint.Pixels.Trim),
	// when it is not the inset found; empty for
	// fingerprint.Features.Inset.
	Part image.Rectangle
}

// SetThumbRivals sets the Rival of every candidate of cs with thumbnail
// evidence: the best aligned correlation of the other candidates of the
// query compared whole (by their thumbnail's variant, else by their
// PDQ's).
func SetThumbRivals(cs []*Candidate) {
	setRivals(cs, func(c *Candidate) *AlignedEvidence {
		if c.Thumb != nil && c.Thumb.Aligned != nil {
			return c.Thumb.Aligned
		}
		return c.Aligned
	}, func(c *Candidate) *ThumbEvidence { return c.Thumb })
}

// setRivals sets the Rival of the evidence of every candidate of cs that
// has one (of): the best aligned correlation (soft) among the other
// candidates' comparisons (compared; nil for none).
func setRivals(cs []*Candidate, compared func(*Candidate) *AlignedEvidence, of func(*Candidate) *ThumbEvidence) {
	var best, second float64
	bi := -1
	for i, c := range cs {
		al := compared(c)
		if al == nil {
			continue
		}
		switch r := al.soft(); {
		case r > best:
			best, second, bi = r, best, i
		case r > second:
			second = r
		}
	}
	for i, c := range cs {
		t := of(c)
		if t == nil {
			continue
		}
		if i == bi {
			t.Rival = second
		} else {
			t.Rival = best
		}
	}
}

// Rules of a match found by its thumbnail vector (docs/MATCHING.md,
// "Thumbnails"). Its pixels must agree cell for cell, in a picture of the
// same shape, and clearly better than any other picture laid out alike:
// on the 2026-12-05 late-night benchmark run (the families whose copies
// keep the picture's shape, and the holdouts), the thumbnail candidates
// with an aligned correlation >= 0.997 and the query's shape were 149
// copies and 188 look-alikes, every look-alike a star polygon among a
// dozen others of a few points more or less (each with rivals within
// 0.01). A copy stands clear of the rest: from thumbSure, with no rival
// within thumbSureGap, the candidates were 97 true and 0 false; with the
// rules, on every family, 166 such matches >= SureScore, all true.
const (
	// thumbMin is the least aligned correlation of a match reported at
	// all, thumbSure the least of a sure one.
	thumbMin     = 0.99
	thumbSure    = 0.995
	thumbSureGap = 0.01
	// thumbSureScore is the score of a sure match, thumbScoreLow that of
	// the others.
	thumbSureScore = 0.92
	thumbScoreLow  = 0.5
	// thumbShapeSlack is how far (in pixels, and beside a share
	// thumbShapeShare of the side) the query's height may be from the
	// asset's scaled to the query's width.
	thumbShapeSlack = 1
	thumbShapeShare = 0.02
)

// judgeThumb decides a match on the aligned pixels of an asset found by its
// thumbnail vector; false when they were not compared, the two pictures
// differ in shape or their pixels agree too little.
func judgeThumb(q Query, c Candidate) (Match, bool) {
	s, ok := thumbScore(q, c)
	if !ok {
		return Match{}, false
	}
	t := c.Thumb
	m := Match{
		Asset: c.Asset, Tier: TierEdited, Score: s,
		Fingerprint: MethodAlignedPixels, Method: MethodAlignedPixels,
		Variant: VariantNames[t.Variant&7], PHashDistance: -1,
		QueryOverlap: 1, AssetOverlap: 1,
	}
	m.setAligned(t.Aligned)
	m.setTurned(t.Turned)
	return m, true
}

// setTurned reports the turn of a match laid on the query turned: its
// transform and overlaps (nothing when tu is nil).
func (m *Match) setTurned(tu *TurnedEvidence) {
	if tu == nil {
		return
	}
	tr := tu.Transform
	m.Transform = &tr
	m.QueryOverlap, m.AssetOverlap = tu.QueryOverlap, tu.AssetOverlap
}

// thumbScore is the score c's thumbnail evidence earns (thumbSureScore or
// thumbScoreLow); false when it earns none.
func thumbScore(q Query, c Candidate) (float64, bool) {
	t := c.Thumb
	if t == nil || t.Aligned == nil || q.Pixels == nil || c.Asset == nil ||
		!sameShape(q.Pixels.Width, q.Pixels.Height, c.Asset.Width, c.Asset.Height, t.Variant) {
		return 0, false
	}
	r := t.Aligned.soft()
	switch {
	case r >= thumbSure && r-t.Rival >= thumbSureGap:
		return thumbSureScore, true
	case r >= thumbMin:
		return thumbScoreLow, true
	}
	return 0, false
}

// liftByThumb makes a PDQ match (m, judged from c) sure when c's thumbnail
// evidence (the same aligned comparison, with its rivals) is: a PDQ match
// scored under thumbSureScore (a distant or a low-quality hash) whose
// pixels agree cell for cell, in a picture of the same shape, clearly
// better than any other candidate's. Its method becomes
// MethodAlignedPixels.
func (m *Match) liftByThumb(q Query, c Candidate) {
	if s, ok := thumbScore(q, c); ok && s >= SureScore && s > m.Score {
		m.Score, m.Method = s, MethodAlignedPixels
		if t := c.Thumb.Turned; t != nil {
			m.setAligned(c.Thumb.Aligned)
			m.setTurned(t)
		}
	}
}

// sameShape reports whether a qw x qh query and an aw x ah asset turned by
// the dihedral variant k have one shape: the asset scaled to the query's
// width is the query's height to thumbShapeSlack pixels and
// thumbShapeShare of it.
func sameShape(qw, qh, aw, ah, k int) bool {
	switch k {
	case fingerprint.DihedralRotate90, fingerprint.DihedralRotate270, fingerprint.DihedralFlipPlus1, fingerprint.DihedralFlipMinus1:
		aw, ah = ah, aw
	}
	if qw <= 0 || qh <= 0 || aw <= 0 || ah <= 0 {
		return false
	}
	h := float64(ah) * float64(qw) / float64(aw)
	return math.Abs(h-float64(qh)) <= thumbShapeSlack+thumbShapeShare*float64(qh)
}
