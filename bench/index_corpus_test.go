package bench

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/index"
)

// smallPhotos is a directory of a few small photos: decoding the large
// ones takes long under the race detector.
const smallPhotos = "../testdata/pdq/reg-test-input/labelme-subset"

// smallPool is a pool of the small photos and 40 procedural pictures,
// shared by the tests.
var smallPool = sync.OnceValues(func() ([]poolImage, error) {
	return buildPool(context.Background(), 3, smallPhotos, 40, nil)
})

func testPool(t *testing.T) []poolImage {
	t.Helper()
	pool, err := smallPool()
	if err != nil {
		t.Fatal(err)
	}
	if len(pool) < 40 {
		t.Fatalf("pool of %d hashes, want about 47", len(pool))
	}
	return pool
}

// TestDihedral checks the synthetic dihedral transform against the real
// dihedral hashes of the pool: exact for the transpose (no coefficient
// changes sign), close for the others.
func TestDihedral(t *testing.T) {
	pool := testPool(t)
	var sum [8]int
	for _, p := range pool {
		for k := range 8 {
			d := dihedral(p.dih[0], k, true).Distance(p.dih[k])
			if k == fingerprint.DihedralFlipPlus1 && d != 0 {
				t.Errorf("transpose: distance %d to the real hash", d)
			}
			sum[k] += d
		}
		if got := dihedralMask(dihedralMask(p.fragile[0], fingerprint.DihedralRotate90), fingerprint.DihedralRotate270); got != p.fragile[0] {
			t.Error("rot270(rot90(mask)) is not the mask")
		}
	}
	for k := range 8 {
		mean := float64(sum[k]) / float64(len(pool))
		t.Logf("orientation %d: mean distance %.1f to the real hash", k, mean)
		if mean > 40 {
			t.Errorf("orientation %d: mean distance %.1f, want a close approximation", k, mean)
		}
	}
}

func TestMutate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h, frag fingerprint.PDQ
	frag[0], frag[5] = 0xff, 0x0f
	for k := range 61 {
		m := mutate(rng, h, frag, k)
		if d := m.Distance(h); d != k {
			t.Fatalf("mutate by %d: distance %d", k, d)
		}
	}
	for n := range 12 {
		if got := nthSet(&frag, n); got != []int{0, 1, 2, 3, 4, 5, 6, 7, 40, 41, 42, 43}[n] {
			t.Errorf("nthSet(%d) = %d", n, got)
		}
	}
}

// TestCorpus checks that the corpus is deterministic and that its queries
// behave as described: edited copies hit, unrelated pictures mostly miss.
func TestCorpus(t *testing.T) {
	pool := testPool(t)
	again, err := buildPool(context.Background(), 3, smallPhotos, 40, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pool, again) {
		t.Fatal("two pools from one seed differ")
	}
	cfg := IndexConfig{Size: 20000, Queries: 300, Seed: 5}
	if testing.Short() {
		cfg.Size, cfg.Queries = 5000, 100
	}
	a, err := corpusFrom(context.Background(), cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	b, err := corpusFrom(context.Background(), cfg, pool)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Codes, b.Codes) || !slices.Equal(a.IDs, b.IDs) || len(a.Queries) != len(b.Queries) {
		t.Fatal("two corpora from one seed differ")
	}
	for i := range a.Queries {
		if !slices.Equal(a.Queries[i], b.Queries[i]) {
			t.Fatal("two corpora from one seed have different queries")
		}
	}
	// Kinds follow the draw of corpus.queries.
	c := &corpus{seed: cfg.Seed, pool: pool}
	if err := c.generate(context.Background(), cfg.Size); err != nil {
		t.Fatal(err)
	}
	x := index.BuildPDQ(c.ids, c.codes)
	var hits, total [3]int
	for _, q := range c.queries(cfg.Queries) {
		total[q.kind]++
		if len(x.Search(q.variants, 31)) > 0 {
			hits[q.kind]++
		}
	}
	for k, name := range []string{"edited copies", "rotated copies", "unrelated"} {
		t.Logf("%s: %d of %d queries hit", name, hits[k], total[k])
	}
	if hits[queryEdit] < total[queryEdit]*7/10 || hits[queryRotated] < total[queryRotated]*7/10 {
		t.Errorf("copies hit too rarely: %v of %v", hits, total)
	}
	if hits[queryUnrelated] > total[queryUnrelated]/4 {
		t.Errorf("unrelated queries hit too often: %v of %v", hits, total)
	}
	// Clusters: some codes have many near-duplicates.
	big := 0
	for _, h := range c.codes[:200] {
		if len(x.Search([]fingerprint.PDQ{h}, 31)) >= 10 {
			big++
		}
	}
	t.Logf("%d of 200 codes have 10 or more ids within 31 bits", big)
}
