package index

import (
	"math"
	"slices"
	"sync"
)

// ThumbDims is the length of a thumbnail vector (match.ThumbVec).
const ThumbDims = 64

// Thumbs holds one small vector per asset, the coarse layout of its
// pixels (match.ThumbVector), and finds the assets whose vectors are the
// most alike a query's by a scan of them all: 64 bytes per asset, about
// 40 ns per asset and query variant on one core. It is the retrieval path
// of the pictures the hashes and the local features lose (small flat
// drawings resized or blurred), so the engine scans it only when those
// found nothing sure. Safe for concurrent use.
type Thumbs struct {
	mu   sync.RWMutex
	ids  []ID
	vecs [][ThumbDims]int8
	inv  []float32 // 1 / the norm of each vector
	pos  map[ID]int
}

// NewThumbs returns an empty index.
func NewThumbs() *Thumbs { return &Thumbs{pos: map[ID]int{}} }

// ThumbHit is one asset found by Thumbs.Search: the best cosine of its
// vector with one of the query's variants, and that variant's index.
type ThumbHit struct {
	ID      ID
	Variant int
	Cosine  float32
}

// invNorm is 1 / the norm of v, 0 for a zero vector.
func invNorm(v *[ThumbDims]int8) float32 {
	n := dot64(v, v)
	if n == 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(n)))
}

// Add indexes v for id, replacing the vector id had.
func (t *Thumbs) Add(id ID, v [ThumbDims]int8) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.pos[id]; ok {
		t.vecs[i], t.inv[i] = v, invNorm(&v)
		return
	}
	t.pos[id] = len(t.ids)
	t.ids = append(t.ids, id)
	t.vecs = append(t.vecs, v)
	t.inv = append(t.inv, invNorm(&v))
}

// Remove drops id's vector; it reports whether there was one.
func (t *Thumbs) Remove(id ID) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.pos[id]
	if !ok {
		return false
	}
	last := len(t.ids) - 1
	t.ids[i], t.vecs[i], t.inv[i] = t.ids[last], t.vecs[last], t.inv[last]
	t.pos[t.ids[i]] = i
	t.ids, t.vecs, t.inv = t.ids[:last], t.vecs[:last], t.inv[:last]
	delete(t.pos, id)
	return true
}

// Len is the number of vectors indexed.
func (t *Thumbs) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.ids)
}

// MemoryBytes estimates the memory held by the index.
func (t *Thumbs) MemoryBytes() int64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	// The map: about 16 bytes an entry beside its buckets' overhead.
	return int64(cap(t.ids))*8 + int64(cap(t.vecs))*ThumbDims + int64(len(t.pos))*24
}

// Search returns the limit assets whose vectors have the largest cosine
// with one of variants (vectors of one norm: a picture's dihedral
// variants), at least minCosine, best first (ties: the lower id first);
// each hit names the variant that reached it.
func (t *Thumbs) Search(variants [][ThumbDims]int8, minCosine float32, limit int) []ThumbHit {
	if limit <= 0 || len(variants) == 0 {
		return nil
	}
	qinv := invNorm(&variants[0])
	if qinv == 0 {
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	hits := make([]ThumbHit, 0, limit)
	worse := func(a, b ThumbHit) bool { return a.Cosine < b.Cosine || a.Cosine == b.Cosine && a.ID > b.ID }
	for i := range t.vecs {
		v := &t.vecs[i]
		best, bv := int32(-1<<31), 0
		for k := range variants {
			if d := dot64(v, &variants[k]); d > best {
				best, bv = d, k
			}
		}
		cos := float32(best) * t.inv[i] * qinv
		if cos < minCosine {
			continue
		}
		h := ThumbHit{ID: t.ids[i], Variant: bv, Cosine: cos}
		if len(hits) == limit && !worse(hits[limit-1], h) {
			continue
		}
		j := len(hits)
		if j == limit {
			j--
		} else {
			hits = append(hits, h)
		}
		for j > 0 && worse(hits[j-1], h) {
			hits[j] = hits[j-1]
			j--
		}
		hits[j] = h
	}
	return slices.Clip(hits)
}

// dot64 is the dot product of two vectors, unrolled by eight.
func dot64(a, b *[ThumbDims]int8) int32 {
	var s0, s1, s2, s3 int32
	for i := 0; i < ThumbDims; i += 8 {
		s0 += int32(a[i])*int32(b[i]) + int32(a[i+1])*int32(b[i+1])
		s1 += int32(a[i+2])*int32(b[i+2]) + int32(a[i+3])*int32(b[i+3])
		s2 += int32(a[i+4])*int32(b[i+4]) + int32(a[i+5])*int32(b[i+5])
		s3 += int32(a[i+6])*int32(b[i+6]) + int32(a[i+7])*int32(b[i+7])
	}
	return s0 + s1 + s2 + s3
}
