package fingerprint

import (
	"encoding/binary"
	"math/bits"
)

// The FAST-9 corner test. A pixel p is a corner when 9 contiguous pixels of
// the Bresenham circle of radius 3 around it are all brighter than p+t or
// all darker than p-t.

// The Bresenham circle of radius 3 that FAST tests, clockwise from the top.
var fastCircle = [16][2]int{{0, -3}, {1, -3}, {2, -2}, {3, -1}, {3, 0}, {3, 1}, {2, 2}, {1, 3}, {0, 3}, {-1, 3}, {-2, 2}, {-3, 1}, {-3, 0}, {-3, -1}, {-2, -2}, {-1, -3}}

// hasRun9 reports whether the 16-bit circular mask has 9 consecutive bits.
func hasRun9(m uint32) bool {
	m |= m << 16
	x := m & (m >> 1) // runs of 2 from each bit
	x &= x >> 2       // of 4
	x &= x >> 4       // of 8
	x &= m >> 8       // of 9
	return x != 0
}

type corner struct {
	x, y  int
	level int
	score float32 // Harris response
}

// fastCorners finds FAST-9 corners of g with threshold t, non-maximum
// suppressed over 3x3 by the FAST score (returned in score), at least
// border pixels from the edges, in raster order. sc.score must be all
// zero; it is left so.
func fastCorners(g *grayImage, t, border, level int, out []corner, sc *featureScratch) []corner {
	w, h := g.w, g.h
	if w <= 2*border || h <= 2*border {
		return out
	}
	if len(sc.score) < w*h {
		sc.score = make([]int32, w*h)
	}
	score := sc.score[:w*h]
	cand := sc.cand[:0]
	pix := g.pix[:w*h]
	n := w - 2*border
	// Per lane of 16 bits (see compassMask): K1 + x has its top bit set
	// when x >= 257+t (brighter than p+t), K2 - x when x <= 255-t (darker
	// than p-t), for x = v + 256 - p.
	K1 := lanes16 * uint64(0x8000-257-t)
	K2 := lanes16 * uint64(0x8000+255-t)
	for y := border; y < h-border; y++ {
		row := y * w
		// The rows 3 above and below and the pixel's own row, from the
		// first pixel tested: the four compass points of the circle.
		up := pix[row-3*w+border:][:n]
		dn := pix[row+3*w+border:][:n]
		mid := pix[row+border-3:][:n+6]
		i := 0
		for ; i+8 <= n; i += 8 {
			m := compassMask(up[i:i+8], dn[i:i+8], mid[i:i+14], K1, K2)
			for m != 0 {
				j := i + bits.TrailingZeros64(m)>>3
				m &= m - 1
				cand = fastTest(pix, row+border+j, w, t, score, cand)
			}
		}
		for ; i < n; i++ {
			p := int(mid[i+3])
			hi, lo := p+t, p-t
			v0, v4, v8, v12 := int(up[i]), int(mid[i+6]), int(dn[i]), int(mid[i])
			// Bright and dark compass points as bits 0..3 (top, right,
			// bottom, left): any arc of 9 holds two neighbouring ones.
			b := uint32(hi-v0)>>31 | uint32(hi-v4)>>31<<1 | uint32(hi-v8)>>31<<2 | uint32(hi-v12)>>31<<3
			d := uint32(v0-lo)>>31 | uint32(v4-lo)>>31<<1 | uint32(v8-lo)>>31<<2 | uint32(v12-lo)>>31<<3
			if b&(b>>1|b<<3) == 0 && d&(d>>1|d<<3) == 0 {
				continue
			}
			cand = fastTest(pix, row+border+i, w, t, score, cand)
		}
	}
	// Non-maximum suppression: ties go to the pixel above or to the left.
	for _, c := range cand {
		o := int(c)
		s := score[o]
		if s < score[o-1] || s <= score[o+1] || s < score[o-w-1] || s < score[o-w] || s < score[o-w+1] ||
			s <= score[o+w-1] || s <= score[o+w] || s <= score[o+w+1] {
			continue
		}
		out = append(out, corner{x: o % w, y: o / w, level: level, score: float32(s)})
	}
	for _, c := range cand {
		score[c] = 0
	}
	sc.cand = cand
	return out
}

// lanes16 has 1 in each 16-bit lane.
const lanes16 = 0x0001_0001_0001_0001

// compassMask tests 8 pixels at once: the pixels mid[3:11], whose compass
// points are up[0:8] (top), mid[6:14] (right), dn[0:8] (bottom) and
// mid[0:8] (left). Byte j of the result has its top bit set when pixel j
// has two neighbouring compass points both brighter than p+t or both
// darker than p-t, which every FAST-9 corner has. K1 and K2 are the lane
// constants of fastCorners for t.
func compassMask(up, dn, mid []byte, K1, K2 uint64) uint64 {
	const even = 0x00ff_00ff_00ff_00ff
	c := binary.LittleEndian.Uint64(mid[3:11])
	pts := [4]uint64{
		binary.LittleEndian.Uint64(up[:8]),
		binary.LittleEndian.Uint64(mid[6:14]),
		binary.LittleEndian.Uint64(dn[:8]),
		binary.LittleEndian.Uint64(mid[:8]),
	}
	var res uint64
	for half := range 2 {
		shift := uint(8 * half)
		p := c >> shift & even
		var b, d [4]uint64
		for k, v := range pts {
			x := v>>shift&even + lanes16*256 - p
			b[k] = K1 + x
			d[k] = K2 - x
		}
		m := (b[0]&b[1] | b[1]&b[2] | b[2]&b[3] | b[3]&b[0] |
			d[0]&d[1] | d[1]&d[2] | d[2]&d[3] | d[3]&d[0]) & (lanes16 * 0x8000)
		// Lane k holds pixel 2k+half: its flag, bit 16k+15, goes to bit
		// 8(2k+half)+7.
		res |= m >> (8 - shift)
	}
	return res
}

// fastTest runs the full FAST-9 test on the pixel at offset o of a
// picture w pixels wide, recording its score and offset when it is a
// corner.
func fastTest(pix []uint8, o, w, t int, score []int32, cand []int32) []int32 {
	// The 7 rows of the circle, from 3 pixels left of the centre.
	r0 := pix[o-3*w-3:][:7]
	r1 := pix[o-2*w-3:][:7]
	r2 := pix[o-w-3:][:7]
	r3 := pix[o-3:][:7]
	r4 := pix[o+w-3:][:7]
	r5 := pix[o+2*w-3:][:7]
	r6 := pix[o+3*w-3:][:7]
	// In the order of fastCircle.
	v := [16]uint8{r0[3], r0[4], r1[5], r2[6], r3[6], r4[6], r5[5], r6[4],
		r6[3], r6[2], r5[1], r4[0], r3[0], r2[0], r1[1], r0[2]}
	p := int32(r3[3])
	hi, lo := p+int32(t), p-int32(t)
	// The bright and dark masks first, in 16-bit lanes as in
	// compassMask: most pixels tested are no corner, and need no score.
	// Word q holds the points 8(q>>1) + 2j + (q&1) in lane j.
	var words [4]uint64
	for q := range words {
		base := 8*(q>>1) + q&1
		words[q] = uint64(v[base]) | uint64(v[base+2])<<16 | uint64(v[base+4])<<32 | uint64(v[base+6])<<48
	}
	K1 := lanes16 * uint64(0x8000-257-t)
	K2 := lanes16 * uint64(0x8000+255-t)
	pl := lanes16 * uint64(256-p)
	var fb, fd uint64
	for q, u := range words {
		x := u + pl
		sh := uint(q&1 + 8*(q>>1))
		fb |= ((K1 + x) >> 15 & lanes16) << sh
		fd |= ((K2 - x) >> 15 & lanes16) << sh
	}
	// Lane j now has point 2j at bit 0, 2j+1 at 1, 8+2j at 8, 9+2j at 9:
	// the multiplication moves lane j by 48-14j bits, to bit 48+k for
	// point k, without two bits meeting.
	const gather = 1<<48 | 1<<34 | 1<<20 | 1<<6
	mb, md := uint32(fb*gather>>48), uint32(fd*gather>>48)
	bright, dark := hasRun9(mb), hasRun9(md)
	if !bright && !dark {
		return cand
	}
	var sb, sd int32
	for _, u := range v {
		// Branch-free: db > 0 when u > hi, dd > 0 when u < lo.
		db, dd := int32(u)-hi, lo-int32(u)
		sb += db &^ (db >> 31)
		sd += dd &^ (dd >> 31)
	}
	switch {
	case bright && (!dark || sb >= sd):
		score[o] = sb + 1
	default:
		score[o] = sd + 1
	}
	return append(cand, int32(o))
}
