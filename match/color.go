package match

import (
	"math"
	"math/cmplx"
	"slices"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Colour of the aligned pictures: two avatar tokens drawn from one
// template can differ only by the colour of a layer (hair, a shirt, a
// background) of about the same brightness, which the luma comparison
// cannot see. A copy recoloured as a whole (a hue turn, a tint, a contrast
// change, grayscale) keeps one affine map from the asset's colours to the
// query's; a token that differs by a layer does not. compareColor fits
// that map over the asset's colour grid (fingerprint.Features.Color) and
// counts the cells it misses.

// colorTolerance is how far (on the worst of R, G, B, 0..255) the fitted
// map may miss a cell's colour before the cell counts as off;
// colorFitTolerance, stricter, chooses the cells the map is fitted again
// on. Measured on the accuracy benchmark against counting at 16, 24 and 48
// (docs/MATCHING.md).
const (
	colorTolerance    = 32
	colorFitTolerance = 24
)

// MaxColorOffCells is the most cells of a match's colour grid that may be
// off (ColorOff) before the match counts as another picture in other
// colours: on the accuracy benchmark, distinct avatar tokens that differ
// by a tear or the hair's colour had 3 to 13 of the 256 cells of the
// whole picture off, half of the edited copies none (copies under a
// colour logo or caption, framed or blurred ones, can have more: they are
// capped too, see Match.capByColor; docs/MATCHING.md).
const MaxColorOffCells = 1

// minColorCells is the least number of colour cells compared.
const minColorCells = 12

// compareColor lays the query's colour on the asset's colour grid: place
// maps the centre of an asset cell (fractions of the asset) to the query
// (fractions of the query), false to leave the cell out, and hx, hy are
// half the cell's footprint in the query (fractions). It returns the share
// of the cells compared that the best affine colour map misses by more
// than colorTolerance, the number of cells and the indexes (row * n +
// column on the asset's grid) of those missed; false when either side
// lacks its colour or fewer than minColorCells cells are compared. It
// also returns the colours compared.
func compareColor(q, a *fingerprint.Features, place func(u, v float64) (x, y float64, ok bool), hx, hy float64) (off float64, cells int, offAt []int, cs colorSamples, ok bool) {
	as, qs, at, ok := colorCells(q, a, place, hx, hy)
	if !ok {
		return 0, 0, nil, cs, false
	}
	for k, d := range colorMisses(as, qs, fitColorMap(as, qs)) {
		if d > colorTolerance {
			offAt = append(offAt, at[k])
		}
	}
	// Rounded like the other shares; off*cells still rounds back to the
	// count (cells <= 256).
	return round3(float64(len(offAt)) / float64(len(as))), len(as), offAt, colorSamples{as, qs}, true
}

// colorSamples are the colours of the cells a colour comparison laid on
// each other: the asset's (as) and the query's (qs).
type colorSamples struct{ as, qs [][3]float64 }

// colorCells lays the query's colour on the asset's colour grid as
// compareColor does, and returns the asset's colours (as) and the query's
// (qs) of the cells compared, and their indexes (at); false when either
// side lacks its colour or fewer than minColorCells cells are compared.
func colorCells(q, a *fingerprint.Features, place func(u, v float64) (x, y float64, ok bool), hx, hy float64) (as, qs [][3]float64, at []int, ok bool) {
	const n = fingerprint.ColorSide
	if q == nil || a == nil || len(a.Color) != n*n*3 {
		return nil, nil, nil, false
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x, y, in := place((float64(j)+0.5)/n, (float64(i)+0.5)/n)
			if !in {
				continue
			}
			m, ok := q.MeanColor(x-hx, y-hy, x+hx, y+hy)
			if !ok {
				return nil, nil, nil, false
			}
			at = append(at, i*n+j)
			o := (i*n + j) * 3
			as = append(as, [3]float64{float64(a.Color[o]), float64(a.Color[o+1]), float64(a.Color[o+2])})
			qs = append(qs, m)
		}
	}
	if len(as) < minColorCells {
		return nil, nil, nil, false
	}
	return as, qs, at, true
}

// colorDiffers tells whether a colour comparison of off over cells cells
// has more than MaxColorOffCells cells off.
func colorDiffers(off float64, cells int) bool {
	return int(math.Round(off*float64(cells))) > MaxColorOffCells
}

// colorMap is an affine map of colours: channel c of the image of a is
// m[c][0] R + m[c][1] G + m[c][2] B + m[c][3].
type colorMap [3][4]float64

// fitColorMap fits, channel by channel, the affine map (a row of a 3x3
// matrix and an offset) that takes the colours as to qs. Two fits are
// tried for each channel and the one that misses fewer cells by more than
// colorTolerance is kept (the first on a tie): fitUnclipped, which starts
// from the cells where the query's channel is not clipped, and
// fitCensored, which starts from every cell. A picture in black and white
// (a drawing in ink, a silhouette) has most of its cells clipped at 0 or
// 255: starting from the others alone fits the edges and whatever a
// caption or a logo laid over it, and then misses most of the picture.
// The channel unchanged is a third candidate, kept only when it misses
// fewer cells than both fits: over a handful of distinct colours (an
// avatar of flat layers) the fits, refitted on the cells they fit well,
// can leave a rare colour out and miss it by 50 or more although the copy
// kept it (an avatar saved as a GIF had two cells off so, and was capped
// as another picture: TestFitColorMapUnchanged).
func fitColorMap(as, qs [][3]float64) colorMap {
	var m colorMap
	ys := make([]float64, len(as))
	for c := 0; c < 3; c++ {
		for i := range qs {
			ys[i] = qs[i][c]
		}
		row := fitUnclipped(as, ys)
		if alt := fitCensored(as, ys); countMissed(alt, as, ys) < countMissed(row, as, ys) {
			row = alt
		}
		var same [4]float64 // the channel unchanged
		same[c] = 1
		if countMissed(same, as, ys) < countMissed(row, as, ys) {
			row = same
		}
		m[c] = row
	}
	return m
}

// A hue turn: the colour map of a copy whose hues were turned, its
// saturation and brightness changed, as one picture editor's control
// does. Each colour is split into its grey level l = (R + G + B) / 3 and
// its chroma z, a point of the plane across the grey axis (a complex
// number); the map takes l to g l + o (real g, o) and z to w z + v
// (complex w, v: the hues turned by w's angle, the saturation scaled by
// its modulus, a tint's shift v). Six numbers, where the affine map of
// fitColorMap has twelve: that one can take any four colours anywhere,
// and so takes a token of few colours onto a look-alike whose one layer
// is drawn in another colour (two generated avatars whose luma, read back
// through it, correlated 0.999 on the accuracy benchmark); a hue turn
// takes every colour's chroma around by one angle.
type hueTurn struct {
	g, o float64
	w, v complex128
}

// Chroma axes across the grey one: the unit vectors (1, -1, 0)/sqrt(2) and
// (1, 1, -2)/sqrt(6).
var (
	chromaX = [3]float64{1 / math.Sqrt2, -1 / math.Sqrt2, 0}
	chromaY = [3]float64{1 / math.Sqrt(6), 1 / math.Sqrt(6), -2 / math.Sqrt(6)}
)

// greyChroma splits a colour into its grey level and its chroma.
func greyChroma(c [3]float64) (float64, complex128) {
	return (c[0] + c[1] + c[2]) / 3, complex(c[0]*chromaX[0]+c[1]*chromaX[1]+c[2]*chromaX[2], c[0]*chromaY[0]+c[1]*chromaY[1]+c[2]*chromaY[2])
}

// apply is the colour h takes c to, clamped to 0..255.
func (h hueTurn) apply(c [3]float64) [3]float64 {
	l, z := greyChroma(c)
	l, z = h.g*l+h.o, h.w*z+h.v
	var out [3]float64
	for k := range out {
		out[k] = min(max(l+real(z)*chromaX[k]+imag(z)*chromaY[k], 0), 255)
	}
	return out
}

// Limits of a hue turn read back (hueTurn.lumaOf): a map that takes the
// grey levels or the chroma to nearly nothing (a grayscale copy keeps its
// luma alone, and is compared on it as it is) is not inverted.
const minHueGain = 0.25

// fitHueTurn fits the hue turn that takes the colours as to qs by least
// squares, then again, twice, on the cells it misses by no more than
// colorFitTolerance (while they are at least half of the cells), and
// returns it with the number of cells it misses by more than
// colorTolerance.
func fitHueTurn(as, qs [][3]float64) (hueTurn, int) {
	use := make([]bool, len(as))
	for i := range use {
		use[i] = true
	}
	var h hueTurn
	misses := func() int {
		n := 0
		for i := range as {
			if colorMiss(h.apply(as[i]), qs[i]) > colorTolerance {
				n++
			}
		}
		return n
	}
	for pass := 0; pass < 3; pass++ {
		var k, sl, sq, sll, slq float64
		var sz, sy, szz, szy complex128
		for i := range as {
			if !use[i] {
				continue
			}
			la, za := greyChroma(as[i])
			lq, zq := greyChroma(qs[i])
			k++
			sl, sq, sll, slq = sl+la, sq+lq, sll+la*la, slq+la*lq
			sz, sy = sz+za, sy+zq
			szz += complex(real(za)*real(za)+imag(za)*imag(za), 0)
			szy += cmplx.Conj(za) * zq
		}
		if k == 0 {
			break
		}
		if d := sll - sl*sl/k; d > 1e-9 {
			h.g = (slq - sl*sq/k) / d
		} else {
			h.g = 1
		}
		h.o = (sq - h.g*sl) / k
		if d := real(szz) - (real(sz)*real(sz)+imag(sz)*imag(sz))/k; d > 1e-9 {
			h.w = (szy - cmplx.Conj(sz)*sy/complex(k, 0)) / complex(d, 0)
		} else {
			h.w = 1
		}
		h.v = (sy - h.w*sz) / complex(k, 0)
		if pass == 2 {
			break
		}
		next := make([]bool, len(as))
		kept := 0
		for i := range as {
			if colorMiss(h.apply(as[i]), qs[i]) <= colorFitTolerance {
				next[i] = true
				kept++
			}
		}
		if 2*kept < len(as) {
			break
		}
		use = next
	}
	return h, misses()
}

// colorMiss is the largest difference over R, G and B.
func colorMiss(a, b [3]float64) float64 {
	return max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1]), math.Abs(a[2]-b[2]))
}

// lumaOf returns the luma (BT.601, as the thumbnails') of the asset
// colour that h takes to the query's colour c, up to a constant: the
// query's colour read back as the asset's luma. False when h's gains are
// under minHueGain.
func (h hueTurn) lumaOf() (func(c [3]float64) float64, bool) {
	if h.g < minHueGain || cmplx.Abs(h.w) < minHueGain {
		return nil, false
	}
	// The luma of grey l and chroma z is l + Re(conj(kz) z), with kz the
	// luma weights' chroma.
	w := [3]float64{0.299, 0.587, 0.114}
	kz := complex(w[0]*chromaX[0]+w[1]*chromaX[1]+w[2]*chromaX[2], w[0]*chromaY[0]+w[1]*chromaY[1]+w[2]*chromaY[2])
	kl := w[0] + w[1] + w[2]
	return func(c [3]float64) float64 {
		l, z := greyChroma(c)
		za := (z - h.v) / h.w
		return kl*(l-h.o)/h.g + real(cmplx.Conj(kz)*za)
	}, true
}

// colorMisses returns by how much the map m misses each cell: the largest
// difference over R, G and B between m of as and qs, predictions clamped
// to 0..255.
func colorMisses(as, qs [][3]float64, m colorMap) []float64 {
	miss := make([]float64, len(as))
	for c := 0; c < 3; c++ {
		for i, a := range as {
			miss[i] = max(miss[i], math.Abs(predict(m[c], a)-qs[i][c]))
		}
	}
	return miss
}

// clippedAt tells whether a query channel's value is clipped (at 0 or 255,
// within 2).
func clippedAt(y float64) bool { return y < 2 || y > 253 }

// countMissed counts the cells that row misses by more than colorTolerance
// (its prediction clamped to 0..255).
func countMissed(row [4]float64, as [][3]float64, ys []float64) int {
	n := 0
	for i, a := range as {
		if math.Abs(predict(row, a)-ys[i]) > colorTolerance {
			n++
		}
	}
	return n
}

// fitUnclipped fits one channel's map (ys, the query's values) by least
// squares on the cells where the query's channel is not clipped (a
// contrast boost clips; the clamped prediction then agrees), on every
// cell when fewer than minColorCells are not, then twice again on the
// cells the last fit missed by no more than colorFitTolerance (when they
// are at least half of those it started from).
func fitUnclipped(as [][3]float64, ys []float64) [4]float64 {
	use := make([]bool, len(as))
	usable := 0
	for i := range use {
		use[i] = !clippedAt(ys[i])
		if use[i] {
			usable++
		}
	}
	if usable < minColorCells {
		for i := range use {
			use[i] = true
		}
		usable = len(use)
	}
	var row [4]float64
	for pass := 0; pass < 3; pass++ {
		row = fitColorRow(as, ys, use)
		if pass == 2 {
			break
		}
		kept := 0
		next := make([]bool, len(use))
		for i, a := range as {
			if d := math.Abs(predict(row, a) - ys[i]); d <= colorFitTolerance && (usable == len(use) || !clippedAt(ys[i])) {
				next[i] = true
				kept++
			}
		}
		if 2*kept < usable {
			break
		}
		use = next
	}
	return row
}

// censoredPasses is how many times fitCensored fits.
const censoredPasses = 5

// fitCensored fits one channel's map by least squares on every cell, then
// again on the cells the last fit missed by no more than colorFitTolerance
// (while they are at least half of all), treating a clipped cell as
// censored: one at 0 that the fit puts below 0 (or at 255 above 255)
// agrees, and is fitted at the fit's own value, so that it no longer pulls
// the map towards the clip level.
func fitCensored(as [][3]float64, ys []float64) [4]float64 {
	ts := slices.Clone(ys)
	use := make([]bool, len(as))
	for i := range use {
		use[i] = true
	}
	var row [4]float64
	for pass := 0; pass < censoredPasses; pass++ {
		row = fitColorRow(as, ts, use)
		if pass == censoredPasses-1 {
			break
		}
		kept := 0
		next := make([]bool, len(use))
		for i, a := range as {
			p := row[0]*a[0] + row[1]*a[1] + row[2]*a[2] + row[3]
			switch y := ys[i]; {
			case y < 2 && p < y, y > 253 && p > y:
				ts[i] = p
			default:
				ts[i] = y
			}
			if math.Abs(min(max(p, 0), 255)-ys[i]) <= colorFitTolerance {
				next[i] = true
				kept++
			}
		}
		if 2*kept < len(use) {
			break
		}
		use = next
	}
	return row
}

// predict is the clamped value of an affine row at colour a.
func predict(row [4]float64, a [3]float64) float64 {
	return min(max(row[0]*a[0]+row[1]*a[1]+row[2]*a[2]+row[3], 0), 255)
}

// fitColorRow solves the least-squares affine map from the asset's
// colours to one channel of the query's (ys) over the cells in use: the
// channel is row[0] R + row[1] G + row[2] B + row[3]. A small ridge on the
// coefficients keeps the map defined when the asset has too few distinct
// colours (the fit is then exact on them).
func fitColorRow(as [][3]float64, ys []float64, use []bool) (row [4]float64) {
	var a [4][4]float64
	var b [4]float64
	k := 0
	for i, c := range as {
		if !use[i] {
			continue
		}
		k++
		x := [4]float64{c[0], c[1], c[2], 1}
		for r := 0; r < 4; r++ {
			for s := 0; s < 4; s++ {
				a[r][s] += x[r] * x[s]
			}
			b[r] += x[r] * ys[i]
		}
	}
	for r := 0; r < 3; r++ {
		a[r][r] += float64(k) // ridge: 1 a cell, against sums of up to 255^2 a cell
	}
	// Gaussian elimination with partial pivoting.
	for col := 0; col < 4; col++ {
		p := col
		for r := col + 1; r < 4; r++ {
			if math.Abs(a[r][col]) > math.Abs(a[p][col]) {
				p = r
			}
		}
		a[col], a[p] = a[p], a[col]
		b[col], b[p] = b[p], b[col]
		if a[col][col] == 0 {
			continue
		}
		for r := col + 1; r < 4; r++ {
			f := a[r][col] / a[col][col]
			for s := col; s < 4; s++ {
				a[r][s] -= f * a[col][s]
			}
			b[r] -= f * b[col]
		}
	}
	for r := 3; r >= 0; r-- {
		if a[r][r] == 0 {
			continue
		}
		s := b[r]
		for t := r + 1; t < 4; t++ {
			s -= a[r][t] * row[t]
		}
		row[r] = s / a[r][r]
	}
	return row
}
