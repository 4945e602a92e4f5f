package index

import (
	"math/bits"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Linear answers a query by a plain scan over the pairs (ids[i], hashes[i]),
// with the semantics of PDQ.Search: every id with a hash within maxDist of
// a variant, once, with its best distance and variant, sorted by distance,
// then id. It is the baseline and the test oracle of the index. It panics
// if ids and hashes differ in length.
func Linear(ids []ID, hashes []fingerprint.PDQ, variants []fingerprint.PDQ, maxDist int) []Hit {
	if len(ids) != len(hashes) {
		panic("index: Linear: ids and hashes differ in length")
	}
	if maxDist < 0 || len(variants) == 0 {
		return nil
	}
	vs := make([][4]uint64, len(variants))
	for i := range variants {
		vs[i] = words(&variants[i])
	}
	var hits []Hit
	for i := range hashes {
		w := words(&hashes[i])
		best, bestV := 257, 0
		for vi := range vs {
			v := &vs[vi]
			d := bits.OnesCount64(w[0]^v[0]) + bits.OnesCount64(w[1]^v[1]) +
				bits.OnesCount64(w[2]^v[2]) + bits.OnesCount64(w[3]^v[3])
			if d < best {
				best, bestV = d, vi
			}
		}
		if best <= maxDist {
			hits = append(hits, Hit{ID: ids[i], Distance: best, Variant: bestV})
		}
	}
	return bestPerID(hits)
}

// words returns h as four 64-bit words (any fixed byte order will do for
// distances).
func words(h *fingerprint.PDQ) [4]uint64 {
	var w [4]uint64
	for i := range w {
		b := h[8*i : 8*i+8]
		w[i] = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	}
	return w
}
