package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// The EachAsset benchmark's store, made once per test binary run: benchmarks
// are run several times (b.N = 1 first) and 100k assets take a while.
var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchErr  error
)

const benchAssets = 100_000

func benchStore(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "sleuth-sqlite-bench")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "bench.db")
		benchErr = fillStore(context.Background(), benchPath, benchAssets)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// fillStore writes n assets of three fingerprints each, 10,000 per
// transaction (PutAsset would commit each one).
func fillStore(ctx context.Context, path string, n int) error {
	db, err := Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	const batch = 10_000
	for from := 0; from < n; from += batch {
		err := db.withTx(ctx, "fill", func(tx *sql.Tx) error {
			for i := from; i < min(from+batch, n); i++ {
				a := storetest.NewAsset(fmt.Sprintf("bafkreibench%09d", i), i)
				row, err := newAssetRow(a)
				if err != nil {
					return err
				}
				if _, err := db.insertAssetTx(ctx, tx, a, row); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkEachAsset walks 100k assets with 3 fingerprints each: the start
// of a server, which builds its index from the store.
func BenchmarkEachAsset(b *testing.B) {
	path := benchStore(b)
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ReportAllocs()
	b.ResetTimer()
	rows := 0
	var peak uint64 // the most heap in use seen during a walk
	for b.Loop() {
		n := 0
		err := db.EachAsset(ctx, func(a *sleuth.Asset) error {
			if len(a.Perceptual) != 3 {
				return fmt.Errorf("asset %d has %d fingerprints", a.ID, len(a.Perceptual))
			}
			n++
			if n%10_000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != benchAssets {
			b.Fatalf("%d assets, want %d", n, benchAssets)
		}
		rows += n
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "assets/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPutAsset registers new assets one by one, each its own
// transaction, as ingest does.
func BenchmarkPutAsset(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "put.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	as := make([]*sleuth.Asset, 0, b.N)
	for i := range b.N {
		as = append(as, storetest.NewAsset(fmt.Sprintf("bafkreiput%09d", i), i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if created, err := db.PutAsset(ctx, as[i]); err != nil || !created {
			b.Fatal(created, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assets/s")
}

// BenchmarkPutAssetParallel is BenchmarkPutAsset from several goroutines:
// the writes queue for the one writer connection.
func BenchmarkPutAssetParallel(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "put.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			if _, err := db.PutAsset(ctx, storetest.NewAsset(fmt.Sprintf("bafkreipar%09d", i), i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "assets/s")
}

// BenchmarkPutAssetExisting puts Nids that are already there: re-ingest.
func BenchmarkPutAssetExisting(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "put.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	a := storetest.NewAsset("bafkreiexisting", 1)
	if _, err := db.PutAsset(ctx, a); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if created, err := db.PutAsset(ctx, a); err != nil || created {
			b.Fatal(created, err)
		}
	}
}
