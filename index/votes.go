package index

import (
	"cmp"
	"math/bits"
	"slices"
	"sync"
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
// Memory: 8 bytes per posting (one per distinct descriptor of an asset),
// plus a table of 2^KeyBits slice headers (24 MiB) allocated at the first
// Add. Safe for concurrent use.
type Votes struct {
	mu      sync.RWMutex
	buckets [][]posting
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
}

type posting struct {
	id    uint32
	check uint32
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
	reached []uint32
}

// NewVotes returns an empty vote index.
func NewVotes() *Votes { return &Votes{} }

// distinctEntries returns the entries (keys masked to KeyBits) sorted by
// key, then check, without duplicates.
func distinctEntries(es []VoteEntry) []VoteEntry {
	// Sorted as one number each: the order of (key, check).
	packed := make([]uint64, len(es))
	for i, e := range es {
		packed[i] = uint64(e.Key&(1<<KeyBits-1))<<32 | uint64(e.Check)
	}
	slices.Sort(packed)
	packed = slices.Compact(packed)
	out := make([]VoteEntry, len(packed))
	for i, p := range packed {
		out[i] = VoteEntry{Key: uint32(p >> 32), Check: uint32(p)}
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
		v.buckets = make([][]posting, 1<<KeyBits)
	}
	for _, e := range entries {
		v.buckets[e.Key] = append(v.buckets[e.Key], posting{uint32(id), e.Check})
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
		b := v.buckets[e.Key]
		if i := slices.Index(b, posting{uint32(id), e.Check}); i >= 0 {
			b[i] = b[len(b)-1]
			v.buckets[e.Key] = b[:len(b)-1]
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
	n := int64(len(v.buckets)) * 24
	for _, b := range v.buckets {
		n += int64(cap(b)) * 8
	}
	return n + int64(v.maxID+1)*8 // one query's scratch
}

// Search returns up to limit assets with at least minVotes votes, best
// Score first (then lowest id). A query descriptor votes once for each
// asset with a posting under its key, or a key one bit away, whose check
// is within MaxCheckDistance of its own.
func (v *Votes) Search(entries []VoteEntry, minVotes, limit int) []VoteHit {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.buckets == nil || len(entries) == 0 || limit <= 0 {
		return nil
	}
	s, _ := v.pool.Get().(*voteScratch)
	if s == nil {
		s = new(voteScratch)
	}
	if need := int(v.maxID) + 1; len(s.votes) < need {
		s.votes = make([]uint16, need)
		s.score = make([]float32, need)
		s.stamp = make([]uint32, need)
	}
	s.touched = s.touched[:0]
	for qi, e := range entries {
		k := e.Key & (1<<KeyBits - 1)
		stamp := uint32(qi + 1)
		s.reached = s.reached[:0]
		for b := -1; b < KeyBits; b++ {
			kk := k
			if b >= 0 {
				kk ^= 1 << b
			}
			for _, p := range v.buckets[kk] {
				if s.stamp[p.id] == stamp || bits.OnesCount32(p.check^e.Check) > MaxCheckDistance {
					continue
				}
				s.stamp[p.id] = stamp
				s.reached = append(s.reached, p.id)
			}
		}
		w := 1 / float32(max(1, len(s.reached)))
		for _, id := range s.reached {
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
