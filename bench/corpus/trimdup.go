package corpus

import (
	"image"
	"math"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// The same picture on another canvas: a drawing filed twice with
// different margins, or turned or mirrored inside a frame of another
// shape (OpenClipart's "flourish_one_vertical" and "_horizontal",
// Hedgewars's forts "EarthL" and "EarthR"), has whole-picture PDQs far
// apart, but the pictures inside their uniform borders hash alike. The
// benchmark counts a padded, turned or mirrored copy as a copy, so such
// pairs are one work. A pair is merged when a trimmed side is involved
// only if, besides the PDQs (within DedupDistance, both of quality >=
// trimDupQuality), the two pictures' 32x32 luma grids correlate at
// trimDupCorrelation or more under one of the 8 turns and mirrors:
// distinct flat pictures (a grey pane and a black bar) can hash alike
// once trimmed.

const (
	trimDupSide        = 32
	trimDupQuality     = 50
	trimDupCorrelation = 0.97
	// trimDupMinFraction is the least share of its picture a trimmed
	// rectangle must be to stand for it.
	trimDupMinFraction = 0.2
)

// face is a picture, whole or trimmed of its border, as the dedup sees
// it: its PDQ (exact dihedral variants) and its luma grid (zero mean,
// unit norm; nil when flat).
type face struct {
	dih     [8]fingerprint.PDQ
	quality int
	grid    []float32
}

// trimmedFace returns the face of img inside its uniform border, or nil
// when it has no border worth trimming, the rest is under
// trimDupMinFraction of the picture, or its PDQ is of low quality.
func trimmedFace(img *image.RGBA) *face {
	r := fingerprint.TrimBorders(img)
	full := img.Rect.Dx() * img.Rect.Dy()
	area := r.Dx() * r.Dy()
	if r == img.Rect || float64(full-area) < fingerprint.MinTrim*float64(full) ||
		float64(area) < trimDupMinFraction*float64(full) {
		return nil
	}
	sub := img.SubImage(r).(*image.RGBA)
	return newFace(sub, true)
}

// newFace hashes img (exactly in every dihedral variant when exact) and
// makes its grid; nil when its PDQ is of low quality or it is flat.
func newFace(img *image.RGBA, exact bool) *face {
	p := fingerprint.Perceptualize(img)
	if p.Quality < trimDupQuality {
		return nil
	}
	f := &face{dih: p.Dihedral, quality: p.Quality}
	if exact {
		fingerprint.ExactDihedral(img, &f.dih, fingerprint.CommonDihedral...)
	}
	f.grid = lumaGrid(img)
	if f.grid == nil {
		return nil
	}
	return f
}

// lumaGrid is img's mean luma over a trimDupSide x trimDupSide grid, with
// zero mean and unit norm; nil when it is flat.
func lumaGrid(img *image.RGBA) []float32 {
	const n = trimDupSide
	w, h := img.Rect.Dx(), img.Rect.Dy()
	g := make([]float64, n*n)
	var mean float64
	for gy := 0; gy < n; gy++ {
		y0, y1 := gy*h/n, max((gy+1)*h/n, gy*h/n+1)
		for gx := 0; gx < n; gx++ {
			x0, x1 := gx*w/n, max((gx+1)*w/n, gx*w/n+1)
			var s float64
			k := 0
			for y := y0; y < min(y1, h); y++ {
				row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
				for x := x0; x < min(x1, w); x++ {
					p := row[4*x:]
					s += 0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])
					k++
				}
			}
			g[gy*n+gx] = s / float64(max(k, 1))
			mean += g[gy*n+gx]
		}
	}
	mean /= n * n
	var ss float64
	for i := range g {
		g[i] -= mean
		ss += g[i] * g[i]
	}
	if ss < 1e-6 {
		return nil
	}
	out := make([]float32, n*n)
	norm := math.Sqrt(ss)
	for i := range g {
		out[i] = float32(g[i] / norm)
	}
	return out
}

// gridCorrelation is the best correlation of two grids over the 8 turns
// and mirrors of the second.
func gridCorrelation(a, b []float32) float64 {
	const n = trimDupSide
	best := -1.0
	for k := 0; k < 8; k++ {
		var s float64
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				y, x := i, j
				if k&4 != 0 {
					y, x = x, y
				}
				if k&1 != 0 {
					x = n - 1 - x
				}
				if k&2 != 0 {
					y = n - 1 - y
				}
				s += float64(a[i*n+j]) * float64(b[y*n+x])
			}
		}
		best = max(best, s)
	}
	return best
}

// facesAlike reports whether a and b are one picture: PDQs within d over
// a's variants and grids that agree.
func facesAlike(a, b *face, d int) bool {
	h := b.dih[0]
	for v := range a.dih {
		if h.Distance(a.dih[v]) <= d {
			return gridCorrelation(a.grid, b.grid) >= trimDupCorrelation
		}
	}
	return false
}
