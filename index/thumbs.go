package index

import (
	"math"
	"slices"
	"sync"
)

// ThumbDims is the length of a thumbnail vector (match.ThumbVec): an
// 8x8 grid, row by row.
const ThumbDims = 64

// thumbSide is the side of the grid.
const thumbSide = 8

// Thumbs holds one small vector per asset, the coarse layout of its
// pixels (match.ThumbVector), and finds the assets whose vectors are the
// most alike a query's, or its mirror image's, by a scan of them all. It is
// the retrieval path of the pictures the hashes and the local features
// lose (small flat drawings resized or blurred), so the engine scans it
// only when those found nothing sure. Safe for concurrent use.
//
// Each vector v is kept folded about its vertical axis: the sums
// v[i][j] + v[i][7-j] and the differences v[i][j] - v[i][7-j] of the left
// half's cells with their mirror images (int16, 128 bytes an asset). The
// dot product of two vectors is half the sum of the products of their sums
// and of their differences, and with one of them mirrored, half their
// difference: both in the 64 multiplications one of them costs unfolded.
// The differences' product is skipped where the sums' leaves the asset
// under the floor whatever the differences (Search).
type Thumbs struct {
	mu   sync.RWMutex
	ids  []ID
	vecs []foldedThumb
	inv  []float32 // 1 / the norm of each vector
	// anti is the norm of each folded vector's differences: with the
	// query's, it bounds their dot product (Cauchy-Schwarz), so that an
	// asset whose sums' dot product leaves it under the floor is passed
	// over without the differences' (Search).
	anti []float32
	pos  map[ID]int
}

// foldedThumb is a vector folded about its vertical axis: the sums (32)
// then the differences (32) of the cells of each row's left half with
// their mirror images.
type foldedThumb [ThumbDims]int16

// fold folds v about its vertical axis.
func fold(v *[ThumbDims]int8) foldedThumb {
	var f foldedThumb
	const h = thumbSide / 2
	for i := range thumbSide {
		for j := range h {
			a, b := int16(v[i*thumbSide+j]), int16(v[i*thumbSide+thumbSide-1-j])
			f[i*h+j], f[ThumbDims/2+i*h+j] = a+b, a-b
		}
	}
	return f
}

// antiNorm is the norm of f's differences.
func antiNorm(f *foldedThumb) float32 {
	var n int64
	for _, x := range f[ThumbDims/2:] {
		n += int64(x) * int64(x)
	}
	return float32(math.Sqrt(float64(n)))
}

// NewThumbs returns an empty index.
func NewThumbs() *Thumbs { return &Thumbs{pos: map[ID]int{}} }

// ThumbHit is one asset found by Thumbs.Search: the cosine of its vector
// with the query's, or with the query's mirror image when Mirrored (the
// better of the two; the query itself on a tie), and Plain, its cosine
// with the query's itself (Cosine when not Mirrored): for a picture near
// symmetric about its vertical axis the two are close, and either may
// be the better.
type ThumbHit struct {
	ID       ID
	Mirrored bool
	Cosine   float32
	Plain    float32
}

// invNorm is 1 / the norm of v, 0 for a zero vector.
func invNorm(v *[ThumbDims]int8) float32 {
	var n int32
	for _, x := range v {
		n += int32(x) * int32(x)
	}
	if n == 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(n)))
}

// Add indexes v for id, replacing the vector id had.
func (t *Thumbs) Add(id ID, v [ThumbDims]int8) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := fold(&v)
	if i, ok := t.pos[id]; ok {
		t.vecs[i], t.inv[i], t.anti[i] = f, invNorm(&v), antiNorm(&f)
		return
	}
	t.pos[id] = len(t.ids)
	t.ids = append(t.ids, id)
	t.vecs = append(t.vecs, f)
	t.inv = append(t.inv, invNorm(&v))
	t.anti = append(t.anti, antiNorm(&f))
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
	t.ids[i], t.vecs[i], t.inv[i], t.anti[i] = t.ids[last], t.vecs[last], t.inv[last], t.anti[last]
	t.pos[t.ids[i]] = i
	t.ids, t.vecs, t.inv, t.anti = t.ids[:last], t.vecs[:last], t.inv[:last], t.anti[:last]
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
	// The map: about 24 bytes an entry with its buckets' overhead.
	return int64(cap(t.ids))*4 + int64(cap(t.inv))*4 + int64(cap(t.anti))*4 + int64(cap(t.vecs))*ThumbDims*2 + int64(len(t.pos))*24
}

// Search returns the limit assets whose vectors have the largest cosine
// with q or with q mirrored (left to right), at least minCosine, best
// first (ties: the lower id first).
func (t *Thumbs) Search(q *[ThumbDims]int8, minCosine float32, limit int) []ThumbHit {
	if limit <= 0 || q == nil {
		return nil
	}
	qinv := invNorm(q)
	if qinv == 0 {
		return nil
	}
	fq := fold(q)
	qanti := antiNorm(&fq)
	t.mu.RLock()
	defer t.mu.RUnlock()
	hits := make([]ThumbHit, 0, limit)
	worse := func(a, b ThumbHit) bool { return a.Cosine < b.Cosine || a.Cosine == b.Cosine && a.ID > b.ID }
	floor := minCosine
	for i := range t.vecs {
		a := &t.vecs[i]
		sym := symDot(a, &fq)
		// The cosines are (sym +- anti) / 2 / the norms, and |anti| is at
		// most the product of the differences' norms: pass over an asset
		// that cannot reach the floor (with a margin for the rounding of
		// the float32 bound).
		if (float32(sym)+t.anti[i]*qanti)/2*t.inv[i]*qinv < floor-1e-4 {
			continue
		}
		anti := antiDot(a, &fq)
		// Twice the dot products with q and with its mirror image.
		best, mirrored := sym+anti, false
		if sym-anti > best {
			best, mirrored = sym-anti, true
		}
		cos := float32(best) / 2 * t.inv[i] * qinv
		if cos < minCosine {
			continue
		}
		h := ThumbHit{ID: t.ids[i], Mirrored: mirrored, Cosine: cos, Plain: cos}
		if mirrored {
			h.Plain = float32(sym+anti) / 2 * t.inv[i] * qinv
		}
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
		if len(hits) == limit {
			floor = max(floor, hits[limit-1].Cosine)
		}
	}
	return slices.Clip(hits)
}

// symDot is the dot product of two folded vectors' sums, antiDot of their
// differences; unrolled by four.
func symDot(a, b *foldedThumb) int32 {
	var s0, s1 int32
	for i := 0; i < ThumbDims/2; i += 4 {
		s0 += int32(a[i])*int32(b[i]) + int32(a[i+1])*int32(b[i+1])
		s1 += int32(a[i+2])*int32(b[i+2]) + int32(a[i+3])*int32(b[i+3])
	}
	return s0 + s1
}

func antiDot(a, b *foldedThumb) int32 {
	var d0, d1 int32
	for i := ThumbDims / 2; i < ThumbDims; i += 4 {
		d0 += int32(a[i])*int32(b[i]) + int32(a[i+1])*int32(b[i+1])
		d1 += int32(a[i+2])*int32(b[i+2]) + int32(a[i+3])*int32(b[i+3])
	}
	return d0 + d1
}
