package index

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth/fingerprint"
)

// The benchmarks run on synth's clustered hashes, generated once per size,
// with queries of 8 variants: near-duplicates of indexed hashes (0-40 bits)
// and unrelated hashes. Package bench times the index on a corpus made by
// hashing pictures (go test ./bench -bench Index).

type benchCorpus struct {
	ids     []ID
	hashes  []fingerprint.PDQ
	queries [][]fingerprint.PDQ
}

var (
	corporaMu sync.Mutex
	corpora   = map[int]*benchCorpus{}
)

func corpus(n int) *benchCorpus {
	corporaMu.Lock()
	defer corporaMu.Unlock()
	if c := corpora[n]; c != nil {
		return c
	}
	s := newSynth(uint64(n), n/20)
	c := &benchCorpus{ids: make([]ID, n), hashes: make([]fingerprint.PDQ, n)}
	for i := range n {
		c.ids[i], c.hashes[i] = ID(i+1), s.next()
	}
	for i := range 1000 {
		if i%2 == 0 {
			c.queries = append(c.queries, s.query(c.hashes[s.rng.IntN(n)], 8))
		} else {
			c.queries = append(c.queries, s.query(s.fresh(), 8))
		}
	}
	corpora[n] = c
	return c
}

var benchSizes = []int{100_000, 1_000_000}

// BenchmarkSearch times one query (8 variants, maxDist 31) and reports the
// median and 99th percentile latencies and the index's bytes per entry.
func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes {
		for _, tables := range []int{8, 10} {
			b.Run(fmt.Sprintf("n=%d/tables=%d", n, tables), func(b *testing.B) {
				c := corpus(n)
				x := BuildPDQWith(c.ids, c.hashes, Options{Tables: tables})
				var lat []time.Duration
				for i := 0; b.Loop(); i++ {
					t := time.Now()
					x.Search(c.queries[i%len(c.queries)], 31)
					lat = append(lat, time.Since(t))
				}
				reportLatency(b, lat)
				b.ReportMetric(float64(x.MemoryBytes())/float64(n), "bytes/entry")
			})
		}
	}
}

// BenchmarkLinear is the baseline: Linear over the same corpora.
func BenchmarkLinear(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c := corpus(n)
			var lat []time.Duration
			for i := 0; b.Loop(); i++ {
				t := time.Now()
				Linear(c.ids, c.hashes, c.queries[i%len(c.queries)], 31)
				lat = append(lat, time.Since(t))
			}
			reportLatency(b, lat)
			b.ReportMetric(32+4, "bytes/entry")
		})
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkBuild times BuildPDQ of 1M hashes.
func BenchmarkBuild(b *testing.B) {
	c := corpus(1_000_000)
	for b.Loop() {
		BuildPDQ(c.ids, c.hashes)
	}
}

// BenchmarkAddRemove times an Add and every other time a Remove on an
// index of 1M hashes, background compactions included.
func BenchmarkAddRemove(b *testing.B) {
	c := corpus(1_000_000)
	x := BuildPDQ(c.ids, c.hashes)
	for i := 0; b.Loop(); i++ {
		id := ID(1<<31 + i)
		x.Add(id, c.hashes[i%len(c.hashes)])
		if i%2 == 1 {
			x.Remove(id - 1)
		}
	}
	b.StopTimer()
	x.Compact()
}

// BenchmarkSearchWhileAdding times queries on 1M hashes while a writer adds
// and removes hashes, so that the delta, the tombstones and the background
// compactions are in play.
func BenchmarkSearchWhileAdding(b *testing.B) {
	c := corpus(1_000_000)
	x := BuildPDQ(c.ids, c.hashes)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			x.Add(ID(1<<31+i), c.hashes[(i*7919)%len(c.hashes)])
			if i%4 == 3 {
				x.Remove(ID(1<<31 + i - 3))
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	var lat []time.Duration
	for i := 0; b.Loop(); i++ {
		t := time.Now()
		x.Search(c.queries[i%len(c.queries)], 31)
		lat = append(lat, time.Since(t))
	}
	close(stop)
	<-done
	reportLatency(b, lat)
}
