package index

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
)

func TestPermute(t *testing.T) {
	s := newSynth(1, 10)
	for range 200 {
		a, b := s.random(), s.next()
		ca, cb := permute(&a), permute(&b)
		if got := unpermute(&ca); got != a {
			t.Fatalf("unpermute(permute(%v)) = %v", a, got)
		}
		if d, want := dist(&ca, &cb), a.Distance(b); d != want {
			t.Fatalf("distance %d after permute, want %d", d, want)
		}
	}
	// Every chunk takes one bit of every byte.
	for k := range 256 {
		var h fingerprint.PDQ
		h[k>>3] = 1 << (k & 7)
		c := permute(&h)
		n := 0
		for t := range 8 {
			if c.chunk(t) != 0 {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("bit %d lands in %d chunks", k, n)
		}
	}
	x := uint64(0x0123456789abcdef)
	if transpose8(transpose8(x)) != x {
		t.Fatal("transpose8 is not an involution")
	}
}

func TestRadii(t *testing.T) {
	for _, tables := range []int{8, 9, 10} {
		l := layoutFor(tables)
		if len(l) != tables {
			t.Errorf("layoutFor(%d) has %d tables", tables, len(l))
		}
		end := uint(0)
		for _, sp := range l {
			if sp.off < end || sp.len > 32 || sp.len < 16 {
				t.Errorf("layoutFor(%d): bad span %+v", tables, sp)
			}
			end = sp.off + sp.len
		}
		if end > 256 {
			t.Errorf("layoutFor(%d) ends at bit %d", tables, end)
		}
		s := buildStatic([]item{{}}, l)
		var r []int
		for d := 0; d <= MaxExact; d++ {
			r = s.radii(d, r)
			sum := 0
			for _, ri := range r {
				if ri < -1 || ri > maxRadius {
					t.Fatalf("%d tables: radii(%d) = %v", tables, d, r)
				}
				sum += ri + 1
			}
			if sum != d+1 {
				t.Fatalf("%d tables: radii(%d) = %v: sum of r+1 is %d, want %d", tables, d, r, sum, d+1)
			}
		}
	}
}

func TestDirIndex(t *testing.T) {
	tests := []struct {
		name   string
		counts []uint32
		shift  uint
	}{
		{"empty", make([]uint32, 256), 6},
		{"uniform", slices.Repeat([]uint32{16}, 256), 6},
		{"huge bucket", append([]uint32{70000, 3}, make([]uint32, 254)...), 0},
		{"big block", slices.Repeat([]uint32{3000}, 256), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDirIndex(tt.counts)
			if d.shift != tt.shift {
				t.Errorf("shift %d, want %d", d.shift, tt.shift)
			}
			var start uint32
			for v, c := range tt.counts {
				lo, hi := d.bounds(uint32(v))
				if lo != start || hi != start+c {
					t.Fatalf("bucket %d: [%d,%d), want [%d,%d)", v, lo, hi, start, start+c)
				}
				for p := lo; p < hi; p += max(1, (hi-lo)/7) {
					if got := d.bucketOf(p); got != uint32(v) {
						t.Fatalf("bucketOf(%d) = %d, want %d", p, got, v)
					}
				}
				start = hi
			}
		})
	}
}

func TestSearchTable(t *testing.T) {
	h := func(k ...int) fingerprint.PDQ {
		var p fingerprint.PDQ
		for _, b := range k {
			p[b>>3] |= 1 << (b & 7)
		}
		return p
	}
	far := h(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32)
	x := NewPDQ()
	x.forceIndex = true
	x.Add(1, h())
	x.Add(2, h(5))
	x.Add(2, h(200, 201))
	x.Add(3, far)
	x.Add(0xFFFFFFFF, h(255))
	x.Add(1, h()) // repeated pair: ignored
	if got := x.Len(); got != 5 {
		t.Fatalf("Len = %d, want 5", got)
	}
	tests := []struct {
		name     string
		variants []fingerprint.PDQ
		maxDist  int
		want     []Hit
	}{
		{"exact", []fingerprint.PDQ{h()}, 0, []Hit{{1, 0, 0}}},
		{"radius 1", []fingerprint.PDQ{h()}, 1, []Hit{{1, 0, 0}, {2, 1, 0}, {0xFFFFFFFF, 1, 0}}},
		{"best variant", []fingerprint.PDQ{h(7, 8), h(200)}, 2, []Hit{{1, 1, 1}, {2, 1, 1}, {0xFFFFFFFF, 2, 1}}},
		{"tie takes lowest variant", []fingerprint.PDQ{h(9), h(10)}, 1, []Hit{{1, 1, 0}}},
		{"distance 32 is beyond 31", []fingerprint.PDQ{h()}, 31, []Hit{{1, 0, 0}, {2, 1, 0}, {0xFFFFFFFF, 1, 0}}},
		{"scan beyond MaxExact", []fingerprint.PDQ{h()}, 33, []Hit{{1, 0, 0}, {2, 1, 0}, {0xFFFFFFFF, 1, 0}, {3, 33, 0}}},
		{"no variants", nil, 10, nil},
		{"negative distance", []fingerprint.PDQ{h()}, -1, nil},
	}
	for _, compact := range []bool{false, true} {
		if compact {
			x.Compact()
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/compact=%v", tt.name, compact), func(t *testing.T) {
				got := x.Search(tt.variants, tt.maxDist)
				if !slices.Equal(got, tt.want) {
					t.Errorf("Search = %v, want %v", got, tt.want)
				}
			})
		}
	}
	if n := x.Remove(2); n != 2 {
		t.Errorf("Remove(2) = %d, want 2", n)
	}
	if n := x.Remove(2); n != 0 {
		t.Errorf("Remove(2) again = %d, want 0", n)
	}
	if got := x.Search([]fingerprint.PDQ{h()}, 1); !slices.Equal(got, []Hit{{1, 0, 0}, {0xFFFFFFFF, 1, 0}}) {
		t.Errorf("after Remove: %v", got)
	}
	x.Add(2, h(5))
	x.Compact()
	if got, want := x.Len(), 4; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

func TestBuildPDQRepeats(t *testing.T) {
	var a, b fingerprint.PDQ
	b[3] = 1
	x := BuildPDQ([]ID{1, 2, 1, 1, 2}, []fingerprint.PDQ{a, a, a, b, a})
	if got := x.Len(); got != 3 {
		t.Errorf("Len = %d, want 3", got)
	}
	x.forceIndex = true
	want := []Hit{{1, 0, 0}, {2, 0, 0}}
	if got := x.Search([]fingerprint.PDQ{a}, 0); !slices.Equal(got, want) {
		t.Errorf("Search = %v, want %v", got, want)
	}
	if n := x.Remove(1); n != 2 {
		t.Errorf("Remove(1) = %d, want 2", n)
	}
	x.Add(2, a) // already there
	if got := x.Len(); got != 1 {
		t.Errorf("Len = %d, want 1", got)
	}
}

func TestPositionsOf(t *testing.T) {
	s := newSynth(4, 10)
	ids := []ID{0, 1, 0x10000, 0x10001, 0xFFFF, 0xFFFF0000, 0xFFFFFFFF, 7, 7, 7}
	var items []item
	for i := range 1001 { // odd: the SWAR loop has a tail
		h := s.random()
		items = append(items, item{c: permute(&h), id: ids[i%len(ids)]})
	}
	st := buildStatic(items, layoutFor(8))
	for _, id := range append(ids, 2, 0x20000) {
		var want []uint32
		for p := range uint32(st.n) {
			if st.id(p) == id {
				want = append(want, p)
			}
		}
		if got := st.positionsOf(id, nil); !slices.Equal(got, want) {
			t.Errorf("positionsOf(%#x) = %v, want %v", id, got, want)
		}
	}
}

// TestSearchEdges queries around the all-zero and all-one codes of an index
// whose first and last buckets are empty.
func TestSearchEdges(t *testing.T) {
	s := newSynth(2, 10)
	var ids []ID
	var hs []fingerprint.PDQ
	for i := range 5000 {
		h := s.random()
		h[0], h[1], h[8], h[16], h[24] = 0x55, 0xaa, 0x55, 0xaa, 0x55 // no code near 0 or ^0
		ids, hs = append(ids, ID(i)), append(hs, h)
	}
	x := BuildPDQ(ids, hs)
	x.forceIndex = true
	var zero, ones fingerprint.PDQ
	for i := range ones {
		ones[i] = 0xff
	}
	for _, d := range []int{0, 7, 31} {
		for _, q := range [][]fingerprint.PDQ{{zero}, {ones}, {zero, ones}} {
			if got, want := x.Search(q, d), Linear(ids, hs, q, d); !slices.Equal(got, want) {
				t.Errorf("maxDist %d: Search = %v, Linear = %v", d, got, want)
			}
		}
	}
}

// model is the oracle's view of the index: id -> its hashes.
type model map[ID]map[fingerprint.PDQ]bool

func (m model) flat() ([]ID, []fingerprint.PDQ) {
	var ids []ID
	var hs []fingerprint.PDQ
	for id, set := range m {
		for h := range set {
			ids = append(ids, id)
			hs = append(hs, h)
		}
	}
	return ids, hs
}

// checkAgainstLinear runs queries near indexed hashes and unrelated ones
// against x and against Linear over m.
func checkAgainstLinear(t *testing.T, x *PDQ, m model, s *synth, nq int) {
	t.Helper()
	ids, hs := m.flat()
	if got := x.Len(); got != len(hs) {
		t.Fatalf("Len = %d, want %d", got, len(hs))
	}
	dists := []int{0, 3, 8, 15, 16, 24, 31, 32, 40}
	for i := range nq {
		var vs []fingerprint.PDQ
		nv := []int{1, 8}[i%2]
		switch {
		case len(hs) > 0 && i%5 != 4:
			vs = s.query(hs[s.rng.IntN(len(hs))], nv)
		default:
			vs = make([]fingerprint.PDQ, nv)
			for j := range vs {
				vs[j] = s.next()
			}
		}
		d := dists[i%len(dists)]
		got := x.Search(vs, d)
		want := Linear(ids, hs, vs, d)
		if !slices.Equal(got, want) {
			t.Fatalf("query %d (%d variants, maxDist %d): Search = %d hits %v,\nLinear = %d hits %v",
				i, nv, d, len(got), head(got), len(want), head(want))
		}
	}
}

func head(h []Hit) []Hit { return h[:min(len(h), 8)] }

func TestSearchMatchesLinear(t *testing.T) {
	n, nq := 30000, 300
	if testing.Short() {
		n, nq = 8000, 100
	}
	for _, tables := range []int{8, 9, 10} {
		t.Run(fmt.Sprintf("tables=%d", tables), func(t *testing.T) {
			testSearchMatchesLinear(t, n, nq, tables)
		})
	}
}

func testSearchMatchesLinear(t *testing.T, n, nq, tables int) {
	s := newSynth(7, n/40)
	m := model{}
	ids := make([]ID, n)
	hs := make([]fingerprint.PDQ, n)
	for i := range n {
		ids[i] = ID(s.rng.Uint32N(uint32(n))) // several hashes for some ids
		if i%10 == 0 {
			ids[i] = 0xFFFF0000 | ids[i]&0xFFFF // high halves in use
		}
		hs[i] = s.next()
		if m[ids[i]] == nil {
			m[ids[i]] = map[fingerprint.PDQ]bool{}
		}
		m[ids[i]][hs[i]] = true
	}
	x := BuildPDQWith(ids, hs, Options{Tables: tables})
	if x.Tables() != tables {
		t.Fatalf("Tables() = %d, want %d", x.Tables(), tables)
	}
	x.forceIndex = true
	checkAgainstLinear(t, x, m, s, nq)
}

func TestMutationsMatchLinear(t *testing.T) {
	rounds, perRound, nq := 12, 1500, 60
	if testing.Short() {
		rounds = 5
	}
	for _, auto := range []bool{false, true} {
		t.Run(fmt.Sprintf("auto=%v", auto), func(t *testing.T) {
			s := newSynth(11, 300)
			x := NewPDQ()
			x.forceIndex = true
			x.noAuto = !auto
			m := model{}
			var known []ID
			for round := range rounds {
				for range perRound {
					switch r := s.rng.Float64(); {
					case r < 0.8 || len(known) == 0:
						id := ID(s.rng.Uint32N(5000)) << (16 * uint(s.rng.IntN(2)))
						h := s.next()
						x.Add(id, h)
						if m[id] == nil {
							m[id] = map[fingerprint.PDQ]bool{}
							known = append(known, id)
						}
						m[id][h] = true
					case r < 0.95:
						id := known[s.rng.IntN(len(known))]
						if got, want := x.Remove(id), len(m[id]); got != want {
							t.Fatalf("Remove(%d) = %d, want %d", id, got, want)
						}
						delete(m, id)
					default: // re-add a known pair
						id := known[s.rng.IntN(len(known))]
						for h := range m[id] {
							x.Add(id, h)
							break
						}
					}
				}
				if round%3 == 2 {
					x.Compact()
				}
				checkAgainstLinear(t, x, m, s, nq)
			}
		})
	}
}

// TestCompactionRace mutates the index while a compaction builds, through
// the test hook, and checks that nothing is lost or resurrected.
func TestCompactionRace(t *testing.T) {
	s := newSynth(3, 100)
	x := NewPDQ()
	x.noAuto = true
	x.forceIndex = true
	m := model{}
	add := func(id ID, h fingerprint.PDQ) {
		x.Add(id, h)
		if m[id] == nil {
			m[id] = map[fingerprint.PDQ]bool{}
		}
		m[id][h] = true
	}
	for i := range 6000 {
		add(ID(i%2000), s.next())
	}
	x.Compact()
	for i := range 500 {
		add(ID(3000+i), s.next())
	}
	x.Remove(5) // a tombstone in the snapshot
	delete(m, 5)
	x.onCompact = func(int) {
		x.onCompact = nil
		x.Remove(7)    // static entries, folded into the new part
		x.Remove(3001) // delta entries, folded too
		delete(m, 7)
		delete(m, 3001)
		for h := range m[9] {
			x.Remove(9) // removed, then one hash added back
			delete(m, 9)
			add(9, h)
			break
		}
		add(4000, s.next())
	}
	x.Compact()
	checkAgainstLinear(t, x, m, s, 100)
	x.Compact()
	checkAgainstLinear(t, x, m, s, 100)
}

func TestConcurrent(t *testing.T) {
	s := newSynth(5, 200)
	const base = 5000
	ids := make([]ID, base)
	hs := make([]fingerprint.PDQ, base)
	for i := range ids {
		ids[i], hs[i] = ID(i), s.next()
	}
	x := BuildPDQ(ids, hs)
	x.forceIndex = true
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 1))
			for {
				select {
				case <-stop:
					return
				default:
				}
				// The base entries are never removed: each must find itself.
				i := rng.IntN(base)
				hits := x.Search([]fingerprint.PDQ{hs[i]}, 10)
				if !slices.ContainsFunc(hits, func(h Hit) bool { return h.ID == ID(i) && h.Distance == 0 }) {
					t.Errorf("entry %d not found: %v", i, head(hits))
					return
				}
				_ = x.Len()
				_ = x.MemoryBytes()
			}
		}()
	}
	ws := newSynth(6, 50)
	for i := range 6000 {
		id := ID(base + i%700)
		if i%5 == 4 {
			x.Remove(id)
		} else {
			x.Add(id, ws.next())
		}
		if i%2000 == 1999 {
			x.Compact()
		}
	}
	close(stop)
	wg.Wait()
	x.Compact()
}

// Repeated variants are searched once and reported under their first index.
func TestSearchDuplicateVariants(t *testing.T) {
	var a, b fingerprint.PDQ
	b[0], b[1] = 0xff, 0xff // 16 bits from a
	x := NewPDQ()
	x.Add(1, a)
	x.Add(2, b)
	x.Compact()
	got := x.Search([]fingerprint.PDQ{b, b, a, a, b}, 31)
	if len(got) != 2 || got[0] != (Hit{ID: 1, Distance: 0, Variant: 2}) || got[1] != (Hit{ID: 2, Distance: 0, Variant: 0}) {
		t.Errorf("got %+v", got)
	}
	got = x.Search([]fingerprint.PDQ{a, a, a}, 31)
	if len(got) != 2 || got[0].Variant != 0 || got[1].Variant != 0 {
		t.Errorf("all equal: %+v", got)
	}
}
