package corpus

import (
	"image"
	"math"
	"sync/atomic"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Near-duplicates that PDQ does not see. Two kept pictures are one drawing
// in two sets of colours when, at the same aspect ratio, their colour
// thumbnails split into the same regions of one colour, whatever the
// colours (sameUpToColour), but for at most nearDupMaxOff of the cells
// (those on a region's edge left out).
// Like the skin tones of an emoji, which the issue counts as
// near-duplicates, the later one is dropped: dicebear funEmoji tokens that
// differ only by their background colour (the face is the background),
// OpenClipart's star series (the same thin circle at 100 px). A global
// recolouring is also what the benchmark's color family makes of an
// original, so no matcher could tell such a pair from a copy.

// thumbSide is the side of a colour thumbnail: fine enough that a token
// with one eye winking (0.6% of the picture) is not the same drawing.
const thumbSide = 96

// colorThumb is a picture's mean R, G, B over a thumbSide x thumbSide grid.
type colorThumb struct {
	aspect float64          // width / height
	pdq    *fingerprint.PDQ // the picture's PDQ, to screen pairs (nil: screen on luma only)
	rgb    [thumbSide * thumbSide][3]uint8
	screen [64]float32 // the 8x8 luma, zero mean and unit norm, to screen pairs
}

// Near-duplicate thresholds.
const (
	nearDupScreen    = 0.9    // least |8x8 luma correlation| worth a full check,
	nearDupScreenPDQ = 48     // or largest PDQ distance (a new background colour moves the luma)
	nearDupAspect    = 0.02   // largest relative difference of aspect ratios
	nearDupTolerance = 24     // colour distance (0-255 RGB) of a cell that is off (offCells)
	nearDupMaxOff    = 0.0015 // largest share of cells off, each way (14 of 9216)
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
				t.rgb[gy*thumbSide+gx][c] = uint8(math.Round(s[c] / max(n, 1)))
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

func luma(c [3]uint8) float64 {
	return 0.299*float64(c[0]) + 0.587*float64(c[1]) + 0.114*float64(c[2])
}

// nearDuplicates returns, for each thumbnail, whether it is a
// near-duplicate of an earlier one (nil thumbnails are never). Pairs are
// screened on workers goroutines.
func nearDuplicates(ts []*colorThumb, workers int) []bool {
	dup := make([]bool, len(ts))
	// match[i]: the j < i whose picture i repeats (found in parallel,
	// judged in order so that a chain keeps its first).
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
				near := math.Abs(float64(dot)) >= nearDupScreen ||
					a.pdq != nil && b.pdq != nil && a.pdq.Distance(*b.pdq) <= nearDupScreenPDQ
				if near && sameUpToColour(b, a) {
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

// sameUpToColour reports whether a and b are one drawing in two sets of
// colours: cells of one colour in a are cells of one colour in b and the
// other way round (the colour of each region may change, the regions may
// not), but for at most nearDupMaxOff of the cells. Colours are binned to
// 8 levels a channel (offCells).
func sameUpToColour(a, b *colorThumb) bool {
	const n = thumbSide * thumbSide
	limit := int(math.Floor(nearDupMaxOff * n))
	return offCells(a, b) <= limit && offCells(b, a) <= limit
}

// offCells counts the cells of b whose colour strays from the mean b colour
// of the cells that share their a colour bin by more than nearDupTolerance
// plus twice as much as their a colour strays from the bin's a mean (a
// colour map may stretch the colours within a bin). Cells on a boundary
// between bins in a are not counted: they mix two regions' colours in
// proportions that the recolouring does not keep exactly (antialiased
// edges, translucent layers).
func offCells(a, b *colorThumb) int {
	bin := func(c [3]uint8) int {
		return int(c[0])>>5<<6 | int(c[1])>>5<<3 | int(c[2])>>5
	}
	var sumA, sumB [512][3]float64
	var count [512]int
	bins := make([]int, len(a.rgb))
	for i := range a.rgb {
		k := bin(a.rgb[i])
		bins[i] = k
		count[k]++
		for c := 0; c < 3; c++ {
			sumA[k][c] += float64(a.rgb[i][c])
			sumB[k][c] += float64(b.rgb[i][c])
		}
	}
	off := 0
	for i := range a.rgb {
		k := bins[i]
		x, y := i%thumbSide, i/thumbSide
		if x > 0 && bins[i-1] != k || x < thumbSide-1 && bins[i+1] != k ||
			y > 0 && bins[i-thumbSide] != k || y < thumbSide-1 && bins[i+thumbSide] != k {
			continue
		}
		var da, db float64
		for c := 0; c < 3; c++ {
			u := float64(a.rgb[i][c]) - sumA[k][c]/float64(count[k])
			v := float64(b.rgb[i][c]) - sumB[k][c]/float64(count[k])
			da += u * u
			db += v * v
		}
		if math.Sqrt(db) > nearDupTolerance+2*math.Sqrt(da) {
			off++
		}
	}
	return off
}
