package index

import "slices"

// snapshot is what a compaction folds: the static part, its tombstones and
// the delta as they were when it started.
type snapshot struct {
	st    *static
	dead  []uint64
	delta []deltaEntry
	seq   uint64
}

// Compact folds every pending addition and removal into the static part and
// returns when done; it first waits for a compaction already running.
// Compaction also happens on its own, in the background, once the delta or
// the tombstones grow past a small fraction of the index.
func (x *PDQ) Compact() {
	x.wmu.Lock()
	for x.compacting {
		x.compacted.Wait()
	}
	if len(x.delta) == 0 && x.ndead == 0 {
		x.wmu.Unlock()
		return
	}
	s := x.startCompaction()
	x.wmu.Unlock()
	x.finishCompaction(s)
}

// maybeCompact starts a background compaction if the delta or the
// tombstones are too large. x.wmu must be held.
func (x *PDQ) maybeCompact() {
	if x.compacting || x.noAuto {
		return
	}
	n := 0
	if x.st != nil {
		n = x.st.n
	}
	if len(x.delta) > max(minDelta, n/deltaFraction) || x.ndead > max(minDead, n/deadFraction) {
		s := x.startCompaction()
		go x.finishCompaction(s)
	}
}

// startCompaction takes the snapshot; x.wmu must be held.
func (x *PDQ) startCompaction() *snapshot {
	x.compacting = true
	x.removed = make(map[ID]bool)
	return &snapshot{st: x.st, dead: slices.Clone(x.dead), delta: slices.Clone(x.delta), seq: x.seq}
}

// finishCompaction builds the new static part without holding any lock,
// then publishes it: removals made meanwhile become tombstones of the new
// part and additions made meanwhile stay in the delta.
func (x *PDQ) finishCompaction(s *snapshot) {
	items := s.live()
	var st *static
	if len(items) > 0 {
		st = buildStatic(items, x.layout)
	}
	if x.onCompact != nil {
		x.onCompact(1)
	}

	x.wmu.Lock()
	defer x.wmu.Unlock()
	var dead []uint64
	ndead := 0
	if len(x.removed) > 0 && st != nil {
		for p := range st.n {
			if x.removed[st.id(uint32(p))] {
				if dead == nil {
					dead = make([]uint64, (st.n+63)/64)
				}
				dead[p>>6] |= 1 << (p & 63)
				ndead++
			}
		}
	}
	var delta []deltaEntry
	dmap := make(map[pairKey]int32)
	for _, e := range x.delta {
		if e.seq > s.seq {
			dmap[pairKey{e.c, e.id}] = int32(len(delta))
			delta = append(delta, e)
		}
	}
	x.mu.Lock()
	x.st, x.dead, x.ndead, x.delta, x.dmap = st, dead, ndead, delta, dmap
	x.mu.Unlock()
	x.compacting = false
	x.removed = nil
	x.compacted.Broadcast()
	x.maybeCompact()
}

// live returns the pairs of the snapshot that are not removed.
func (s *snapshot) live() []item {
	n := len(s.delta)
	if s.st != nil {
		n += s.st.n
	}
	items := make([]item, 0, n)
	if st := s.st; st != nil {
		shift := 32 - st.b0
		nb := uint32(1) << st.b0
		for v := uint32(0); v < nb; v++ {
			lo, hi := st.dir0.bounds(v)
			for p := lo; p < hi; p++ {
				if isSet(s.dead, p) {
					continue
				}
				c := st.recs[p]
				c[0] = c[0]&^idHiMask | uint64(v<<shift)&idHiMask
				items = append(items, item{c: c, id: st.id(p)})
			}
		}
	}
	for _, e := range s.delta {
		items = append(items, item{c: e.c, id: e.id})
	}
	return items
}
