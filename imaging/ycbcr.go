package imaging

import (
	"encoding/binary"
	"image"
)

// ycbcrToRGBA converts a decoded JPEG picture to RGBA the way libjpeg(-turbo)
// does by default: "fancy" (triangle filter) chroma upsampling for 4:2:2 and
// 4:2:0 (jdsample.c h2v1_fancy_upsample, h2v2_fancy_upsample) and jdcolor.c's
// fixed-point YCbCr -> RGB. Go's image/jpeg repeats chroma samples instead,
// which shifts the colours of strongly compressed pictures: on Meta's PDQ
// reference images, the heavily compressed q0003.jpg hashes 22 bits away
// from the reference (decoded with libjpeg-turbo) with Go's conversion and 2
// bits with this one. It returns nil for layouts it does not handle (4:4:0,
// 4:1:1, 4:1:0, odd origins); the caller then uses image/draw.
//
// Memory: the output plus two rows of chroma; it works row by row.
func ycbcrToRGBA(m *image.YCbCr) *image.RGBA {
	if m.Rect.Min != (image.Point{}) {
		return nil
	}
	var vs int
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		vs = 0
	case image.YCbCrSubsampleRatio422:
		vs = 1
	case image.YCbCrSubsampleRatio420:
		vs = 2
	default:
		return nil
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	cbRow := make([]uint8, w+1)
	crRow := make([]uint8, w+1)
	var sums []int32
	if vs == 2 {
		sums = make([]int32, (w+1)/2)
	}
	for y := 0; y < h; y++ {
		switch vs {
		case 0:
			copy(cbRow, m.Cb[y*m.CStride:y*m.CStride+w])
			copy(crRow, m.Cr[y*m.CStride:y*m.CStride+w])
		case 1:
			upsampleH2V1(cbRow, m.Cb[y*m.CStride:], w)
			upsampleH2V1(crRow, m.Cr[y*m.CStride:], w)
		case 2:
			upsampleH2V2(cbRow, m.Cb, m.CStride, y, w, h, sums)
			upsampleH2V2(crRow, m.Cr, m.CStride, y, w, h, sums)
		}
		convertRow(dst.Pix[y*dst.Stride:y*dst.Stride+4*w], m.Y[y*m.YStride:y*m.YStride+w], cbRow, crRow)
	}
	return dst
}

// convertRow writes to drow the RGBA pixels of the luma row yrow and the
// (upsampled) chroma rows cb and cr, at least as long, with libjpeg's
// arithmetic (clamp8 as a table lookup, each pixel one 32-bit store).
func convertRow(drow, yrow, cb, cr []uint8) {
	cb, cr = cb[:len(yrow)], cr[:len(yrow)]
	drow = drow[:4*len(yrow)]
	for x, yv := range yrow {
		yy := int32(yv) + clampOffset
		b, r := cb[x], cr[x]
		R := clampTab[uint32(yy+crRTab[r])&clampMask]
		G := clampTab[uint32(yy+(cbGTab[b]+crGTab[r])>>16)&clampMask]
		B := clampTab[uint32(yy+cbBTab[b])&clampMask]
		binary.LittleEndian.PutUint32(drow[4*x:], uint32(R)|uint32(G)<<8|uint32(B)<<16|0xff<<24)
	}
}

// clampTab[(v+clampOffset) mod 1024] is clamp8(v) for every v a
// conversion can give: luma 0..255 plus a chroma term of at most 227 in
// magnitude (1.772 x 128, blue).
var clampTab [1024]uint8

const (
	clampOffset = 384
	clampMask   = uint32(len(clampTab) - 1)
)

// libjpeg's jdcolor.c tables (SCALEBITS 16).
var crRTab, cbBTab, crGTab, cbGTab [256]int32

func init() {
	const one = 1 << 16
	const half = 1 << 15
	fix := func(f float64) int32 { return int32(f*one + 0.5) }
	for i := range 256 {
		x := int32(i - 128)
		crRTab[i] = (fix(1.40200)*x + half) >> 16
		cbBTab[i] = (fix(1.77200)*x + half) >> 16
		crGTab[i] = -fix(0.71414) * x
		cbGTab[i] = -fix(0.34414)*x + half
	}
	for i := range clampTab {
		clampTab[i] = clamp8(int32(i) - clampOffset)
	}
}

func clamp8(v int32) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// upsampleH2V1 doubles one chroma row horizontally with libjpeg's triangle
// filter (3/4 nearer + 1/4 farther sample, alternating rounding bias),
// writing at least w samples into out (len(out) >= w+1).
func upsampleH2V1(out, row []uint8, w int) {
	cw := (w + 1) / 2
	row = row[:cw]
	if cw == 1 {
		out[0], out[1] = row[0], row[0]
		return
	}
	out[0] = row[0]
	out[1] = uint8((int(row[0])*3 + int(row[1]) + 2) >> 2)
	for c := 1; c < cw-1; c++ {
		v := int(row[c]) * 3
		out[2*c] = uint8((v + int(row[c-1]) + 1) >> 2)
		out[2*c+1] = uint8((v + int(row[c+1]) + 2) >> 2)
	}
	out[2*cw-2] = uint8((int(row[cw-1])*3 + int(row[cw-2]) + 1) >> 2)
	out[2*cw-1] = row[cw-1]
}

// upsampleH2V2 produces output row y of a 4:2:0 chroma plane: vertically
// 3/4 of the nearer chroma row + 1/4 of the next one away (edges
// replicated), then horizontally the same triangle filter.
func upsampleH2V2(out, plane []uint8, stride, y, w, h int, sums []int32) {
	cw, ch := (w+1)/2, (h+1)/2
	cy := y / 2
	ny := cy - 1
	if y&1 == 1 {
		ny = cy + 1
	}
	ny = max(0, min(ny, ch-1))
	r0 := plane[cy*stride : cy*stride+cw]
	r1 := plane[ny*stride : ny*stride+cw]
	for c := range sums[:cw] {
		sums[c] = int32(r0[c])*3 + int32(r1[c])
	}
	if cw == 1 {
		out[0] = uint8((sums[0]*4 + 8) >> 4)
		out[1] = uint8((sums[0]*4 + 7) >> 4)
		return
	}
	out[0] = uint8((sums[0]*4 + 8) >> 4)
	out[1] = uint8((sums[0]*3 + sums[1] + 7) >> 4)
	for c := 1; c < cw-1; c++ {
		out[2*c] = uint8((sums[c]*3 + sums[c-1] + 8) >> 4)
		out[2*c+1] = uint8((sums[c]*3 + sums[c+1] + 7) >> 4)
	}
	out[2*cw-2] = uint8((sums[cw-1]*3 + sums[cw-2] + 8) >> 4)
	out[2*cw-1] = uint8((sums[cw-1]*4 + 7) >> 4)
}
