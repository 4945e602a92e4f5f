package fingerprint

import "math"

// DCT, quality metric, median and dihedral transforms of PDQ, after the
// reference's pdq/cpp/hashing/pdqhashing.cpp and torben.cpp. Arithmetic is
// float32 in the reference's order; explicit float32 conversions keep the
// compiler from fusing multiply-adds, which the reference does not do.

// pdqDCT is the reference's dct_matrix_64: 16 rows (frequencies 1..16) by 64
// columns, row-major, D[i][j] = sqrt(2/64) * cos(pi/2/64 * (i+1) * (2j+1)),
// computed in float64 and stored as float32 as the reference does.
var pdqDCT [16 * 64]float32

func init() {
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			c := math.Cos((math.Pi / 2.0 / 64.0) * float64(i+1) * float64(2*j+1))
			pdqDCT[i*64+j] = float32(float64(scale) * c)
		}
	}
}

// dct64To16 computes B = D A D^T (the reference's dct64To16): the DCT-II
// coefficients (1..16)x(1..16) of the 64x64 input a, via t = D A. Loops are
// interchanged for speed, but every sum starts at 0 and adds its terms in
// the reference's order (k = 0..63).
func dct64To16(a *[64 * 64]float32, t *[16 * 64]float32, b *[16 * 16]float32) {
	for i := 0; i < 16; i++ {
		ti := t[i*64 : i*64+64 : i*64+64]
		clear(ti)
		di := pdqDCT[i*64 : i*64+64 : i*64+64]
		for k, dk := range di {
			ak := a[k*64 : k*64+64 : k*64+64]
			for j, v := range ak {
				ti[j] += float32(dk * v)
			}
		}
	}
	for i := 0; i < 16; i++ {
		ti := t[i*64 : i*64+64 : i*64+64]
		for j := 0; j < 16; j += 2 {
			d0 := pdqDCT[j*64 : j*64+64 : j*64+64]
			d1 := pdqDCT[(j+1)*64 : (j+1)*64+64 : (j+1)*64+64]
			var s0, s1 float32
			for k, v := range ti {
				s0 += float32(v * d0[k])
				s1 += float32(v * d1[k])
			}
			b[i*16+j] = s0
			b[i*16+j+1] = s1
		}
	}
}

// pdqQuality is pdqImageDomainQualityMetric: the sum of quantised vertical
// and horizontal gradients of the 64x64 image, divided by 90, capped at 100.
func pdqQuality(a *[64 * 64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		r0 := a[i*64 : i*64+64 : i*64+64]
		r1 := a[(i+1)*64 : (i+1)*64+64 : (i+1)*64+64]
		for j, u := range r0 {
			d := int(float32(float32(u-r1[j])*100) / 255)
			if d < 0 {
				d = -d
			}
			sum += d
		}
	}
	for i := 0; i < 64; i++ {
		r := a[i*64 : i*64+64 : i*64+64]
		for j := 0; j < 63; j++ {
			d := int(float32(float32(r[j]-r[j+1])*100) / 255)
			if d < 0 {
				d = -d
			}
			sum += d
		}
	}
	q := sum / 90
	if q > 100 {
		q = 100
	}
	return q
}

// torben returns the median of m as the reference's torben() does (Torben
// Mogensen's algorithm; for even len(m) the lower median, the
// ((len(m)+1)/2)-th smallest value). m is not modified.
func torben(m []float32) float32 {
	n := len(m)
	midn := (n + 1) / 2
	lo, hi := m[0], m[0]
	for _, v := range m[1:] {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	var less, greater, equal int
	var guess, maxLTGuess, minGTGuess float32
	for {
		guess = (lo + hi) / 2
		less, greater, equal = 0, 0, 0
		maxLTGuess, minGTGuess = lo, hi
		for _, v := range m {
			if v < guess {
				less++
				if v > maxLTGuess {
					maxLTGuess = v
				}
			} else if v > guess {
				greater++
				if v < minGTGuess {
					minGTGuess = v
				}
			} else {
				equal++
			}
		}
		if less <= midn && greater <= midn {
			break
		}
		if less > greater {
			hi = maxLTGuess
		} else {
			lo = minGTGuess
		}
	}
	switch {
	case less >= midn:
		return maxLTGuess
	case less+equal >= midn:
		return guess
	default:
		return minGTGuess
	}
}

// pdqBitsFromDCT is pdqBuffer16x16ToBits: bit i*16+j is set when
// b[i][j] is greater than the median of the 256 coefficients.
func pdqBitsFromDCT(b *[16 * 16]float32, h *PDQ) {
	med := torben(b[:])
	*h = PDQ{}
	for k, v := range b {
		if v > med {
			h.setBit(k)
		}
	}
}

// dct16Dihedral writes to out the 16x16 DCT of the image transformed by
// dihedral transform k (DihedralRotate90..DihedralFlipMinus1), computed from
// the original's DCT a as the reference's dct16OriginalTo* functions do:
//
//	orig      rot90     rot180    rot270
//	noxpose   xpose     noxpose   xpose
//	+ + + +   - + - +   + - + -   - - - -
//	+ + + +   - + - +   - + - +   + + + +
//	+ + + +   - + - +   + - + -   - - - -
//	+ + + +   - + - +   - + - +   + + + +
//
//	flipx     flipy     flipplus  flipminus
//	noxpose   noxpose   xpose     xpose
//	- - - -   - + - +   + + + +   + - + -
//	+ + + +   - + - +   + + + +   - + - +
//	- - - -   - + - +   + + + +   + - + -
//	+ + + +   - + - +   + + + +   - + - +
func dct16Dihedral(k int, a, out *[16 * 16]float32) {
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			v := a[i*16+j]
			switch k {
			case DihedralRotate90:
				if j&1 == 0 {
					v = -v
				}
				out[j*16+i] = v
			case DihedralRotate180:
				if (i+j)&1 != 0 {
					v = -v
				}
				out[i*16+j] = v
			case DihedralRotate270:
				if i&1 == 0 {
					v = -v
				}
				out[j*16+i] = v
			case DihedralFlipX:
				if i&1 == 0 {
					v = -v
				}
				out[i*16+j] = v
			case DihedralFlipY:
				if j&1 == 0 {
					v = -v
				}
				out[i*16+j] = v
			case DihedralFlipPlus1:
				out[j*16+i] = v
			case DihedralFlipMinus1:
				if (i+j)&1 != 0 {
					v = -v
				}
				out[j*16+i] = v
			default:
				out[i*16+j] = v
			}
		}
	}
}
