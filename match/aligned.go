package match

import (
	"image"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Aligned pixels: a PDQ match names the dihedral transform that turns the
// query into the asset, so the two pictures can be laid on each other
// whole and compared cell by cell: the asset's luma thumbnail
// (fingerprint.Features.Thumb, ThumbSide x ThumbSide cells) against the
// query's mean luma over the same cells. A copy re-encoded, resized,
// recoloured, blurred, sprinkled with noise or mirrored agrees everywhere;
// two distinct pictures drawn from one template (avatar tokens that share
// layers) differ wherever a layer differs. Unlike Geometry.Correlation,
// no cell is left out: the comparison is made only when the PDQ (of the
// whole pictures, or of a trimmed rectangle) already says the pictures
// are alike all over.

// AlignedEvidence is the comparison of the asset's thumbnail with the
// query laid on it by a dihedral variant.
type AlignedEvidence struct {
	// Correlation is the Pearson correlation over Cells cells.
	Correlation float64
	Cells       int
	// Off is the share of the cells that the least-squares line between
	// the two sides misses by more than the query side's standard
	// deviation. It was meant to catch a small part that differs (a
	// notch, an eye), which barely moves the correlation of a flat
	// drawing; on the accuracy benchmark it did not separate copies from
	// look-alikes, so it is reported but not scored.
	Off float64
	// ColorOff is the share of the ColorCells cells of the asset's colour
	// grid that the best affine map of the asset's colours onto the
	// query's misses (compareColor): near 0 for a copy, recoloured or
	// not; the cells of a layer in another colour otherwise. ColorCells
	// is 0 when colour was not compared (an asset stored before colour
	// grids were kept).
	ColorOff   float64
	ColorCells int
	// Occlusion bounds the cells that disagree (luma or colour); nil
	// when none does.
	Occlusion *Occlusion
}

// Rect is a rectangle in fractions of a picture's width and height.
type Rect struct {
	X0 float64 `json:"x0"`
	Y0 float64 `json:"y0"`
	X1 float64 `json:"x1"`
	Y1 float64 `json:"y1"`
}

// Whole is the whole picture.
var Whole = Rect{0, 0, 1, 1}

// FractionRect is r (pixels of a w x h picture) in fractions.
func FractionRect(r image.Rectangle, w, h int) Rect {
	return Rect{float64(r.Min.X) / float64(w), float64(r.Min.Y) / float64(h), float64(r.Max.X) / float64(w), float64(r.Max.Y) / float64(h)}
}

// CompareAligned lays the query (features of a picture fingerprinted in
// this process, which keep its luma) on the asset by the query's dihedral
// variant (fingerprint.Dihedral*: the asset looks like the query so
// transformed) and correlates the asset's thumbnail with the query's luma.
// It reports false when either side lacks what it needs.
func CompareAligned(q *fingerprint.Features, a *fingerprint.Features, variant int) (AlignedEvidence, bool) {
	return CompareAlignedRect(q, a, variant, Whole, Whole)
}

// CompareAlignedRect is CompareAligned between the rectangle ar of the
// asset and the rectangle qr of the query (a picture trimmed of its
// border): the asset's thumbnail cells whose centres lie in ar, at least
// minCells of them.
func CompareAlignedRect(q *fingerprint.Features, a *fingerprint.Features, variant int, qr, ar Rect) (AlignedEvidence, bool) {
	const n = fingerprint.ThumbSide
	if q == nil || a == nil || len(a.Thumb) != n*n || variant < 0 || variant > 7 ||
		qr.X1 <= qr.X0 || qr.Y1 <= qr.Y0 || ar.X1 <= ar.X0 || ar.Y1 <= ar.Y0 {
		return AlignedEvidence{}, false
	}
	aw, ah := ar.X1-ar.X0, ar.Y1-ar.Y0
	qw, qh := qr.X1-qr.X0, qr.Y1-qr.Y0
	// Half a cell, in fractions of the asset's rectangle; in the query's
	// the two sides swap under the variants that transpose.
	hx, hy := 0.5/n/aw, 0.5/n/ah
	switch variant {
	case fingerprint.DihedralRotate90, fingerprint.DihedralRotate270, fingerprint.DihedralFlipPlus1, fingerprint.DihedralFlipMinus1:
		hx, hy = hy, hx
	}
	hx, hy = hx*qw, hy*qh
	us := make([]float64, 0, n*n)
	vs := make([]float64, 0, n*n)
	cells := make([]lumaCell, 0, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			u, v := (float64(j)+0.5)/n, (float64(i)+0.5)/n
			if u < ar.X0 || u > ar.X1 || v < ar.Y0 || v > ar.Y1 {
				continue
			}
			x, y := dihedralInverse(variant, (u-ar.X0)/aw, (v-ar.Y0)/ah)
			x, y = qr.X0+x*qw, qr.Y0+y*qh
			m, ok := q.MeanLuma(x-hx, y-hy, x+hx, y+hy)
			if !ok {
				return AlignedEvidence{}, false
			}
			us = append(us, float64(a.Thumb[i*n+j]))
			vs = append(vs, m)
			cells = append(cells, lumaCell{i, j, float64(a.Thumb[i*n+j]), m})
		}
	}
	if len(us) < minCells {
		return AlignedEvidence{}, false
	}
	r, alpha, beta := pearson(us, vs, nil)
	ev := AlignedEvidence{Correlation: round3(r), Cells: len(us), Off: round3(offShare(us, vs, alpha, beta))}
	// The colour grid's cells, laid the same way.
	const cn = fingerprint.ColorSide
	chx, chy := hx*n/cn, hy*n/cn
	place := func(u, v float64) (float64, float64, bool) {
		if u < ar.X0 || u > ar.X1 || v < ar.Y0 || v > ar.Y1 {
			return 0, 0, false
		}
		x, y := dihedralInverse(variant, (u-ar.X0)/aw, (v-ar.Y0)/ah)
		return qr.X0 + x*qw, qr.Y0 + y*qh, true
	}
	var colorOff []int
	if off, cc, at, ok := compareColor(q, a, place, chx, chy); ok {
		ev.ColorOff, ev.ColorCells, colorOff = off, cc, at
	}
	ev.Occlusion = occlusion(cells, colorOff)
	return ev, true
}

// dihedralInverse maps a point (u, v) of a picture transformed by the
// dihedral variant k (fractions of its width and height, y down) back to
// the point of the picture before the transform.
func dihedralInverse(k int, u, v float64) (x, y float64) {
	switch k {
	case fingerprint.DihedralRotate90: // (x, y) -> (y, 1-x)
		return 1 - v, u
	case fingerprint.DihedralRotate180:
		return 1 - u, 1 - v
	case fingerprint.DihedralRotate270: // (x, y) -> (1-y, x)
		return v, 1 - u
	case fingerprint.DihedralFlipX:
		return u, 1 - v
	case fingerprint.DihedralFlipY:
		return 1 - u, v
	case fingerprint.DihedralFlipPlus1:
		return v, u
	case fingerprint.DihedralFlipMinus1:
		return 1 - v, 1 - u
	}
	return u, v
}
