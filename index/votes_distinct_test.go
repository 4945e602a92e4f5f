package index

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestDistinctEntries checks distinctEntries against sorting the entries
// by key then check and dropping repeats.
func TestDistinctEntries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 300 {
		es := make([]VoteEntry, n)
		for i := range es {
			// Few distinct values, so that there are repeats, and keys
			// wider than KeyBits.
			es[i] = VoteEntry{Key: rng.Uint32N(8) << (KeyBits - 2) * 3, Check: rng.Uint32N(4) << 30}
			if rng.IntN(3) == 0 {
				es[i] = VoteEntry{Key: rng.Uint32(), Check: rng.Uint32()}
			}
		}
		want := make([]VoteEntry, n)
		for i, e := range es {
			want[i] = VoteEntry{Key: e.Key & (1<<KeyBits - 1), Check: e.Check}
		}
		slices.SortFunc(want, func(a, b VoteEntry) int { return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Check, b.Check)) })
		want = slices.Compact(want)
		if got := distinctEntries(es); !slices.Equal(got, want) {
			t.Fatalf("n=%d: got %v, want %v", n, got, want)
		}
	}
}

// BenchmarkDistinctEntries is the work Add and Remove do on one asset's
// descriptors before taking the lock.
func BenchmarkDistinctEntries(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	es := make([]VoteEntry, 192)
	for i := range es {
		es[i] = VoteEntry{Key: rng.Uint32N(1 << KeyBits), Check: rng.Uint32()}
	}
	b.ReportAllocs()
	for b.Loop() {
		distinctEntries(es)
	}
}
