package fingerprint

import (
	"encoding/binary"
	"image"
	"math"
	"math/bits"
	"sync"
)

// The luma pictures local features are found in: the frame, its pyramid
// levels and their blurred copies. They never leave ExtractFeatures, so
// their buffers come from a pool (featureScratch) and are reused.

// grayImage is an 8-bit luma picture.
type grayImage struct {
	w, h int
	pix  []uint8
}

func (g *grayImage) at(x, y int) int { return int(g.pix[y*g.w+x]) }

// featureScratch holds the buffers of one ExtractFeatures call.
type featureScratch struct {
	levels  [featureLevels]grayImage
	blurred [featureLevels]grayImage
	// acc holds the column sums of an area reduction, span the source
	// range of each output column, recip the reciprocals of the cell
	// sizes.
	acc   []uint32
	span  []int
	recip [2][]uint64
	// tmp is the horizontal pass of blur.
	tmp []uint16
	// score is the FAST score of each pixel of a level (all zero between
	// uses); cand the offsets of the nonzero ones.
	score   []int32
	cand    []int32
	corners []corner
	top     []corner
	hist    []int32
	taken   []bool
	// insetSteps and insetSums are findInset's step maps and prefix
	// sums.
	insetSteps []uint8
	insetSums  []int32
}

var featureScratchPool = sync.Pool{New: func() any { return new(featureScratch) }}

// grow returns s resized to n elements, reallocated when too small; the
// contents are not cleared.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}

// reduceSpans fills span (n+1 entries) with the source ranges of an area
// reduction of N samples to n (n <= N): sample i goes to i*n/N, so output
// j averages samples span[j] to span[j+1]-1.
func reduceSpans(span []int, N, n int) []int {
	span = grow(span, n+1)
	for j := 0; j <= n; j++ {
		span[j] = (j*N + n - 1) / n
	}
	return span
}

// lumaFrame reduces img to at most side pixels on its longest side by area
// averaging and returns its luma (BT.601 weights), in dst.
func lumaFrame(img *image.RGBA, side int, dst *grayImage, sc *featureScratch) *grayImage {
	W, H := img.Rect.Dx(), img.Rect.Dy()
	w, h := W, H
	if m := max(W, H); m > side {
		w = max(1, int(math.Round(float64(W)*float64(side)/float64(m))))
		h = max(1, int(math.Round(float64(H)*float64(side)/float64(m))))
	}
	dst.w, dst.h = w, h
	dst.pix = grow(dst.pix, w*h)
	if w == W && h == H {
		for y := 0; y < H; y++ {
			src := img.Pix[y*img.Stride : y*img.Stride+4*W]
			out := dst.pix[y*w : y*w+w]
			for x := range out {
				p := src[4*x : 4*x+3 : 4*x+3]
				out[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 32768) >> 16)
			}
		}
		return dst
	}
	areaReduce(dst.pix, W, H, w, h, sc, func(y int, col []uint32) {
		addLuma(col, img.Pix[y*img.Stride:y*img.Stride+4*W])
	})
	return dst
}

// addLuma adds to col[x] the luma of pixel x of the RGBA row src,
// (19595 R + 38470 G + 7471 B + 32768) >> 16, two pixels at a time in the
// 32-bit lanes of a uint64.
func addLuma(col []uint32, src []uint8) {
	const m = 0x0000_00ff_0000_00ff
	x := 0
	for ; x+2 <= len(col) && 4*x+8 <= len(src); x += 2 {
		v := binary.LittleEndian.Uint64(src[4*x:])
		l := (19595*(v&m) + 38470*(v>>8&m) + 7471*(v>>16&m) + 32768*(1<<32|1)) >> 16 & m
		col[x] += uint32(l)
		col[x+1] += uint32(l >> 32)
	}
	for ; x < len(col); x++ {
		p := src[4*x : 4*x+3 : 4*x+3]
		col[x] += (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 32768) >> 16
	}
}

// areaReduce reduces a W x H picture to w x h (no larger) by area
// averaging into dst: output pixel (j, i) is the rounded mean of the
// source pixels (x, y) with x*w/W == j and y*h/H == i. addRow adds row y
// of the source to col (W sums).
func areaReduce(dst []uint8, W, H, w, h int, sc *featureScratch, addRow func(y int, col []uint32)) {
	sc.span = reduceSpans(sc.span, W, w)
	xs := sc.span[:w+1]
	sc.acc = grow(sc.acc, W)
	col := sc.acc
	// recip[k][j] is the reciprocal (see divide) of the cell size of
	// column j for rows[k] source rows: a reduction has at most two row
	// counts.
	var rows [2]uint32
	sc.recip[0], sc.recip[1] = grow(sc.recip[0], w), grow(sc.recip[1], w)
	for i := 0; i < h; i++ {
		y0, y1 := (i*H+h-1)/h, ((i+1)*H+h-1)/h
		clear(col)
		for y := y0; y < y1; y++ {
			addRow(y, col)
		}
		n := uint32(y1 - y0)
		k := 0
		if rows[0] != n {
			if k = 1; rows[1] != n {
				if rows[0] == 0 {
					k = 0
				}
				rows[k] = n
				for j := range w {
					sc.recip[k][j] = reciprocal(uint32(xs[j+1]-xs[j]) * n)
				}
			}
		}
		rec := sc.recip[k][:w]
		out := dst[i*w : i*w+w]
		x := xs[0]
		for j := range out {
			e := xs[j+1]
			var s uint32
			for ; x < e; x++ {
				s += col[x]
			}
			c := uint32(e-xs[j]) * n
			out[j] = uint8(divide(s+c/2, c, rec[j]))
		}
	}
}

// reciprocal returns the multiplier that divide uses for d: ceil(2^64/d),
// or 0 for d < 2 (d = 0 marks an empty cell).
func reciprocal(d uint32) uint64 {
	if d < 2 {
		return 0
	}
	return ^uint64(0)/uint64(d) + 1
}

// divide returns n/d (0 when d is 0) by a multiplication: for 32-bit n
// and d, n/d is the high word of n * ceil(2^64/d) (Lemire, Kaser and
// Kurz, "Faster remainder by direct computation", 2019).
func divide(n, d uint32, rec uint64) uint32 {
	if d < 2 {
		return n * d
	}
	hi, _ := bits.Mul64(rec, uint64(n))
	return uint32(hi)
}

// shrink reduces g to w x h (smaller) by area averaging, into dst (a new
// picture when dst is nil).
func (g *grayImage) shrink(w, h int, dst *grayImage, sc *featureScratch) *grayImage {
	if dst == nil {
		dst = new(grayImage)
	}
	dst.w, dst.h = w, h
	dst.pix = grow(dst.pix, w*h)
	areaReduce(dst.pix, g.w, g.h, w, h, sc, func(y int, col []uint32) {
		src := g.pix[y*g.w : (y+1)*g.w]
		col = col[:len(src)]
		for x, v := range src {
			col[x] += uint32(v)
		}
	})
	return dst
}

// blur writes g smoothed by the separable binomial kernel 1 4 6 4 1 (edges
// repeated) to dst.
func (g *grayImage) blur(dst *grayImage, sc *featureScratch) *grayImage {
	w, h := g.w, g.h
	sc.tmp = grow(sc.tmp, w*h)
	tmp := sc.tmp
	clamp := func(v, n int) int { return min(max(v, 0), n-1) }
	for y := 0; y < h; y++ {
		r := g.pix[y*w : (y+1)*w]
		t := tmp[y*w : (y+1)*w]
		for x := 0; x < min(2, w); x++ {
			t[x] = uint16(int(r[clamp(x-2, w)]) + 4*int(r[clamp(x-1, w)]) + 6*int(r[x]) + 4*int(r[clamp(x+1, w)]) + int(r[clamp(x+2, w)]))
		}
		for x := 2; x+2 < w; x++ {
			q := r[x-2 : x+3 : x+3]
			t[x] = uint16(q[0]) + 4*uint16(q[1]) + 6*uint16(q[2]) + 4*uint16(q[3]) + uint16(q[4])
		}
		for x := max(2, w-2); x < w; x++ {
			t[x] = uint16(int(r[clamp(x-2, w)]) + 4*int(r[clamp(x-1, w)]) + 6*int(r[x]) + 4*int(r[clamp(x+1, w)]) + int(r[clamp(x+2, w)]))
		}
	}
	dst.w, dst.h = w, h
	dst.pix = grow(dst.pix, w*h)
	for y := 0; y < h; y++ {
		t0, t1, t2 := tmp[clamp(y-2, h)*w:][:w], tmp[clamp(y-1, h)*w:][:w], tmp[y*w:][:w]
		t3, t4 := tmp[clamp(y+1, h)*w:][:w], tmp[clamp(y+2, h)*w:][:w]
		out := dst.pix[y*w:][:w]
		for x := range out {
			s := uint32(t0[x]) + 4*uint32(t1[x]) + 6*uint32(t2[x]) + 4*uint32(t3[x]) + uint32(t4[x])
			out[x] = uint8((s + 128) >> 8)
		}
	}
	return dst
}

// summedArea returns the summed-area table of g, (w+1) x (h+1).
func summedArea(g *grayImage) []uint32 {
	W := g.w + 1
	s := make([]uint32, W*(g.h+1))
	for y := 0; y < g.h; y++ {
		src := g.pix[y*g.w : (y+1)*g.w]
		prev := s[y*W+1 : y*W+W]
		cur := s[(y+1)*W+1 : (y+1)*W+W]
		var row uint32
		for x, v := range src {
			row += uint32(v)
			cur[x] = prev[x] + row
		}
	}
	return s
}
