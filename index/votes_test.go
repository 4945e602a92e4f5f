package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func randomEntries(rng *rand.Rand, n int) []VoteEntry {
	es := make([]VoteEntry, n)
	for i := range es {
		es[i] = VoteEntry{Key: rng.Uint32() & (1<<KeyBits - 1), Check: rng.Uint32()}
	}
	return es
}

// noisy returns es with each key's bit b flipped with probability p/2 and
// a few check bits flipped: descriptors of the same spots in a copy.
func noisy(rng *rand.Rand, es []VoteEntry) []VoteEntry {
	out := make([]VoteEntry, len(es))
	for i, e := range es {
		if rng.IntN(3) == 0 {
			e.Key ^= 1 << rng.IntN(KeyBits)
		}
		for range rng.IntN(4) {
			e.Check ^= 1 << rng.IntN(32)
		}
		out[i] = e
	}
	return out
}

func TestVotes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := NewVotes()
	if hits := v.Search(randomEntries(rng, 10), 1, 10); hits != nil {
		t.Fatalf("empty index answered %v", hits)
	}
	assets := make([][]VoteEntry, 500)
	for i := range assets {
		assets[i] = randomEntries(rng, 100)
		v.Add(ID(i+1), assets[i])
	}
	if v.Len() != 500*100 {
		t.Fatalf("Len %d", v.Len())
	}
	for _, want := range []int{7, 123, 499} {
		// A query holding a third of the asset's descriptors, altered, among
		// unrelated ones.
		q := append(noisy(rng, assets[want][:33]), randomEntries(rng, 300)...)
		hits := v.Search(q, 3, 5)
		if len(hits) == 0 || hits[0].ID != ID(want+1) || hits[0].Votes < 25 {
			t.Errorf("asset %d: hits %v", want+1, hits)
		}
		if len(hits) > 1 && hits[1].Votes >= 3 {
			// Chance collisions need a key and a check to agree.
			t.Errorf("asset %d: runner-up %v", want+1, hits[1])
		}
	}
	if n := v.Remove(ID(124), assets[123]); n != 100 {
		t.Errorf("removed %d postings", n)
	}
	if hits := v.Search(assets[123], 1, 5); len(hits) != 0 && hits[0].ID == 124 {
		t.Errorf("removed asset still found: %v", hits)
	}
	if v.Len() != 499*100 || v.MemoryBytes() <= int64(v.Len())*8 {
		t.Errorf("Len %d, MemoryBytes %d", v.Len(), v.MemoryBytes())
	}
	if hits := v.Search(assets[5], 1, 0); hits != nil {
		t.Errorf("limit 0 answered %v", hits)
	}
}

// A descriptor found in many assets (an edge, a flat patch) weighs little.
func TestVotesCommonDescriptors(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	v := NewVotes()
	common := randomEntries(rng, 20)
	for i := 1; i <= 100; i++ {
		v.Add(ID(i), append(randomEntries(rng, 50), common...))
	}
	own := randomEntries(rng, 8)
	v.Add(ID(101), own)
	hits := v.Search(append(own, common...), 1, 3)
	if len(hits) == 0 || hits[0].ID != 101 {
		t.Errorf("hits %v: the asset with 8 distinctive matches should beat 100 with 20 common ones", hits)
	}
}

func TestTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cmp := func(a, b VoteHit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return int(a.ID) - int(b.ID)
	}
	for n := 1; n < 300; n += 7 {
		hits := make([]VoteHit, n)
		for i := range hits {
			hits[i] = VoteHit{ID: ID(i), Score: float64(rng.IntN(20))}
		}
		want := slices.Clone(hits)
		slices.SortFunc(want, cmp)
		for _, k := range []int{1, 5, n} {
			if k > n {
				continue
			}
			got := topK(slices.Clone(hits), k, cmp)
			slices.SortFunc(got, cmp)
			if !slices.Equal(got, want[:k]) {
				t.Fatalf("n %d k %d: %v, want %v", n, k, got, want[:k])
			}
		}
	}
}

// A bucket keeps its postings (id, check and meta) through growth and
// removal, as a plain slice with the same swap-with-last removal does.
func TestBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var b bucket
	var want []posting
	for step := range 5000 {
		if len(want) > 0 && rng.IntN(3) == 0 {
			i := rng.IntN(len(want))
			p := want[i]
			if !b.remove(p.id, p.check) {
				t.Fatalf("step %d: %+v not removed", step, p)
			}
			want[i] = want[len(want)-1]
			want = want[:len(want)-1]
		} else {
			p := posting{id: rng.Uint32(), check: rng.Uint32(), meta: uint8(rng.Uint32())}
			b.add(p)
			want = append(want, p)
		}
		if got := postings(&b); !slices.Equal(got, want) {
			t.Fatalf("step %d: %d postings, want %d (%v)", step, len(got), len(want), got)
		}
		if c := b.capacity(); c%4 != 0 || c < int(b.n) || len(b.w) != c/4*9 {
			t.Fatalf("step %d: capacity %d for %d postings in %d words", step, c, b.n, len(b.w))
		}
	}
	if b.remove(1, 2) {
		t.Fatal("removed a posting never added")
	}
	for len(want) > 0 {
		p := want[len(want)-1]
		want = want[:len(want)-1]
		if !b.remove(p.id, p.check) {
			t.Fatalf("%+v not removed", p)
		}
	}
	if b.n != 0 || b.w != nil {
		t.Fatalf("empty bucket holds %d postings in %d words", b.n, len(b.w))
	}
}
