package match

import (
	"image"
	"math"
	"slices"

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
	// SoftCorrelation is the best of Correlation and the correlations
	// with the asset's thumbnail softened (soften, softWeights: blurs of
	// 1%, 1.4% and 2% of the picture's longer side): a blurred copy agrees
	// with the asset softened cell for cell, where a look-alike drawn as
	// sharp as the asset does not gain from it.
	SoftCorrelation float64
	// Off is the share of the cells that the least-squares line between
	// the two sides misses by more than the query side's standard
	// deviation. It was meant to catch a small part that differs (a
	// notch, an eye), which barely moves the correlation of a flat
	// drawing; on the accuracy benchmark it did not separate copies from
	// look-alikes, so it is reported but not scored.
	Off float64
	// ColorOff is the share of the ColorCells cells of the asset's colour
	// grid that the best affine map of the asset's colours onto the
	// query's misses (compareColor), and, when the query looks blurred
	// (looksBlurred), that the map from the asset's colours softened
	// misses too (a blurred copy mixes the colours of neighbouring
	// cells): near 0 for a copy, recoloured or blurred or not; the cells
	// of a layer in another colour otherwise.
	// On the 2026-12-05 evening benchmark run, softening for every query
	// let look-alike avatars' colours through (6 false matches, 5 at
	// 0.885 and 1 at 0.9, the threshold up from 0.880 to 0.898); with the
	// condition, none. ColorCells is 0 when colour was not compared (an
	// asset stored before colour grids were kept).
	ColorOff   float64
	ColorCells int
	// Occlusion bounds the cells that disagree (luma or colour); nil
	// when none does.
	Occlusion *Occlusion
	// Recoloured says that the query's luma was read back through a hue
	// turn fitted to the colours (recolouredLuma): the query's colour
	// taken as the asset's luma, which correlated better.
	Recoloured bool
}

// soft is SoftCorrelation, or Correlation when it was not measured.
func (e *AlignedEvidence) soft() float64 { return max(e.Correlation, e.SoftCorrelation) }

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
	return compareAlignedRect(q, a, variant, qr, ar, false)
}

// CompareAlignedWindow is CompareAlignedRect of the whole query, unturned,
// against the window ar of the asset that it may show (a crop:
// FindCropWindow), over the asset's thumbnail and colour cells that lie
// wholly inside the window: a cell the window's edge cuts holds pixels
// the query does not show.
func CompareAlignedWindow(q *fingerprint.Features, a *fingerprint.Features, ar Rect) (AlignedEvidence, bool) {
	return compareAlignedRect(q, a, fingerprint.DihedralOriginal, Whole, ar, true)
}

// cellInside reports whether the cell [k, k+1) of a grid of n along one
// side lies inside [lo, hi] (fractions), to a thousandth of a cell.
func cellInside(k, n int, lo, hi float64) bool {
	const eps = 1e-3
	return (float64(k)+eps)/float64(n) >= lo && (float64(k+1)-eps)/float64(n) <= hi
}

// compareAlignedRect is CompareAlignedRect; with inside, only the cells
// wholly inside ar are compared (CompareAlignedWindow).
func compareAlignedRect(q *fingerprint.Features, a *fingerprint.Features, variant int, qr, ar Rect, inside bool) (AlignedEvidence, bool) {
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
	// The asset's shape, for softening its grid (whose cells span the
	// whole asset, whatever part of it ar is) as a blur round in pixels
	// would.
	aspect := 1.0
	if a.Width > 0 && a.Height > 0 {
		aspect = float64(a.Width) / float64(a.Height)
	}
	var softs [len(softWeights)][]uint8
	var ss [len(softWeights)][]float64
	for k, w := range softWeights {
		softs[k], ss[k] = soften(a.Thumb, n, 1, w, aspect), make([]float64, 0, n*n)
	}
	at := make([]cellAt, 0, n*n)
	boxes := make([][4]float64, 0, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			u, v := (float64(j)+0.5)/n, (float64(i)+0.5)/n
			if u < ar.X0 || u > ar.X1 || v < ar.Y0 || v > ar.Y1 {
				continue
			}
			if inside && (!cellInside(j, n, ar.X0, ar.X1) || !cellInside(i, n, ar.Y0, ar.Y1)) {
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
			for k := range ss {
				ss[k] = append(ss[k], float64(softs[k][i*n+j]))
			}
			at = append(at, cellAt{i, j})
			boxes = append(boxes, [4]float64{x - hx, y - hy, x + hx, y + hy})
		}
	}
	if len(us) < minCells {
		return AlignedEvidence{}, false
	}
	var ev AlignedEvidence
	lumaEvidence := func(vs []float64) {
		r, alpha, beta := pearson(us, vs, nil)
		ev.Correlation, ev.Cells, ev.Off = round3(r), len(us), round3(offShare(us, vs, alpha, beta))
		ev.SoftCorrelation = ev.Correlation
		for k := range ss {
			rs, _, _ := pearson(ss[k], vs, nil)
			ev.SoftCorrelation = max(ev.SoftCorrelation, round3(rs))
		}
	}
	lumaEvidence(vs)
	// The colour grid's cells, laid the same way.
	const cn = fingerprint.ColorSide
	chx, chy := hx*n/cn, hy*n/cn
	place := func(u, v float64) (float64, float64, bool) {
		if u < ar.X0 || u > ar.X1 || v < ar.Y0 || v > ar.Y1 {
			return 0, 0, false
		}
		if inside && (!cellInside(int(u*cn), cn, ar.X0, ar.X1) || !cellInside(int(v*cn), cn, ar.Y0, ar.Y1)) {
			return 0, 0, false
		}
		x, y := dihedralInverse(variant, (u-ar.X0)/aw, (v-ar.Y0)/ah)
		return qr.X0 + x*qw, qr.Y0 + y*qh, true
	}
	var colorOff []int
	if off, cc, at, cs, ok := compareColor(q, a, place, chx, chy); ok {
		if len(at) > 0 && looksBlurred(ev.Correlation, ev.SoftCorrelation) {
			// The query looks blurred: off against the asset softened
			// too?
			sa := *a
			sa.Color = soften(a.Color, cn, 3, softColorWeight, aspect)
			if _, _, at2, _, ok := compareColor(q, &sa, place, chx, chy); ok {
				at = slices.DeleteFunc(at, func(x int) bool { return !slices.Contains(at2, x) })
				off = round3(float64(len(at)) / float64(cc))
			}
		}
		ev.ColorOff, ev.ColorCells, colorOff = off, cc, at
		if lum := recolouredLuma(q, cs, off, cc, ev.SoftCorrelation); lum != nil {
			vs2 := make([]float64, len(boxes))
			for i, b := range boxes {
				vs2[i], _ = lum(b[0], b[1], b[2], b[3])
			}
			if r2, _, _ := pearson(us, vs2, nil); round3(r2) > ev.Correlation {
				vs = vs2
				lumaEvidence(vs)
				ev.Recoloured = true
			}
		}
	}
	ev.Occlusion, _ = occlusion(us, vs, at, colorOff)
	return ev, true
}

// recolourUpTo is the correlation from which the luma is not read back
// through a hue turn (recolouredLuma): the pictures agree already.
const recolourUpTo = 0.999

// recolouredLuma returns the query's luma read back through the hue turn
// fitted from the asset's colours to the query's (cs: fitHueTurn,
// hueTurn.lumaOf), when the colours agree (off over cells: no more than
// MaxColorOffCells cells off the affine map) and the hue turn misses no
// more cells, and the luma correlates under recolourUpTo (r); nil
// otherwise. A copy whose hues were turned keeps its colours' layout,
// but its luma is another mix of R, G and B than the asset's: on the
// accuracy benchmark, copies whose hue was turned by 90 to 150 degrees,
// found under the threshold with their colour cells agreeing, had the
// luma correlating 0.77 to 0.998 (median 0.963).
func recolouredLuma(q *fingerprint.Features, cs colorSamples, off float64, cells int, r float64) lumaFunc {
	if cells == 0 || colorDiffers(off, cells) || r >= recolourUpTo {
		return nil
	}
	h, missed := fitHueTurn(cs.as, cs.qs)
	if missed > MaxColorOffCells {
		return nil
	}
	luma, ok := h.lumaOf()
	if !ok {
		return nil
	}
	return func(x0, y0, x1, y1 float64) (float64, bool) {
		c, ok := q.MeanColor(x0, y0, x1, y1)
		return luma(c), ok
	}
}

// looksBlurred reports whether a query whose aligned correlation with the
// asset is r, and with the asset softened soft, looks like a blurred copy:
// softening gains and reaches alignedLikely, or it gains at least
// blurredGain and reaches blurredSoft (a strong blur: sharp 0.88-0.94,
// softened 0.97-0.99). A look-alike drawn as sharp as the asset gains
// little from softening. On the 2026-12-05 night run the strong-blur
// branch took blur from 82.2% to 82.9% at the same threshold (0.880) with
// no new false match.
func looksBlurred(r, soft float64) bool {
	return soft > r && (soft >= alignedLikely || (soft >= blurredSoft && soft-r >= blurredGain))
}

const (
	blurredSoft = 0.97
	blurredGain = 0.02
)

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

// The asset softened (AlignedEvidence.SoftCorrelation and ColorOff): each
// grid is blurred by the separable kernel [w, 1-2w, w], a standard
// deviation of sqrt(2w) cells along the picture's longer side, and as wide
// in pixels across it (soften). The thumbnail is softened three times,
// by each of softWeights (0.32, 0.45 and 0.63 of its cells: a blur of 1%,
// 1.4% and 2% of the picture's longer side), and the best correlation
// kept; the colour grid once, by softColorWeight: on tiles of saturated
// colours one colour cell wide, blurred by 1% or 2% of their side, it left
// no cell off where the sharp grid left 2 and 150 (from 0.03 to 0.1 for
// the 1% blur, 0.08 to 0.15 for the 2%). The 1% level came with the
// widening across (2026-12-07 afternoon): without it, copies of long
// pictures blurred by 1% lost the agreement the narrower softening across
// had happened to give them (a 64x192 snowflake: 0.994 -> 0.987; with it,
// 0.998).
var softWeights = [...]float64{softWeight / 4, softWeight / 2, softWeight}

const (
	softWeight      = 0.2
	softColorWeight = 0.1
	// softMaxPasses bounds the passes of the kernel along a picture's
	// shorter side (softAxis): a blur of up to about 5.7 cells there.
	softMaxPasses = 64
)

// softAxis returns how the kernel [w, 1-2w, w] is applied along a side of
// a picture that is r times shorter than its longer side (r >= 1), so
// that the blur is as wide in pixels as along the longer side (a blur is
// round in pixels, and a grid's cells are narrower along the shorter
// side): a variance of 2w r^2 cells, as k passes of the kernel with
// weight w2 <= 1/4. Along the longer side (r = 1) that is one pass of w.
func softAxis(w, r float64) (w2 float64, k int) {
	v := 2 * w * r * r
	k = min(softMaxPasses, max(1, int(math.Ceil(v/0.5-1e-9))))
	return min(0.25, v/(2*float64(k))), k
}

// soften blurs an n x n grid of c interleaved channels of a picture of
// aspect (width over height) by the kernel [w, 1-2w, w] along its longer
// side, and as wide in pixels along its shorter side (softAxis), rows,
// then columns; at the edges the weights that fall outside are left out
// and the rest renormalised.
func soften(g []uint8, n, c int, w, aspect float64) []uint8 {
	// One pass of the kernel along rows (horizontal) or columns, from src
	// to dst: each cell's weighted sum over itself and its neighbours
	// along the line, over the sum of the weights that fell inside.
	pass := func(dst, src []float64, horizontal bool, w float64) {
		k0, k1, k2 := w, 1-2*w, w
		wl, wm, wr := k1+k2, k0+k1+k2, k0+k1 // at the first cell, inside, at the last
		step := c                            // along a row
		if !horizontal {
			step = n * c
		}
		for line := 0; line < n; line++ {
			for ch := 0; ch < c; ch++ {
				o := line*n*c + ch // a row's first cell
				if !horizontal {
					o = line*c + ch // a column's
				}
				for p := 0; p < n; p, o = p+1, o+step {
					switch {
					case n == 1:
						dst[o] = k1 * src[o] / k1
					case p == 0:
						dst[o] = (k1*src[o] + k2*src[o+step]) / wl
					case p == n-1:
						dst[o] = (k0*src[o-step] + k1*src[o]) / wr
					default:
						dst[o] = (k0*src[o-step] + k1*src[o] + k2*src[o+step]) / wm
					}
				}
			}
		}
	}
	rx, ry := 1.0, 1.0 // how many times each side is shorter than the longer
	switch {
	case aspect > 0 && aspect < 1:
		rx = 1 / aspect
	case aspect > 1:
		ry = aspect
	}
	f, tmp := make([]float64, len(g)), make([]float64, len(g))
	for i, v := range g {
		f[i] = float64(v)
	}
	wx, kx := softAxis(w, rx)
	for range kx {
		pass(tmp, f, true, wx)
		f, tmp = tmp, f
	}
	wy, ky := softAxis(w, ry)
	for range ky {
		pass(tmp, f, false, wy)
		f, tmp = tmp, f
	}
	out := make([]uint8, len(g))
	for i, v := range f {
		out[i] = uint8(math.Round(v))
	}
	return out
}
