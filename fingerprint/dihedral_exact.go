package fingerprint

import "image"

// The dihedral variants Perceptualize reports are predicted from the
// original picture's DCT, as Meta's reference does: exact for the 64x64
// buffer, but the Jarosz filter and the decimation before it are not
// symmetric, so a picture actually mirrored or turned can hash 20 to 36
// bits away from its predicted variant (a flat drawing with sharp edges;
// TestExactDihedral). A query that wants its mirrored and turned copies
// found as surely as re-encoded ones hashes the transformed pixels
// instead (Options.ExactDihedral): one more filter, decimation and DCT
// per variant.

// CommonDihedral are the variants Options.ExactDihedral hashes exactly:
// the quarter turns and the left-right mirror, the ways pictures are
// commonly turned and flipped (about 1.5 ms each for a 512-px picture).
var CommonDihedral = []int{DihedralRotate90, DihedralRotate180, DihedralRotate270, DihedralFlipY}

// ExactDihedral replaces dihedral[k] for each k in variants (all seven
// transforms when none is given) with the PDQ of img actually so
// transformed, bit for bit what Perceptualize gives for the transformed
// picture; dihedral is Perceptualize(img).Dihedral (or
// Pixels.PDQDihedral), whose original hash stays. Pictures too small to
// hash are left as they are.
func ExactDihedral(img *image.RGBA, dihedral *[8]PDQ, variants ...int) {
	exactDihedral(img, dihedral, nil, variants)
}

// exactDihedral is ExactDihedral, which also replaces phash[k] (when phash
// is not nil) with the PHash of img so transformed.
func exactDihedral(img *image.RGBA, dihedral *[8]PDQ, phash *[8]PHash, variants []int) {
	if img == nil {
		return
	}
	width, height := img.Rect.Dx(), img.Rect.Dy()
	if min(width, height) < pdqMinHashableDim {
		return
	}
	w := pdqPool.Get().(*pdqWork)
	defer pdqPool.Put(w)
	if len(variants) == 0 {
		variants = []int{DihedralRotate90, DihedralRotate180, DihedralRotate270, DihedralFlipX, DihedralFlipY, DihedralFlipPlus1, DihedralFlipMinus1}
	}
	for _, k := range variants {
		if k <= DihedralOriginal || k > DihedralFlipMinus1 {
			continue
		}
		rows, cols := dihedralDims(k, width, height)
		w.ensure(rows*cols, cols)
		fillLumaDihedral(img, k, w.buf1, rows, cols)
		w.hashFromLuma(rows, cols)
		pdqBitsFromDCT(&w.b16, &dihedral[k])
		if phash != nil {
			phash[k] = phashFromDCT(&w.b16)
		}
	}
}

// transposes reports whether the dihedral variant k swaps width and height.
func transposes(k int) bool {
	return k == DihedralRotate90 || k == DihedralRotate270 || k == DihedralFlipPlus1 || k == DihedralFlipMinus1
}

// dihedralDims is the size of the luma buffer Perceptualize hashes for a
// width x height picture transformed by k: the transformed picture, or
// 512x512 when it has a side over 512.
func dihedralDims(k, width, height int) (rows, cols int) {
	tw, th := width, height
	if transposes(k) {
		tw, th = height, width
	}
	if tw > pdqDownsampleDims || th > pdqDownsampleDims {
		return pdqDownsampleDims, pdqDownsampleDims
	}
	return th, tw
}

// fillLumaDihedral writes to luma (rows x cols, from dihedralDims) the luma
// of img transformed by k and, when that is over 512 px, reduced by
// nearest neighbour as fillLumaNearest does: buffer pixel (X, Y) is pixel
// (X*tw/cols, Y*th/rows) of the transformed tw x th picture, read from
// where the transform took it in img. Both coordinates of that source
// pixel depend on one buffer coordinate each, so the byte offsets are
// tabulated per row (byRow) and per column (byCol).
func fillLumaDihedral(img *image.RGBA, k int, luma []float32, rows, cols int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tw, th := w, h
	if transposes(k) {
		tw, th = h, w
	}
	byRow := make([]int, rows)
	byCol := make([]int, cols)
	stride := img.Stride
	base := img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y)
	for y := range byRow {
		t := y * th / rows // a row of the transformed picture
		switch k {
		case DihedralRotate90, DihedralFlipMinus1: // source column w-1-t
			byRow[y] = (w - 1 - t) * 4
		case DihedralRotate270, DihedralFlipPlus1: // source column t
			byRow[y] = t * 4
		case DihedralRotate180, DihedralFlipX: // source row h-1-t
			byRow[y] = (h - 1 - t) * stride
		default: // DihedralFlipY: source row t
			byRow[y] = t * stride
		}
	}
	for x := range byCol {
		t := x * tw / cols // a column of the transformed picture
		switch k {
		case DihedralRotate90, DihedralFlipPlus1: // source row t
			byCol[x] = t * stride
		case DihedralRotate270, DihedralFlipMinus1: // source row h-1-t
			byCol[x] = (h - 1 - t) * stride
		case DihedralRotate180, DihedralFlipY: // source column w-1-t
			byCol[x] = (w - 1 - t) * 4
		default: // DihedralFlipX: source column t
			byCol[x] = t * 4
		}
	}
	pix := img.Pix[base:]
	for y, r := range byRow {
		dst := luma[y*cols : y*cols+cols]
		for x, c := range byCol {
			s := pix[r+c : r+c+3 : r+c+3]
			dst[x] = lumaR[s[0]] + lumaG[s[1]] + lumaB[s[2]]
		}
	}
}
