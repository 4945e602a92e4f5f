package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/sleuthhq/sleuth/chain/evm"
	"github.com/sleuthhq/sleuth/devnet"
	"github.com/sleuthhq/sleuth/engine"
	"github.com/sleuthhq/sleuth/fetch"
	"github.com/sleuthhq/sleuth/ingest"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

// benchIngestRow is one run of the ingest benchmark.
type benchIngestRow struct {
	Workers    int     `json:"workers"`
	NFTs       int64   `json:"nfts"`
	Assets     int64   `json:"assets"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	NFTsPerSec float64 `json:"nfts_per_sec"`
	MiBPerSec  float64 `json:"mib_per_sec"`
	// CPUms is the CPU time of the whole process (ingest, chain and
	// gateway) per NFT, in milliseconds: what the run costs whatever else
	// the machine is doing.
	CPUms float64 `json:"cpu_ms_per_nft"`
}

// runBenchIngest measures NFTs/s ingested from a devnet: one ERC-721
// collection of --count tokens with generated JPEGs of --image-kb KB,
// ingested over HTTP JSON-RPC and the IPFS gateway into a fresh data
// directory for each worker count.
func runBenchIngest(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench ingest", summary: "Measure NFTs/s ingested from a local devnet (chain + IPFS gateway on loopback) at several concurrency levels."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	count := fs.Int("count", 500, "ERC-721 tokens in the collection (each with its own image)")
	imageKB := fs.Int("image-kb", 50, "size of each generated JPEG in KB")
	workersFlag := fs.String("workers", "1,2,4,8", "comma-separated worker counts, one run each")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the ingest runs to this file")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var workers []int
	for s := range strings.SplitSeq(*workersFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(e.stderr, "sleuth: bench ingest: --workers %q: want positive integers\n", *workersFlag)
			return exitUsage
		}
		workers = append(workers, n)
	}
	logf := func(format string, args ...any) {
		if !*quiet {
			fmt.Fprintf(e.stderr, format+"\n", args...)
		}
	}
	logf("starting a devnet with %d tokens of %d KB images...", *count, *imageKB)
	d, err := devnet.Start(ctx, devnet.Options{Count: *count, ImageKB: *imageKB, Editions: -1})
	if err != nil {
		return failf(e, err)
	}
	defer d.Close()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return failf(e, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return failf(e, err)
		}
		defer pprof.StopCPUProfile()
	}
	var rows []benchIngestRow
	for _, w := range workers {
		row, err := benchIngestOnce(ctx, d, w)
		if err != nil {
			return failf(e, err)
		}
		logf("workers %d: %d NFTs in %.2fs, %.1f NFTs/s", w, row.NFTs, row.Seconds, row.NFTsPerSec)
		rows = append(rows, row)
	}
	// The floor of the cost: registering the same images straight from
	// memory (fingerprints and store writes, no chain, no fetch).
	base, err := benchRegisterOnly(ctx, d, workers[len(workers)-1])
	if err != nil {
		return failf(e, err)
	}
	logf("register only, workers %d: %.1f images/s", base.Workers, base.NFTsPerSec)
	if *asJSON {
		printJSON(e.stdout, map[string]any{"count": *count, "image_kb": *imageKB, "cpus": runtime.NumCPU(), "runs": rows, "register_only": base})
		return exitOK
	}
	fmt.Fprintf(e.stdout, "ingest from a devnet: %d ERC-721 tokens, %d KB JPEGs, %d CPUs (%s/%s)\n", *count, *imageKB, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\tNFTs\tassets\tseconds\tNFTs/s\tMiB/s\tCPU ms/NFT\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2f\t%.1f\t%.1f\t%.1f\t\n", r.Workers, r.NFTs, r.Assets, r.Seconds, r.NFTsPerSec, r.MiBPerSec, r.CPUms)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "register only (same images from memory, no chain or fetch), %d workers: %d images in %.2fs, %.1f images/s, %.1f CPU ms/image\n",
		base.Workers, base.NFTs, base.Seconds, base.NFTsPerSec, base.CPUms)
	return exitOK
}

// benchRegisterOnly registers the devnet's distinct images with the engine
// directly, with the given number of workers.
func benchRegisterOnly(ctx context.Context, d *devnet.Devnet, workers int) (benchIngestRow, error) {
	dir, err := os.MkdirTemp("", "sleuth-bench-register-*")
	if err != nil {
		return benchIngestRow{}, err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "sleuth.db"))
	if err != nil {
		return benchIngestRow{}, err
	}
	defer st.Close()
	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		return benchIngestRow{}, err
	}
	seen := map[string]bool{}
	var imgs [][]byte
	for _, t := range d.Tokens {
		if n := t.ImageNid(); !seen[n] {
			seen[n] = true
			imgs = append(imgs, t.Image)
		}
	}
	start, cpu := time.Now(), processCPU()
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	var bytes int64
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(imgs) {
					return
				}
				if _, err := eng.Register(ctx, &engine.RegisterRequest{Data: imgs[i], Source: "bench", AllowNonImage: true}); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				mu.Lock()
				bytes += int64(len(imgs[i]))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return benchIngestRow{}, firstErr
	}
	el := time.Since(start).Seconds()
	return benchIngestRow{Workers: workers, NFTs: int64(len(imgs)), Assets: int64(len(imgs)), Bytes: bytes, Seconds: el,
		NFTsPerSec: float64(len(imgs)) / el, MiBPerSec: float64(bytes) / (1 << 20) / el,
		CPUms: float64((processCPU() - cpu).Microseconds()) / 1000 / float64(len(imgs))}, nil
}

// benchIngestOnce ingests the devnet's ERC-721 into a fresh data directory
// with the given number of workers.
func benchIngestOnce(ctx context.Context, d *devnet.Devnet, workers int) (benchIngestRow, error) {
	dir, err := os.MkdirTemp("", "sleuth-bench-ingest-*")
	if err != nil {
		return benchIngestRow{}, err
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.Open(ctx, filepath.Join(dir, "sleuth.db"))
	if err != nil {
		return benchIngestRow{}, err
	}
	defer st.Close()
	eng, err := engine.Open(ctx, st, engine.Options{})
	if err != nil {
		return benchIngestRow{}, err
	}
	f := fetch.New(fetch.Config{IPFSGateways: []string{d.GatewayURL}, AllowPrivate: true})
	defer f.CloseIdleConnections()
	pipe := ingest.New(eng, st, ingest.Options{Fetcher: f, CacheDir: filepath.Join(dir, "cache"), Workers: workers})
	in, err := evm.New(evm.Config{RPC: d.RPCURL, Contract: d.ERC721.Address.Hex()}, pipe, st)
	if err != nil {
		return benchIngestRow{}, err
	}
	start, cpu := time.Now(), processCPU()
	if err := in.Run(ctx); err != nil {
		return benchIngestRow{}, err
	}
	el := time.Since(start).Seconds()
	s := pipe.Stats()
	return benchIngestRow{
		Workers: workers, NFTs: s.Records, Assets: s.Assets, Bytes: s.Bytes, Seconds: el,
		NFTsPerSec: float64(s.Records) / el, MiBPerSec: float64(s.Bytes) / (1 << 20) / el,
		CPUms: float64((processCPU() - cpu).Microseconds()) / 1000 / float64(max(1, s.Records)),
	}, nil
}
