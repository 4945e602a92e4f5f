package index

import (
	"cmp"
	"slices"
	"sync"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// ID identifies an indexed item (the store's asset id; at most 2^32-1).
type ID uint32

// Hit is one indexed item that matched a query.
type Hit struct {
	ID       ID
	Distance int // Hamming distance of the item's closest hash to the closest variant
	Variant  int // the query variant at that distance (the lowest index on ties)
}

// Compaction thresholds: the delta is folded into the static part once it
// holds more than max(minDelta, n/deltaFraction) entries, and tombstones
// once they exceed max(minDead, n/deadFraction).
const (
	minDelta      = 2048
	deltaFraction = 128
	minDead       = 1024
	deadFraction  = 32
)

// deltaEntry is one pair added since the static part was built.
type deltaEntry struct {
	c   code
	id  ID
	seq uint64 // order of addition, to tell what a running compaction covers
}

type pairKey struct {
	c  code
	id ID
}

// PDQ is an in-memory index of PDQ hashes answering exact Hamming range
// queries; see the package documentation. It is safe for concurrent use:
// searches run in parallel, writers are serialized and block searches only
// while they publish their change.
type PDQ struct {
	wmu sync.Mutex   // serializes writers (Add, Remove, compaction)
	mu  sync.RWMutex // guards the fields below against searches

	st    *static
	dead  []uint64 // tombstones over st's positions; nil when none
	ndead int
	delta []deltaEntry
	dmap  map[pairKey]int32 // delta index of each pair
	seq   uint64

	// Guarded by wmu alone.
	compacting bool
	compacted  *sync.Cond  // signalled when a compaction finishes
	removed    map[ID]bool // ids removed while a compaction runs

	layout []span    // the tables (immutable)
	pool   sync.Pool // *query
	// Set by tests before use.
	noAuto     bool            // no background compaction
	forceIndex bool            // never answer from a scan when the tables can
	onCompact  func(phase int) // called inside a compaction, between build and swap
}

// NewPDQ returns an empty index.
func NewPDQ() *PDQ { return NewPDQWith(Options{}) }

// Options tune an index; the zero value gives the defaults.
type Options struct {
	// Tables is the number of hash tables: 8 (the default) keeps an entry
	// in about 64 bytes; 9, 10 and 12 tables cost 4, 8 and 16 bytes more
	// an entry and answer faster (see the package documentation). Other
	// values mean 8.
	Tables int
}

// NewPDQWith returns an empty index with the given options.
func NewPDQWith(o Options) *PDQ {
	x := &PDQ{dmap: make(map[pairKey]int32), layout: layoutFor(o.Tables)}
	x.compacted = sync.NewCond(&x.wmu)
	return x
}

// BuildPDQ returns an index of the pairs (ids[i], hashes[i]), built in one
// pass (faster than adding them one by one). Repeated pairs are kept once.
// It panics if the slices differ in length.
func BuildPDQ(ids []ID, hashes []fingerprint.PDQ) *PDQ {
	return BuildPDQWith(ids, hashes, Options{})
}

// BuildPDQWith is BuildPDQ with options.
func BuildPDQWith(ids []ID, hashes []fingerprint.PDQ, o Options) *PDQ {
	if len(ids) != len(hashes) {
		panic("index: BuildPDQ: ids and hashes differ in length")
	}
	items := make([]item, len(ids))
	for i := range ids {
		items[i] = item{c: permute(&hashes[i]), id: ids[i]}
	}
	x := NewPDQWith(o)
	x.st = buildStatic(items, x.layout)
	return x
}

// Tables returns the number of hash tables of the index (see Options).
func (x *PDQ) Tables() int { return len(x.layout) }

// Len returns the number of indexed (id, hash) pairs.
func (x *PDQ) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := len(x.delta) - x.ndead
	if x.st != nil {
		n += x.st.n
	}
	return n
}

// Add indexes h under id. Adding a pair that is already indexed does nothing.
func (x *PDQ) Add(id ID, h fingerprint.PDQ) {
	c := permute(&h)
	x.wmu.Lock()
	defer x.wmu.Unlock()
	if _, ok := x.dmap[pairKey{c, id}]; ok {
		return
	}
	if p := x.st.find(id, &c); p >= 0 && !isSet(x.dead, uint32(p)) {
		return
	}
	x.mu.Lock()
	x.seq++
	x.dmap[pairKey{c, id}] = int32(len(x.delta))
	x.delta = append(x.delta, deltaEntry{c: c, id: id, seq: x.seq})
	x.mu.Unlock()
	x.maybeCompact()
}

// Remove removes every hash of id and returns how many there were.
func (x *PDQ) Remove(id ID) int {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	var pos []uint32
	for _, p := range x.st.positionsOf(id, nil) {
		if !isSet(x.dead, p) {
			pos = append(pos, p)
		}
	}
	var del []int
	for i := range x.delta {
		if x.delta[i].id == id {
			del = append(del, i)
		}
	}
	if len(pos)+len(del) == 0 {
		return 0
	}
	if x.compacting {
		x.removed[id] = true
	}
	x.mu.Lock()
	if len(pos) > 0 && x.dead == nil {
		x.dead = make([]uint64, (x.st.n+63)/64)
	}
	for _, p := range pos {
		x.dead[p>>6] |= 1 << (p & 63)
	}
	x.ndead += len(pos)
	// Delete from the delta back to front, moving the last entry into the
	// hole; the delta is unordered.
	for i := len(del) - 1; i >= 0; i-- {
		j := del[i]
		delete(x.dmap, pairKey{x.delta[j].c, x.delta[j].id})
		last := len(x.delta) - 1
		if j != last {
			x.delta[j] = x.delta[last]
			x.dmap[pairKey{x.delta[j].c, x.delta[j].id}] = int32(j)
		}
		x.delta = x.delta[:last]
	}
	x.mu.Unlock()
	x.maybeCompact()
	return len(pos) + len(del)
}

func isSet(bm []uint64, p uint32) bool { return bm != nil && bm[p>>6]&(1<<(p&63)) != 0 }

// Search returns every id with a hash within maxDist (0..256) of one of the
// variants, once, with its smallest distance and the variant that reached
// it, sorted by distance, then id. It is exact: the same answer as Linear.
// Distances up to MaxExact are answered from the tables, larger ones by a
// linear scan.
func (x *PDQ) Search(variants []fingerprint.PDQ, maxDist int) []Hit {
	if maxDist < 0 || len(variants) == 0 {
		return nil
	}
	maxDist = min(maxDist, 256)
	q, _ := x.pool.Get().(*query)
	if q == nil {
		q = new(query)
	}
	// Identical variants (a query rebuilt from one stored hash has eight
	// copies of it) are searched once; orig maps each searched code back to
	// the first variant it stands for.
	q.codes = q.codes[:0]
	var orig []int
	for i := range variants {
		if slices.Contains(variants[:i], variants[i]) {
			if orig == nil {
				orig = make([]int, 0, len(variants))
				for k := range i {
					if !slices.Contains(variants[:k], variants[k]) {
						orig = append(orig, k)
					}
				}
			}
			continue
		}
		if orig != nil {
			orig = append(orig, i)
		}
		q.codes = append(q.codes, permute(&variants[i]))
	}
	q.maxDist = maxDist
	q.hits = q.hits[:0]

	x.mu.RLock()
	q.dead = x.dead
	if maxDist <= MaxExact && (x.forceIndex || x.st.indexPays(maxDist)) {
		x.st.search(q)
	} else {
		x.st.scan(q)
	}
	for i := range x.delta {
		e := &x.delta[i]
		if d, vi := bestOf(&e.c, q.codes); d <= maxDist {
			q.hits = append(q.hits, Hit{ID: e.id, Distance: d, Variant: vi})
		}
	}
	x.mu.RUnlock()

	hits := bestPerID(q.hits)
	if orig != nil {
		for k := range hits {
			hits[k].Variant = orig[hits[k].Variant]
		}
	}
	q.dead = nil
	x.pool.Put(q)
	return hits
}

// bestPerID keeps the best hit of each id (smallest distance, then lowest
// variant) and returns them sorted by distance, then id, in a new slice.
func bestPerID(hits []Hit) []Hit {
	if len(hits) == 0 {
		return nil
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.Variant, b.Variant))
	})
	out := make([]Hit, 0, len(hits))
	for i, h := range hits {
		if i == 0 || h.ID != hits[i-1].ID {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// MemoryBytes estimates the memory the index holds: the static part's
// arrays, tombstones, the delta with its map, and one query's scratch.
func (x *PDQ) MemoryBytes() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := int64(200) + x.st.bytes() + int64(cap(x.dead))*8
	n += int64(cap(x.delta)) * 48
	// A swiss-table map slot holds key (40 bytes) and value (4, padded to
	// 8) plus a control byte, at a load factor between 7/16 and 7/8.
	n += int64(len(x.dmap)) * 49 * 3 / 2
	if x.st != nil {
		n += int64(x.st.n+63) / 64 * 8 // a query's seen bitmap
	}
	return n
}
