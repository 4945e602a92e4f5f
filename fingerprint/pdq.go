package fingerprint

import (
	"encoding/hex"
	"image"
	"math/bits"
	"sync"

	"github.com/sleuthhq/sleuth"
)

// PDQ is a 256-bit PDQ hash (Meta's perceptual hash, see
// https://github.com/facebook/ThreatExchange/tree/main/pdq); comparable,
// usable as a map key.
//
// The bytes are kept in the order the reference's Hash256::format prints
// them: the reference stores the hash as sixteen 16-bit words w[0..15], bit
// k = 16*i+j of the 16x16 DCT output (row i, column j) being bit j of w[i],
// and prints w[15] first, each word as 4 hex digits. PDQ[0] and PDQ[1] are
// therefore the high and low bytes of w[15], ..., PDQ[31] the low byte of
// w[0], and String is plain hex of the 32 bytes.
type PDQ [32]byte

// String returns the hash as 64 lower-case hex characters, in the same order
// as the reference implementation prints it.
func (h PDQ) String() string { return hex.EncodeToString(h[:]) }

var errPDQSyntax = &sleuth.Error{Code: sleuth.CodeInvalidFingerprint, Message: "malformed PDQ hash: want exactly 64 hex characters"}

// ParsePDQ parses the 64-hex-character form written by PDQ.String (upper- or
// lower-case hex digits; nothing else, no prefix, no whitespace).
func ParsePDQ(s string) (PDQ, error) {
	var h PDQ
	if len(s) != 2*len(h) {
		return PDQ{}, errPDQSyntax
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return PDQ{}, errPDQSyntax
	}
	return h, nil
}

// Distance returns the Hamming distance between h and o (0..256).
func (h PDQ) Distance(o PDQ) int {
	n := 0
	for i := 0; i < len(h); i += 8 {
		a := uint64(h[i]) | uint64(h[i+1])<<8 | uint64(h[i+2])<<16 | uint64(h[i+3])<<24 |
			uint64(h[i+4])<<32 | uint64(h[i+5])<<40 | uint64(h[i+6])<<48 | uint64(h[i+7])<<56
		b := uint64(o[i]) | uint64(o[i+1])<<8 | uint64(o[i+2])<<16 | uint64(o[i+3])<<24 |
			uint64(o[i+4])<<32 | uint64(o[i+5])<<40 | uint64(o[i+6])<<48 | uint64(o[i+7])<<56
		n += bits.OnesCount64(a ^ b)
	}
	return n
}

// setBit sets bit k (0..255) with the reference's numbering (bit j of word
// k/16, j = k%16).
func (h *PDQ) setBit(k int) {
	word, j := k>>4, k&15
	idx := (15 - word) * 2 // high byte of the word
	if j < 8 {
		idx++ // low byte
	}
	h[idx] |= 1 << (j & 7)
}

// Perceptual holds every perceptual fingerprint of one decoded image.
type Perceptual struct {
	PDQ      PDQ
	Quality  int    // PDQ quality metric 0..100
	Dihedral [8]PDQ // index 0 == PDQ; then rot90, rot180, rot270, flipX, flipY, flipPlus1, flipMinus1
	PHash    PHash
	// PHashDihedral are the PHash of the picture's dihedral variants,
	// indexed as Dihedral (index 0 == PHash).
	PHashDihedral [8]PHash
}

// Indexes into Perceptual.Dihedral, in the order of the reference's
// pdqDihedralHash256esFromFloatLuma outputs (and of the reference's
// reg-test-input/dih files). Dihedral[k] predicts the PDQ hash of the picture
// transformed as named; the directions below are what the reference's
// formulas give (checked against actually transformed pixels).
const (
	DihedralOriginal   = iota // the picture itself
	DihedralRotate90          // rotated 90 degrees counter-clockwise
	DihedralRotate180         // rotated 180 degrees
	DihedralRotate270         // rotated 90 degrees clockwise
	DihedralFlipX             // mirrored top to bottom (about the horizontal axis)
	DihedralFlipY             // mirrored left to right (about the vertical axis)
	DihedralFlipPlus1         // transposed (mirrored about the main diagonal)
	DihedralFlipMinus1        // mirrored about the anti-diagonal
)

const (
	// pdqDownsampleDims mirrors DOWNSAMPLE_DIMS of the reference's
	// pdqio.cpp: an image wider or taller than this is first resized to
	// exactly pdqDownsampleDims x pdqDownsampleDims (aspect ratio not kept)
	// with CImg's default nearest-neighbour resize.
	pdqDownsampleDims = 512
	// pdqMinHashableDim is MIN_HASHABLE_DIM: smaller images hash to all
	// zeros with quality 0.
	pdqMinHashableDim = 5
	// pdqJaroszPasses is PDQ_NUM_JAROSZ_XY_PASSES.
	pdqJaroszPasses = 2
)

// Luma coefficients of the reference (float constants 0.299, 0.587, 0.114).
// The tables hold float(coeff) * float(v), exactly the products the
// reference computes, so luma = lumaR[r] + lumaG[g] + lumaB[b] is bitwise the
// reference's yval.
var lumaR, lumaG, lumaB [256]float32

func init() {
	const cr, cg, cb = float32(0.299), float32(0.587), float32(0.114)
	for v := 0; v < 256; v++ {
		lumaR[v] = cr * float32(v)
		lumaG[v] = cg * float32(v)
		lumaB[v] = cb * float32(v)
	}
}

// pdqWork holds every buffer one hash needs; pooled so that steady-state
// hashing allocates nothing.
type pdqWork struct {
	buf1, buf2 []float32 // numRows x numCols, row-major
	sums       []float32 // column accumulators
	xoff       [pdqDownsampleDims]int
	colIdx     [64]int
	rowIdx     [64]int
	a64        [64 * 64]float32
	t16        [16 * 64]float32
	b16        [16 * 16]float32
	aux        [16 * 16]float32
}

var pdqPool = sync.Pool{New: func() any { return new(pdqWork) }}

func (w *pdqWork) ensure(n, cols int) {
	if cap(w.buf1) < n {
		w.buf1 = make([]float32, n)
		w.buf2 = make([]float32, n)
	}
	w.buf1 = w.buf1[:n]
	w.buf2 = w.buf2[:n]
	if cap(w.sums) < cols {
		w.sums = make([]float32, cols)
	}
	w.sums = w.sums[:cols]
}

// Perceptualize computes all perceptual fingerprints of one decoded, opaque
// image in a single pass over the pixels: the PDQ hash, its quality and its 8
// dihedral variants, as Meta's pdq-photo-hasher computes them, and the
// 64-bit PHash derived from the same 64x64 luma buffer.
//
// As the reference tool does, an image with a side over 512 pixels is first
// reduced to 512x512 by nearest-neighbour sampling (CImg's default resize);
// then luma Y = 0.299 R + 0.587 G + 0.114 B (float32), a two-pass Jarosz
// (tent) filter, decimation to 64x64, the quality metric, the 64->16 DCT and
// the Torben-median threshold. The alpha channel is ignored. Images under 5
// pixels on a side (after that resize) give zero hashes and quality 0.
func Perceptualize(img *image.RGBA) Perceptual {
	var p Perceptual
	if img == nil {
		return p
	}
	width, height := img.Rect.Dx(), img.Rect.Dy()
	if width <= 0 || height <= 0 {
		return p
	}
	rows, cols := height, width
	if width > pdqDownsampleDims || height > pdqDownsampleDims {
		rows, cols = pdqDownsampleDims, pdqDownsampleDims
	}
	if rows < pdqMinHashableDim || cols < pdqMinHashableDim {
		return p
	}

	w := pdqPool.Get().(*pdqWork)
	defer pdqPool.Put(w)
	w.ensure(rows*cols, cols)

	if rows == height && cols == width {
		fillLuma(img, w.buf1, rows, cols)
	} else {
		fillLumaNearest(img, w, width, height)
	}
	p.Quality = w.hashFromLuma(rows, cols)

	// Hash bits: original and the 7 dihedral transforms, all from the 16x16
	// DCT, as pdqDihedralHash256esFromFloatLuma does.
	pdqBitsFromDCT(&w.b16, &p.Dihedral[DihedralOriginal])
	for k := DihedralRotate90; k <= DihedralFlipMinus1; k++ {
		dct16Dihedral(k, &w.b16, &w.aux)
		pdqBitsFromDCT(&w.aux, &p.Dihedral[k])
		p.PHashDihedral[k] = phashFromDCT(&w.aux)
	}
	p.PDQ = p.Dihedral[DihedralOriginal]
	p.PHash = phashFromDCT(&w.b16)
	p.PHashDihedral[DihedralOriginal] = p.PHash
	return p
}

// fillLuma writes the luma of every pixel of img (rows x cols, the image's
// own size) to luma, row-major, as fillFloatLumaFromRGB does.
func fillLuma(img *image.RGBA, luma []float32, rows, cols int) {
	stride := img.Stride
	pix := img.Pix
	for y := 0; y < rows; y++ {
		lumaRow(pix[y*stride:y*stride+cols*4], luma[y*cols:y*cols+cols])
	}
}

// lumaRow converts one row of RGBA pixels to luma,
// Y = 0.299 R + 0.587 G + 0.114 B in float32 (alpha ignored).
func lumaRow(src []uint8, dst []float32) {
	for len(src) >= 16 && len(dst) >= 4 {
		s := src[:16:16]
		d := dst[:4:4]
		d[0] = lumaR[s[0]] + lumaG[s[1]] + lumaB[s[2]]
		d[1] = lumaR[s[4]] + lumaG[s[5]] + lumaB[s[6]]
		d[2] = lumaR[s[8]] + lumaG[s[9]] + lumaB[s[10]]
		d[3] = lumaR[s[12]] + lumaG[s[13]] + lumaB[s[14]]
		src = src[16:]
		dst = dst[4:]
	}
	for len(src) >= 4 && len(dst) > 0 {
		dst[0] = lumaR[src[0]] + lumaG[src[1]] + lumaB[src[2]]
		src = src[4:]
		dst = dst[1:]
	}
}

// fillLumaNearest writes the luma of img resized to 512x512 the way the
// reference's CImg<uint8_t>::resize(512, 512) (interpolation type 1, nearest
// neighbour) does: output pixel (x, y) is input pixel
// (floor(x*width/512), floor(y*height/512)). Luma of a sampled pixel equals
// the luma of the resized pixel, so only the sampled pixels are read.
func fillLumaNearest(img *image.RGBA, w *pdqWork, width, height int) {
	const n = pdqDownsampleDims
	for x := range w.xoff {
		w.xoff[x] = (x * width / n) * 4
	}
	stride := img.Stride
	pix := img.Pix
	luma := w.buf1
	for y := 0; y < n; y++ {
		sy := y * height / n
		src := pix[sy*stride : sy*stride+width*4]
		dst := luma[y*n : y*n+n : y*n+n]
		for x := 0; x < n; x += 4 {
			o := w.xoff[x : x+4 : x+4]
			s0 := src[o[0] : o[0]+3 : o[0]+3]
			s1 := src[o[1] : o[1]+3 : o[1]+3]
			s2 := src[o[2] : o[2]+3 : o[2]+3]
			s3 := src[o[3] : o[3]+3 : o[3]+3]
			d := dst[x : x+4 : x+4]
			d[0] = lumaR[s0[0]] + lumaG[s0[1]] + lumaB[s0[2]]
			d[1] = lumaR[s1[0]] + lumaG[s1[1]] + lumaB[s1[2]]
			d[2] = lumaR[s2[0]] + lumaG[s2[1]] + lumaB[s2[2]]
			d[3] = lumaR[s3[0]] + lumaG[s3[1]] + lumaB[s3[2]]
		}
	}
}

// hashFromLuma runs the reference's pdqFloat256FromFloatLuma on w.buf1
// (rows x cols luma, destroyed): Jarosz filter, decimation to w.a64, quality
// (returned), DCT to w.b16.
func (w *pdqWork) hashFromLuma(rows, cols int) int {
	if rows == 64 && cols == 64 {
		// pdqFloat256FromFloatLuma copies a 64x64 input as is (its dihedral
		// entry point filters it anyway, with a window of 1: the same values
		// up to float rounding).
		copy(w.a64[:], w.buf1[:64*64])
	} else {
		w.jaroszDecimate(rows, cols)
	}
	quality := pdqQuality(&w.a64)
	dct64To16(&w.a64, &w.t16, &w.b16)
	return quality
}
