package engine

import (
	"cmp"
	"slices"
	"sync"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// PHashHit is an asset whose pHash is near a queried one.
type PHashHit struct {
	ID       uint32
	Distance int
}

// phashIndex keeps every asset's pHash for linear scans: Verbitas-style
// lookups by a client-computed 64-bit hash are rare and a scan of 8-byte
// values is fast (the 256-bit PDQ index serves the real searches).
type phashIndex struct {
	mu     sync.RWMutex
	ids    []uint32
	hashes []uint64
	pos    map[uint32]int // id -> index in ids/hashes
}

func newPHashIndex() *phashIndex { return &phashIndex{pos: map[uint32]int{}} }

func (x *phashIndex) add(id uint32, h fingerprint.PHash) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if i, ok := x.pos[id]; ok {
		x.hashes[i] = uint64(h)
		return
	}
	x.pos[id] = len(x.ids)
	x.ids = append(x.ids, id)
	x.hashes = append(x.hashes, uint64(h))
}

func (x *phashIndex) remove(id uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[id]
	if !ok {
		return
	}
	last := len(x.ids) - 1
	x.ids[i], x.hashes[i] = x.ids[last], x.hashes[last]
	x.pos[x.ids[i]] = i
	x.ids, x.hashes = x.ids[:last], x.hashes[:last]
	delete(x.pos, id)
}

func (x *phashIndex) search(h fingerprint.PHash, maxDist int) []PHashHit {
	x.mu.RLock()
	var hits []PHashHit
	for i, v := range x.hashes {
		if d := fingerprint.PHash(v).Distance(h); d <= maxDist {
			hits = append(hits, PHashHit{x.ids[i], d})
		}
	}
	x.mu.RUnlock()
	slices.SortFunc(hits, func(a, b PHashHit) int {
		if c := cmp.Compare(a.Distance, b.Distance); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return hits
}
