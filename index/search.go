package index

import "math/bits"

// query is the per-search scratch state; queries are pooled.
type query struct {
	codes   []code // the variants, permuted
	maxDist int
	dead    []uint64 // tombstones of the static part being searched (nil: none)
	hits    []Hit
	seen    []uint64 // bitmap over static positions already verified
	touched []uint32 // positions set in seen, to clear them afterwards
	lo, hi  []uint32 // bucket ranges of one variant's probes
	sink    uint64   // keeps the loads of bounds alive
	radii   []int    // per table
}

// reset sizes the seen bitmap for n positions (it is all zeros between
// searches).
func (q *query) reset(n int) {
	words := (n + 63) / 64
	if cap(q.seen) < words {
		q.seen = make([]uint64, words)
	}
	q.seen = q.seen[:words]
}

// clearSeen resets the seen bitmap to all zeros.
func (q *query) clearSeen() {
	if len(q.touched) > len(q.seen)/8 {
		clear(q.seen)
	} else {
		for _, p := range q.touched {
			q.seen[p>>6] = 0
		}
	}
	q.touched = q.touched[:0]
}

// radii returns the radius of every table of s for maxDist (<= MaxExact):
// the layout's radii, lowered (largest first) until their sum of (r+1) is
// maxDist+1. By the pigeonhole principle a code within maxDist of the query
// is then within r[t] of it on the chunk of some table t. A radius of -1
// skips the table.
func (s *static) radii(maxDist int, r []int) []int {
	r = r[:0]
	sum := 0
	r = append(r, s.r0)
	for i := range s.tabs {
		r = append(r, s.tabs[i].r)
	}
	for _, x := range r {
		sum += x + 1
	}
	for sum > maxDist+1 {
		j := 0
		for i := range r {
			if r[i] >= r[j] {
				j = i
			}
		}
		r[j]--
		sum--
	}
	return r
}

// indexPays reports whether probing the tables at maxDist is expected to
// beat a scan of the records: a probe (a few cache misses and a bucket of
// ~16 entries) costs about as much as comparing 6 records.
func (s *static) indexPays(maxDist int) bool {
	if s == nil {
		return false
	}
	var r [16]int
	probes := 0
	for t, rt := range s.radii(maxDist, r[:0]) {
		if t == 0 && rt >= 0 {
			probes += len(s.masks0.byRadius[rt])
		} else if rt >= 0 {
			probes += len(s.masks.byRadius[rt])
		}
	}
	return s.n > 6*probes
}

// search appends to q.hits one hit per record of s within q.maxDist
// (<= MaxExact) of some variant; a record's hit carries its best variant.
func (s *static) search(q *query) {
	if s == nil || s.n == 0 {
		return
	}
	q.reset(s.n)
	q.radii = s.radii(q.maxDist, q.radii)
	if q.radii[0] >= 0 {
		s.searchPrimary(q, q.radii[0])
	}
	for i := range s.tabs {
		if r := q.radii[i+1]; r >= 0 {
			s.searchTable(q, &s.tabs[i], r)
		}
	}
	q.clearSeen()
}

// repeats reports whether an earlier variant than vi has the same chunk
// [off, off+n): its probes, which verify against every variant, already
// found what vi's would.
func (q *query) repeats(vi int, off, n uint) bool {
	c := q.codes[vi].bitsAt(off, n)
	for _, o := range q.codes[:vi] {
		if o.bitsAt(off, n) == c {
			return true
		}
	}
	return false
}

// fillBounds sets q.lo and q.hi to the ranges of the buckets qd^m of d, for
// the masks m.
//
// A search first computes the ranges of all the buckets it will probe for
// one variant, then touches the first and last entry of each, and only then
// scans them. The first two loops have no data-dependent branches, so the
// processor overlaps their cache misses (dozens at a time) instead of taking
// them one by one in the scan, which is what bounds a search on a large
// index. (Interleaving the touches with the scan, or batching all variants,
// measured slower.)
func (q *query) fillBounds(d *dirIndex, qd uint32, masks []uint32) {
	if cap(q.lo) < len(masks) {
		q.lo = make([]uint32, len(masks))
		q.hi = make([]uint32, len(masks))
	}
	q.lo, q.hi = q.lo[:len(masks)], q.hi[:len(masks)]
	lo, hi := q.lo, q.hi[:len(q.lo)]
	for i, m := range masks {
		lo[i], hi[i] = d.bounds(qd ^ m&maskBits)
	}
}

// searchPrimary probes the chunk-0 buckets within radius r of every variant
// and scans their records.
func (s *static) searchPrimary(q *query, r int) {
	shift := 32 - s.b0
	remMask := uint32(1)<<shift - 1 // chunk bits below the bucket bits
	masks := s.masks0.byRadius[r]
	recs := s.recs
	last := uint32(len(recs) - 1)
	for vi := range q.codes {
		c := q.codes[vi].chunk(0)
		if q.repeats(vi, 0, 32) {
			continue
		}
		qd, qr := c>>shift, c&remMask
		q.fillBounds(&s.dir0, qd, masks)
		lo, hi := q.lo, q.hi[:len(q.lo)]
		var sink uint64
		for i := range lo {
			sink += recs[min(lo[i], last)][0] + recs[min(max(hi[i], 1)-1, last)][0]
		}
		q.sink += sink
		for i, m := range masks[:len(lo)] {
			if lo[i] == hi[i] {
				continue
			}
			budget := r - int(m>>pcShift)
			v := qd ^ m&maskBits
			seg := recs[lo[i]:hi[i]]
			for j := range seg {
				if bits.OnesCount32((uint32(seg[j][0])^qr)&remMask) <= budget {
					p := lo[i] + uint32(j)
					if q.seen[p>>6]&(1<<(p&63)) == 0 {
						s.verify(q, p, seg[j][0]&^idHiMask|uint64(v<<shift)&idHiMask)
					}
				}
			}
		}
	}
}

// searchTable probes the buckets of table t within radius r of every
// variant and verifies the entries whose key bits are close enough.
func (s *static) searchTable(q *query, t *table, r int) {
	ent := t.ent
	shift := t.len - s.b
	kshift := shift - t.keyBits
	kmask := (uint32(1)<<t.keyBits - 1) << s.posBits
	posMask := uint32(1)<<s.posBits - 1
	masks := s.masks.byRadius[r]
	last := uint32(len(ent) - 1)
	for vi := range q.codes {
		c := q.codes[vi].bitsAt(t.off, t.len)
		if q.repeats(vi, t.off, t.len) {
			continue
		}
		qd := c >> shift
		qk := (c >> kshift << s.posBits) & kmask
		q.fillBounds(&t.dir, qd, masks)
		lo, hi := q.lo, q.hi[:len(q.lo)]
		var sink uint32
		for i := range lo {
			sink += ent[min(lo[i], last)] + ent[min(max(hi[i], 1)-1, last)]
		}
		q.sink += uint64(sink)
		for i, m := range masks[:len(lo)] {
			seg := ent[lo[i]:hi[i]]
			if budget := r - int(m>>pcShift); budget == 0 {
				// Entries are sorted by key: stop after qk's run.
				for _, e := range seg {
					if e&kmask >= qk {
						if e&kmask > qk {
							break
						}
						if p := e & posMask; q.seen[p>>6]&(1<<(p&63)) == 0 {
							s.verifyPartial(q, p)
						}
					}
				}
			} else {
				for _, e := range seg {
					if bits.OnesCount32((e^qk)&kmask) <= budget {
						if p := e & posMask; q.seen[p>>6]&(1<<(p&63)) == 0 {
							s.verifyPartial(q, p)
						}
					}
				}
			}
		}
	}
}

// verifyPartial verifies record p found through tables 1..7, which do not
// know its chunk-0 bucket: the distance without the 16 bits displaced by
// the id is a lower bound that rejects almost every false candidate before
// the bucket is looked up.
func (s *static) verifyPartial(q *query, p uint32) {
	rec := &s.recs[p]
	w0 := rec[0] &^ idHiMask
	best := 257
	for vi := range q.codes {
		qc := &q.codes[vi]
		d := bits.OnesCount64((w0^qc[0])&^idHiMask) + bits.OnesCount64(rec[1]^qc[1]) +
			bits.OnesCount64(rec[2]^qc[2]) + bits.OnesCount64(rec[3]^qc[3])
		best = min(best, d)
	}
	if best > q.maxDist {
		q.seen[p>>6] |= 1 << (p & 63)
		q.touched = append(q.touched, p)
		return
	}
	v := s.dir0.bucketOf(p)
	s.verify(q, p, w0|uint64(v<<(32-s.b0))&idHiMask)
}

// verify computes the distance of record p, whose word 0 restored is w0, to
// every variant, marks p seen and records a hit if it is close enough.
func (s *static) verify(q *query, p uint32, w0 uint64) {
	q.seen[p>>6] |= 1 << (p & 63)
	q.touched = append(q.touched, p)
	rec := &s.recs[p]
	best, bestV := 257, 0
	for vi := range q.codes {
		qc := &q.codes[vi]
		d := bits.OnesCount64(w0^qc[0]) + bits.OnesCount64(rec[1]^qc[1]) +
			bits.OnesCount64(rec[2]^qc[2]) + bits.OnesCount64(rec[3]^qc[3])
		if d < best {
			best, bestV = d, vi
		}
	}
	if best > q.maxDist || (q.dead != nil && q.dead[p>>6]&(1<<(p&63)) != 0) {
		return
	}
	q.hits = append(q.hits, Hit{ID: s.id(p), Distance: best, Variant: bestV})
}

// scan appends the hits of every live record by a linear scan; for
// distances beyond MaxExact.
func (s *static) scan(q *query) {
	if s == nil {
		return
	}
	shift := 32 - s.b0
	nb := uint32(1) << s.b0
	for v := uint32(0); v < nb; v++ {
		lo, hi := s.dir0.bounds(v)
		for p := lo; p < hi; p++ {
			if q.dead != nil && q.dead[p>>6]&(1<<(p&63)) != 0 {
				continue
			}
			c := s.recs[p]
			c[0] = c[0]&^idHiMask | uint64(v<<shift)&idHiMask
			if d, vi := bestOf(&c, q.codes); d <= q.maxDist {
				q.hits = append(q.hits, Hit{ID: s.id(p), Distance: d, Variant: vi})
			}
		}
	}
}

// bestOf returns the smallest distance from c to a variant and the lowest
// index of a variant at that distance.
func bestOf(c *code, variants []code) (int, int) {
	best, bestV := 257, 0
	for vi := range variants {
		if d := dist(c, &variants[vi]); d < best {
			best, bestV = d, vi
		}
	}
	return best, bestV
}
