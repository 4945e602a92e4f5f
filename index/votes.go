package index

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// Votes is an inverted index from short keys of local feature descriptors
// to the assets that have them. Each posting keeps, beside the asset, 32
// more bits of the descriptor (its check), so that a query descriptor
// votes for an asset only when the key matches (exactly or but for one
// bit) and the checks differ in at most MaxCheckDistance bits: copies of
// one spot pass, chance collisions mostly do not. The assets with the
// most votes are the candidates worth a geometric verification. It finds
// pictures whose whole-picture hash moved too far: crops, embeddings,
// rotations, overlays.
//
// Each posting also keeps the keypoint's orientation and pyramid level, so
// that SearchConsistent can count only the votes that agree on one
// rotation and one scale, as a copy's do.
//
// Memory: 9 bytes per posting (one per distinct descriptor of an asset)
// and the slack of its bucket's growth, plus a table of 2^KeyBits slice
// headers and counts (32 MiB) allocated at the first Add. A bucket holds
// its postings' checks together, then their ids, then their metas
// (bucket): a search reads the checks alone, and the rest of a posting
// only when its check is near. Safe for concurrent use.
type Votes struct {
	mu      sync.RWMutex
	buckets []bucket
	n       int // postings
	maxID   ID
	pool    sync.Pool // *voteScratch
}

// KeyBits is the width of a vote key.
const KeyBits = 20

// MaxCheckDistance is the largest Hamming distance (of 32) between the
// checks of a query descriptor and a posting for a vote.
const MaxCheckDistance = 7

// VoteEntry is one descriptor as the vote index sees it.
type VoteEntry struct {
	Key   uint32 // masked to KeyBits
	Check uint32
	// Angle is the keypoint's orientation in 1/256 of a turn, Level its
	// pyramid level (0..MaxVoteLevel): read by SearchConsistent only.
	Angle uint8
	Level uint8
}

// MaxVoteLevel is the highest pyramid level a VoteEntry may carry; higher
// ones are clamped to it.
const MaxVoteLevel = 7

type posting struct {
	id    uint32
	check uint32
	meta  uint8 // Level<<5 | Angle>>3
}

// bucket holds the postings of one key: in w, the checks of cap postings
// (cap = len(w) / 9 * 4, a multiple of 4), then their ids, then their
// metas four to a word; n of them are in use.
type bucket struct {
	w []uint32
	n uint32
}

// capacity is the number of postings b has room for.
func (b *bucket) capacity() int { return len(b.w) / 9 * 4 }

// at returns the i-th posting of b.
func (b *bucket) at(i int) posting {
	c := b.capacity()
	return posting{id: b.w[c+i], check: b.w[i], meta: uint8(b.w[2*c+i/4] >> (8 * (i % 4)))}
}

// set writes p as the i-th posting of b.
func (b *bucket) set(i int, p posting) {
	c := b.capacity()
	b.w[i], b.w[c+i] = p.check, p.id
	m := &b.w[2*c+i/4]
	sh := 8 * (i % 4)
	*m = *m&^(0xff<<sh) | uint32(p.meta)<<sh
}

// add appends p, growing b (doubling its room) when it is full.
func (b *bucket) add(p posting) {
	if c := b.capacity(); int(b.n) == c {
		nc := max(4, 2*c)
		w := make([]uint32, nc/4*9)
		copy(w, b.w[:b.n])
		copy(w[nc:], b.w[c:c+int(b.n)])
		copy(w[2*nc:], b.w[2*c:2*c+(int(b.n)+3)/4])
		b.w = w
	}
	b.set(int(b.n), p)
	b.n++
}

// remove removes the posting of id with check, the last taking its place,
// and reports whether there was one.
func (b *bucket) remove(id, check uint32) bool {
	c := b.capacity()
	for i := range int(b.n) {
		if b.w[c+i] == id && b.w[i] == check {
			b.n--
			b.set(i, b.at(int(b.n)))
			if b.n == 0 {
				b.w = nil
			}
			return true
		}
	}
	return false
}

// FeatureEntries are the vote index entries of a picture's local features
// (fingerprint.VoteKey and VoteCheck of each descriptor, with the
// keypoint's orientation and level); nil for nil features.
func FeatureEntries(f *fingerprint.Features) []VoteEntry {
	if f == nil {
		return nil
	}
	es := make([]VoteEntry, len(f.Points))
	for i := range f.Points {
		p := &f.Points[i]
		es[i] = VoteEntry{Key: fingerprint.VoteKey(&p.Desc), Check: fingerprint.VoteCheck(&p.Desc), Angle: p.Angle, Level: p.Level}
	}
	return es
}

// meta packs an entry's level and orientation (in 32 bins) into a byte.
func (e VoteEntry) meta() uint8 {
	return min(e.Level, MaxVoteLevel)<<5 | e.Angle>>3
}

// VoteHit is an asset with its votes: the number of query descriptors
// that found a like descriptor of it.
type VoteHit struct {
	ID    ID
	Votes int
	// Score sums the votes, each weighted 1/n where n is the number of
	// assets the same query descriptor voted for: a descriptor found in
	// many pictures (an edge, a flat patch) tells little.
	Score float64
}

type voteScratch struct {
	votes   []uint16
	score   []float32
	stamp   []uint32
	touched []ID
	reached []posting // one query entry's (reach)
	// The bucket headers of the entry reach scans and of the next one
	// (heads), and the sum of the words heads read.
	heads [2][probes]bucket
	sink  uint32
	// SearchConsistent's: each vote (its asset << 16 | its bin), the
	// votes regrouped by asset (off: where each asset's votes begin), the
	// candidates before and after their counting sort by votes (nth: the
	// sort's counts), one asset's histogram.
	vote   []uint64
	bins   []uint16
	off    []uint32
	cands  []ID
	sorted []ID
	nth    []uint32
	hist   [consistentBins]uint16
}

// noOffset marks an asset whose votes SearchConsistent does not regroup.
const noOffset = math.MaxUint32

// NewVotes returns an empty vote index.
func NewVotes() *Votes { return &Votes{} }

// distinctEntries returns the entries (keys masked to KeyBits) sorted by
// key, then check, without duplicates: of entries with one key and check,
// the one of the smallest meta (level, then orientation) is kept.
func distinctEntries(es []VoteEntry) []VoteEntry {
	// Sorted as one number each: the order of (key, check, meta).
	packed := make([]uint64, len(es))
	for i, e := range es {
		packed[i] = uint64(e.Key&(1<<KeyBits-1))<<40 | uint64(e.Check)<<8 | uint64(e.meta())
	}
	slices.Sort(packed)
	packed = slices.CompactFunc(packed, func(a, b uint64) bool { return a>>8 == b>>8 })
	out := make([]VoteEntry, len(packed))
	for i, p := range packed {
		m := uint8(p)
		out[i] = VoteEntry{Key: uint32(p >> 40), Check: uint32(p >> 8), Angle: m << 3, Level: m >> 5}
	}
	return out
}

// Add indexes the descriptors of id (duplicates among them are indexed
// once). Call it once per id: adding an id again files its postings twice
// (Remove takes one of each).
func (v *Votes) Add(id ID, entries []VoteEntry) {
	entries = distinctEntries(entries)
	if len(entries) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.buckets == nil {
		v.buckets = make([]bucket, 1<<KeyBits)
	}
	for _, e := range entries {
		v.buckets[e.Key].add(posting{uint32(id), e.Check, e.meta()})
	}
	v.n += len(entries)
	v.maxID = max(v.maxID, id)
}

// Remove removes the postings of id for entries (those it was added with)
// and returns how many went.
func (v *Votes) Remove(id ID, entries []VoteEntry) int {
	entries = distinctEntries(entries)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.buckets == nil {
		return 0
	}
	removed := 0
	for _, e := range entries {
		if v.buckets[e.Key].remove(uint32(id), e.Check) {
			removed++
		}
	}
	v.n -= removed
	return removed
}

// Len returns the number of postings.
func (v *Votes) Len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.n
}

// MemoryBytes estimates the memory the index holds.
func (v *Votes) MemoryBytes() int64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.buckets == nil {
		return 0
	}
	n := int64(len(v.buckets)) * int64(unsafe.Sizeof(bucket{}))
	for _, b := range v.buckets {
		n += int64(cap(b.w)) * 4
	}
	return n + int64(v.maxID+1)*8 // one query's scratch
}

// scratch takes a query's scratch from the pool, its per-asset arrays
// sized for every id indexed (and zero: each search clears what it
// touched). Call with v.mu held.
func (v *Votes) scratch() *voteScratch {
	s, _ := v.pool.Get().(*voteScratch)
	if s == nil {
		s = new(voteScratch)
	}
	if need := int(v.maxID) + 1; len(s.votes) < need {
		s.votes = make([]uint16, need)
		s.score = make([]float32, need)
		s.stamp = make([]uint32, need)
	}
	return s
}

// probes is the number of buckets a query entry looks in: its key's and
// the KeyBits keys one bit away.
const probes = KeyBits + 1

// heads copies into hs the headers of the buckets e looks in (its key's,
// then those with bit 0, 1, ... flipped) and reads the first word of
// each: reach prepares the next entry's while it scans one, so that their
// cache misses (and in a large index their page walks) overlap each
// other and the scan, rather than each waiting for the one before. It
// returns the sum of the words read, which the caller keeps (the loads
// must not be dropped).
func (v *Votes) heads(e VoteEntry, hs *[probes]bucket) uint32 {
	k := e.Key & (1<<KeyBits - 1)
	var t uint32
	for b := range probes {
		h := v.buckets[k^(1<<b>>1)]
		hs[b] = h
		if h.n > 0 {
			t += h.w[0]
		}
	}
	return t
}

// reach collects in s.reached the postings the qi-th query entry votes
// for: under its key or a key one bit away, with a check within
// MaxCheckDistance of its own, the first such posting of each asset.
// Call it for qi = 0, 1, ... in turn: each call reads the bucket headers
// of the next entry ahead (heads).
func (v *Votes) reach(entries []VoteEntry, qi int, s *voteScratch) {
	e := entries[qi]
	hs := &s.heads[qi&1]
	if qi == 0 {
		s.sink += v.heads(e, hs)
	}
	if qi+1 < len(entries) {
		s.sink += v.heads(entries[qi+1], &s.heads[(qi+1)&1])
	}
	stamp := uint32(qi + 1)
	s.reached = s.reached[:0]
	for b := range hs {
		bk := &hs[b]
		c := bk.capacity()
		for i, check := range bk.w[:bk.n] {
			if bits.OnesCount32(check^e.Check) > MaxCheckDistance {
				continue
			}
			id := bk.w[c+i]
			if s.stamp[id] == stamp {
				continue
			}
			s.stamp[id] = stamp
			s.reached = append(s.reached, posting{id: id, check: check, meta: uint8(bk.w[2*c+i/4] >> (8 * (i % 4)))})
		}
	}
}

// Search returns up to limit assets with at least minVotes votes, best
// Score first (then lowest id). A query descriptor votes once for each
// asset with a posting under its key, or a key one bit away, whose check
// is within MaxCheckDistance of its own. A vote weighs 1/n, n being the
// assets that query entry reaches. The engine ranks by SearchConsistent
// instead (since the 2026-12-05 night): this weighting loses the plain
// drawings, whose every corner is common; it stays for comparison
// (BenchmarkVotesSearch, TestSearchConsistent).
func (v *Votes) Search(entries []VoteEntry, minVotes, limit int) []VoteHit {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.buckets == nil || len(entries) == 0 || limit <= 0 {
		return nil
	}
	s := v.scratch()
	s.touched = s.touched[:0]
	for qi := range entries {
		v.reach(entries, qi, s)
		w := 1 / float32(max(1, len(s.reached)))
		for _, p := range s.reached {
			id := p.id
			if s.votes[id] == 0 {
				s.touched = append(s.touched, ID(id))
			}
			s.votes[id]++
			s.score[id] += w
		}
	}
	var hits []VoteHit
	for _, id := range s.touched {
		if n := int(s.votes[id]); n >= minVotes {
			hits = append(hits, VoteHit{ID: id, Votes: n, Score: float64(s.score[id])})
		}
		s.votes[id], s.stamp[id], s.score[id] = 0, 0, 0
	}
	v.pool.Put(s)
	better := func(a, b VoteHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ID, b.ID))
	}
	if len(hits) > 4*limit {
		// Only the best limit matter: keep those above the limit-th
		// best score found by selection, then sort them.
		hits = topK(hits, limit, better)
	}
	slices.SortFunc(hits, better)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// Bins of SearchConsistent: a vote's bin is the difference of the query's
// and the posting's pyramid levels (shifted to be >= 0) and of their
// orientations, in 32 bins of 1/32 turn.
const (
	angleBins      = 32
	levelDiffs     = 2*MaxVoteLevel + 1
	consistentBins = levelDiffs * angleBins
)

// SearchConsistent is Search ranked by geometric consistency: a query
// descriptor votes as in Search, and each vote falls in the bin of the
// rotation and the scale it implies (the difference of the two
// keypoints' orientations, in 1/32 turns, and of their pyramid levels).
// An asset's Score is the largest number of votes in any window of 3x3
// neighbouring bins (orientation +-1/32 turn, level +-1): the votes of a
// copy agree on one rotation and one scale, those of pictures that merely
// share common corners and edges (clipart, icons drawn in one style)
// scatter. Votes is the asset's total. Up to limit assets whose Score is
// at least minVotes are returned, best Score first (then most votes, then
// lowest id).
//
// Unlike Search's weighting by how common a descriptor is, this keeps
// the votes of the plain drawings whose every corner is common: on the
// accuracy benchmark, of 919 edited copies that the local features
// verified against their originals but that Search did not rank among
// the best 16 of 11,725 assets, 756 ranked there by this score.
func (v *Votes) SearchConsistent(entries []VoteEntry, minVotes, limit int) []VoteHit {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.buckets == nil || len(entries) == 0 || limit <= 0 {
		return nil
	}
	s := v.scratch()
	defer v.pool.Put(s)
	if need := int(v.maxID) + 1; len(s.off) < need {
		s.off = make([]uint32, need)
	}
	s.touched, s.vote = s.touched[:0], s.vote[:0]
	for qi, e := range entries {
		v.reach(entries, qi, s)
		qm := e.meta()
		for _, p := range s.reached {
			if s.votes[p.id] == 0 {
				s.touched = append(s.touched, ID(p.id))
			}
			if s.votes[p.id] == math.MaxUint16 {
				continue // a count that cannot grow: more votes are not kept either
			}
			s.votes[p.id]++
			s.vote = append(s.vote, uint64(p.id)<<16|uint64(voteBin(qm, p.meta)))
		}
	}
	// Regroup the votes of the assets with at least minVotes, those with
	// the most votes first (counting sorts: by votes, then the votes by
	// asset): an asset's Score is at most its votes, so the search stops
	// at the first asset with fewer votes than the limit-th best Score
	// found.
	cands, most := s.cands[:0], 0
	for _, id := range s.touched {
		if n := int(s.votes[id]); n >= minVotes {
			cands = append(cands, id)
			most = max(most, n)
		}
	}
	s.nth = grow(s.nth, most+1)
	clear(s.nth)
	for _, id := range cands {
		s.nth[most-int(s.votes[id])]++
	}
	var at uint32
	for i, n := range s.nth {
		s.nth[i] = at
		at += n
	}
	s.sorted = grow(s.sorted, len(cands))
	for _, id := range cands {
		k := most - int(s.votes[id])
		s.sorted[s.nth[k]] = id
		s.nth[k]++
	}
	for _, id := range s.touched {
		s.off[id] = noOffset
	}
	at = 0
	for _, id := range s.sorted {
		s.off[id] = at
		at += uint32(s.votes[id])
	}
	s.bins = grow(s.bins, int(at))
	for _, x := range s.vote {
		if o := s.off[x>>16]; o != noOffset {
			s.bins[o] = uint16(x)
			s.off[x>>16]++
		}
	}
	better := func(a, b VoteHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Votes, a.Votes), cmp.Compare(a.ID, b.ID))
	}
	var hits []VoteHit
	kth := 0.0 // the limit-th best Score so far, once there are limit hits
	start := uint32(0)
	for _, id := range s.sorted {
		n := uint32(s.votes[id])
		first := start
		start += n
		if float64(n) < max(kth, float64(minVotes)) {
			break
		}
		h := VoteHit{ID: id, Votes: int(n), Score: float64(windowMax(&s.hist, s.bins[first:first+n]))}
		// Among assets of equal votes the order is the touched one, not
		// by id: a hit ties with the limit-th on every key but the id.
		if h.Score < float64(minVotes) || (len(hits) == limit && better(h, hits[limit-1]) >= 0) {
			continue
		}
		hits = append(hits, h)
		slices.SortFunc(hits, better)
		if len(hits) > limit {
			hits = hits[:limit]
		}
		if len(hits) == limit {
			kth = hits[limit-1].Score
		}
	}
	s.cands = cands
	for _, id := range s.touched {
		s.votes[id], s.stamp[id] = 0, 0
	}
	return hits
}

// voteBin is the bin of a vote between a query keypoint and a posting
// (their metas).
func voteBin(q, p uint8) uint16 {
	dl := int(q>>5) - int(p>>5) + MaxVoteLevel
	da := (int(q&31) - int(p&31) + angleBins) % angleBins
	return uint16(dl*angleBins + da)
}

// windowMax is the largest number of the votes (their bins) in 3x3
// neighbouring bins: orientations +-1 (a full turn wraps), levels +-1.
// Each vote is added to the 9 windows that hold it, in w, which it leaves
// cleared.
func windowMax(w *[consistentBins]uint16, bins []uint16) int {
	best := uint16(0)
	each := func(b uint16, f func(c int)) {
		l, a := int(b)/angleBins, int(b)%angleBins
		for dl := -1; dl <= 1; dl++ {
			if ll := l + dl; ll >= 0 && ll < levelDiffs {
				for da := angleBins - 1; da <= angleBins+1; da++ {
					f(ll*angleBins + (a+da)%angleBins)
				}
			}
		}
	}
	for _, b := range bins {
		each(b, func(c int) {
			w[c]++
			best = max(best, w[c])
		})
	}
	for _, b := range bins {
		each(b, func(c int) { w[c] = 0 })
	}
	return int(best)
}

// topK moves the k best hits (by cmp, negative meaning better) to the
// front and returns them, unordered, by quickselect.
func topK(h []VoteHit, k int, cmp func(a, b VoteHit) int) []VoteHit {
	lo, hi := 0, len(h)-1
	for lo < hi {
		p := h[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for cmp(h[i], p) < 0 {
				i++
			}
			for cmp(h[j], p) > 0 {
				j--
			}
			if i <= j {
				h[i], h[j] = h[j], h[i]
				i++
				j--
			}
		}
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return h[:k]
		}
	}
	return h[:k]
}

// grow returns s with length n, reallocated only when its capacity is
// short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+n/4)
	}
	return s[:n]
}
