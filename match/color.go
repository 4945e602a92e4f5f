package match

import (
	"math"
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
// lacks its colour or fewer than minColorCells cells are compared.
func compareColor(q, a *fingerprint.Features, place func(u, v float64) (x, y float64, ok bool), hx, hy float64) (off float64, cells int, offAt []int, ok bool) {
	const n = fingerprint.ColorSide
	if q == nil || a == nil || len(a.Color) != n*n*3 {
		return 0, 0, nil, false
	}
	var as, qs [][3]float64
	var at []int
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			x, y, in := place((float64(j)+0.5)/n, (float64(i)+0.5)/n)
			if !in {
				continue
			}
			m, ok := q.MeanColor(x-hx, y-hy, x+hx, y+hy)
			if !ok {
				return 0, 0, nil, false
			}
			at = append(at, i*n+j)
			o := (i*n + j) * 3
			as = append(as, [3]float64{float64(a.Color[o]), float64(a.Color[o+1]), float64(a.Color[o+2])})
			qs = append(qs, m)
		}
	}
	if len(as) < minColorCells {
		return 0, 0, nil, false
	}
	for k, m := range colorMisses(as, qs) {
		if m > colorTolerance {
			offAt = append(offAt, at[k])
		}
	}
	// Rounded like the other shares; off*cells still rounds back to the
	// count (cells <= 256).
	return round3(float64(len(offAt)) / float64(len(as))), len(as), offAt, true
}

// colorDiffers tells whether a colour comparison of off over cells cells
// has more than MaxColorOffCells cells off.
func colorDiffers(off float64, cells int) bool {
	return int(math.Round(off*float64(cells))) > MaxColorOffCells
}

// colorMisses fits, channel by channel, the affine map (a row of a 3x3
// matrix and an offset) that takes the colours as to qs, and returns by
// how much the fits miss each cell: the largest difference over R, G and
// B, predictions clamped to 0..255. Two fits are tried for each channel
// and the one that misses fewer cells by more than colorTolerance is kept
// (the first on a tie): fitUnclipped, which starts from the cells where
// the query's channel is not clipped, and fitCensored, which starts from
// every cell. A picture in black and white (a drawing in ink, a
// silhouette) has most of its cells clipped at 0 or 255: starting from the
// others alone fits the edges and whatever a caption or a logo laid over
// it, and then misses most of the picture.
func colorMisses(as, qs [][3]float64) []float64 {
	miss := make([]float64, len(as))
	ys := make([]float64, len(as))
	for c := 0; c < 3; c++ {
		for i := range qs {
			ys[i] = qs[i][c]
		}
		row := fitUnclipped(as, ys)
		if alt := fitCensored(as, ys); countMissed(alt, as, ys) < countMissed(row, as, ys) {
			row = alt
		}
		for i, a := range as {
			miss[i] = max(miss[i], math.Abs(predict(row, a)-ys[i]))
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
