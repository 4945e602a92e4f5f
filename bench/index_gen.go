package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/index"
)

// corpus is the generated index content (see index_corpus.go).
type corpus struct {
	seed   uint64
	pool   []poolImage
	ids    []index.ID
	codes  []fingerprint.PDQ
	origin []int32 // the new-image code each code copies (itself for new images)
}

// image is a picture behind codes: its hash, fragile mask and, when it is
// a pool picture, the pool index and orientation (pi = -1 otherwise).
type picture struct {
	h, frag fingerprint.PDQ
	pi, k   int
}

// newPicture draws a new image: a pool hash (when allowPool, 15% of the
// time) or a row-by-row recombination of 2-4 pool hashes with 2-9 more
// bits flipped.
func newPicture(rng *rand.Rand, pool []poolImage, allowPool bool) picture {
	if allowPool && rng.Float64() < 0.15 {
		pi, k := rng.IntN(len(pool)), 0
		if rng.Float64() < 0.1 {
			k = rng.IntN(8)
		}
		return picture{pool[pi].dih[k], pool[pi].fragile[k], pi, k}
	}
	var parents [4]int
	np := 2 + rng.IntN(3)
	for i := range np {
		parents[i] = rng.IntN(len(pool))
	}
	p := picture{pi: -1}
	for row := 0; row < 32; row += 2 {
		par := &pool[parents[rng.IntN(np)]]
		copy(p.h[row:row+2], par.dih[0][row:row+2])
		copy(p.frag[row:row+2], par.fragile[0][row:row+2])
	}
	p.h = mutate(rng, p.h, fingerprint.PDQ{}, 2+rng.IntN(8))
	return p
}

// recipe returns the picture of new-image code i.
func (c *corpus) recipe(i int) picture {
	return newPicture(seeded(c.seed, streamCodes+uint64(i)), c.pool, true)
}

// generate draws n codes and their ids.
func (c *corpus) generate(ctx context.Context, n int) error {
	plan := seeded(c.seed, streamPlan)
	c.ids = make([]index.ID, n)
	c.origin = make([]int32, n)
	c.codes = make([]fingerprint.PDQ, n)
	id := index.ID(0)
	for i := range n {
		if i == 0 || plan.Float64() >= 0.02 {
			id++
		}
		c.ids[i] = id
		if i == 0 || plan.Float64() < 0.55 {
			c.origin[i] = int32(i)
		} else {
			c.origin[i] = c.origin[plan.IntN(i)]
		}
	}
	const block = 1 << 14
	return parallel((n+block-1)/block, func(b int) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := b * block; i < min(n, (b+1)*block); i++ {
			o := int(c.origin[i])
			p := c.recipe(o)
			if o == i {
				c.codes[i] = p.h
				continue
			}
			r := seeded(c.seed, streamCodes+uint64(i))
			c.codes[i] = mutate(r, p.h, p.frag, copyDistance(r))
		}
		return nil
	})
}

// Query kinds.
const (
	queryEdit = iota
	queryRotated
	queryUnrelated
)

type benchQuery struct {
	kind     int
	variants []fingerprint.PDQ
}

// queries draws n queries (see index_corpus.go).
func (c *corpus) queries(n int) []benchQuery {
	r := seeded(c.seed, streamQuery)
	qs := make([]benchQuery, n)
	for i := range qs {
		var p picture
		switch x := r.Float64(); {
		case x < 0.45 && len(c.codes) > 0:
			qs[i].kind = queryEdit
		case x < 0.6 && len(c.codes) > 0:
			qs[i].kind = queryRotated
		default:
			qs[i].kind = queryUnrelated
		}
		if qs[i].kind == queryUnrelated {
			p = newPicture(r, c.pool, false)
		} else {
			p = c.recipe(int(c.origin[r.IntN(len(c.codes))]))
		}
		var set, frags [8]fingerprint.PDQ
		if p.pi >= 0 { // a pool picture: its real dihedral hashes
			set, frags = c.pool[p.pi].dih, c.pool[p.pi].fragile
		} else {
			for k := range set {
				set[k], frags[k] = dihedral(p.h, k, true), dihedralMask(p.frag, k)
			}
		}
		kq := r.IntN(25)
		vs := make([]fingerprint.PDQ, 8)
		for k := range vs {
			vs[k] = mutate(r, set[k], frags[k], kq)
		}
		if qs[i].kind == queryRotated {
			r.Shuffle(len(vs), func(a, b int) { vs[a], vs[b] = vs[b], vs[a] })
		}
		qs[i].variants = vs
	}
	return qs
}

// PDQCorpus is a generated corpus of realistic PDQ codes (see
// index_corpus.go for how they are drawn).
type PDQCorpus struct {
	IDs         []index.ID
	Codes       []fingerprint.PDQ   // Codes[i] is indexed under IDs[i]
	Queries     [][]fingerprint.PDQ // 8 dihedral variants each
	Description string
}

// NewPDQCorpus generates cfg.Size codes and cfg.Queries queries (1000 if
// zero) from cfg.Seed, with a pool of cfg.PoolSize procedural pictures (1200
// if zero) and the photos of cfg.TestdataDir. progress, if not nil,
// receives plain progress lines.
func NewPDQCorpus(ctx context.Context, cfg IndexConfig, progress io.Writer) (*PDQCorpus, error) {
	if cfg.Queries <= 0 {
		cfg.Queries = 1000
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 1200
	}
	start := time.Now()
	logf(progress, "hashing the picture pool...")
	pool, err := buildPool(ctx, cfg.Seed, cfg.TestdataDir, cfg.PoolSize, progress)
	if err != nil {
		return nil, err
	}
	logf(progress, "pool: %d hashes (%.1fs); generating %d codes...", len(pool), time.Since(start).Seconds(), cfg.Size)
	return corpusFrom(ctx, cfg, pool)
}

// corpusFrom generates the corpus of cfg from a pool.
func corpusFrom(ctx context.Context, cfg IndexConfig, pool []poolImage) (*PDQCorpus, error) {
	c := &corpus{seed: cfg.Seed, pool: pool}
	if err := c.generate(ctx, cfg.Size); err != nil {
		return nil, err
	}
	pc := &PDQCorpus{
		IDs:         c.ids,
		Codes:       c.codes,
		Description: fmt.Sprintf("%s (pool of %d hashes, seed %d)", corpusDescription, len(pool), cfg.Seed),
	}
	for _, q := range c.queries(cfg.Queries) {
		pc.Queries = append(pc.Queries, q.variants)
	}
	return pc, nil
}
