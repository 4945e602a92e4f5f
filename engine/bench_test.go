package engine

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/draw"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/fingerprint"
	"github.com/sleuthhq/sleuth/imaging"
	"github.com/sleuthhq/sleuth/index"
	"github.com/sleuthhq/sleuth/internal/testpics"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var benchAssets = flag.Int("search-assets", 100000, "assets indexed by BenchmarkSearch")

// searchBench is BenchmarkSearch's engine and queries, built once per
// test binary (the benchmark function runs more than once).
var searchBench struct {
	sync.Once
	dir     string
	e       *Engine
	queries [][]byte
	err     error
}

// TestMain removes BenchmarkSearch's store when the tests and benchmarks
// are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if searchBench.dir != "" {
		os.RemoveAll(searchBench.dir)
	}
	os.Exit(code)
}

func searchSetup(b *testing.B) (*Engine, [][]byte) {
	searchBench.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "sleuth-bench-search-")
		if err != nil {
			searchBench.err = err
			return
		}
		searchBench.dir = dir
		st, err := sqlite.Open(ctx, filepath.Join(dir, "sleuth.db"))
		if err != nil {
			searchBench.err = err
			return
		}
		// The store lives as long as the test binary (TestMain removes it).
		start := time.Now()
		for _, a := range syntheticAssets(b, *benchAssets) {
			if _, err := st.PutAsset(ctx, a); err != nil {
				searchBench.err = err
				return
			}
		}
		e, err := Open(ctx, st, Options{})
		if err != nil {
			searchBench.err = err
			return
		}
		if _, err := e.Register(ctx, &RegisterRequest{Path: td + "bridge-mods/aaa-orig.jpg"}); err != nil {
			searchBench.err = err
			return
		}
		b.Logf("%d assets stored in %s and indexed in %v; %+v", *benchAssets+1, dir, time.Since(start), e.Stats())
		// Queries of 1024 pixels on their longest side, like most uploads.
		src := decode(b, td+"bridge-mods/aaa-orig.jpg")
		bridge := image.NewRGBA(image.Rect(0, 0, 1024, 1024*src.Rect.Dy()/src.Rect.Dx()))
		draw.CatmullRom.Scale(bridge, bridge.Rect, src, src.Rect, draw.Src, nil)
		searchBench.e = e
		searchBench.queries = [][]byte{
			encodeJPEG(b, cropTo(bridge, 0.8, 0.7, 0.3), 90),
			encodeJPEG(b, rotateBy(bridge, 5), 90),
			encodeJPEG(b, padBy(bridge, 0.2, color.RGBA{10, 200, 30, 255}), 90),
			encodeJPEG(b, decode(b, labelme+"q0122.jpg"), 90),
		}
	})
	if searchBench.err != nil {
		b.Fatal(searchBench.err)
	}
	return searchBench.e, searchBench.queries
}

// syntheticAssets returns n assets with random PDQ and pHash and local
// features whose descriptors are those of real pictures with 10 to 40 bits
// flipped (so that the vote index sees the collisions real descriptors
// have), at random positions.
func syntheticAssets(b *testing.B, n int) []*sleuth.Asset {
	var pool [][4]uint64
	for _, f := range []string{"q0003.jpg", "q0004.jpg", "q0291.jpg", "q0746.jpg", "q1050.jpg", "q2821.jpg"} {
		img, err := imaging.DecodeFile(labelme+f, imaging.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range fingerprint.ExtractFeatures(img.RGBA, fingerprint.QueryFeatures).Points {
			pool = append(pool, p.Desc)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	as := make([]*sleuth.Asset, n)
	for i := range as {
		var pdq fingerprint.PDQ
		for k := range pdq {
			pdq[k] = byte(rng.Uint32())
		}
		f := &fingerprint.Features{Width: 512, Height: 384, Points: make([]fingerprint.Keypoint, fingerprint.AssetFeatures),
			Thumb: make([]uint8, fingerprint.ThumbSide*fingerprint.ThumbSide)}
		for k := range f.Thumb {
			f.Thumb[k] = uint8(rng.Uint32())
		}
		for k := range f.Points {
			d := pool[rng.IntN(len(pool))]
			for range 10 + rng.IntN(31) {
				bit := rng.IntN(256)
				d[bit>>6] ^= 1 << (bit & 63)
			}
			f.Points[k] = fingerprint.Keypoint{X: rng.Float32(), Y: rng.Float32(), Level: uint8(rng.IntN(4)), Angle: uint8(rng.IntN(256)), Desc: d}
		}
		as[i] = &sleuth.Asset{
			Nid: fmt.Sprintf("synthetic-%d", i), Size: 1, MIME: imaging.MIMEJPEG, Width: 1024, Height: 768,
			SHA256: fmt.Sprintf("%064x", i), BLAKE3: fmt.Sprintf("%064x", i+1<<40),
			Perceptual: []sleuth.Perceptual{
				{Kind: sleuth.KindPDQ, Hash: pdq.String(), Quality: 100},
				{Kind: sleuth.KindPHash, Hash: fmt.Sprintf("%016x", rng.Uint64())},
				{Kind: fingerprint.KindFeatures, Hash: f.String()},
			},
		}
	}
	return as
}

// BenchmarkSearch measures Search with -search-assets synthetic assets (and
// the bridge photograph) indexed, for edited copies of the bridge at 1024
// pixels wide: a 20% crop, a 5-degree rotation and a 20% solid border, and
// an unrelated picture. Each query is a JPEG decoded and fingerprinted as a user's
// upload is. Run it on one core: go test -run - -bench Search -cpu 1
// ./engine. It reports the p50 and p99 latency of one query.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	e, queries := searchSetup(b)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if _, err := e.Search(ctx, &SearchRequest{Data: queries[i%len(queries)]}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkSearchTurned measures Search, on BenchmarkSearch's index, for
// the query that costs the turned thumbnails the most: a flat picture on
// its own canvas turned by 9 degrees (its corners bare and white), with
// no copy registered, so that nothing is sure and every search angle's
// vector is looked up (turnedMatches). Run it on one core: go test -run -
// -bench SearchTurned -cpu 1 ./engine.
func BenchmarkSearchTurned(b *testing.B) {
	ctx := context.Background()
	e, _ := searchSetup(b)
	q := encodeJPEG(b, rotateBy(testpics.Flag(1024, 683, false), 9), 90)
	var lat []time.Duration
	for b.Loop() {
		t := time.Now()
		if _, err := e.Search(ctx, &SearchRequest{Data: q}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	reportLatency(b, lat)
}

// reportLatency reports the p50 and p99 of the latencies lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkVoteEntries measures voteEntries (the query's keypoints
// compared with each other) on the 512 features of a photograph.
func BenchmarkVoteEntries(b *testing.B) {
	img := decode(b, labelme+"q0122.jpg")
	f := fingerprint.ExtractFeatures(img, fingerprint.QueryFeatures)
	es := index.FeatureEntries(f)
	b.ReportMetric(float64(len(f.Points)), "keypoints")
	for b.Loop() {
		voteEntries(f, es)
	}
}
