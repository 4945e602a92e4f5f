package index

import (
	"cmp"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// withMeta gives each entry a random orientation and level.
func withMeta(rng *rand.Rand, es []VoteEntry) []VoteEntry {
	for i := range es {
		es[i].Angle, es[i].Level = uint8(rng.IntN(256)), uint8(rng.IntN(5))
	}
	return es
}

// turned returns es as a copy turned by rot (1/256 turns) and scaled by
// dl pyramid levels would show them: orientations shifted by rot (give or
// take a few 1/256 turns), levels by dl.
func turned(rng *rand.Rand, es []VoteEntry, rot int, dl int) []VoteEntry {
	out := slices.Clone(es)
	for i := range out {
		out[i].Angle += uint8(rot + rng.IntN(7) - 3)
		out[i].Level = uint8(max(0, int(out[i].Level)+dl))
	}
	return out
}

// A copy's votes agree on one rotation and scale: it outranks an asset
// with more votes that scatter (pictures sharing common corners).
func TestSearchConsistent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	v := NewVotes()
	if hits := v.SearchConsistent(withMeta(rng, randomEntries(rng, 10)), 1, 10); hits != nil {
		t.Fatalf("empty index answered %v", hits)
	}
	copyOf := withMeta(rng, randomEntries(rng, 60))
	common := withMeta(rng, randomEntries(rng, 40))
	v.Add(1, copyOf)
	// Asset 2 shares 40 descriptors with the query, at unrelated
	// orientations and levels.
	v.Add(2, append(withMeta(rng, randomEntries(rng, 20)), withMeta(rng, slices.Clone(common))...))
	for i := 3; i < 200; i++ {
		v.Add(ID(i), withMeta(rng, randomEntries(rng, 60)))
	}
	// The query: 20 of the copy's descriptors turned by 45 degrees and one
	// level up, the 40 common ones at other orientations, and noise.
	q := turned(rng, noisy(rng, copyOf[:20]), 32, 1)
	q = append(q, withMeta(rng, slices.Clone(common))...)
	q = append(q, withMeta(rng, randomEntries(rng, 200))...)
	plain := v.Search(q, 3, 2)
	if len(plain) == 0 || plain[0].ID != 2 {
		t.Fatalf("Search: %v, want asset 2 (most votes) first", plain)
	}
	hits := v.SearchConsistent(q, 3, 2)
	if len(hits) == 0 || hits[0].ID != 1 || hits[0].Score < 15 {
		t.Fatalf("SearchConsistent: %v, want asset 1 first with >= 15 consistent votes", hits)
	}
	if len(hits) > 1 && (hits[1].ID != 2 || hits[1].Score >= hits[0].Score || hits[1].Votes < 35) {
		t.Errorf("runner-up %v, want asset 2 with its 40 scattered votes", hits[1])
	}
	if hits := v.SearchConsistent(q, 3, 0); hits != nil {
		t.Errorf("limit 0 answered %v", hits)
	}
	// Removing the copy takes its postings, whatever their meta.
	if n := v.Remove(1, copyOf); n != 60 {
		t.Errorf("removed %d postings", n)
	}
	if hits := v.SearchConsistent(q, 3, 5); len(hits) > 0 && hits[0].ID == 1 {
		t.Errorf("removed asset still found: %v", hits)
	}
}

// The window wraps around the full turn and spans neighbouring levels.
func TestSearchConsistentWraps(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	v := NewVotes()
	es := randomEntries(rng, 30)
	for i := range es {
		es[i].Angle, es[i].Level = 0, 2
	}
	v.Add(1, es)
	q := slices.Clone(es)
	for i := range q {
		// Orientation differences of -1/32 turn to +1/32 (bins 31, 0, 1)
		// and levels 1 to 3.
		q[i].Angle = uint8([]int{-8, 0, 8}[i%3])
		q[i].Level = uint8(1 + i/3%3)
	}
	hits := v.SearchConsistent(q, 1, 1)
	if len(hits) != 1 || hits[0].Score != 30 || hits[0].Votes != 30 {
		t.Fatalf("hits %v, want all 30 votes in one window", hits)
	}
	// Two windows apart, the votes split.
	for i := range q {
		q[i].Angle = uint8([]int{0, 128}[i%2])
		q[i].Level = 2
	}
	if hits := v.SearchConsistent(q, 1, 1); len(hits) != 1 || hits[0].Score != 15 {
		t.Fatalf("hits %v, want 15 of 30 votes in the best window", hits)
	}
	// minVotes applies to the consistent votes.
	if hits := v.SearchConsistent(q, 16, 1); len(hits) != 0 {
		t.Fatalf("hits %v under minVotes 16", hits)
	}
}

// postings returns the postings of b in order.
func postings(b *bucket) []posting {
	ps := make([]posting, b.n)
	for i := range ps {
		ps[i] = b.at(i)
	}
	return ps
}

// naiveConsistent is SearchConsistent written plainly: every asset's
// votes binned, every window summed, everything sorted.
func naiveConsistent(v *Votes, entries []VoteEntry, minVotes, limit int) []VoteHit {
	hist := map[uint32]*[consistentBins]int{}
	total := map[uint32]int{}
	for _, e := range entries {
		k := e.Key & (1<<KeyBits - 1)
		seen := map[uint32]bool{}
		for b := -1; b < KeyBits; b++ {
			kk := k
			if b >= 0 {
				kk ^= 1 << b
			}
			for _, p := range postings(&v.buckets[kk]) {
				if seen[p.id] || bits.OnesCount32(p.check^e.Check) > MaxCheckDistance {
					continue
				}
				seen[p.id] = true
				if hist[p.id] == nil {
					hist[p.id] = new([consistentBins]int)
				}
				hist[p.id][voteBin(e.meta(), p.meta)]++
				total[p.id]++
			}
		}
	}
	var hits []VoteHit
	for id, h := range hist {
		best := 0
		for l := range levelDiffs {
			for a := range angleBins {
				s := 0
				for dl := -1; dl <= 1; dl++ {
					if l+dl < 0 || l+dl >= levelDiffs {
						continue
					}
					for da := -1; da <= 1; da++ {
						s += h[(l+dl)*angleBins+(a+da+angleBins)%angleBins]
					}
				}
				best = max(best, s)
			}
		}
		if best >= minVotes {
			hits = append(hits, VoteHit{ID: ID(id), Votes: total[id], Score: float64(best)})
		}
	}
	slices.SortFunc(hits, func(a, b VoteHit) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(b.Votes, a.Votes), cmp.Compare(a.ID, b.ID))
	})
	return hits[:min(limit, len(hits))]
}

// SearchConsistent's early stop and regrouping give what the plain
// computation gives.
func TestSearchConsistentNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	v := NewVotes()
	assets := make([][]VoteEntry, 300)
	// Few distinct keys, so that assets share many descriptors.
	shared := withMeta(rng, randomEntries(rng, 400))
	for i := range assets {
		es := withMeta(rng, randomEntries(rng, 20))
		for range 40 {
			e := shared[rng.IntN(len(shared))]
			e.Angle, e.Level = uint8(rng.IntN(256)), uint8(rng.IntN(5))
			es = append(es, e)
		}
		assets[i] = es
		v.Add(ID(i+1), es)
	}
	for trial := range 20 {
		src := assets[rng.IntN(len(assets))]
		q := turned(rng, noisy(rng, src[:30]), rng.IntN(256), rng.IntN(3)-1)
		q = append(q, withMeta(rng, slices.Clone(shared[:100+trial*10]))...)
		for _, limit := range []int{1, 5, 16, 1000} {
			for _, minVotes := range []int{1, 3, 10} {
				got := v.SearchConsistent(q, minVotes, limit)
				want := naiveConsistent(v, q, minVotes, limit)
				if !slices.Equal(got, want) {
					t.Fatalf("trial %d limit %d minVotes %d:\n got %v\nwant %v", trial, limit, minVotes, got, want)
				}
			}
		}
	}
}

// Of two entries with one key and check, one posting is kept, of the
// smaller level and orientation.
func TestDistinctEntriesMeta(t *testing.T) {
	es := []VoteEntry{{Key: 5, Check: 9, Angle: 200, Level: 3}, {Key: 5, Check: 9, Angle: 16, Level: 1}, {Key: 5, Check: 9, Angle: 8, Level: 1}}
	got := distinctEntries(es)
	if len(got) != 1 || got[0].meta() != es[2].meta() {
		t.Fatalf("distinctEntries: %+v", got)
	}
	v := NewVotes()
	v.Add(1, es)
	if v.Len() != 1 || v.Remove(1, es[:1]) != 1 || v.Len() != 0 {
		t.Fatalf("Add/Remove with metas: Len %d", v.Len())
	}
}

func TestFeatureEntries(t *testing.T) {
	if FeatureEntries(nil) != nil {
		t.Fatal("entries of nil features")
	}
	f := &fingerprint.Features{Points: []fingerprint.Keypoint{
		{Angle: 200, Level: 3, Desc: [4]uint64{1, 2, 3, 4}},
		{Angle: 7, Level: 0, Desc: [4]uint64{^uint64(0), 0, 5, 6}},
	}}
	es := FeatureEntries(f)
	if len(es) != 2 {
		t.Fatalf("%d entries", len(es))
	}
	for i, e := range es {
		p := &f.Points[i]
		want := VoteEntry{Key: fingerprint.VoteKey(&p.Desc), Check: fingerprint.VoteCheck(&p.Desc), Angle: p.Angle, Level: p.Level}
		if e != want {
			t.Errorf("entry %d: %+v, want %+v", i, e, want)
		}
	}
}

// BenchmarkVotesSearch compares the two rankings on 20,000 assets of 192
// descriptors each, a fifth of them drawn from 2,000 common ones (the
// corners every drawing in one style shares), queried with 512
// descriptors: a third of one asset's, turned, and common and random
// ones.
func BenchmarkVotesSearch(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	common := withMeta(rng, randomEntries(rng, 2000))
	v := NewVotes()
	var first []VoteEntry
	for i := range 20000 {
		es := withMeta(rng, randomEntries(rng, 154))
		for range 38 {
			e := common[rng.IntN(len(common))]
			e.Angle, e.Level = uint8(rng.IntN(256)), uint8(rng.IntN(5))
			es = append(es, e)
		}
		if i == 0 {
			first = es
		}
		v.Add(ID(i+1), es)
	}
	q := turned(rng, noisy(rng, first[:64]), 40, 1)
	q = append(q, withMeta(rng, slices.Clone(common[:256]))...)
	q = append(q, withMeta(rng, randomEntries(rng, 512-len(q)))...)
	b.Run("Search", func(b *testing.B) {
		for b.Loop() {
			v.Search(q, 3, 16)
		}
	})
	b.Run("SearchConsistent", func(b *testing.B) {
		for b.Loop() {
			v.SearchConsistent(q, 3, 16)
		}
	})
}

// More votes than a count holds: kept to the count, no panic.
func TestSearchConsistentSaturates(t *testing.T) {
	v := NewVotes()
	e := VoteEntry{Key: 3, Check: 4, Angle: 40, Level: 1}
	v.Add(1, []VoteEntry{e})
	v.Add(2, []VoteEntry{{Key: 3, Check: 5}})
	q := make([]VoteEntry, 70000)
	for i := range q {
		q[i] = e
	}
	hits := v.SearchConsistent(q, 1, 5)
	if len(hits) != 2 || hits[0].ID != 1 || hits[0].Votes != 65535 || hits[0].Score != 65535 {
		t.Fatalf("hits %v", hits)
	}
}
