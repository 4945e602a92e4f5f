package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/sleuthhq/sleuth/index"
)

// IndexConfig configures IndexBench. Zero Queries, MaxDist and
// LinearQueries take their defaults; DefaultIndexConfig also sets Linear.
type IndexConfig struct {
	Size          int    // indexed codes
	Queries       int    // timed index queries (default 1000)
	MaxDist       int    // search radius in bits (default, and when 0, 31)
	Seed          uint64 // corpus and queries are a function of the seed
	Linear        bool   // also time the linear scan baseline (DefaultIndexConfig: true)
	LinearQueries int    // queries for the linear scan, the first of the index's (default 50)
	Tables        int    // index.Options.Tables (default 8)
	PoolSize      int    // procedural pictures in the hash pool (default 1200)
	TestdataDir   string // the PDQ photos; "" finds testdata/pdq in the working directory or a parent
}

// DefaultIndexConfig returns the default configuration for size codes.
func DefaultIndexConfig(size int) IndexConfig {
	return IndexConfig{Size: size, Queries: 1000, MaxDist: 31, Seed: 1, Linear: true, LinearQueries: 50, PoolSize: 1200}
}

// LatencyStats summarizes timed queries on one thread.
type LatencyStats struct {
	Queries              int
	P50Micros, P99Micros float64
	QPS                  float64
	MeanHits             float64
}

// IndexResult is the outcome of IndexBench.
type IndexResult struct {
	Size          int
	Tables        int // hash tables of the index
	Queries       int
	MaxDist       int
	BuildSeconds  float64 // index.BuildPDQ over the whole corpus
	BytesPerEntry float64 // index MemoryBytes / Size
	P50Micros     float64
	P99Micros     float64
	QPS           float64
	MeanHits      float64
	Linear        *LatencyStats // nil unless measured
	Recall        float64       // share of the linear scan's hits the index returned, on the queries both ran
	Mismatches    int           // queries whose index answer differs from the scan's in any way
	Generator     string        // describes the data
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// IndexBench generates a corpus of cfg.Size PDQ codes, builds the index,
// times cfg.Queries searches of 8 dihedral variants each at cfg.MaxDist, and,
// when cfg.Linear, times the first cfg.LinearQueries of them with
// index.Linear and compares the answers. progress, if not nil, receives
// plain progress lines. It returns ctx's error if ctx ends first.
func IndexBench(ctx context.Context, cfg IndexConfig, progress io.Writer) (*IndexResult, error) {
	if cfg.Size <= 0 {
		return nil, fmt.Errorf("bench: IndexBench: Size must be positive, got %d", cfg.Size)
	}
	if cfg.Queries <= 0 {
		cfg.Queries = 1000
	}
	if cfg.MaxDist == 0 {
		cfg.MaxDist = 31
	}
	if cfg.LinearQueries <= 0 {
		cfg.LinearQueries = 50
	}
	if cfg.PoolSize <= 0 {
		cfg.PoolSize = 1200
	}
	start := time.Now()
	pc, err := NewPDQCorpus(ctx, cfg, progress)
	if err != nil {
		return nil, err
	}
	qs := pc.Queries

	logf(progress, "building %d entries...", cfg.Size)
	t0 := time.Now()
	x := index.BuildPDQWith(pc.IDs, pc.Codes, index.Options{Tables: cfg.Tables})
	res := &IndexResult{
		Size:          cfg.Size,
		Tables:        x.Tables(),
		Queries:       cfg.Queries,
		MaxDist:       cfg.MaxDist,
		BuildSeconds:  time.Since(t0).Seconds(),
		BytesPerEntry: float64(x.MemoryBytes()) / float64(cfg.Size),
		Generator:     pc.Description,
	}
	logf(progress, "built in %.2fs, %.1f bytes/entry; %d index queries...", res.BuildSeconds, res.BytesPerEntry, cfg.Queries)

	for _, q := range qs[:min(len(qs), 20)] { // warm up
		x.Search(q, cfg.MaxDist)
	}
	answers := make([][]index.Hit, len(qs))
	lat := make([]time.Duration, len(qs))
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := time.Now()
		answers[i] = x.Search(q, cfg.MaxDist)
		lat[i] = time.Since(t)
		if progress != nil && (i+1)%max(1, len(qs)/4) == 0 {
			logf(progress, "  %d%%", 100*(i+1)/len(qs))
		}
	}
	st := stats(lat, answers)
	res.P50Micros, res.P99Micros, res.QPS, res.MeanHits = st.P50Micros, st.P99Micros, st.QPS, st.MeanHits

	if cfg.Linear {
		nl := min(cfg.LinearQueries, len(qs))
		logf(progress, "%d linear scan queries...", nl)
		lin := make([][]index.Hit, nl)
		llat := make([]time.Duration, nl)
		found, total := 0, 0
		for i := range nl {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			t := time.Now()
			lin[i] = index.Linear(pc.IDs, pc.Codes, qs[i], cfg.MaxDist)
			llat[i] = time.Since(t)
			total += len(lin[i])
			for _, h := range lin[i] {
				if slices.ContainsFunc(answers[i], func(a index.Hit) bool { return a.ID == h.ID }) {
					found++
				}
			}
			if !slices.Equal(lin[i], answers[i]) {
				res.Mismatches++
			}
		}
		res.Linear = stats(llat, lin)
		res.Recall = 1
		if total > 0 {
			res.Recall = float64(found) / float64(total)
		}
	}
	logf(progress, "done in %.1fs", time.Since(start).Seconds())
	return res, nil
}

// stats returns the latency percentiles and throughput of timed queries.
func stats(lat []time.Duration, answers [][]index.Hit) *LatencyStats {
	s := &LatencyStats{Queries: len(lat)}
	if len(lat) == 0 {
		return s
	}
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	pct := func(p float64) float64 {
		i := min(len(sorted)-1, int(p*float64(len(sorted))))
		return float64(sorted[i].Nanoseconds()) / 1e3
	}
	var sum time.Duration
	hits := 0
	for i, d := range lat {
		sum += d
		hits += len(answers[i])
	}
	s.P50Micros, s.P99Micros = pct(0.50), pct(0.99)
	s.QPS = float64(len(lat)) / sum.Seconds()
	s.MeanHits = float64(hits) / float64(len(lat))
	return s
}

// WriteTable writes r as a readable table: the index against the linear
// scan, with the scan/index ratios.
func (r *IndexResult) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "PDQ index (%d tables): %d codes, maxDist %d, 8 variants per query, one query thread\n", r.Tables, r.Size, r.MaxDist)
	fmt.Fprintf(w, "build %.2f s, %.1f bytes/entry\n", r.BuildSeconds, r.BytesPerEntry)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tqueries\tp50 µs\tp99 µs\tQPS\tmean hits\t")
	fmt.Fprintf(tw, "sleuth index\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t\n", r.Queries, r.P50Micros, r.P99Micros, r.QPS, r.MeanHits)
	if l := r.Linear; l != nil {
		fmt.Fprintf(tw, "linear scan\t%d\t%.0f\t%.0f\t%.0f\t%.2f\t\n", l.Queries, l.P50Micros, l.P99Micros, l.QPS, l.MeanHits)
		fmt.Fprintf(tw, "scan / index\t\t%.1fx\t%.1fx\t%.1fx\t\t\n", l.P50Micros/r.P50Micros, l.P99Micros/r.P99Micros, r.QPS/l.QPS)
	}
	tw.Flush()
	if r.Linear != nil {
		fmt.Fprintf(w, "recall vs linear scan: %.4f on %d queries, %d answers differ\n", r.Recall, r.Linear.Queries, r.Mismatches)
	}
	fmt.Fprintf(w, "data: %s\n", r.Generator)
}
