package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/sleuthhq/sleuth/bench"
)

var benchCmd = &command{
	name:    "bench",
	summary: "Run a benchmark and print its table: bench index --size N, bench api --assets N.",
	usage:   "index [--size N] | api [--assets N]",
}

func init() { benchCmd.run = runBench }

func runBench(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(e.stderr, "Usage: sleuth bench index|api [flags]\n\nBenchmarks:\n  index   the PDQ Hamming index: query latency, QPS, build time and memory against a linear scan\n  api     theft detection over HTTP on loopback against the bare fingerprint+search cost\n\nRun 'sleuth bench index -h' or 'sleuth bench api -h' for their flags.\n")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	switch args[0] {
	case "index":
		return runBenchIndex(ctx, e, args[1:])
	case "api":
		return runBenchAPI(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sleuth: bench: unknown benchmark %q (want index or api)\n", args[0])
	return exitUsage
}

func runBenchIndex(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench index", summary: "Benchmark the PDQ index against a linear scan on realistic, clustered hashes."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	size := fs.Int("size", 1_000_000, "number of indexed PDQ hashes")
	queries := fs.Int("queries", 1000, "queries against the index")
	linearQueries := fs.Int("linear-queries", 50, "queries against the linear scan (the baseline)")
	maxDist := fs.Int("max-dist", 31, "Hamming distance threshold")
	seed := fs.Uint64("seed", 1, "seed of the data generator")
	tables := fs.Int("tables", 0, "index tables (0: the index's default, 8; 10 trades 8 bytes/entry for speed)")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var progress io.Writer = e.stderr
	if *quiet {
		progress = nil
	}
	cfg := bench.DefaultIndexConfig(*size)
	cfg.Queries, cfg.MaxDist, cfg.Seed, cfg.Tables = *queries, *maxDist, *seed, *tables
	cfg.Linear, cfg.LinearQueries = *linearQueries > 0, *linearQueries
	res, err := bench.IndexBench(ctx, cfg, progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: bench index: %v\n", err)
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return exitOK
	}
	res.WriteTable(e.stdout)
	return exitOK
}

func runBenchAPI(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, &command{name: "bench api", summary: "Load-test POST /v1/theft-detection (1024x1024 JPEG uploads) on loopback against the bare fingerprint+search cost."})
	asJSON := fs.Bool("json", false, "print the result as JSON")
	assets := fs.Int("assets", 100_000, "indexed assets")
	clients := fs.Int("clients", 4, "parallel clients in the throughput phase")
	duration := fs.Duration("duration", 20*time.Second, "bound on the throughput phase")
	requests := fs.Int("requests", 2000, "bound on the throughput phase's requests")
	sequential := fs.Int("sequential", 50, "requests one at a time (and bare searches) for the latency comparison")
	seed := fs.Uint64("seed", 1, "seed of the data generator")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if _, code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var progress io.Writer = e.stderr
	if *quiet {
		progress = nil
	}
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
	res, err := bench.APIBench(ctx, bench.APIConfig{
		Assets: *assets, Concurrency: *clients, Duration: *duration, Requests: *requests,
		Sequential: *sequential, Seed: *seed,
	}, progress)
	if err != nil {
		fmt.Fprintf(e.stderr, "sleuth: bench api: %v\n", err)
		return exitFail
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
		return exitOK
	}
	res.WriteTable(e.stdout)
	return exitOK
}
