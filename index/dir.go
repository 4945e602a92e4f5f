package index

// dirIndex holds the bucket offsets of one table in CSR form: bucket v of a
// table is entries [start(v), start(v+1)). To halve its size the offsets are
// kept as 16-bit deltas from a 32-bit base shared by a block of 1<<shift
// buckets; shift is the largest (at most 6) for which every delta fits, so
// even a table with one huge bucket stays correct.
type dirIndex struct {
	shift uint
	base  []uint32 // start of the first bucket of each block, plus n
	off   []uint16 // start(v) - base[v>>shift], for v in 0..1<<b
}

// newDirIndex builds the directory of 1<<b buckets from their sizes.
func newDirIndex(counts []uint32) dirIndex {
	nb := len(counts)
	starts := make([]uint32, nb+1)
	var s uint32
	for v, c := range counts {
		starts[v] = s
		s += c
	}
	starts[nb] = s
	shift := uint(6)
	for ; shift > 0; shift-- {
		if dirFits(starts, shift) {
			break
		}
	}
	d := dirIndex{shift: shift, base: make([]uint32, nb>>shift+1), off: make([]uint16, nb+1)}
	for blk := range d.base {
		d.base[blk] = starts[blk<<shift]
	}
	for v, st := range starts {
		d.off[v] = uint16(st - d.base[v>>shift])
	}
	return d
}

func dirFits(starts []uint32, shift uint) bool {
	for v, st := range starts {
		if st-starts[v>>shift<<shift] > 0xFFFF {
			return false
		}
	}
	return true
}

// bounds returns the entry range of bucket v.
func (d *dirIndex) bounds(v uint32) (lo, hi uint32) {
	return d.base[v>>d.shift] + uint32(d.off[v]), d.base[(v+1)>>d.shift] + uint32(d.off[v+1])
}

// start returns the first entry of bucket v (v may be the bucket count).
func (d *dirIndex) start(v uint32) uint32 { return d.base[v>>d.shift] + uint32(d.off[v]) }

// bucketOf returns the bucket that holds entry p (p < n).
func (d *dirIndex) bucketOf(p uint32) uint32 {
	// Largest v with start(v) <= p; buckets before a non-empty bucket may be
	// empty and share its start, so search for the last such v.
	lo, hi := uint32(0), uint32(len(d.off)-1) // invariant: start(lo) <= p < start(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if d.start(mid) <= p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

func (d *dirIndex) bytes() int64 { return int64(cap(d.base))*4 + int64(cap(d.off))*2 }
