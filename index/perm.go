package index

import (
	"cmp"
	"math/bits"
	"slices"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// code is a PDQ hash in the index's bit order: a fixed permutation of the
// 256 bits (so Hamming distances are unchanged) that gives chunk t (the 32-bit
// half t&1 of word t>>1) one bit of every byte of the hash. A byte of a PDQ
// hash is 8 neighbouring DCT coefficients of one row; spreading every chunk
// over all rows and, thanks to a per-byte rotation, over all columns makes the
// chunk values of real (correlated, biased) hashes closer to uniform, which
// keeps the buckets of the tables balanced.
type code [4]uint64

// permute returns h in the index's bit order.
func permute(h *fingerprint.PDQ) code {
	var y [4]uint64
	for g := range y {
		var x uint64
		for i := 0; i < 8; i++ {
			k := 8*g + i
			x |= uint64(bits.RotateLeft8(h[k], k)) << (8 * i)
		}
		y[g] = transpose8(x)
	}
	var c code
	for t := 0; t < 8; t++ {
		s := 8 * uint(t)
		v := uint64(byte(y[0]>>s)) | uint64(byte(y[1]>>s))<<8 |
			uint64(byte(y[2]>>s))<<16 | uint64(byte(y[3]>>s))<<24
		c[t>>1] |= v << (32 * uint(t&1))
	}
	return c
}

// unpermute is the inverse of permute.
func unpermute(c *code) fingerprint.PDQ {
	var y [4]uint64
	for t := 0; t < 8; t++ {
		v := uint32(c[t>>1] >> (32 * uint(t&1)))
		s := 8 * uint(t)
		for g := range y {
			y[g] |= uint64(byte(v>>(8*uint(g)))) << s
		}
	}
	var h fingerprint.PDQ
	for g := range y {
		x := transpose8(y[g])
		for i := 0; i < 8; i++ {
			k := 8*g + i
			h[k] = bits.RotateLeft8(byte(x>>(8*uint(i))), -k)
		}
	}
	return h
}

// transpose8 transposes the 8x8 bit matrix held in x (row i is byte i, column
// j is bit j of it); it is its own inverse. From Hacker's Delight, 7-3.
func transpose8(x uint64) uint64 {
	t := (x ^ (x >> 7)) & 0x00AA00AA00AA00AA
	x = x ^ t ^ (t << 7)
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC
	x = x ^ t ^ (t << 14)
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0
	return x ^ t ^ (t << 28)
}

// chunk returns the 32-bit chunk t (0..7) of c.
func (c *code) chunk(t int) uint32 { return uint32(c[t>>1] >> (32 * uint(t&1))) }

// bitsAt returns bits [off, off+n) of c, n <= 32.
func (c *code) bitsAt(off, n uint) uint32 {
	w, sh := off>>6, off&63
	v := c[w&3] >> sh
	if sh+n > 64 {
		v |= c[(w+1)&3] << (64 - sh)
	}
	return uint32(v) & (uint32(1)<<n - 1)
}

// dist returns the Hamming distance between a and b.
func dist(a, b *code) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// maskSet lists, for every radius r up to maxRadius, the b-bit masks with
// at most r bits set, in increasing order so that the buckets a search
// probes are visited in clusters of neighbours (which share cache lines and
// pages); the popcount of each mask is kept in its top 4 bits.
type maskSet struct {
	byRadius [maxRadius + 1][]uint32
}

const (
	maskBits = 1<<28 - 1 // the mask proper; b <= 24
	pcShift  = 28        // where its popcount is kept
)

func newMaskSet(b uint) *maskSet {
	var all []uint32
	var rec func(from uint, left int, m uint32)
	rec = func(from uint, left int, m uint32) {
		all = append(all, m|uint32(bits.OnesCount32(m))<<pcShift)
		if left == 0 {
			return
		}
		for i := from; i < b; i++ {
			rec(i+1, left-1, m|1<<i)
		}
	}
	rec(0, maxRadius, 0)
	slices.SortFunc(all, func(x, y uint32) int { return cmp.Compare(x&maskBits, y&maskBits) })
	ms := &maskSet{}
	for r := range ms.byRadius {
		for _, m := range all {
			if int(m>>pcShift) <= r {
				ms.byRadius[r] = append(ms.byRadius[r], m)
			}
		}
	}
	return ms
}

func (ms *maskSet) bytes() int64 {
	n := int64(0)
	for _, l := range ms.byRadius {
		n += int64(cap(l)) * 4
	}
	return n
}
