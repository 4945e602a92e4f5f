package index

import (
	"encoding/binary"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

const (
	maxRadius = 3 // largest per-table search radius

	// MaxExact is the largest search distance that the index answers from
	// its tables; larger distances are answered by a linear scan. Every
	// layout's radii r_t satisfy sum(r_t+1) = MaxExact+1 = 32, so by the
	// pigeonhole principle a code within 31 bits of a variant is within r_t
	// of it on the chunk of some table t.
	MaxExact = 31

	idHiMask = 0xFFFF0000 // bits of a record's word 0 that hold the id's high half
)

// span is the chunk of one table: bits [off, off+len) of a code, searched
// with radius r at MaxExact.
type span struct {
	off, len uint
	r        int
}

// layoutFor returns the tables of an index with the given number of
// tables (8, 9 or 10; others get 8). Table 0, the primary, is always
// bits 0..31 with radius 3.
func layoutFor(tables int) []span {
	var l []span
	off := uint(32)
	add := func(n int, length uint, r int) {
		for range n {
			l = append(l, span{off, length, r})
			off += length
		}
	}
	l = append(l, span{0, 32, 3})
	switch tables {
	case 9:
		add(4, 32, 3)
		add(4, 24, 2)
	case 10:
		add(1, 32, 3)
		add(8, 24, 2)
	default:
		add(7, 32, 3)
	}
	return l
}

// item is one (id, code) pair to index.
type item struct {
	c  code
	id ID
}

// table is one table of the static part besides the primary.
type table struct {
	span
	keyBits uint // chunk bits stored above the position in an entry
	dir     dirIndex
	ent     []uint32 // entries: key bits << posBits | position
}

// static is the immutable, compact part of the index: multi-index hashing
// over the chunks of a layout, every table in CSR form.
//
// Table 0 is the primary table: the records (codes) themselves are stored in
// the order of its buckets, so it needs no entry array, and the top 16 bits
// of its chunk, which the bucket number already gives, hold the high half of
// the record's id. Every other table has an array of uint32 entries: the
// record's position in the low posBits bits and, above it, the keyBits
// chunk bits that follow the bucket bits, so that most entries of a probed
// bucket are rejected without touching the record.
type static struct {
	n       int
	recs    []code // codes in primary order, recs[p][0] bits 16..31 = id>>16
	idLo    []byte // low half of the id of each record, 2 bytes little-endian
	b0      uint   // bucket bits of the primary table (>= 16)
	r0      int    // radius of the primary table at MaxExact
	dir0    dirIndex
	b       uint // bucket bits of the other tables
	posBits uint // bits of an entry that hold a position
	tabs    []table
	masks0  *maskSet // b0-bit masks
	masks   *maskSet // b-bit masks
}

// bucketBits returns about log2(n/16): tables of n entries get buckets of
// about 16 entries, a compromise between probes and scanned entries (at 1M
// entries, 15 or 17 bits are 15-40% slower). The primary table, whose
// entries are whole 32-byte records, gets 2 more bits (4 records a bucket):
// scanning records costs more than probing.
func bucketBits(n int) uint {
	m := n / 16
	b := uint(bits.Len(uint(m)))
	if b >= 2 && m < 3<<(b-2) {
		b--
	}
	return min(max(b, 8), 24)
}

// buildStatic indexes items, keeping repeated (id, code) pairs once. It
// clears items.
func buildStatic(items []item, layout []span) *static {
	s := &static{r0: layout[0].r}
	s.b = bucketBits(len(items))
	s.b0 = max(s.b+2, 16)
	for _, sp := range layout[1:] {
		s.b = min(s.b, sp.len) // all tables share one bucket width
	}
	s.masks0 = newMaskSet(s.b0)
	s.masks = newMaskSet(s.b)

	// Primary order: by chunk-0 bucket, then by code and id so that the
	// layout does not depend on the order of the input (and repeated pairs
	// are neighbours).
	shift0 := 32 - s.b0
	counts := make([]uint32, 1<<s.b0)
	for i := range items {
		counts[items[i].c.chunk(0)>>shift0]++
	}
	d := newDirIndex(counts)
	sorted := make([]item, len(items))
	for v := range counts {
		counts[v] = d.start(uint32(v)) // now the write cursor of bucket v
	}
	for _, it := range items {
		v := it.c.chunk(0) >> shift0
		sorted[counts[v]] = it
		counts[v]++
	}
	clear(items)
	s.recs = make([]code, 0, len(sorted))
	s.idLo = make([]byte, 0, 2*len(sorted))
	for v := range counts {
		lo, hi := d.bounds(uint32(v))
		seg := sorted[lo:hi]
		if len(seg) > 1 {
			slices.SortFunc(seg, cmpItem)
		}
		counts[v] = 0
		for i, it := range seg {
			if i > 0 && it == seg[i-1] {
				continue
			}
			c := it.c
			c[0] = c[0]&^idHiMask | uint64(it.id>>16)<<16
			s.recs = append(s.recs, c)
			s.idLo = binary.LittleEndian.AppendUint16(s.idLo, uint16(it.id))
			counts[v]++
		}
	}
	sorted = nil
	s.dir0 = newDirIndex(counts)
	s.n = len(s.recs)
	s.posBits = uint(max(bits.Len(uint(max(s.n-1, 0))), 1))
	for _, sp := range layout[1:] {
		s.tabs = append(s.tabs, table{span: sp, keyBits: min(32-s.posBits, sp.len-s.b)})
	}

	// The other tables, built in parallel.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range s.tabs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.buildTable(&s.tabs[i])
		}()
	}
	wg.Wait()
	return s
}

func cmpItem(a, b item) int {
	for i := range a.c {
		if a.c[i] != b.c[i] {
			if a.c[i] < b.c[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.id < b.id:
		return -1
	case a.id > b.id:
		return 1
	}
	return 0
}

// buildTable builds the CSR table t over s.recs.
func (s *static) buildTable(t *table) {
	shift := t.len - s.b
	kshift := shift - t.keyBits
	kmask := uint32(1)<<t.keyBits - 1
	counts := make([]uint32, 1<<s.b)
	for p := range s.recs {
		counts[s.recs[p].bitsAt(t.off, t.len)>>shift]++
	}
	t.dir = newDirIndex(counts)
	for v := range counts {
		counts[v] = t.dir.start(uint32(v))
	}
	t.ent = make([]uint32, s.n)
	for p := range s.recs {
		c := s.recs[p].bitsAt(t.off, t.len)
		v := c >> shift
		t.ent[counts[v]] = (c>>kshift&kmask)<<s.posBits | uint32(p)
		counts[v]++
	}
	// Within a bucket, order by key bits, then position.
	nb := uint32(1) << s.b
	for v := uint32(0); v < nb; v++ {
		lo, hi := t.dir.bounds(v)
		if hi-lo > 1 {
			slices.Sort(t.ent[lo:hi])
		}
	}
}

// id returns the id of record p.
func (s *static) id(p uint32) ID {
	return ID(uint32(s.recs[p][0]&idHiMask) | uint32(binary.LittleEndian.Uint16(s.idLo[2*p:])))
}

// find returns the position of the record (id, c), or -1.
func (s *static) find(id ID, c *code) int {
	if s == nil || s.n == 0 {
		return -1
	}
	v := c.chunk(0) >> (32 - s.b0)
	lo, hi := s.dir0.bounds(v)
	want := c[0] &^ idHiMask
	for p := lo; p < hi; p++ {
		r := &s.recs[p]
		if r[0]&^idHiMask == want && r[1] == c[1] && r[2] == c[2] && r[3] == c[3] && s.id(p) == id {
			return int(p)
		}
	}
	return -1
}

// positionsOf appends the positions of every record of id to dst. It scans
// the low halves of the ids four at a time (SWAR), then checks the high
// half of the few positions whose low half matches.
func (s *static) positionsOf(id ID, dst []uint32) []uint32 {
	if s == nil {
		return dst
	}
	const ones, highs = 0x0001_0001_0001_0001, 0x8000_8000_8000_8000
	lo := uint64(uint16(id)) * ones
	hi := uint64(id>>16) << 16
	b := s.idLo
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ lo // zero lanes match
		if (x-ones)&^x&highs == 0 {
			continue
		}
		for j := 0; j < 8; j += 2 {
			if uint16(x>>(8*j)) == 0 {
				dst = s.matchHi(dst, uint32(i+j)/2, hi)
			}
		}
	}
	for ; i < len(b); i += 2 {
		if binary.LittleEndian.Uint16(b[i:]) == uint16(id) {
			dst = s.matchHi(dst, uint32(i)/2, hi)
		}
	}
	return dst
}

func (s *static) matchHi(dst []uint32, p uint32, hi uint64) []uint32 {
	if s.recs[p][0]&idHiMask == hi {
		dst = append(dst, p)
	}
	return dst
}

func (s *static) bytes() int64 {
	if s == nil {
		return 0
	}
	n := int64(cap(s.recs))*32 + int64(cap(s.idLo)) + s.dir0.bytes()
	for t := range s.tabs {
		n += int64(cap(s.tabs[t].ent))*4 + s.tabs[t].dir.bytes()
	}
	n += s.masks0.bytes() + s.masks.bytes()
	return n
}
