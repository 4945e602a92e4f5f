package index

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func randThumb(r *rand.Rand) [ThumbDims]int8 {
	var v [ThumbDims]int8
	for i := range v {
		v[i] = int8(r.IntN(255) - 127)
	}
	return v
}

func mirrorThumb(v [ThumbDims]int8) [ThumbDims]int8 {
	var m [ThumbDims]int8
	for i := range 8 {
		for j := range 8 {
			m[i*8+j] = v[i*8+7-j]
		}
	}
	return m
}

// naiveThumbs is Thumbs.Search in float64, unfolded, every hit sorted.
func naiveThumbs(ids []ID, vecs [][ThumbDims]int8, q [ThumbDims]int8, minCos float64, limit int) []ThumbHit {
	variants := [][ThumbDims]int8{q, mirrorThumb(q)}
	norm := func(v *[ThumbDims]int8) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	var hits []ThumbHit
	for i, v := range vecs {
		best, bv := math.Inf(-1), 0
		var plain float64
		for k := range variants {
			var d float64
			for j := range v {
				d += float64(v[j]) * float64(variants[k][j])
			}
			if k == 0 {
				plain = d
			}
			if d > best {
				best, bv = d, k
			}
		}
		c := best / norm(&v) / norm(&variants[0])
		if c >= minCos {
			hits = append(hits, ThumbHit{ID: ids[i], Mirrored: bv == 1, Cosine: float32(c), Plain: float32(plain / norm(&v) / norm(&variants[0]))})
		}
	}
	slices.SortFunc(hits, func(a, b ThumbHit) int {
		if c := cmp.Compare(b.Cosine, a.Cosine); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return hits[:min(limit, len(hits))]
}

func TestThumbsSearchNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := NewThumbs()
	var ids []ID
	var vecs [][ThumbDims]int8
	base := randThumb(r)
	for i := range 3000 {
		v := randThumb(r)
		if i%3 == 0 { // near the base: many hits above the floor
			for j := range v {
				v[j] = int8(max(-127, min(127, int(base[j])+int(v[j])/8)))
			}
		}
		id := ID(i*7 + 1)
		x.Add(id, v)
		ids, vecs = append(ids, id), append(vecs, v)
	}
	// Remove every tenth; re-add one with a new vector.
	for i := 0; i < len(ids); i += 10 {
		if !x.Remove(ids[i]) {
			t.Fatalf("Remove(%d) = false", ids[i])
		}
	}
	if x.Remove(ids[0]) {
		t.Fatal("second Remove reported a vector")
	}
	keep := func(i int) bool { return i%10 != 0 }
	var kids []ID
	var kvecs [][ThumbDims]int8
	for i := range ids {
		if keep(i) {
			kids, kvecs = append(kids, ids[i]), append(kvecs, vecs[i])
		}
	}
	x.Add(kids[5], base)
	kvecs[5] = base
	if got := x.Len(); got != len(kids) {
		t.Fatalf("Len = %d, want %d", got, len(kids))
	}
	// A vector that is not its own mirror image, mirrored: found by its
	// mirror.
	asym := randThumb(r)
	x.Add(kids[7], mirrorThumb(asym))
	kvecs[7] = mirrorThumb(asym)
	for _, tc := range []struct {
		name   string
		q      [ThumbDims]int8
		minCos float32
		limit  int
	}{
		{"near many", base, 0.5, 10},
		{"near many, more", base, 0.5, 250},
		{"high floor", base, 0.999, 10},
		{"no floor", randThumb(r), -1, 7},
		{"mirrored", asym, 0.3, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := x.Search(&tc.q, tc.minCos, tc.limit)
			want := naiveThumbs(kids, kvecs, tc.q, float64(tc.minCos), tc.limit)
			if len(got) != len(want) {
				t.Fatalf("%d hits, want %d", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.ID != w.ID || g.Mirrored != w.Mirrored || math.Abs(float64(g.Cosine-w.Cosine)) > 1e-5 || math.Abs(float64(g.Plain-w.Plain)) > 1e-5 {
					t.Fatalf("hit %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
	if h := x.Search(&base, 0.999, 1); len(h) != 1 || h[0].ID != kids[5] || h[0].Cosine < 0.9999 || h[0].Mirrored {
		t.Fatalf("the base itself: %+v", h)
	}
	if h := x.Search(&asym, 0.999, 1); len(h) != 1 || h[0].ID != kids[7] || h[0].Cosine < 0.9999 || !h[0].Mirrored {
		t.Fatalf("the mirrored vector: %+v", h)
	}
	if h := x.Search(&[ThumbDims]int8{}, -1, 5); h != nil {
		t.Fatalf("zero query: %+v", h)
	}
	if h := x.Search(nil, -1, 5); h != nil {
		t.Fatalf("no query: %+v", h)
	}
}

// BenchmarkThumbsSearch: one query (and its mirror image) against 10,000
// and 100,000 random vectors.
func BenchmarkThumbsSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{10_000, 100_000} {
		x := NewThumbs()
		for i := range n {
			x.Add(ID(i+1), randThumb(r))
		}
		q := randThumb(r)
		b.Run(fmt.Sprintf("assets=%d", n), func(b *testing.B) {
			for b.Loop() {
				x.Search(&q, 0.8, 16)
			}
		})
	}
}
