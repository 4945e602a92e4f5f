package imaging

import (
	"image"
	"math/rand/v2"
	"testing"
)

// planarLibjpegRGBA is the straightforward whole-plane transcription of
// libjpeg's upsampling and colour conversion, kept as the oracle for the
// row-by-row ycbcrToRGBA. It converts a decoded JPEG (*image.YCbCr) to RGBA the way
// libjpeg(-turbo) does by default, which is what the PDQ reference decodes
// with: "fancy" (triangle-filter) chroma upsampling for 4:2:0 and 4:2:2
// (jdsample.c h2v2_fancy_upsample, h2v1_fancy_upsample) and jdcolor.c's
// fixed-point YCbCr->RGB. Go's image/jpeg replicates chroma samples instead,
// which moves the luma of low-contrast images by a few levels: with it
// q0003.jpg (quality 3) is 22 bits from the reference, with this 2 bits.
// Returns nil for layouts it does not handle.
func planarLibjpegRGBA(m *image.YCbCr) *image.RGBA {
	w, h := m.Rect.Dx(), m.Rect.Dy()
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
	cb := planarUpsampleFancy(m.Cb, m.CStride, w, h, vs)
	cr := planarUpsampleFancy(m.Cr, m.CStride, w, h, vs)

	const scale = 16
	fix := func(f float64) int { return int(f*(1<<scale) + 0.5) }
	half := 1 << (scale - 1)
	crR, cbB, crG, cbG := fix(1.40200), fix(1.77200), fix(0.71414), fix(0.34414)
	clamp := func(v int) uint8 {
		if v < 0 {
			return 0
		}
		if v > 255 {
			return 255
		}
		return uint8(v)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		yrow := m.Y[y*m.YStride : y*m.YStride+w]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, yv := range yrow {
			yy := int(yv)
			b := int(cb[y*w+x]) - 128
			r := int(cr[y*w+x]) - 128
			drow[4*x] = clamp(yy + ((crR*r + half) >> scale))
			drow[4*x+1] = clamp(yy + ((-cbG*b + half - crG*r) >> scale))
			drow[4*x+2] = clamp(yy + ((cbB*b + half) >> scale))
			drow[4*x+3] = 255
		}
	}
	return dst
}

// planarUpsampleFancy returns the w x h chroma plane upsampled from p. vs is 0 for
// 4:4:4 (copy), 1 for h2v1, 2 for h2v2, with libjpeg's triangle filter and
// edge replication.
func planarUpsampleFancy(p []uint8, stride, w, h, vs int) []uint8 {
	out := make([]uint8, w*h)
	if vs == 0 {
		for y := 0; y < h; y++ {
			copy(out[y*w:y*w+w], p[y*stride:y*stride+w])
		}
		return out
	}
	cw := (w + 1) / 2
	ch := h
	if vs == 2 {
		ch = (h + 1) / 2
	}
	sums := make([]int, cw)
	// wide is the row upsampled to 2*cw samples; the first w are kept.
	wide := make([]uint8, 2*cw)
	for y := 0; y < h; y++ {
		if vs == 1 {
			row := p[y*stride : y*stride+cw]
			if cw == 1 {
				wide[0], wide[1] = row[0], row[0]
			} else {
				wide[0] = row[0]
				wide[1] = uint8((int(row[0])*3 + int(row[1]) + 2) >> 2)
				for c := 1; c < cw-1; c++ {
					v := int(row[c]) * 3
					wide[2*c] = uint8((v + int(row[c-1]) + 1) >> 2)
					wide[2*c+1] = uint8((v + int(row[c+1]) + 2) >> 2)
				}
				wide[2*cw-2] = uint8((int(row[cw-1])*3 + int(row[cw-2]) + 1) >> 2)
				wide[2*cw-1] = row[cw-1]
			}
		} else {
			cy := y / 2
			ny := cy - 1
			if y&1 == 1 {
				ny = cy + 1
			}
			ny = max(0, min(ny, ch-1))
			r0 := p[cy*stride : cy*stride+cw]
			r1 := p[ny*stride : ny*stride+cw]
			for c := range sums {
				sums[c] = int(r0[c])*3 + int(r1[c])
			}
			if cw == 1 {
				wide[0] = uint8((sums[0]*4 + 8) >> 4)
				wide[1] = uint8((sums[0]*4 + 7) >> 4)
			} else {
				wide[0] = uint8((sums[0]*4 + 8) >> 4)
				wide[1] = uint8((sums[0]*3 + sums[1] + 7) >> 4)
				for c := 1; c < cw-1; c++ {
					wide[2*c] = uint8((sums[c]*3 + sums[c-1] + 8) >> 4)
					wide[2*c+1] = uint8((sums[c]*3 + sums[c+1] + 7) >> 4)
				}
				wide[2*cw-2] = uint8((sums[cw-1]*3 + sums[cw-2] + 8) >> 4)
				wide[2*cw-1] = uint8((sums[cw-1]*4 + 7) >> 4)
			}
		}
		copy(out[y*w:y*w+w], wide[:w])
	}
	return out
}

func TestYCbCrMatchesPlanarOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420} {
		for _, size := range [][2]int{{1, 1}, {2, 2}, {3, 1}, {1, 3}, {5, 7}, {16, 16}, {33, 17}, {64, 9}} {
			m := image.NewYCbCr(image.Rect(0, 0, size[0], size[1]), ratio)
			for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = uint8(rng.IntN(256))
				}
			}
			got, want := ycbcrToRGBA(m), planarLibjpegRGBA(m)
			if d := maxDiff(got, want); d != 0 {
				t.Errorf("%v %v: differs from the oracle by %d", ratio, size, d)
			}
		}
	}
	if ycbcrToRGBA(image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio440)) != nil {
		t.Error("4:4:0 should be left to image/draw")
	}
}

func BenchmarkYCbCrToRGBA(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 1024, 1024), image.YCbCrSubsampleRatio420)
	b.SetBytes(1024 * 1024)
	for b.Loop() {
		ycbcrToRGBA(m)
	}
}

// TestConvertRowExhaustive checks convertRow's table lookups against
// clamp8 for every luma, blue and red chroma value.
func TestConvertRowExhaustive(t *testing.T) {
	yrow, cb, cr := make([]uint8, 256), make([]uint8, 256), make([]uint8, 256)
	drow := make([]uint8, 4*256)
	for i := range yrow {
		yrow[i] = uint8(i)
	}
	for b := range 256 {
		for r := range 256 {
			for i := range cb {
				cb[i], cr[i] = uint8(b), uint8(r)
			}
			convertRow(drow, yrow, cb, cr)
			for y := range 256 {
				yy := int32(y)
				want := [4]uint8{clamp8(yy + crRTab[r]), clamp8(yy + (cbGTab[b]+crGTab[r])>>16), clamp8(yy + cbBTab[b]), 255}
				if got := [4]uint8(drow[4*y:]); got != want {
					t.Fatalf("y %d cb %d cr %d: %v, want %v", y, b, r, got, want)
				}
			}
		}
	}
}
