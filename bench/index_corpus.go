package bench

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // photos of the PDQ test data
	_ "image/png"
	"io"
	"io/fs"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// The index benchmark's corpus. Real PDQ hashes are far from uniform bits:
// most bits are biased by the typical low-frequency content of pictures,
// neighbouring coefficients are correlated, and a store holds clusters of
// near-duplicates (reposts, recompressions, edits, generative collections)
// next to a majority of unrelated images. The corpus reproduces that in
// three steps, deterministically for a seed:
//
//  1. A pool of real hashes: fingerprint.Perceptualize of every JPEG and PNG
//     of testdata/pdq (photos and their edits, rotations, colour modes) and
//     of ~1200 procedural pictures (gradients, shapes, smooth noise,
//     stripes, text-like pages, collections sharing a background, crops,
//     shifts and recolours of the photos). Each pool picture is also hashed
//     after three mild edits (recolour, 1-3 pixel shift, noise); the bits
//     that flipped form its "fragile" mask: the bits close to the median
//     that real edits flip first.
//  2. N codes: 55% "new images", each either a pool hash (15%, in one of its
//     8 orientations 10% of the time) or a recombination of 2-4 pool hashes
//     row by row (a row is one 16-bit DCT row, so bit biases and
//     within-row correlations survive) with a few extra flipped bits; 45%
//     copies of an earlier code's image picked uniformly among the codes so
//     far (preferential attachment: cluster sizes are heavy-tailed, a few
//     clusters hold thousands of codes). A copy is its image's code with
//     0-60 bits flipped, 70% of them from the fragile mask.
//  3. Queries, each with the 8 dihedral variants of a query picture: 45%
//     edits of an indexed image (variants: the pool picture's real dihedral
//     hashes or the code's synthetic dihedral set, each with 0-24 flipped
//     bits), 15% the same for a rotated or flipped copy (the variants
//     permuted, so the match is not on variant 0), 40% new unrelated
//     images that should mostly miss.
//
// ids are dense, from 1, with 2% of the codes sharing the id of the
// previous one (assets with several images).

const corpusDescription = "PDQ of testdata photos + ~1200 procedural pictures; " +
	"55% new images (pool hashes or row recombinations), 45% preferential-attachment copies with 0-60 fragile-weighted bit flips; " +
	"queries 45% edited copies, 15% rotated/flipped copies, 40% unrelated, 8 dihedral variants each"

// poolImage is one hashed picture of the pool.
type poolImage struct {
	dih     [8]fingerprint.PDQ // its 8 dihedral hashes
	fragile [8]fingerprint.PDQ // per orientation, bits that mild edits flipped
}

// seeded returns the random stream number stream of a seed.
func seeded(seed uint64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream*0x9e3779b97f4a7c15+1))
}

// Stream bases, so that the random streams of the phases never overlap.
const (
	streamPool   = 1 << 40
	streamCodes  = 2 << 40
	streamQuery  = 3 << 40
	streamPlan   = 4 << 40
	streamPhotos = 5 << 40
)

// findTestdata returns dir if set, else the first testdata/pdq found in the
// working directory or one of its parents ("" if none).
func findTestdata(dir string) string {
	if dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		d := filepath.Join(wd, "testdata", "pdq")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
		parent := filepath.Dir(wd)
		if parent == wd {
			return ""
		}
		wd = parent
	}
}

// loadPhotos decodes every JPEG and PNG under dir, in lexical order.
func loadPhotos(dir string) ([]*image.RGBA, error) {
	if dir == "" {
		return nil, nil
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	photos := make([]*image.RGBA, len(paths))
	err = parallel(len(paths), func(i int) error {
		f, err := os.Open(paths[i])
		if err != nil {
			return err
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			return nil // a colour mode the standard decoders lack: skip
		}
		rgba := image.NewRGBA(img.Bounds().Sub(img.Bounds().Min))
		draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
		photos[i] = rgba
		return nil
	})
	var out []*image.RGBA
	for _, p := range photos {
		if p != nil {
			out = append(out, p)
		}
	}
	return out, err
}

// parallel runs f(0..n-1) on GOMAXPROCS goroutines and returns the first
// error.
func parallel(n int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		next  int
		first error
	)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// buildPool hashes the photos of testdata and nProc procedural pictures.
func buildPool(ctx context.Context, seed uint64, dir string, nProc int, progress io.Writer) ([]poolImage, error) {
	photos, err := loadPhotos(findTestdata(dir))
	if err != nil {
		return nil, fmt.Errorf("bench: loading photos: %w", err)
	}
	logf(progress, "pool: %d photos from %q, %d procedural pictures", len(photos), findTestdata(dir), nProc)
	// Edit sources: the photos at most 256 pixels on a side.
	small := make([]*image.RGBA, len(photos))
	for i, p := range photos {
		w, h := p.Rect.Dx(), p.Rect.Dy()
		s := max(1, max(w, h)/256)
		small[i] = cropOf(p, 0, 0, w, h, max(8, w/s), max(8, h/s))
	}
	rng := seeded(seed, streamPool)
	var collections []*image.RGBA
	for range 30 {
		img := newImage(rng)
		if rng.IntN(2) == 0 {
			gradient(rng, img)
		} else {
			noise(rng, img)
		}
		shapes(rng, img, 1)
		collections = append(collections, img)
	}
	pool := make([]poolImage, len(photos)+nProc)
	keep := make([]bool, len(pool))
	err = parallel(len(pool), func(i int) error {
		if i%64 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		r := seeded(seed, streamPool+1+uint64(i))
		var img, editSrc *image.RGBA
		if i < len(photos) {
			img, editSrc = photos[i], small[i]
		} else {
			img = procedural(r, small, collections)
			editSrc = img
		}
		p := fingerprint.Perceptualize(img)
		if p.Quality < 20 { // flat pictures: no usable hash
			return nil
		}
		pool[i].dih = p.Dihedral
		base := fingerprint.Perceptualize(editSrc).PDQ
		var frag fingerprint.PDQ
		for e := range 3 {
			ed := cropOf(editSrc, 0, 0, editSrc.Rect.Dx(), editSrc.Rect.Dy(), editSrc.Rect.Dx(), editSrc.Rect.Dy())
			switch e {
			case 0:
				recolour(ed, 0.9+0.2*r.Float64(), 0.9+0.2*r.Float64(), (r.Float64()-0.5)*16)
			case 1:
				ed = shifted(ed, 1+r.IntN(3), r.IntN(3))
			case 2:
				addNoise(r, ed, 6)
			}
			h := fingerprint.Perceptualize(ed).PDQ
			for k := range frag {
				frag[k] |= h[k] ^ base[k]
			}
		}
		for k := range 8 {
			pool[i].fragile[k] = dihedralMask(frag, k)
		}
		keep[i] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := pool[:0]
	for i := range pool {
		if keep[i] {
			out = append(out, pool[i])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bench: no usable picture in the PDQ pool")
	}
	return out, nil
}

// pdqBit and setPDQBit address bit 16*i+j (DCT row i, column j) with the
// byte order of fingerprint.PDQ.
func pdqBit(h *fingerprint.PDQ, i, j int) bool {
	idx := (15-i)*2 + 1 - j/8
	return h[idx]>>(j&7)&1 != 0
}

func setPDQBit(h *fingerprint.PDQ, i, j int) {
	h[(15-i)*2+1-j/8] |= 1 << (j & 7)
}

// dihedral moves the bits of h as dihedral transform k (the order of
// fingerprint.Perceptual.Dihedral) moves the DCT coefficients; when invert
// is set, the bits whose coefficient changes sign are inverted, which
// approximates the hash of the transformed picture (the median of the
// coefficients stays near zero).
func dihedral(h fingerprint.PDQ, k int, invert bool) fingerprint.PDQ {
	var out fingerprint.PDQ
	for i := range 16 {
		for j := range 16 {
			b := pdqBit(&h, i, j)
			var neg bool
			switch k {
			case fingerprint.DihedralRotate90, fingerprint.DihedralFlipY:
				neg = j&1 == 0
			case fingerprint.DihedralRotate180, fingerprint.DihedralFlipMinus1:
				neg = (i+j)&1 != 0
			case fingerprint.DihedralRotate270, fingerprint.DihedralFlipX:
				neg = i&1 == 0
			}
			if invert && neg {
				b = !b
			}
			oi, oj := i, j
			switch k {
			case fingerprint.DihedralRotate90, fingerprint.DihedralRotate270,
				fingerprint.DihedralFlipPlus1, fingerprint.DihedralFlipMinus1:
				oi, oj = j, i
			}
			if b {
				setPDQBit(&out, oi, oj)
			}
		}
	}
	return out
}

func dihedralMask(m fingerprint.PDQ, k int) fingerprint.PDQ { return dihedral(m, k, false) }

func popcount(h *fingerprint.PDQ) int {
	n := 0
	for _, b := range h {
		n += bits.OnesCount8(b)
	}
	return n
}

// mutate flips exactly k distinct bits of h, each taken from fragile with
// probability 0.7 (while fragile has bits left), else uniformly.
func mutate(rng *rand.Rand, h, fragile fingerprint.PDQ, k int) fingerprint.PDQ {
	nf := popcount(&fragile)
	var used fingerprint.PDQ
	for flipped := 0; flipped < k; {
		var b int
		if nf > 0 && rng.Float64() < 0.7 {
			b = nthSet(&fragile, rng.IntN(nf))
		} else {
			b = rng.IntN(256)
		}
		if used[b>>3]&(1<<(b&7)) != 0 {
			continue
		}
		used[b>>3] |= 1 << (b & 7)
		if fragile[b>>3]&(1<<(b&7)) != 0 {
			fragile[b>>3] &^= 1 << (b & 7)
			nf--
		}
		h[b>>3] ^= 1 << (b & 7)
		flipped++
	}
	return h
}

// nthSet returns the index (8*byte+bit) of the n-th set bit of m.
func nthSet(m *fingerprint.PDQ, n int) int {
	for i, b := range m {
		c := bits.OnesCount8(b)
		if n < c {
			for ; ; b &= b - 1 {
				if n == 0 {
					return 8*i + bits.TrailingZeros8(b)
				}
				n--
			}
		}
		n -= c
	}
	return 0
}

// copyDistance draws how many bits a copy differs from its image by:
// recompressions and resizes (0-4), edits (5-20), heavier edits (21-40),
// and crops or overlays (41-60).
func copyDistance(rng *rand.Rand) int {
	switch r := rng.Float64(); {
	case r < 0.35:
		return rng.IntN(5)
	case r < 0.7:
		return 5 + rng.IntN(16)
	case r < 0.9:
		return 21 + rng.IntN(20)
	default:
		return 41 + rng.IntN(20)
	}
}
