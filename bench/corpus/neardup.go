package corpus

import (
	"image"
	"math"
	"slices"
	"sync/atomic"
)

// Near-duplicates that PDQ does not see. Two kept pictures are the same
// picture up to a global colour change when, at the same aspect ratio,
// one's colour thumbnail maps onto the other's under one colour map of the
// kind the benchmark's colour edits apply (each channel an affine function
// of itself and of the luma: grayscale, tints, contrast, a new background
// colour under a flat drawing) with at most nearDupMaxOff of the cells off
// by more than nearDupTolerance. Such pairs are what the benchmark's colour
// family makes of an original, so no matcher can be asked to tell them
// apart: dicebear funEmoji tokens that differ only by their background
// colour, a jigsaw piece drawn twice with one notch changed (PDQ 38 apart:
// a flat black-on-white drawing hashes unstably). Like the skin tones of an
// emoji, the later one is dropped.

// thumbSide is the side of a colour thumbnail.
const thumbSide = 32

// colorThumb is a picture's mean R, G, B over a thumbSide x thumbSide grid.
type colorThumb struct {
	aspect float64 // width / height
	rgb    [thumbSide * thumbSide][3]float32
	screen [64]float32 // the 8x8 luma, zero mean and unit norm, to screen pairs
}

// Near-duplicate thresholds.
const (
	nearDupScreen    = 0.95 // least 8x8 luma correlation worth a full check
	nearDupAspect    = 0.02 // largest relative difference of aspect ratios
	nearDupTolerance = 16   // colour distance (0-255 RGB) of a cell that is off
	nearDupMaxOff    = 0.01 // largest share of cells off
	nearDupTrim      = 0.05 // share of the worst cells left out of the second fit
)

func makeThumb(img *image.RGBA) *colorThumb {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	t := &colorThumb{aspect: float64(w) / float64(h)}
	for gy := 0; gy < thumbSide; gy++ {
		y0, y1 := gy*h/thumbSide, max((gy+1)*h/thumbSide, gy*h/thumbSide+1)
		for gx := 0; gx < thumbSide; gx++ {
			x0, x1 := gx*w/thumbSide, max((gx+1)*w/thumbSide, gx*w/thumbSide+1)
			var s [3]float64
			for y := y0; y < min(y1, h); y++ {
				row := img.Pix[img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y+y):]
				for x := x0; x < min(x1, w); x++ {
					p := row[4*x:]
					s[0] += float64(p[0])
					s[1] += float64(p[1])
					s[2] += float64(p[2])
				}
			}
			n := float64((min(y1, h) - y0) * (min(x1, w) - x0))
			for c := range s {
				t.rgb[gy*thumbSide+gx][c] = float32(s[c] / max(n, 1))
			}
		}
	}
	var mean float64
	const k = thumbSide / 8
	for i := range t.screen {
		var l float64
		for dy := 0; dy < k; dy++ {
			for dx := 0; dx < k; dx++ {
				l += luma(t.rgb[((i/8)*k+dy)*thumbSide+(i%8)*k+dx])
			}
		}
		t.screen[i] = float32(l)
		mean += l
	}
	mean /= 64
	var norm float64
	for i := range t.screen {
		t.screen[i] -= float32(mean)
		norm += float64(t.screen[i]) * float64(t.screen[i])
	}
	if norm > 0 {
		for i := range t.screen {
			t.screen[i] /= float32(math.Sqrt(norm))
		}
	}
	return t
}

func luma(c [3]float32) float64 {
	return 0.299*float64(c[0]) + 0.587*float64(c[1]) + 0.114*float64(c[2])
}

// nearDuplicates returns, for each thumbnail, whether it is a
// near-duplicate of an earlier one (nil thumbnails are never). Pairs are
// screened on workers goroutines.
func nearDuplicates(ts []*colorThumb, workers int) []bool {
	dup := make([]bool, len(ts))
	// later[i]: the earliest j < i whose picture i repeats (screened in
	// parallel, judged in order so that a chain keeps its first).
	match := make([][]int32, len(ts))
	var next atomic.Int64
	Parallel(workers, workers, func(int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(ts) {
				return
			}
			a := ts[i]
			if a == nil {
				continue
			}
			for j := 0; j < i; j++ {
				b := ts[j]
				if b == nil || math.Abs(a.aspect-b.aspect) > nearDupAspect*b.aspect {
					continue
				}
				var dot float32
				for k := range a.screen {
					dot += a.screen[k] * b.screen[k]
				}
				if dot >= nearDupScreen && (sameUpToColour(b, a) || sameUpToColour(a, b)) {
					match[i] = append(match[i], int32(j))
				}
			}
		}
	})
	for i := range ts {
		for _, j := range match[i] {
			if !dup[j] {
				dup[i] = true
				break
			}
		}
	}
	return dup
}

// sameUpToColour reports whether b is a's picture under one colour map of
// the form b_c = alpha_c + beta_c a_c + gamma_c Y(a), fitted by least
// squares on every cell, then again without the nearDupTrim worst.
func sameUpToColour(a, b *colorThumb) bool {
	const n = thumbSide * thumbSide
	var res [n]float64
	var m [3][3]float64
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	for pass := 0; pass < 2; pass++ {
		for c := 0; c < 3; c++ {
			m[c] = fitChannel(a, b, c, keep)
		}
		for i := 0; i < n; i++ {
			y := luma(a.rgb[i])
			var s float64
			for c := 0; c < 3; c++ {
				d := m[c][0] + m[c][1]*float64(a.rgb[i][c]) + m[c][2]*y - float64(b.rgb[i][c])
				s += d * d
			}
			res[i] = math.Sqrt(s)
		}
		if pass == 0 {
			sorted := slices.Clone(res[:])
			slices.Sort(sorted)
			cut := sorted[n-int(math.Round(nearDupTrim*n))-1]
			for i := range keep {
				keep[i] = res[i] <= cut
			}
		}
	}
	off := 0
	for _, r := range res {
		if r > nearDupTolerance {
			off++
		}
	}
	return float64(off) <= nearDupMaxOff*n
}

// fitChannel fits b_c = x0 + x1 a_c + x2 Y(a) over the kept cells by least
// squares (normal equations, a small ridge so that a flat picture has an
// answer).
func fitChannel(a, b *colorThumb, c int, keep []bool) [3]float64 {
	var A [3][3]float64
	var B [3]float64
	for i := range a.rgb {
		if !keep[i] {
			continue
		}
		x := [3]float64{1, float64(a.rgb[i][c]), luma(a.rgb[i])}
		v := float64(b.rgb[i][c])
		for r := 0; r < 3; r++ {
			for k := 0; k < 3; k++ {
				A[r][k] += x[r] * x[k]
			}
			B[r] += x[r] * v
		}
	}
	for r := 0; r < 3; r++ {
		A[r][r] += 1e-3
	}
	// Gaussian elimination with partial pivoting.
	for k := 0; k < 3; k++ {
		p := k
		for r := k + 1; r < 3; r++ {
			if math.Abs(A[r][k]) > math.Abs(A[p][k]) {
				p = r
			}
		}
		A[k], A[p] = A[p], A[k]
		B[k], B[p] = B[p], B[k]
		for r := k + 1; r < 3; r++ {
			f := A[r][k] / A[k][k]
			for j := k; j < 3; j++ {
				A[r][j] -= f * A[k][j]
			}
			B[r] -= f * B[k]
		}
	}
	var x [3]float64
	for k := 2; k >= 0; k-- {
		s := B[k]
		for j := k + 1; j < 3; j++ {
			s -= A[k][j] * x[j]
		}
		x[k] = s / A[k][k]
	}
	return x
}
