package match

import (
	"math"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Occlusion: a caption or a logo written over a copy hides one part of it
// and leaves the rest untouched, pixel for pixel and colour for colour.
// A comparison (aligned or geometric) finds the cells where the two
// pictures disagree, in luma (the asset's thumbnail against the query's
// mean luma, beyond lumaOffTolerance of a robust line between them) or in
// colour (compareColor's cells off), and bounds them by one rectangle of
// the asset: when that rectangle is small and everything outside it agrees,
// the difference is one patch laid over the picture, not a layer of a
// look-alike drawn differently here and there.

// Occlusion is the rectangle of the asset that holds every cell where two
// pictures laid on each other disagree, and how well they agree outside it.
type Occlusion struct {
	// Rect is the rectangle, in fractions of the asset.
	Rect Rect `json:"rect"`
	// Share is the share of the compared thumbnail cells inside Rect.
	Share float64 `json:"share"`
	// Correlation is the Pearson correlation of the thumbnail cells
	// outside Rect, over Cells cells; -1 when fewer than minCells.
	Correlation float64 `json:"correlation"`
	Cells       int     `json:"cells"`
	// LumaOff and ColorOff count the thumbnail and colour cells that
	// disagree (all inside Rect).
	LumaOff  int `json:"luma_off"`
	ColorOff int `json:"color_off"`
	// Density is the share of the thumbnail cells inside Rect that
	// disagree in luma: near 1 for a solid patch laid over the picture (a
	// caption, a logo), lower for a look-alike that differs in a few
	// strokes here and there.
	Density float64 `json:"density"`
}

// lumaOffTolerance is how far (in luma levels, 0..255) a thumbnail cell
// may be from the robust line between the two sides before it counts as
// disagreeing.
const lumaOffTolerance = 16

// cellAt is a compared thumbnail cell's row and column on the asset's
// grid.
type cellAt struct{ i, j int }

// occlusion bounds the cells that disagree: the luma cells (the asset's
// us and the query's vs, at the places at) off a robust line (fitted,
// then fitted again on the three quarters of the cells it fits best) and
// the colour cells in colorOff (indexes on the asset's colour grid). It
// returns nil when no cell disagrees; ok is false when the cells could
// not be judged (fewer than minCells, or one side flat).
func occlusion(us, vs []float64, at []cellAt, colorOff []int) (o *Occlusion, ok bool) {
	if len(us) < minCells {
		return nil, false
	}
	alpha, beta, ok := robustLine(us, vs)
	if !ok {
		return nil, false // a flat side: no line to be off
	}
	const n, cn = fingerprint.ThumbSide, fingerprint.ColorSide
	const per = n / cn // thumbnail cells per colour cell, on each side
	i0, j0, i1, j1 := n, n, -1, -1
	grow := func(a, b, c, d int) {
		i0, j0, i1, j1 = min(i0, a), min(j0, b), max(i1, c), max(j1, d)
	}
	o = &Occlusion{}
	for k, c := range at {
		if math.Abs(vs[k]-alpha-beta*us[k]) > lumaOffTolerance {
			o.LumaOff++
			grow(c.i, c.j, c.i, c.j)
		}
	}
	for _, x := range colorOff {
		ci, cj := x/cn, x%cn
		grow(ci*per, cj*per, ci*per+per-1, cj*per+per-1)
		o.ColorOff++
	}
	if i1 < 0 {
		return nil, true
	}
	o.Rect = Rect{float64(j0) / n, float64(i0) / n, float64(j1+1) / n, float64(i1+1) / n}
	in := 0
	out := make([]bool, len(at))
	for k, c := range at {
		if c.i >= i0 && c.i <= i1 && c.j >= j0 && c.j <= j1 {
			in++
		} else {
			out[k] = true
		}
	}
	o.Share = round3(float64(in) / float64(len(at)))
	if in > 0 {
		o.Density = round3(float64(o.LumaOff) / float64(in))
	}
	o.Cells = len(at) - in
	o.Correlation = -1
	if o.Cells >= minCells {
		r, _, _ := pearson(us, vs, out)
		o.Correlation = round3(r)
	}
	return o, true
}

// robustLine is the line v = alpha + beta u between the cells' two sides
// that occlusion judges them by: fitted, then fitted again on the three
// quarters of the cells it fits best. ok is false when a side is flat.
func robustLine(us, vs []float64) (alpha, beta float64, ok bool) {
	_, alpha, beta = pearson(us, vs, nil)
	if alpha == 0 && beta == 0 {
		return 0, 0, false
	}
	if _, a2, b2 := pearson(us, vs, bestFitting(us, vs, alpha, beta, 3, 4)); a2 != 0 || b2 != 0 {
		alpha, beta = a2, b2
	}
	return alpha, beta, true
}

// cellsOff counts the luma cells (as occlusion has them) off the robust
// line by more than lumaOffTolerance; ok is false when they could not be
// judged.
func cellsOff(us, vs []float64) (n int, ok bool) {
	if len(us) < minCells {
		return 0, false
	}
	alpha, beta, ok := robustLine(us, vs)
	if !ok {
		return 0, false
	}
	for k := range us {
		if math.Abs(vs[k]-alpha-beta*us[k]) > lumaOffTolerance {
			n++
		}
	}
	return n, true
}

// restAgrees reports whether the cells outside o's rectangle are enough
// (minCells) and agree (occludedCorrelation): every rule that forgives
// one differing rectangle asks it.
func (o *Occlusion) restAgrees() bool {
	return o.Cells >= minCells && o.Correlation >= occludedCorrelation
}
